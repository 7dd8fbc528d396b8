/**
 * The zkCli interop test compares two servers through zkCli's printed output; the
 * normaliser must survive the event thread printing a notification in the middle of a
 * command's line (CI once saw `[container,` and `e, es-0000000004, …]` as two lines).
 */
import { describe, expect, it } from 'vitest';
import { normaliseZkCliOutput } from '../../interop/zkcli/zkcli';

const EVENT = 'WatchedEvent state:SyncConnected type:NodeDataChanged path:/zkcli/p';

describe('zkCli output normaliser', () => {
  it('takes a notification printed between two lines out whole', () => {
    const raw = `world\n\nWATCHER::\n\n${EVENT}\n[a, b]\n`;
    const output = normaliseZkCliOutput(raw);
    expect(output.lines).toEqual(['world', '[a, b]']);
    expect(output.events).toEqual([EVENT]);
  });

  it('puts a command line back together when a notification lands inside it', () => {
    const raw = `[container, \nWATCHER::\n\n${EVENT}\ne, es-0000000004]\n`;
    expect(normaliseZkCliOutput(raw).lines).toEqual(['[container, e, es-0000000004]']);
  });

  it('puts it back together when the line is split between the two printed messages', () => {
    const raw = `[container\nWATCHER::\n, e\n${EVENT}\n, p]\nnext\n`;
    const output = normaliseZkCliOutput(raw);
    expect(output.lines).toEqual(['[container, e, p]', 'next']);
    expect(output.events).toEqual([EVENT]);
  });

  it('drops the connection state notifications and keeps the others sorted', () => {
    const other = 'WatchedEvent state:SyncConnected type:NodeCreated path:/a';
    const raw = `\nWATCHER::\n\nWatchedEvent state:SyncConnected type:None path:null\nx\n\nWATCHER::\n\n${EVENT}\n\nWATCHER::\n\n${other}\n`;
    const output = normaliseZkCliOutput(raw);
    expect(output.lines).toEqual(['x']);
    expect(output.events).toEqual([other, EVENT].sort());
  });
});
