/**
 * Encoding of the frames the server sends: replies, notifications and connect responses.
 * One reusable writer: every function returns a fresh copy of its frame.
 */

import { Xid } from '../../src/protocol/constants';
import type { WatcherEvent } from '../../src/protocol/records';
import {
  type ConnectResponse,
  encodeWatcherEvent,
  writeConnectResponseFrame,
  writeReplyFrame,
} from '../../src/protocol/records';
import { Writer } from '../../src/protocol/writer';

const writer = new Writer(64 * 1024);

/** `ReplyHeader{xid, zxid, err}` + an optional body. */
export function replyFrame(
  xid: number,
  zxid: bigint,
  err: number,
  encodeBody?: (writer: Writer) => void,
): Buffer {
  writer.reset();
  writeReplyFrame(writer, { xid, zxid, err }, err === 0 ? encodeBody : undefined);
  return writer.finish();
}

/** A watch notification: `ReplyHeader{-1, zxid, 0}` + `WatcherEvent`. */
export function notificationFrame(zxid: bigint, event: WatcherEvent): Buffer {
  writer.reset();
  writeReplyFrame(writer, { xid: Xid.notification, zxid, err: 0 }, (body) => encodeWatcherEvent(body, event));
  return writer.finish();
}

/** A ConnectResponse frame (no header). */
export function connectResponseFrame(response: ConnectResponse): Buffer {
  writer.reset();
  writeConnectResponseFrame(writer, response);
  return writer.finish();
}

/** The answer to an unknown or expired session: timeout 0, id 0, zero password. */
export function expiredConnectResponse(readOnly: boolean | undefined): Buffer {
  return connectResponseFrame({
    protocolVersion: 0,
    timeOut: 0,
    sessionId: 0n,
    passwd: Buffer.alloc(16),
    readOnly: readOnly === undefined ? undefined : false,
  });
}
