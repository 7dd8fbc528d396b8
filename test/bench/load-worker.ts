/**
 * A load-generator child process. It runs one driver per job so its CPU time belongs to
 * that driver alone. IPC: `prepare` (open sessions) → `ready`; `go` (run the window) →
 * `result`; `exit`. Any failure is reported as `failed` with its message.
 */
import { prepareNzcLoad, prepareZookitLoad } from './client-load';
import { Driver, type LoadJob, type LoadResult, LoadWindow } from './load-job';
import { type PreparedLoad, prepareRawLoad } from './raw-load';

/** Messages from the parent. */
export type WorkerCommand = { type: 'prepare'; job: LoadJob } | { type: 'go' } | { type: 'exit' };
/** Messages to the parent. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string };

function prepare(job: LoadJob): Promise<PreparedLoad> {
  if (job.driver === Driver.raw) return prepareRawLoad(job);
  if (job.driver === Driver.zookit) return prepareZookitLoad(job);
  return prepareNzcLoad(job);
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

function failed(error: unknown): void {
  reply({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}

let prepared: PreparedLoad | undefined;

async function go(): Promise<void> {
  const load = prepared;
  prepared = undefined;
  if (load === undefined) throw new Error('go before prepare');
  const window = new LoadWindow();
  try {
    await load.run(window);
  } finally {
    await load.close();
  }
  reply({ type: 'result', result: window.result() });
}

process.on('message', (message: WorkerCommand) => {
  if (message.type === 'prepare') {
    prepare(message.job).then((load) => {
      prepared = load;
      reply({ type: 'ready' });
    }, failed);
  } else if (message.type === 'go') {
    go().catch(failed);
  } else {
    process.exit(0);
  }
});
// The parent owns this process: when the IPC channel goes, so do we.
process.on('disconnect', () => process.exit(0));
