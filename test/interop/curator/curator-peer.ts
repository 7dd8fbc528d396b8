/**
 * Starting `Peer.java` (Curator 5.4 from Debian's packages) beside zookit processes. The
 * classpath is the Curator jars plus what they load at run time: the ZooKeeper client and
 * its jute records, Guava (Curator 5 does not shade all of it: `curator-client` still loads
 * `com.google.common` classes), and SLF4J with the no-op binding to keep the log quiet.
 * ZooKeeper's client uses NIO by default, so Netty is not needed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireJava } from '../../support/apache-jvm';
import { startTrackedProcess, type TrackedProcess } from '../../support/child-processes';

/** Where Debian installs the jars. */
export const JAVA_LIBRARY_DIRECTORY = '/usr/share/java';

/** The jars Peer.java needs, by their unversioned Debian names. */
export const CURATOR_PEER_JARS = [
  'curator-framework.jar',
  'curator-client.jar',
  'curator-recipes.jar',
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'guava.jar',
  'slf4j-api.jar',
  'slf4j-nop.jar',
] as const;

/** The peer's source file. */
export const PEER_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'Peer.java');

/** The missing jars (empty when the peer can run). */
export function missingCuratorJars(): string[] {
  return CURATOR_PEER_JARS.filter((jar) => !existsSync(join(JAVA_LIBRARY_DIRECTORY, jar)));
}

/** The classpath of Peer.java. */
export function curatorClasspath(): string {
  const missing = missingCuratorJars();
  if (missing.length > 0)
    throw new Error(`Curator interop needs ${missing.join(', ')} in ${JAVA_LIBRARY_DIRECTORY}`);
  return CURATOR_PEER_JARS.map((jar) => join(JAVA_LIBRARY_DIRECTORY, jar)).join(':');
}

/** Options of {@link startCuratorPeer}. */
export interface CuratorPeerOptions {
  connectString: string;
  mode: 'mutex' | 'latch';
  path: string;
  /** The log shared with the Node processes. */
  logFile: string;
  id: string;
  /** Mutex mode: how many times to take the lock. */
  iterations?: number;
  /** The peer's own stdout/stderr. */
  outputFile: string;
}

/** Starts `java -cp <classpath> Peer.java …` as a tracked process (stop() sends SIGTERM). */
export function startCuratorPeer(options: CuratorPeerOptions): Promise<TrackedProcess> {
  return startTrackedProcess({
    command: requireJava(),
    args: [
      '-cp',
      curatorClasspath(),
      PEER_SOURCE,
      options.connectString,
      options.mode,
      options.path,
      options.logFile,
      options.id,
      String(options.iterations ?? 10),
    ],
    logFile: options.outputFile,
  });
}
