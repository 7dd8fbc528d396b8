/**
 * kazoo (Debian's python3-kazoo, unchanged) runs one scripted session — nodes of every
 * kind, watches, transactions, digest ACLs, the Lock and Election recipes — against Apache
 * ZooKeeper 3.8 and against `zookit server`; the JSON transcripts must be equal, and a few
 * values are pinned.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeApache } from '../support/apache';
import { type InteropServers, startInteropServers } from './support/servers';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./kazoo/session.py', import.meta.url));
const ROOT = '/interop-kazoo';
const RUN_TIMEOUT_MS = 60_000;

type Transcript = [string, unknown][];

async function runKazoo(connectString: string): Promise<Transcript> {
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, connectString, ROOT], {
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 4 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Transcript;
}

describeApache('interop: kazoo against zookit and Apache ZooKeeper', () => {
  let servers: InteropServers;
  let apache: Transcript;
  let zookit: Transcript;

  beforeAll(async () => {
    servers = await startInteropServers();
    [apache, zookit] = await Promise.all([
      runKazoo(servers.apache.connectString),
      runKazoo(servers.zookit.connectString),
    ]);
  }, 120_000);

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
    expect(result.get('create p again')).toEqual({ error: 'NodeExistsError' });
    expect(result.get('create without parent')).toEqual({ error: 'NoNodeError' });
    expect(result.get('sequence 1')).toBe(`${ROOT}/s-0000000002`);
    expect(result.get('child of ephemeral')).toEqual({ error: 'NoChildrenForEphemeralsError' });
    expect(result.get('set p v0 again')).toEqual({ error: 'BadVersionError' });
    expect(result.get('data watch')).toEqual(['CHANGED', `${ROOT}/p`]);
    expect(result.get('exists watch')).toEqual(['CREATED', `${ROOT}/w`]);
    expect(result.get('child watch')).toEqual(['CHILD', ROOT]);
    expect(result.get('delete watch')).toEqual(['DELETED', `${ROOT}/w`]);
    expect(result.get('t3 after failed transaction')).toBeNull();
    expect(result.get('t1 after transactions')).toBe('two');
    expect(result.get('stranger reads')).toEqual({ error: 'NoAuthError' });
    expect(result.get('lock first acquires')).toBe(true);
    expect(result.get('lock second cannot')).toBe(false);
    // A non-blocking attempt that failed removed its node again.
    expect(result.get('lock contenders')).toEqual(['first']);
    expect(result.get('lock contenders after')).toEqual(['second']);
    expect(result.get('lock second acquires after release')).toBe(true);
    expect(result.get('election leader runs')).toBe(true);
    expect(result.get('election contenders')).toEqual(['leader-a']);
    expect(result.get('delete not empty')).toEqual({ error: 'NotEmptyError' });
  });
});
