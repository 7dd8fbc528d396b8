import { describe, expect, it } from 'vitest';
import {
  classifyAnswer,
  formatStatus,
  parseConnections,
  parseMonitor,
  parseServerStatus,
  type ServerReport,
} from '../../../server/commands/status-command';

const srvr = [
  'Zookeeper version: 3.8.0-abc, built on 2024-12-29 17:54 UTC',
  'Latency min/avg/max: 0/1.2294/9',
  'Received: 111',
  'Sent: 117',
  'Connections: 1',
  'Outstanding: 0',
  'Zxid: 0x31',
  'Mode: standalone',
  'Node count: 13',
  '',
].join('\n');
const mntr = 'zk_version\t3.8.0-abc, built on x\nzk_ephemerals_count\t2\nzk_watch_count\t7\n';
const cons = ' /127.0.0.1:5000[0](queued=0,recved=1,sent=0)\n\n';

describe('status: parsing four-letter words', () => {
  it('parses srvr, mntr and cons', () => {
    expect(parseServerStatus(srvr).get('Mode')).toBe('standalone');
    expect(parseServerStatus(srvr).get('Zookeeper version')).toBe('3.8.0-abc, built on 2024-12-29 17:54 UTC');
    expect(parseMonitor(mntr).get('zk_watch_count')).toBe('7');
    expect(parseConnections(cons)).toEqual(['/127.0.0.1:5000[0](queued=0,recved=1,sent=0)']);
  });
  it('recognises a refusal', () => {
    expect(classifyAnswer('cons', 'cons is not executed because it is not in the whitelist.\n')).toEqual({
      type: 'refused',
    });
    expect(classifyAnswer('srvr', srvr)).toEqual({ type: 'answer', text: srvr });
  });
});

describe('status: formatStatus', () => {
  it('prints a column per server, word outcomes and connections', () => {
    const reports: ServerReport[] = [
      {
        address: '127.0.0.1:2181',
        answers: {
          srvr: { type: 'answer', text: srvr },
          mntr: { type: 'answer', text: mntr },
          cons: { type: 'answer', text: cons },
        },
      },
      {
        address: '127.0.0.1:2182',
        answers: {
          srvr: { type: 'unreachable', reason: 'ECONNREFUSED' },
          mntr: { type: 'unreachable', reason: 'ECONNREFUSED' },
          cons: { type: 'refused' },
        },
      },
    ];
    expect(formatStatus(reports)).toEqual([
      '                        127.0.0.1:2181  127.0.0.1:2182',
      'mode                    standalone      unreachable (ECONNREFUSED)',
      'version                 3.8.0-abc',
      'zxid                    0x31',
      'znodes                  13',
      'connections             1',
      'outstanding requests    0',
      'latency min/avg/max ms  0/1.2294/9',
      'packets received        111',
      'packets sent            117',
      'ephemerals              2',
      'watches                 7',
      'srvr                    ok              unreachable (ECONNREFUSED)',
      'mntr                    ok              unreachable (ECONNREFUSED)',
      'cons                    ok              refused (not in 4lw.commands.whitelist)',
      '',
      'connections on 127.0.0.1:2181:',
      '  /127.0.0.1:5000[0](queued=0,recved=1,sent=0)',
    ]);
  });
});
