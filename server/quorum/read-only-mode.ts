/**
 * When an ensemble member with `readonlymode.enabled` serves read-only (Apache's
 * `QuorumPeer.run`): each time the peer turns LOOKING, a timer of max(2000 ms, tickTime)
 * starts; if the peer is still LOOKING when it fires, the {@link ReadOnlyService} starts.
 * As soon as the peer leaves LOOKING (it found a leader, or leads) the service stops and its
 * clients are disconnected — before the new role serves, so no read-only connection ever
 * sees a database being synchronised.
 *
 * A standalone server never gets one of these. A stopped server needs no call: the timer
 * is unref'd and the service starts only on a running server (and stops itself when it
 * finds the server stopped).
 */
import { assert } from '../../src/util/assert';
import type { ReadOnlyService } from '../runtime/read-only-service';
import { Role, roleName } from '../zab/role';

/** Apache waits this long in LOOKING (or one tickTime, if longer) before going read-only. */
export const READ_ONLY_START_DELAY_MS = 2_000;

/** The delay before a LOOKING member serves read-only clients. */
export function readOnlyStartDelayMs(tickTimeMs: number): number {
  assert(tickTimeMs > 0, 'tickTime is positive');
  return Math.max(READ_ONLY_START_DELAY_MS, tickTimeMs);
}

/** Turns a member's {@link ReadOnlyService} on and off as its ZAB role changes. */
export class ReadOnlyModeSwitch {
  private role: Role | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly service: ReadOnlyService,
    private readonly delayMs: number,
  ) {
    assert(delayMs >= 0, 'the read-only start delay is not negative');
  }

  /** The peer's role now (called on every role, leader or serving change). */
  roleChanged(role: Role): void {
    if (role === this.role) return;
    this.role = role;
    if (role === Role.LOOKING) {
      this.arm();
      return;
    }
    this.disarm();
    this.service.stop(`peer is ${roleName(role)}`);
  }

  private arm(): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.role === Role.LOOKING) this.service.start();
    }, this.delayMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
