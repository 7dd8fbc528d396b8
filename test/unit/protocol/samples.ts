/**
 * Sample values for every protocol record, with the record's encoder and decoder: the
 * round-trip and fuzz suites both walk this list.
 */
import { OpCode } from '../../../src/protocol/constants';
import {
  type Acl,
  decodeAcl,
  decodeId,
  decodeStat,
  encodeAcl,
  encodeId,
  encodeStat,
  type Stat,
} from '../../../src/protocol/data';
import * as multi from '../../../src/protocol/multi';
import * as quorum from '../../../src/protocol/quorum';
import type { Reader } from '../../../src/protocol/reader';
import * as records from '../../../src/protocol/records';
import * as txn from '../../../src/protocol/txn';
import type { Writer } from '../../../src/protocol/writer';

/** One record type and values of it. */
export interface RecordSample {
  name: string;
  encode: (writer: Writer, value: never) => void;
  decode: (reader: Reader) => unknown;
  values: unknown[];
}

function sample<T>(
  name: string,
  encode: (writer: Writer, value: T) => void,
  decode: (reader: Reader) => T,
  values: T[],
): RecordSample {
  return { name, encode: encode as (writer: Writer, value: never) => void, decode, values };
}

export const stat: Stat = {
  czxid: 1n,
  mzxid: 2n,
  ctime: 3n,
  mtime: 4n,
  version: 5,
  cversion: 6,
  aversion: 7,
  ephemeralOwner: 8n,
  dataLength: 9,
  numChildren: 10,
  pzxid: 11n,
};
const extremeStat: Stat = {
  czxid: -(2n ** 63n),
  mzxid: 2n ** 63n - 1n,
  ctime: -1n,
  mtime: 0n,
  version: -2147483648,
  cversion: 2147483647,
  aversion: -1,
  ephemeralOwner: -0x8000000000000000n,
  dataLength: 0,
  numChildren: 0,
  pzxid: 0x100000001n,
};

export const acl: Acl[] = [
  { perms: 31, id: { scheme: 'world', id: 'anyone' } },
  { perms: 1, id: { scheme: 'digest', id: 'u:h' } },
];
const unicodePath = '/ünï/кодé/日本';
const bytes = Buffer.from('payload \u0000\u00ff', 'latin1');
const empty = Buffer.alloc(0);

const createRequests: records.CreateRequest[] = [
  { path: '/a', data: Buffer.from('hi'), acl, flags: 3 },
  { path: '/a', data: null, acl, flags: 0 },
  { path: unicodePath, data: empty, acl: [], flags: 4 },
];

/** One sample of every txn type, as `Txn` values. */
export const txnValues: txn.Txn[] = [
  { type: OpCode.create, body: { path: '/a', data: bytes, acl, ephemeral: true, parentCVersion: 3 } },
  { type: OpCode.create2, body: { path: '/a', data: null, acl: [], ephemeral: false, parentCVersion: -1 } },
  { type: OpCode.createContainer, body: { path: '/c', data: empty, acl, parentCVersion: 1 } },
  { type: OpCode.createTTL, body: { path: '/t', data: null, acl, parentCVersion: 4, ttl: 1000n } },
  { type: OpCode.delete, body: { path: '/a' } },
  { type: OpCode.deleteContainer, body: { path: '/c' } },
  { type: OpCode.setData, body: { path: '/a', data: bytes, version: 2 } },
  { type: OpCode.reconfig, body: { path: '/zookeeper/config', data: Buffer.from('server.1=x'), version: 1 } },
  { type: OpCode.check, body: { path: '/a', version: 5 } },
  { type: OpCode.setACL, body: { path: '/a', acl, version: 1 } },
  { type: OpCode.createSession, body: { timeOut: 30000 } },
  { type: OpCode.closeSession, body: { paths2Delete: ['/e1', '/e2'] } },
  { type: OpCode.closeSession, body: { paths2Delete: [] } },
  { type: OpCode.error, body: { err: -110 } },
];

/** Every record's samples. */
export const recordSamples: RecordSample[] = [
  sample('Stat', encodeStat, decodeStat, [stat, extremeStat]),
  sample('Id', encodeId, decodeId, [
    { scheme: 'ip', id: '127.0.0.1' },
    { scheme: '', id: '' },
  ]),
  sample('Acl', encodeAcl, decodeAcl, acl),
  sample('ConnectRequest', records.encodeConnectRequest, records.decodeConnectRequest, [
    {
      protocolVersion: 0,
      lastZxidSeen: 0x100000005n,
      timeOut: 30000,
      sessionId: 0x1234n,
      passwd: Buffer.alloc(16),
      readOnly: true,
    },
    {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOut: 4000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    },
    { protocolVersion: 0, lastZxidSeen: -1n, timeOut: 1, sessionId: -1n, passwd: empty, readOnly: undefined },
  ]),
  sample('ConnectResponse', records.encodeConnectResponse, records.decodeConnectResponse, [
    {
      protocolVersion: 0,
      timeOut: 4000,
      sessionId: 0x1234n,
      passwd: Buffer.from([1, 2, 3]),
      readOnly: false,
    },
    { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: true },
    { protocolVersion: 0, timeOut: 6000, sessionId: 5n, passwd: Buffer.alloc(16, 7), readOnly: undefined },
  ]),
  sample('RequestHeader', records.encodeRequestHeader, records.decodeRequestHeader, [
    { xid: 1, type: OpCode.create },
    { xid: -2, type: OpCode.ping },
    { xid: 2147483647, type: OpCode.closeSession },
  ]),
  sample('ReplyHeader', records.encodeReplyHeader, records.decodeReplyHeader, [
    { xid: -1, zxid: -1n, err: 0 },
    { xid: 7, zxid: 0x300000001n, err: -101 },
  ]),
  sample('CreateRequest', records.encodeCreateRequest, records.decodeCreateRequest, createRequests),
  sample('CreateTTLRequest', records.encodeCreateTTLRequest, records.decodeCreateTTLRequest, [
    { path: '/t', data: empty, acl, flags: 5, ttl: 1000n },
    { path: '/t/', data: null, acl: [], flags: 6, ttl: 0xffffffffffn },
  ]),
  sample('CreateResponse', records.encodeCreateResponse, records.decodeCreateResponse, [
    { path: '/a0000000001' },
    { path: unicodePath },
  ]),
  sample('Create2Response', records.encodeCreate2Response, records.decodeCreate2Response, [
    { path: '/a', stat },
  ]),
  sample('DeleteRequest', records.encodeDeleteRequest, records.decodeDeleteRequest, [
    { path: '/a', version: -1 },
    { path: '/b', version: 12 },
  ]),
  sample(
    'DeleteContainerRequest',
    records.encodeDeleteContainerRequest,
    records.decodeDeleteContainerRequest,
    [{ path: '/c' }],
  ),
  sample('ExistsRequest', records.encodeExistsRequest, records.decodeExistsRequest, [
    { path: '/a', watch: true },
    { path: '/', watch: false },
  ]),
  sample('ExistsResponse', records.encodeExistsResponse, records.decodeExistsResponse, [{ stat }]),
  sample('GetDataRequest', records.encodeGetDataRequest, records.decodeGetDataRequest, [
    { path: CONFIG(), watch: true },
  ]),
  sample('GetDataResponse', records.encodeGetDataResponse, records.decodeGetDataResponse, [
    { data: bytes, stat },
    { data: null, stat: extremeStat },
    { data: empty, stat },
  ]),
  sample('SetDataRequest', records.encodeSetDataRequest, records.decodeSetDataRequest, [
    { path: '/a', data: bytes, version: 3 },
    { path: '/a', data: null, version: -1 },
    { path: '/a', data: empty, version: 0 },
  ]),
  sample('SetDataResponse', records.encodeSetDataResponse, records.decodeSetDataResponse, [{ stat }]),
  sample('GetACLRequest', records.encodeGetACLRequest, records.decodeGetACLRequest, [{ path: '/a' }]),
  sample('GetACLResponse', records.encodeGetACLResponse, records.decodeGetACLResponse, [
    { acl, stat },
    { acl: [], stat },
  ]),
  sample('SetACLRequest', records.encodeSetACLRequest, records.decodeSetACLRequest, [
    { path: '/a', acl, version: 2 },
  ]),
  sample('SetACLResponse', records.encodeSetACLResponse, records.decodeSetACLResponse, [{ stat }]),
  sample('GetChildrenRequest', records.encodeGetChildrenRequest, records.decodeGetChildrenRequest, [
    { path: '/a', watch: false },
  ]),
  sample('GetChildrenResponse', records.encodeGetChildrenResponse, records.decodeGetChildrenResponse, [
    { children: ['x', 'y', 'ü'] },
    { children: [] },
  ]),
  sample('GetChildren2Request', records.encodeGetChildren2Request, records.decodeGetChildren2Request, [
    { path: '/a', watch: true },
  ]),
  sample('GetChildren2Response', records.encodeGetChildren2Response, records.decodeGetChildren2Response, [
    { children: ['x', 'y'], stat },
  ]),
  sample('SyncRequest', records.encodeSyncRequest, records.decodeSyncRequest, [{ path: '/' }]),
  sample('SyncResponse', records.encodeSyncResponse, records.decodeSyncResponse, [{ path: '/a' }]),
  sample('CheckVersionRequest', records.encodeCheckVersionRequest, records.decodeCheckVersionRequest, [
    { path: '/a', version: 7 },
  ]),
  sample('CheckWatchesRequest', records.encodeCheckWatchesRequest, records.decodeCheckWatchesRequest, [
    { path: '/a', type: 3 },
  ]),
  sample('RemoveWatchesRequest', records.encodeRemoveWatchesRequest, records.decodeRemoveWatchesRequest, [
    { path: '/a', type: 5 },
  ]),
  sample('AddWatchRequest', records.encodeAddWatchRequest, records.decodeAddWatchRequest, [
    { path: '/a', mode: 0 },
    { path: '/', mode: 1 },
  ]),
  sample('ReconfigRequest', records.encodeReconfigRequest, records.decodeReconfigRequest, [
    { joiningServers: 'server.1=a:1:2', leavingServers: null, newMembers: null, curConfigId: -1n },
    { joiningServers: null, leavingServers: '2,3', newMembers: '', curConfigId: 0x100000000n },
  ]),
  sample('AuthPacket', records.encodeAuthPacket, records.decodeAuthPacket, [
    { type: 0, scheme: 'digest', auth: Buffer.from('user:pw') },
    { type: 0, scheme: 'ip', auth: empty },
  ]),
  sample('SetWatches', records.encodeSetWatches, records.decodeSetWatches, [
    { relativeZxid: 9n, dataWatches: ['/d'], existWatches: ['/e', '/f'], childWatches: [] },
  ]),
  sample('SetWatches2', records.encodeSetWatches2, records.decodeSetWatches2, [
    {
      relativeZxid: 9n,
      dataWatches: ['/d'],
      existWatches: ['/e'],
      childWatches: ['/c'],
      persistentWatches: ['/p'],
      persistentRecursiveWatches: ['/r'],
    },
  ]),
  sample('WatcherEvent', records.encodeWatcherEvent, records.decodeWatcherEvent, [
    { type: 3, state: 3, path: '/w' },
    { type: -1, state: -112, path: '' },
  ]),
  sample('ErrorResponse', records.encodeErrorResponse, records.decodeErrorResponse, [
    { err: 0 },
    { err: -101 },
  ]),
  sample('GetEphemeralsRequest', records.encodeGetEphemeralsRequest, records.decodeGetEphemeralsRequest, [
    { prefixPath: '/' },
  ]),
  sample('GetEphemeralsResponse', records.encodeGetEphemeralsResponse, records.decodeGetEphemeralsResponse, [
    { ephemerals: ['/e1', '/e2'] },
  ]),
  sample(
    'GetAllChildrenNumberRequest',
    records.encodeGetAllChildrenNumberRequest,
    records.decodeGetAllChildrenNumberRequest,
    [{ path: '/' }],
  ),
  sample(
    'GetAllChildrenNumberResponse',
    records.encodeGetAllChildrenNumberResponse,
    records.decodeGetAllChildrenNumberResponse,
    [{ totalNumber: 42 }],
  ),
  sample('ClientInfo', records.encodeClientInfo, records.decodeClientInfo, [
    { authScheme: 'ip', user: '127.0.0.1' },
  ]),
  sample('WhoAmIResponse', records.encodeWhoAmIResponse, records.decodeWhoAmIResponse, [
    {
      clientInfo: [
        { authScheme: 'ip', user: '127.0.0.1' },
        { authScheme: 'digest', user: 'u' },
      ],
    },
    { clientInfo: [] },
  ]),
  sample('GetSASLRequest', records.encodeGetSASLRequest, records.decodeGetSASLRequest, [
    { token: bytes },
    { token: null },
  ]),
  sample('SetSASLResponse', records.encodeSetSASLResponse, records.decodeSetSASLResponse, [{ token: empty }]),
  sample('MultiHeader', multi.encodeMultiHeader, multi.decodeMultiHeader, [
    { type: 1, done: false, err: -1 },
    { type: -1, done: true, err: -1 },
  ]),
  sample('MultiRequest', multi.encodeMultiRequest, multi.decodeMultiRequest, [
    {
      ops: [
        { type: OpCode.create, request: createRequests[0]! },
        { type: OpCode.create2, request: createRequests[1]! },
        { type: OpCode.createContainer, request: createRequests[2]! },
        { type: OpCode.createTTL, request: { path: '/t', data: null, acl, flags: 5, ttl: 10n } },
        { type: OpCode.delete, request: { path: '/a', version: 1 } },
        { type: OpCode.setData, request: { path: '/a', data: null, version: -1 } },
        { type: OpCode.check, request: { path: '/a', version: 4 } },
      ],
    },
    {
      ops: [
        { type: OpCode.getData, request: { path: '/g', watch: false } },
        { type: OpCode.getChildren, request: { path: '/h', watch: false } },
      ],
    },
    { ops: [] },
  ]),
  sample('MultiResponse', multi.encodeMultiResponse, multi.decodeMultiResponse, [
    {
      results: [
        { type: OpCode.create, path: '/m0000000001' },
        { type: OpCode.create2, path: '/m2', stat },
        { type: OpCode.delete },
        { type: OpCode.setData, stat },
        { type: OpCode.check },
        { type: OpCode.getData, data: Buffer.from('v'), stat },
        { type: OpCode.getData, data: null, stat },
        { type: OpCode.getChildren, children: ['k'] },
        { type: OpCode.error, err: -101 },
        { type: OpCode.error, err: 0 },
      ],
    },
    { results: [] },
  ]),
  ...txnSamples(),
  ...quorumSamples(),
];

function CONFIG(): string {
  return records.CONFIG_NODE_PATH;
}

function txnSamples(): RecordSample[] {
  const header: txn.TxnHeader = {
    clientId: 0x1234n,
    cxid: 7,
    zxid: 0x200000003n,
    time: 1700000000000n,
    type: 1,
  };
  const multiTxn = txn.multiTxnFromTxns(txnValues.filter((value) => value.type !== OpCode.multi));
  const entries: txn.TxnEntry[] = txnValues.map((value, index) => ({
    header: { ...header, type: value.type, cxid: index },
    txn: value,
  }));
  entries.push({
    header: { ...header, type: OpCode.multi },
    txn: { type: OpCode.multi, body: multiTxn },
    digest: { version: 2, treeDigest: 99n },
  });
  return [
    sample('TxnHeader', txn.encodeTxnHeader, txn.decodeTxnHeader, [header]),
    sample('TxnDigest', txn.encodeTxnDigest, txn.decodeTxnDigest, [{ version: 2, treeDigest: -5n }]),
    sample('CreateTxn', txn.encodeCreateTxn, txn.decodeCreateTxn, [txnValues[0]!.body as txn.CreateTxn]),
    sample('CreateContainerTxn', txn.encodeCreateContainerTxn, txn.decodeCreateContainerTxn, [
      txnValues[2]!.body as txn.CreateContainerTxn,
    ]),
    sample('CreateTTLTxn', txn.encodeCreateTTLTxn, txn.decodeCreateTTLTxn, [
      txnValues[3]!.body as txn.CreateTTLTxn,
    ]),
    sample('DeleteTxn', txn.encodeDeleteTxn, txn.decodeDeleteTxn, [{ path: '/a' }]),
    sample('SetDataTxn', txn.encodeSetDataTxn, txn.decodeSetDataTxn, [
      { path: '/a', data: null, version: 1 },
    ]),
    sample('CheckVersionTxn', txn.encodeCheckVersionTxn, txn.decodeCheckVersionTxn, [
      { path: '/a', version: 1 },
    ]),
    sample('SetACLTxn', txn.encodeSetACLTxn, txn.decodeSetACLTxn, [{ path: '/a', acl: [], version: 0 }]),
    sample('CreateSessionTxn', txn.encodeCreateSessionTxn, txn.decodeCreateSessionTxn, [{ timeOut: 4000 }]),
    sample('CloseSessionTxn', txn.encodeCloseSessionTxn, txn.decodeCloseSessionTxn, [
      { paths2Delete: ['/x'] },
    ]),
    sample('ErrorTxn', txn.encodeErrorTxn, txn.decodeErrorTxn, [{ err: -2 }]),
    sample('MultiTxn', txn.encodeMultiTxn, txn.decodeMultiTxn, [multiTxn, { txns: [] }]),
    sample('TxnEntry', txn.encodeTxnEntry, txn.decodeTxnEntry, entries),
  ];
}

function quorumSamples(): RecordSample[] {
  return [
    sample('QuorumPacket', quorum.encodeQuorumPacket, quorum.decodeQuorumPacket, [
      { type: 1, zxid: -1n, data: Buffer.from([9, 8]), authinfo: [{ scheme: 'ip', id: '127.0.0.1' }] },
      { type: 5, zxid: 0x100000000n, data: null, authinfo: [] },
      { type: 13, zxid: 0n, data: empty, authinfo: [] },
    ]),
    sample('LearnerInfo', quorum.encodeLearnerInfo, quorum.decodeLearnerInfo, [
      { serverid: 3n, protocolVersion: 0x10000, configVersion: -1n },
    ]),
    sample('Notification', quorum.encodeNotification, quorum.decodeNotification, [
      {
        state: 0,
        leader: 2n,
        zxid: 0x100000004n,
        electionEpoch: 3n,
        peerEpoch: 1n,
        version: 2,
        config: Buffer.from('server.1=h:1:2\nversion=0'),
      },
      { state: 2, leader: 1n, zxid: 5n, electionEpoch: 6n, peerEpoch: 7n, version: 1, config: empty },
      { state: 1, leader: 1n, zxid: 5n, electionEpoch: 6n, peerEpoch: 7n, version: 2, config: empty },
    ]),
    sample('ElectionConnectHeader', quorum.encodeElectionConnectHeader, quorum.decodeElectionConnectHeader, [
      { protocolVersion: -65536n, sid: 3n, addresses: '127.0.0.1:3888' },
      { protocolVersion: -65535n, sid: 1n, addresses: '127.0.0.1:3888|127.0.0.2:3888' },
      { protocolVersion: undefined, sid: 7n, addresses: '' },
    ]),
  ];
}
