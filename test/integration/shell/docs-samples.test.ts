/**
 * Every code sample of the docs runs, so none can rot. A sample is a fenced ```ts block
 * right after a `<!-- sample -->` comment in README.md or docs/*.md (`<!-- sample: vitest -->`
 * marks a sample that is itself a test). Each runs in a child process against its own
 * TestingServer, whose connect string it reads from `process.env.ZOOKEEPER`; the package
 * imports (`zookit`, `zookit/recipes`, `zookit/testing`, `zookit/server`) are pointed at the
 * sources, so a sample checks the code as it is now, not a stale build. A line
 * `console.log(...); // text` promises that `text` is printed: those lines must appear in the
 * output in that order (`<...>` in the text matches anything, e.g. a uuid).
 *
 * Every TypeScript or JavaScript block must be marked: as a sample, or with `<!-- fragment -->`
 * when it cannot run alone. An unmarked one fails, so a new example cannot skip being run.
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

/** Languages of the code blocks that must be a sample or a marked fragment. */
const scriptLanguages = new Set(['ts', 'typescript', 'tsx', 'js', 'javascript', 'jsx', 'mjs', 'cjs']);
const blockMarker = /^<!-- (sample(: vitest)?|fragment) -->\s*$/;

/** `file:line` of every ts/js block not marked as a sample or a fragment. */
function unmarkedScriptBlocks(file: string, text: string): string[] {
  const lines = text.split('\n');
  const unmarked: string[] = [];
  let previous = '';
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const fence = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line);
    if (fence === null) {
      if (line.trim() !== '') previous = line.trim();
      continue;
    }
    const language = (fence[2] ?? '').toLowerCase();
    if (scriptLanguages.has(language) && !blockMarker.test(previous)) unmarked.push(`${file}:${index + 1}`);
    // Skip to the closing fence (same characters, at least as long) so its body is not scanned.
    const opening = fence[1] ?? '```';
    const isClosing = (candidate: string): boolean =>
      candidate.startsWith(opening) && /^(`+|~+)$/.test(candidate) && candidate[0] === opening[0];
    let end = index + 1;
    while (end < lines.length && !isClosing((lines[end] ?? '').trim())) end += 1;
    index = end;
    previous = '';
  }
  return unmarked;
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

const markdown = markdownFiles().map((file) => ({
  file: relative(repositoryRoot, file),
  text: readFileSync(file, 'utf8'),
}));
const samples = markdown.flatMap(({ file, text }) => extractSamples(file, text));
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

/**
 * Type-checks every sample with the project's compiler options, the package imports mapped
 * to the sources; returns the diagnostics about the samples themselves (errors in files a
 * sample imports belong to those files' own checks).
 */
async function typecheckSamples(): Promise<string[]> {
  const directory = join(scratch, 'typecheck');
  mkdirSync(directory, { recursive: true });
  for (const sample of samples) {
    const name = `${sample.file.replace(/[^\w.-]/g, '_')}-${sample.line}.ts`;
    writeFileSync(join(directory, name), sample.code);
  }
  const paths = Object.fromEntries(
    Object.entries(packageEntries).map(([name, entry]) => [name, [join(repositoryRoot, entry)]]),
  );
  const config = {
    extends: join(repositoryRoot, 'tsconfig.json'),
    compilerOptions: { paths },
    include: ['*.ts'],
  };
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify(config));
  const compiler = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run([compiler, '-p', join(directory, 'tsconfig.json'), '--pretty', 'false'], {});
  const prefix = relative(repositoryRoot, directory);
  // Configuration errors (`error TS…` with no file) would silently check nothing: report them too.
  return result.output.split('\n').filter((line) => line.startsWith(prefix) || line.startsWith('error TS'));
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

  it('finds every ts/js block marked as a sample or a fragment', () => {
    expect(markdown.flatMap(({ file, text }) => unmarkedScriptBlocks(file, text))).toEqual([]);
    expect(samples.map((sample) => sample.file)).toContain('docs/testing.md');
    expect(samples.map((sample) => sample.file)).toContain('docs/recipes.md');
  });

  it(
    'type-checks every sample',
    async () => {
      expect(await typecheckSamples()).toEqual([]);
    },
    sampleTimeoutMs + 15_000,
  );

  it('reports an unmarked ts/js block, not a marked one or another language', () => {
    const text = [
      '```ts',
      'a();',
      '```', // 1: unmarked
      '<!-- sample -->',
      '',
      '```ts',
      'b();',
      '```',
      '<!-- fragment -->',
      '```typescript',
      'c();',
      '```',
      '```sh',
      '```ts inside a shell block',
      '```',
      'prose',
      '```js',
      'd();',
      '```', // 17: unmarked
      '<!-- sample -->',
      'prose between',
      '```ts',
      'e();',
      '```', // 22: marker not right before
    ].join('\n');
    expect(unmarkedScriptBlocks('z.md', text)).toEqual(['z.md:1', 'z.md:17', 'z.md:22']);
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
