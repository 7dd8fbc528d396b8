/**
 * `zookit server` end to end, as an operator runs it: a child process started with flags or
 * with an Apache-format zoo.cfg, serving real sessions, refusing bad configuration with a
 * message that names the key, warning about unknown keys, and shutting down cleanly on
 * SIGTERM and SIGINT (exit 0, data dir lock released, data kept).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode } from '../../../src/protocol/constants';
import { Ids } from '../../../src/protocol/data';
import { ErrorCode } from '../../../src/protocol/errors';
import { decodeCreateResponse, decodeGetDataResponse } from '../../../src/protocol/records';
import { startZookitProcess, type ZookitProcess } from '../../interop/support/zookit-process';
import { fourLetterWord, freePort } from '../../support/network';
import { RawSession } from '../../support/raw-session';

const LOCK_FILE = 'zookit.lock';

let root: string;
let counter = 0;

function freshDir(name: string): string {
  counter += 1;
  return join(root, `${name}-${counter}`);
}

function logFile(name: string): string {
  counter += 1;
  return join(root, `${name}-${counter}.log`);
}

/** Creates `/path` holding `data` through a raw session; returns the created path. */
async function createNode(port: number, path: string, data: string): Promise<string> {
  const { session } = await RawSession.connect({ port, timeOut: 10_000 });
  try {
    const reply = await session.call(1, {
      path,
      data: Buffer.from(data),
      acl: [...Ids.OPEN_ACL_UNSAFE],
      flags: CreateMode.PERSISTENT,
    });
    expect(reply.header.err).toBe(0);
    return decodeCreateResponse(reply.reader).path;
  } finally {
    await session.closeSession().catch(() => undefined);
    session.destroy();
  }
}

/** The data of `/path`, or the error code. */
async function readNode(port: number, path: string): Promise<string | number> {
  const { session } = await RawSession.connect({ port, timeOut: 10_000 });
  try {
    const reply = await session.call(4, { path, watch: false });
    if (reply.header.err !== 0) return reply.header.err;
    return decodeGetDataResponse(reply.reader).data?.toString('utf8') ?? '';
  } finally {
    session.destroy();
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'zookit-server-command-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('zookit server: flags', () => {
  it('serves with --host/--port/--data-dir, stops on SIGTERM with exit 0 and releases the lock', async () => {
    const dataDir = freshDir('flags');
    const server = await startZookitProcess({
      args: ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
      logFile: logFile('flags'),
    });
    expect(server.port).toBeGreaterThan(0);
    expect(await fourLetterWord(server.port, 'srvr')).toMatch(/^Mode: standalone$/m);
    expect(await createNode(server.port, '/kept', 'by-sigterm')).toBe('/kept');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(true);

    expect(await server.signal('SIGTERM')).toBe(0);
    expect(server.output()).toContain('SIGTERM: shutting down');
    expect(server.output()).toContain('stopped');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

    // The same data dir opens again at once (nothing stale) and the write is there.
    const again = await startZookitProcess({
      args: ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
      logFile: logFile('flags-again'),
    });
    expect(await readNode(again.port, '/kept')).toBe('by-sigterm');
    expect(await again.signal('SIGINT')).toBe(0);
    expect(again.output()).toContain('SIGINT: shutting down');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it('runs `npm start`-style (host, port, relative ./data) from its working directory', async () => {
    const cwd = freshDir('npm-start');
    const port = await freePort();
    mkdirSync(cwd);
    const server = await startZookitProcess({
      args: ['--host', '127.0.0.1', '--port', String(port), '--data-dir', './data'],
      logFile: logFile('npm-start'),
      cwd,
    });
    expect(server.port).toBe(port);
    expect(server.output()).toContain(`serving on 127.0.0.1:${port}`);
    expect(await fourLetterWord(port, 'srvr')).toMatch(/^Zxid: 0x0$/m);
    expect(existsSync(join(cwd, 'data', LOCK_FILE))).toBe(true);
    expect(await server.signal('SIGTERM')).toBe(0);
    expect(existsSync(join(cwd, 'data', LOCK_FILE))).toBe(false);
  });

  it('a second server on a locked data dir refuses to start; the first keeps serving', async () => {
    const dataDir = freshDir('locked');
    const first = await startZookitProcess({
      args: ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
      logFile: logFile('locked-first'),
    });
    const second = await startZookitProcess({
      args: ['--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
      logFile: logFile('locked-second'),
      expectExit: true,
    });
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(/lock/i);
    expect(await createNode(first.port, '/still-serving', 'x')).toBe('/still-serving');
    expect(await first.signal('SIGTERM')).toBe(0);
  });

  it('rejects a bad flag with exit code 2 and the usage text', async () => {
    const server = await startZookitProcess({
      args: ['--port', 'eighty', '--data-dir', freshDir('bad-flag')],
      logFile: logFile('bad-flag'),
      expectExit: true,
    });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain("--port expects an integer from 0 to 65535, got 'eighty'");
    expect(server.output()).toContain('Usage: zookit server');
  });
});

describe('zookit server: --config zoo.cfg', () => {
  let server: ZookitProcess;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    port = await freePort();
    dataDir = freshDir('cfg');
    const configFile = join(root, 'zoo.cfg');
    writeFileSync(
      configFile,
      [
        '# an Apache-format file',
        'tickTime=500',
        `dataDir=${dataDir}`,
        `clientPort=${port}`,
        'clientPortAddress=127.0.0.1',
        'maxClientCnxns=7',
        'minSessionTimeout=1500',
        'maxSessionTimeout=4000',
        'snapCount=1000',
        'autopurge.snapRetainCount=3',
        'autopurge.purgeInterval=1',
        '4lw.commands.whitelist=ruok, conf ,srvr',
        'fancyUnknownKey=42',
        '',
      ].join('\n'),
    );
    server = await startZookitProcess({ args: ['--config', configFile], logFile: logFile('cfg') });
  });

  afterAll(async () => {
    if (server?.running) await server.signal('SIGTERM');
  });

  it('listens where the file says and applies its settings', async () => {
    expect(server.port).toBe(port);
    const conf = await fourLetterWord(port, 'conf');
    expect(conf).toContain(`clientPort=${port}`);
    expect(conf).toMatch(/^tickTime=500$/m);
    expect(conf).toMatch(/^maxClientCnxns=7$/m);
    expect(conf).toMatch(/^minSessionTimeout=1500$/m);
    expect(conf).toMatch(/^maxSessionTimeout=4000$/m);
    expect(conf).toContain(dataDir);
    // Session timeouts are clamped into [min, max] from the file.
    const { session, response } = await RawSession.connect({ port, timeOut: 60_000 });
    expect(response.timeOut).toBe(4000);
    session.destroy();
  });

  it('honours the whitelist from the file', async () => {
    expect(await fourLetterWord(port, 'ruok')).toBe('imok');
    expect(await fourLetterWord(port, 'stat')).toBe(
      'stat is not executed because it is not in the whitelist.\n',
    );
  });

  it('warns about an unknown key, naming it, and still serves', async () => {
    expect(server.output()).toMatch(/warning: fancyUnknownKey: unknown key/);
    expect(await createNode(port, '/from-cfg', 'yes')).toBe('/from-cfg');
  });

  it('flags override the file', async () => {
    const override = await startZookitProcess({
      args: ['--config', join(root, 'zoo.cfg'), '--port', '0', '--data-dir', freshDir('cfg-override')],
      logFile: logFile('cfg-override'),
    });
    expect(override.port).not.toBe(port);
    expect(await fourLetterWord(override.port, 'conf')).toMatch(/^tickTime=500$/m);
    expect(await override.signal('SIGINT')).toBe(0);
  });

  it.each([
    ['tickTime=soon', 'tickTime'],
    ['maxClientCnxns=many', 'maxClientCnxns'],
    ['minSessionTimeout=9000\nmaxSessionTimeout=4000', 'minSessionTimeout'],
    ['extendedTypesEnabled=perhaps', 'extendedTypesEnabled'],
    ['syncEnabled=maybe', 'syncEnabled'],
  ])('a bad value (%s) stops the start with a message naming %s', async (line, key) => {
    const configFile = join(root, `bad-${key}.cfg`);
    writeFileSync(
      configFile,
      `dataDir=${freshDir('bad')}\nclientPort=0\nclientPortAddress=127.0.0.1\n${line}\n`,
    );
    const bad = await startZookitProcess({
      args: ['--config', configFile],
      logFile: logFile(`bad-${key}`),
      expectExit: true,
    });
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toMatch(new RegExp(`bad configuration: ${key}: `));
    expect(bad.output()).not.toContain('serving on');
  });

  it('a missing config file stops the start with a message naming the file', async () => {
    const missing = join(root, 'does-not-exist.cfg');
    const bad = await startZookitProcess({
      args: ['--config', missing],
      logFile: logFile('missing-cfg'),
      expectExit: true,
    });
    expect(await bad.exited).not.toBe(0);
    expect(bad.output()).toContain(missing);
  });

  it('SIGINT shuts it down with exit 0, keeping the data', async () => {
    expect(await server.signal('SIGINT')).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const again = await startZookitProcess({
      args: ['--config', join(root, 'zoo.cfg')],
      logFile: logFile('cfg-again'),
    });
    expect(await readNode(again.port, '/from-cfg')).toBe('yes');
    expect(await readNode(again.port, '/never-created')).toBe(ErrorCode.NONODE);
    expect(await again.signal('SIGTERM')).toBe(0);
  });
});
