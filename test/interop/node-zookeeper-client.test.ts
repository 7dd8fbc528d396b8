/**
 * node-zookeeper-client (npm, unchanged) runs one scripted session against Apache
 * ZooKeeper 3.8 and against `zookit server`; the normalised transcripts must be equal, and
 * a few values are pinned so that two equally wrong answers cannot pass.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors';
import { describeApache } from '../support/apache';
import { runNodeZookeeperClientSession, type TranscriptEntry } from './node-zookeeper-client/session';
import { type InteropServers, startInteropServers } from './support/servers';

const ROOT = '/interop-nzc';

describeApache('interop: node-zookeeper-client against zookit and Apache ZooKeeper', () => {
  let servers: InteropServers;
  let apache: TranscriptEntry[];
  let zookit: TranscriptEntry[];

  beforeAll(async () => {
    servers = await startInteropServers();
    [apache, zookit] = await Promise.all([
      runNodeZookeeperClientSession(servers.apache.connectString, ROOT),
      runNodeZookeeperClientSession(servers.zookit.connectString, ROOT),
    ]);
  }, 90_000);

  afterAll(async () => {
    await servers?.stop();
  });

  it('gets the same answers from both servers, step by step', () => {
    expect(zookit.map(([step]) => step)).toEqual(apache.map(([step]) => step));
    for (const [index, [step, result]] of apache.entries()) {
      expect({ step, result: zookit[index]?.[1] }).toEqual({ step, result });
    }
  });

  it('pins a few answers', () => {
    const result = new Map(zookit);
    expect(result.get('create p')).toBe(`${ROOT}/p`);
    expect(result.get('create p again')).toEqual({ error: ErrorCode.NODEEXISTS });
    expect(result.get('create in missing parent')).toEqual({ error: ErrorCode.NONODE });
    expect(result.get('sequential 1')).toBe(`${ROOT}/s-0000000001`);
    expect(result.get('sequential 2')).toBe(`${ROOT}/s-0000000002`);
    expect(result.get('child of ephemeral')).toEqual({ error: ErrorCode.NOCHILDRENFOREPHEMERALS });
    expect(result.get('setData p v0 again')).toEqual({ error: ErrorCode.BADVERSION });
    expect(result.get('exists missing')).toBeNull();
    expect(result.get('data watch')).toEqual([3, `${ROOT}/p`]);
    expect(result.get('exists watch')).toEqual([1, `${ROOT}/w`]);
    expect(result.get('child watch')).toEqual([4, ROOT]);
    expect(result.get('delete watch')).toEqual([2, `${ROOT}/w`]);
    expect(result.get('t3 after failed transaction')).toBeNull();
    expect(result.get('t1 after transactions')).toBe('two');
    expect(result.get('owner reads')).toBe('private');
    expect(result.get('stranger reads')).toEqual({ error: ErrorCode.NOAUTH });
    expect(result.get('wrong password reads')).toEqual({ error: ErrorCode.NOAUTH });
    expect(result.get('stranger reads after setACL')).toBe('private');
    expect(result.get('delete not empty')).toEqual({ error: ErrorCode.NOTEMPTY });
    expect(result.get('delete p')).toBeUndefined();
  });
});
