/**
 * The two servers an interop suite compares: Apache ZooKeeper 3.8 (Debian's package) and
 * `zookit server` as a child process, configured alike (tickTime 2000, every four-letter
 * word allowed, extended types on). A suite runs one scripted session against each and
 * compares the normalised results.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApacheZooKeeper, startApacheZooKeeper } from '../../support/apache';
import { freePort } from '../../support/network';
import { startZookitProcess, type ZookitProcess } from './zookit-process';

/** What a suite needs of a server. */
export interface InteropServer {
  readonly name: 'apache' | 'zookit';
  readonly port: number;
  readonly connectString: string;
}

/** Both servers, and one `stop()` for both. */
export interface InteropServers {
  readonly apache: InteropServer;
  readonly zookit: InteropServer;
  /** The zookit child, for its output in failure messages. */
  readonly zookitProcess: ZookitProcess;
  stop(): Promise<void>;
}

/** Options of {@link startInteropServers}. */
export interface InteropServerOptions {
  /**
   * The four-letter-word whitelist of both (default `*`); `'default'` leaves the key out of
   * zookit's zoo.cfg (its default: `srvr` only) and gives Apache `srvr,ruok` (the harness
   * needs `ruok` to see it serve).
   */
  fourLetterWordWhitelist?: string;
}

/** Starts Apache ZooKeeper and zookit side by side; both serve when it resolves. */
export async function startInteropServers(options: InteropServerOptions = {}): Promise<InteropServers> {
  const whitelist = options.fourLetterWordWhitelist ?? '*';
  const root = mkdtempSync(join(tmpdir(), 'zookit-interop-'));
  const configFile = join(root, 'zoo.cfg');
  writeFileSync(
    configFile,
    [
      'tickTime=2000',
      `dataDir=${join(root, 'data')}`,
      `clientPort=${await freePort()}`,
      'clientPortAddress=127.0.0.1',
      ...(whitelist === 'default' ? [] : [`4lw.commands.whitelist=${whitelist}`]),
      'extendedTypesEnabled=true',
      '',
    ].join('\n'),
  );
  // The harness writes `4lw.commands.whitelist=*`; a later line of the same key wins.
  const apacheWhitelist = whitelist === 'default' ? 'srvr,ruok' : whitelist;
  const apacheProperties: Record<string, string> =
    apacheWhitelist === '*' ? {} : { '4lw.commands.whitelist': apacheWhitelist };
  const [apacheResult, zookitResult] = await Promise.allSettled([
    startApacheZooKeeper({ tickTime: 2000, extendedTypes: true, properties: apacheProperties }),
    startZookitProcess({ args: ['--config', configFile], logFile: join(root, 'zookit.log') }),
  ]);
  const stopAll = async (apache?: ApacheZooKeeper, zookit?: ZookitProcess): Promise<void> => {
    await Promise.allSettled([apache?.stop(), zookit?.running ? zookit.signal('SIGTERM') : undefined]);
    rmSync(root, { recursive: true, force: true });
  };
  if (apacheResult.status === 'rejected' || zookitResult.status === 'rejected') {
    await stopAll(
      apacheResult.status === 'fulfilled' ? apacheResult.value : undefined,
      zookitResult.status === 'fulfilled' ? zookitResult.value : undefined,
    );
    const reason =
      apacheResult.status === 'rejected'
        ? apacheResult.reason
        : (zookitResult as PromiseRejectedResult).reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  const apache = apacheResult.value;
  const zookit = zookitResult.value;
  return {
    apache: { name: 'apache', port: apache.port, connectString: apache.connectString },
    zookit: { name: 'zookit', port: zookit.port, connectString: zookit.connectString },
    zookitProcess: zookit,
    stop: () => stopAll(apache, zookit),
  };
}
