/**
 * Datadriven ZAB transcripts (etcd-io/raft's testdata style): each file in testdata/ is a
 * scenario; `ZAB_REWRITE=1 npx vitest run test/zab` regenerates the expected output.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDataDriven } from './datadriven';
import { InteractionEnv } from './interaction-env';

const directory = join(import.meta.dirname, 'testdata');

describe('ensemble transcripts', () => {
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.txt'))
    .sort()) {
    it(file.replace(/\.txt$/, ''), () => {
      const env = new InteractionEnv();
      const mismatches = runDataDriven(join(directory, file), (command) => env.handle(command));
      for (const mismatch of mismatches) {
        expect(mismatch.actual, `${file}:${mismatch.command.line} ${mismatch.command.text}`).toBe(
          mismatch.expected,
        );
      }
    });
  }
});
