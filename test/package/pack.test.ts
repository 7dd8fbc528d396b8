/**
 * The published package, as a user gets it: build, `npm pack`, install the tarball into a
 * fresh project, then load every entry point through ESM and CommonJS and run the bin.
 * Needs the npm registry for the two runtime dependencies.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
const COMMAND_TIMEOUT_MS = 120_000;
const entryPoints = ['zookit', 'zookit/recipes', 'zookit/server', 'zookit/testing'] as const;
/** The built files every entry point needs, in both module formats. */
const requiredDistFiles = ['index', 'recipes', 'server', 'testing'].flatMap((name) => [
  `dist/${name}.js`,
  `dist/${name}.cjs`,
  `dist/${name}.d.ts`,
  `dist/${name}.d.cts`,
]);

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, {
    cwd,
    timeout: COMMAND_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  return stdout;
}

describe('package: npm pack and install', () => {
  const workDirectory = mkdtempSync(join(tmpdir(), 'zookit-pack-'));
  const projectDirectory = join(workDirectory, 'project');
  let tarball = '';
  let packedFiles: string[] = [];

  beforeAll(async () => {
    await run('npx', ['tsup'], { cwd: root, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', workDirectory], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const [result] = packed;
    if (result === undefined) throw new Error('npm pack reported no tarball');
    tarball = join(workDirectory, result.filename);
    packedFiles = result.files.map((file) => file.path).sort();
    await run('mkdir', [projectDirectory]);
    await npm(['init', '-y'], projectDirectory);
    await npm(['install', '--no-package-lock', tarball], projectDirectory);
  }, COMMAND_TIMEOUT_MS * 2);

  afterAll(() => {
    rmSync(workDirectory, { recursive: true, force: true });
  });

  it('holds dist/, README.md, LICENSE and package.json, and nothing else', () => {
    expect(tarball).toMatch(
      new RegExp(`${packageJson.name}-${packageJson.version.replaceAll('.', '\\.')}\\.tgz$`),
    );
    const unexpected = packedFiles.filter(
      (path) => !['package.json', 'README.md', 'LICENSE'].includes(path) && !path.startsWith('dist/'),
    );
    expect(unexpected).toEqual([]);
    expect(packedFiles).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/cli.js']),
    );
    expect(packedFiles).toEqual(expect.arrayContaining(requiredDistFiles));
    expect(packedFiles.filter((path) => path.endsWith('.tgz') || path.includes('/data/'))).toEqual([]);
  });

  it('imports every entry point as ESM', async () => {
    const script = [
      ...entryPoints.map((name, index) => `import * as entry${index} from '${name}';`),
      `const entries = [${entryPoints.map((_, index) => `entry${index}`).join(', ')}];`,
      'console.log(JSON.stringify({ nonode: entry0.ErrorCode.NONODE, counts: entries.map((e) => Object.keys(e).length) }));',
    ].join('\n');
    writeFileSync(join(projectDirectory, 'check.mjs'), script);
    const { stdout } = await run('node', ['check.mjs'], {
      cwd: projectDirectory,
      timeout: COMMAND_TIMEOUT_MS,
    });
    const report = JSON.parse(stdout) as { nonode: number; counts: number[] };
    expect(report.nonode).toBe(-101);
    expect(report.counts).toHaveLength(4);
    for (const count of report.counts) expect(count).toBeGreaterThan(0);
  });

  it('requires every entry point as CommonJS', async () => {
    const script = [
      `const entries = ${JSON.stringify(entryPoints)}.map((name) => require(name));`,
      'console.log(JSON.stringify({ nonode: entries[0].ErrorCode.NONODE, counts: entries.map((e) => Object.keys(e).length) }));',
    ].join('\n');
    const { stdout } = await run('node', ['-e', script], {
      cwd: projectDirectory,
      timeout: COMMAND_TIMEOUT_MS,
    });
    const report = JSON.parse(stdout) as { nonode: number; counts: number[] };
    expect(report.nonode).toBe(-101);
    for (const count of report.counts) expect(count).toBeGreaterThan(0);
  });

  it('installs a working `zookit` bin', async () => {
    const { stdout } = await run('npx', ['--no-install', 'zookit', 'version'], {
      cwd: projectDirectory,
      timeout: COMMAND_TIMEOUT_MS,
    });
    expect(stdout.trim()).toBe(packageJson.version);
  });
});
