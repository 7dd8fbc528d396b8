/**
 * One lock contender as its own process, like a service instance: one client, one
 * InterProcessMutex. IPC: `prepare` (connect) → `ready`; `go` (contend) → `result` with
 * every hold's timestamps; `exit`. Any failure is reported as `failed` with its message.
 */
import { ZooKit, type ZooKitClient } from '../../src/index';
import { contend, type HoldRecord, WARM_UP_HOLDS } from './recipes-contention';

/** Messages from the parent. */
export type ContenderCommand =
  | {
      type: 'prepare';
      port: number;
      path: string;
      holds: number;
      holdMs: number;
      headMarker: boolean;
      sessionTimeoutMs: number;
    }
  | { type: 'go' }
  | { type: 'exit' };
/** Messages to the parent. */
export type ContenderReply =
  | { type: 'ready' }
  | { type: 'result'; records: HoldRecord[] }
  | { type: 'failed'; message: string };

function reply(message: ContenderReply): void {
  process.send?.(message);
}

function failed(error: unknown): void {
  reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}

let prepared:
  | { client: ZooKitClient; path: string; holds: number; holdMs: number; headMarker: boolean }
  | undefined;

async function prepare(command: Extract<ContenderCommand, { type: 'prepare' }>): Promise<void> {
  const client = ZooKit.newClient(`127.0.0.1:${command.port}`, {
    sessionTimeoutMs: command.sessionTimeoutMs,
    connectionTimeoutMs: 15_000,
  });
  await client.start();
  const { path, holds, holdMs, headMarker } = command;
  prepared = { client, path, holds, holdMs, headMarker };
  reply({ type: 'ready' });
}

async function go(): Promise<void> {
  const job = prepared;
  prepared = undefined;
  if (job === undefined) throw new Error('go before prepare');
  try {
    const records = await contend(job.client, job.path, job.holds, WARM_UP_HOLDS, job.holdMs, job.headMarker);
    reply({ type: 'result', records });
  } finally {
    await job.client.close();
  }
}

process.on('message', (message: ContenderCommand) => {
  if (message.type === 'prepare') prepare(message).catch(failed);
  else if (message.type === 'go') go().catch(failed);
  else process.exit(0);
});
// The parent owns this process: when the IPC channel goes, so do we.
process.on('disconnect', () => process.exit(0));
