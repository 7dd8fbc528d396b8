/** Expected outcomes of the ZAB core that callers handle (not bugs: those are AssertionErrors). */

/**
 * A proposal or forwarded request was not accepted: this peer is not a serving leader (or
 * learner), or the leader has run out of counter space in its epoch and abdicated. The
 * caller answers the client with a connection loss and lets it retry elsewhere, as
 * ZooKeeper does (etcd-io/raft's ErrProposalDropped).
 */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
  constructor(readonly reason: string) {
    super(`proposal dropped: ${reason}`);
  }
}
