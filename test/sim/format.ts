/** Human-readable lines for messages and peer state, used by transcripts and simulator traces. */
import type { ZabMessage } from '../../server/zab/messages';
import type { Peer } from '../../server/zab/peer';
import { Role, roleName } from '../../server/zab/role';
import { formatZxid } from '../../server/zab/zxid';

/** `1->2 PROPOSAL 1.1 "a"`-style description of a message. */
export function formatMessage(message: ZabMessage): string {
  const route = `${message.from}->${message.to}`;
  if (message.kind === 'notification') {
    const { vote } = message;
    const zxid = vote.zxid < 0n ? '-' : formatZxid(vote.zxid);
    return `${route} NOTIFICATION ${roleName(message.state)} vote=(${vote.leader}, ${zxid}, epoch ${vote.peerEpoch}) round=${message.electionEpoch}`;
  }
  const head = `${route} ${message.kind.toUpperCase()}`;
  switch (message.kind) {
    case 'followerinfo':
    case 'observerinfo':
      return `${head} acceptedEpoch=${message.acceptedEpoch}`;
    case 'leaderinfo':
    case 'newleader':
      return `${head} epoch=${message.epoch}`;
    case 'ackepoch':
      return `${head} currentEpoch=${message.currentEpoch} last=${formatZxid(message.lastZxid)}`;
    case 'diff':
    case 'trunc':
    case 'commit':
    case 'ack':
      return `${head} ${formatZxid(message.zxid)}`;
    case 'snap':
      return `${head} ${formatZxid(message.snapshot.zxid)}`;
    case 'proposal':
    case 'inform':
      return `${head} ${formatZxid(message.entry.zxid)} "${message.entry.data.toString()}"`;
    case 'ping':
      return message.touches.length === 0 ? head : `${head} touches=${message.touches.length}`;
    case 'request':
      return `${head} "${message.data.toString()}"`;
    case 'uptodate':
    case 'sync':
    case 'syncrequest':
      return head;
  }
}

/** One status line of a running peer. */
export function formatPeer(peer: Peer): string {
  const leader = peer.role === Role.LOOKING ? '' : ` leader=${peer.leader}`;
  return (
    `${roleName(peer.role)}${leader} phase=${peer.phase} epochs=${peer.acceptedEpoch}/${peer.currentEpoch}` +
    ` last=${formatZxid(peer.log.lastZxid)} committed=${formatZxid(peer.committedZxid)} applied=${formatZxid(peer.appliedZxid)}`
  );
}
