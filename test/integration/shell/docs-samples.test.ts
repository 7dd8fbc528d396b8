/**
 * Every code sample of the docs runs, so none can rot. A sample is a fenced ```ts block
 * right after a `<!-- sample -->` comment in README.md or docs/*.md (`<!-- sample: vitest -->`
 * marks a sample that is itself a test). Each runs in a child process against its own
 * TestingServer, whose connect string it reads from `process.env.ZOOKEEPER`; the package
 * imports (`zookit`, `zookit/recipes`, `zookit/testing`, `zookit/server`) are pointed at the
 * sources, so a sample checks the code as it is now, not a stale build. A line
 * `console.log(...); // text` promises that `text` is printed: those lines must appear in the
 * output in that order (`<...>` in the text matches anything, e.g. a uuid).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestingServer } from '../../../server/testing/testing-server';
import { repositoryRoot } from './fixtures/run-cli';

/** One extracted sample. */
interface Sample {
  file: string;
  line: number;
  kind: 'script' | 'vitest';
  code: string;
}

const sampleTimeoutMs = 45_000;

/** Finds `<!-- sample -->` + ```ts blocks in a markdown text. */
function extractSamples(file: string, text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const marker = /^<!-- sample(: vitest)? -->\s*$/.exec(lines[index] ?? '');
    if (marker === null) continue;
    let start = index + 1;
    while (start < lines.length && (lines[start] ?? '').trim() === '') start += 1;
    if (lines[start] !== '```ts')
      throw new Error(`${file}:${index + 1}: a sample marker must precede a \`\`\`ts block`);
    const end = lines.indexOf('```', start + 1);
    if (end === -1) throw new Error(`${file}:${start + 1}: unterminated code block`);
    samples.push({
      file,
      line: start + 1,
      kind: marker[1] === undefined ? 'script' : 'vitest',
      code: lines.slice(start + 1, end).join('\n'),
    });
    index = end;
  }
  return samples;
}

const packageEntries: Record<string, string> = {
  zookit: 'src/index.ts',
  'zookit/recipes': 'recipes/index.ts',
  'zookit/testing': 'server/testing/index.ts',
  'zookit/server': 'server/index.ts',
};

function pointImportsAtSources(code: string): string {
  return code.replace(/from '(zookit(?:\/[a-z]+)?)'/g, (whole, name: string) => {
    const entry = packageEntries[name];
    return entry === undefined ? whole : `from '${join(repositoryRoot, entry)}'`;
  });
}

/** The output lines a sample promises in `console.log(...); // text` comments. */
function promisedLines(code: string): string[] {
  return code
    .split('\n')
    .map((line) => /console\.log\(.*\);\s*\/\/ (.+)$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined);
}

function linePattern(text: string): RegExp {
  const parts = text.split(/<[^>]*>/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*?')}$`);
}

/** The promised lines not found, in order, among the output lines. */
function missingLines(promised: readonly string[], output: string): string[] {
  const lines = output.split('\n');
  let cursor = 0;
  const missing: string[] = [];
  for (const text of promised) {
    const pattern = linePattern(text);
    const found = lines.findIndex((line, index) => index >= cursor && pattern.test(line));
    if (found === -1) missing.push(text);
    else cursor = found + 1;
  }
  return missing;
}

function markdownFiles(): string[] {
  const docs = readdirSync(join(repositoryRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(repositoryRoot, 'docs', name));
  return [join(repositoryRoot, 'README.md'), ...docs];
}

const samples = markdownFiles().flatMap((file) =>
  extractSamples(relative(repositoryRoot, file), readFileSync(file, 'utf8')),
);
// Inside the repository (so package imports of the samples resolve), removed afterwards.
const scratch = join(repositoryRoot, 'test', 'integration', 'shell', `.samples-${process.pid}`);

function run(command: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sample did not finish in ${sampleTimeoutMs} ms:\n${output}`));
    }, sampleTimeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('docs samples', () => {
  it('finds samples in the README and the guides', () => {
    const files = new Set(samples.map((sample) => sample.file));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/client.md');
    expect(files).toContain('docs/getting-started.md');
    expect(samples.length).toBeGreaterThanOrEqual(8);
  });

  it('checks the output a sample promises, in order, with <...> wildcards', () => {
    const code = "console.log(a); // id <uuid>-1\nconsole.log(b); // [ 'x' ]\nfoo(); // not a promise";
    expect(promisedLines(code)).toEqual(['id <uuid>-1', "[ 'x' ]"]);
    expect(missingLines(promisedLines(code), "noise\nid 12-ab-1\n[ 'x' ]\n")).toEqual([]);
    expect(missingLines(promisedLines(code), "[ 'x' ]\nid 12-ab-1\n")).toEqual(["[ 'x' ]"]);
  });

  it('rejects a marker without a ts block', () => {
    expect(() => extractSamples('x.md', '<!-- sample -->\n```sh\nls\n```')).toThrow(
      'x.md:1: a sample marker must precede a ```ts block',
    );
    expect(extractSamples('y.md', 'text\n<!-- sample -->\n\n```ts\nconst a = 1;\n```\n')).toEqual([
      { file: 'y.md', line: 4, kind: 'script', code: 'const a = 1;' },
    ]);
  });

  for (const [index, sample] of samples.entries()) {
    it(
      `${sample.file}:${sample.line} runs`,
      async () => {
        mkdirSync(scratch, { recursive: true });
        const suffix = sample.kind === 'vitest' ? 'test.ts' : 'ts';
        const file = join(scratch, `sample-${index}.${suffix}`);
        writeFileSync(file, pointImportsAtSources(sample.code));
        const server = await TestingServer.start({ inMemory: true, extendedTypesEnabled: true });
        try {
          const command =
            sample.kind === 'vitest'
              ? [
                  join(repositoryRoot, 'node_modules', 'vitest', 'vitest.mjs'),
                  'run',
                  relative(repositoryRoot, file),
                ]
              : ['--import', 'tsx', file];
          const result = await run(command, { ZOOKEEPER: server.connectString });
          if (result.code !== 0) throw new Error(`${sample.file}:${sample.line} failed:\n${result.output}`);
          const missing = missingLines(promisedLines(sample.code), result.output);
          if (missing.length > 0)
            throw new Error(
              `${sample.file}:${sample.line} did not print ${JSON.stringify(missing)}:\n${result.output}`,
            );
        } finally {
          await server.close();
        }
      },
      sampleTimeoutMs + 15_000,
    );
  }
});
