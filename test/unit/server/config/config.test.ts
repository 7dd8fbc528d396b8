import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  configFromOptions,
  loadConfigFile,
  parseConfig,
  parseProperties,
  parseServerLine,
  renderConf,
} from '../../../../server/config';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const minimal = 'dataDir=/var/zk\nclientPort=2181\n';

describe('properties syntax', () => {
  it('reads = : and whitespace separators, comments, escapes and continuations', () => {
    const text = [
      '# comment',
      '  ! also a comment',
      'a=1',
      'b : 2  ',
      'c 3',
      '  d=x\\',
      '     y',
      'e=tab\\there',
      'f=\\u0041\\:',
      'g',
      '',
    ].join('\r\n');
    expect(parseProperties(text).map(({ key, value }) => [key, value])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', 'xy'],
      ['e', 'tab\there'],
      ['f', 'A:'],
      ['g', ''],
    ]);
  });

  it('records the line of each entry and rejects a malformed \\u escape', () => {
    expect(parseProperties('\n\nx=1').map((entry) => entry.line)).toEqual([3]);
    expect(configError(() => parseProperties('x=\\u12')).message).toContain('malformed');
  });
});

describe('parseConfig: defaults (Apache 3.8)', () => {
  it('applies every default to a minimal standalone file', () => {
    const { config, warnings } = parseConfig(minimal);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      tickTimeMs: 3000,
      dataDir: '/var/zk',
      dataLogDir: '/var/zk',
      clientPort: 2181,
      clientPortAddress: undefined,
      maxClientConnections: 60,
      minSessionTimeoutMs: 6000,
      maxSessionTimeoutMs: 60000,
      snapCount: 100000,
      autopurgeSnapRetainCount: 3,
      autopurgeIntervalHours: 0,
      extendedTypesEnabled: false,
      globalOutstandingLimit: 1000,
      electionAlg: 3,
      servers: [],
      serverId: 0,
      distributed: false,
      standaloneEnabled: true,
      reconfigEnabled: false,
      skipAcl: false,
      containerCheckIntervalMs: 60000,
      containerMaxPerMinute: 10000,
      juteMaxBufferBytes: 0xfffff,
    });
    expect([...config.fourLetterWordWhitelist]).toEqual(['srvr']);
  });

  it('reads the zoo_sample.cfg settings and system-property keys', () => {
    const text = [
      'tickTime=2000',
      'initLimit=10',
      'syncLimit=5',
      'dataDir=/tmp/zookeeper',
      'dataLogDir=/tmp/zklog',
      'clientPort=2181',
      'clientPortAddress=127.0.0.1',
      'maxClientCnxns=0',
      'minSessionTimeout=3000',
      'maxSessionTimeout=90000',
      'autopurge.snapRetainCount=5',
      'autopurge.purgeInterval=1',
      '4lw.commands.whitelist=stat, ruok ,conf',
      'extendedTypesEnabled=true',
      'DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=',
      'zookeeper.snapCount=5000',
      'globalOutstandingLimit=50',
      'skipACL=yes',
      'readonlymode.enabled=true',
      'znode.container.checkIntervalMs=1000',
      'znode.container.maxPerMinute=7',
      'jute.maxbuffer=4194304',
    ].join('\n');
    const { config, warnings } = parseConfig(text);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      tickTimeMs: 2000,
      initLimitTicks: 10,
      syncLimitTicks: 5,
      dataLogDir: '/tmp/zklog',
      clientPortAddress: '127.0.0.1',
      maxClientConnections: 0,
      minSessionTimeoutMs: 3000,
      maxSessionTimeoutMs: 90000,
      autopurgeSnapRetainCount: 5,
      autopurgeIntervalHours: 1,
      extendedTypesEnabled: true,
      superDigest: 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=',
      snapCount: 5000,
      globalOutstandingLimit: 50,
      skipAcl: true,
      readOnlyModeEnabled: true,
      containerCheckIntervalMs: 1000,
      containerMaxPerMinute: 7,
      juteMaxBufferBytes: 4194304,
    });
    expect([...config.fourLetterWordWhitelist].sort()).toEqual(['conf', 'isro', 'ruok', 'srvr', 'stat']);
  });

  it('derives session timeout defaults from tickTime (2x and 20x)', () => {
    const { config } = parseConfig(`${minimal}tickTime=2000\nminSessionTimeout=-1\n`);
    expect([config.minSessionTimeoutMs, config.maxSessionTimeoutMs]).toEqual([4000, 40000]);
  });

  it('expands * to every four-letter word', () => {
    const { config } = parseConfig(`${minimal}4lw.commands.whitelist=*\n`);
    expect(config.fourLetterWordWhitelist.size).toBe(15);
    expect(config.fourLetterWordWhitelist.has('mntr')).toBe(true);
  });

  it('clamps snapRetainCount and snapCount up to their minimums with a warning', () => {
    const { config, warnings } = parseConfig(`${minimal}autopurge.snapRetainCount=1\nsnapCount=1\n`);
    expect(config.autopurgeSnapRetainCount).toBe(3);
    expect(config.snapCount).toBe(2);
    expect(warnings.map((warning) => warning.key)).toEqual(['snapCount', 'autopurge.snapRetainCount']);
  });
});

describe('parseConfig: warnings', () => {
  it('warns for unknown keys, admin.*, unsupported Apache keys, secure port and repeats', () => {
    const text = `${minimal}fooBar=1\nadmin.serverPort=8080\nsslQuorum=true\nsecureClientPort=2281\nclientPort=2182\n4lw.commands.whitelist=ruok,nope\n`;
    const { config, warnings } = parseConfig(text);
    expect(config.clientPort).toBe(2182);
    expect(warnings).toEqual([
      { key: 'fooBar', message: 'unknown key; ignored' },
      { key: 'admin.serverPort', message: 'the AdminServer (admin.*) is not provided by zookit; ignored' },
      { key: 'sslQuorum', message: 'recognised by Apache ZooKeeper but not supported by zookit; ignored' },
      { key: 'clientPort', message: 'set again on line 7; the last value wins' },
      { key: 'secureClientPort', message: 'TLS client connections are not supported; ignored' },
      { key: '4lw.commands.whitelist', message: "'nope' is not a four-letter word zookit knows" },
    ]);
  });
});

describe('parseConfig: errors name the key and the value', () => {
  const cases: [string, string, string, string | undefined][] = [
    ['non-numeric tickTime', `${minimal}tickTime=fast`, 'tickTime', 'fast'],
    ['zero tickTime', `${minimal}tickTime=0`, 'tickTime', '0'],
    ['port out of range', 'dataDir=/d\nclientPort=70000', 'clientPort', '70000'],
    ['missing dataDir', 'clientPort=2181', 'dataDir', undefined],
    ['missing clientPort', 'dataDir=/d', 'clientPort', undefined],
    ['address without port', 'dataDir=/d\nclientPortAddress=127.0.0.1', 'clientPortAddress', '127.0.0.1'],
    [
      'min > max session timeout',
      `${minimal}minSessionTimeout=9000\nmaxSessionTimeout=8000`,
      'minSessionTimeout',
      '9000',
    ],
    ['bad boolean', `${minimal}standaloneEnabled=maybe`, 'standaloneEnabled', 'maybe'],
    ['bad electionAlg', `${minimal}electionAlg=1`, 'electionAlg', '1'],
    ['bad peerType', `${minimal}peerType=leader`, 'peerType', 'leader'],
    ['bad skipACL', `${minimal}skipACL=perhaps`, 'skipACL', 'perhaps'],
    ['negative maxClientCnxns', `${minimal}maxClientCnxns=-1`, 'maxClientCnxns', '-1'],
    ['int overflow', `${minimal}snapCount=99999999999`, 'snapCount', '99999999999'],
    [
      'bad superDigest',
      `${minimal}DigestAuthenticationProvider.superDigest=abc`,
      'DigestAuthenticationProvider.superDigest',
      'abc',
    ],
    ['dynamic config file', `${minimal}dynamicConfigFile=/x`, 'dynamicConfigFile', '/x'],
    ['zero jute.maxbuffer', `${minimal}jute.maxbuffer=0`, 'jute.maxbuffer', '0'],
  ];
  for (const [name, text, key, value] of cases) {
    it(name, () => {
      const error = configError(() => parseConfig(text));
      expect(error.key).toBe(key);
      expect(error.value).toBe(value);
      expect(error.message.startsWith(`${key}: `)).toBe(true);
      if (value !== undefined) expect(error.message).toContain(`'${value}'`);
    });
  }
});

describe('server.N lines', () => {
  it('parses participant, observer, client address and IPv6 forms', () => {
    expect(parseServerLine('server.1', '127.0.0.1:2888:3888')).toEqual({
      id: 1,
      host: '127.0.0.1',
      quorumPort: 2888,
      electionPort: 3888,
      peerType: 'participant',
      clientHost: undefined,
      clientPort: undefined,
    });
    expect(parseServerLine('server.2', 'zk2:2889:3889:observer;2182')).toMatchObject({
      peerType: 'observer',
      clientHost: '0.0.0.0',
      clientPort: 2182,
    });
    expect(parseServerLine('server.3', '[::1]:2890:3890:participant;[::1]:2183')).toMatchObject({
      host: '::1',
      clientHost: '::1',
      clientPort: 2183,
    });
  });

  const bad: [string, string, string][] = [
    ['server.x', '127.0.0.1:2888:3888', 'server id'],
    ['server.1', '127.0.0.1:2888', 'expected host:quorumPort'],
    ['server.1', '127.0.0.1:2888:3888:leader', 'unrecognised peer type'],
    ['server.1', '127.0.0.1:2888:2888', 'must be different'],
    ['server.1', '127.0.0.1:0:3888', 'out of range'],
    ['server.1', '127.0.0.1:2888:3888;a:b:c', 'expected host:quorumPort'],
    ['server.1', 'a:1:2|b:1:2', 'multiple addresses'],
  ];
  for (const [key, value, why] of bad) {
    it(`rejects ${key}=${value}`, () => {
      const error = configError(() => parseServerLine(key, value));
      expect(error.key).toBe(key);
      expect(error.message).toContain(why);
    });
  }

  const ensemble = `${minimal}initLimit=10\nsyncLimit=5\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890:observer;127.0.0.1:2181\n`;

  it('runs distributed with two participants and a myid', () => {
    const { config } = parseConfig(ensemble, { myIdText: '3\n' });
    expect(config.distributed).toBe(true);
    expect(config.serverId).toBe(3);
    expect(config.peerType).toBe('observer');
    expect(config.servers.map((server) => server.id)).toEqual([1, 2, 3]);
    expect([config.clientPort, config.clientPortAddress]).toEqual([2181, '127.0.0.1']);
    const conflicting = ensemble.replace('clientPort=2181', 'clientPort=2999');
    const error = configError(() => parseConfig(conflicting, { myIdText: '3' }));
    expect([error.key, error.value]).toEqual(['clientPort', '2999']);
  });

  it('stays standalone with a single participant line', () => {
    const { config } = parseConfig(`${minimal}server.1=127.0.0.1:2888:3888\n`);
    expect(config.distributed).toBe(false);
  });

  it('rejects quorum mistakes, naming the key', () => {
    expect(configError(() => parseConfig(ensemble)).key).toBe('myid');
    expect(configError(() => parseConfig(ensemble, { myIdText: '9' })).key).toBe('myid');
    expect(configError(() => parseConfig(ensemble, { myIdText: 'one' })).key).toBe('myid');
    expect(configError(() => parseConfig(ensemble.replace('syncLimit=5', ''), { myIdText: '1' })).key).toBe(
      'syncLimit',
    );
    expect(configError(() => parseConfig(ensemble.replace('initLimit=10', ''), { myIdText: '1' })).key).toBe(
      'initLimit',
    );
    const duplicate = `${ensemble}server.01=127.0.0.1:2891:3891\n`;
    expect(configError(() => parseConfig(duplicate, { myIdText: '1' })).key).toBe('server.1');
    const observersOnly = `${minimal}server.1=127.0.0.1:2888:3888:observer\n`;
    const error = configError(() => parseConfig(observersOnly));
    expect([error.key, error.message]).toEqual([
      'server.1',
      "server.1: observers without participants is an invalid configuration (got 'observer')",
    ]);
    const observerNoQuorum = `${minimal}server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889:observer\n`;
    expect(configError(() => parseConfig(observerNoQuorum)).key).toBe('server.2');
    const extended = `${ensemble.replace('server.3', 'server.300')}extendedTypesEnabled=true\n`;
    expect(configError(() => parseConfig(extended, { myIdText: '300' })).message).toContain('<= 254');
  });
});

describe('hierarchical quorums (group.N / weight.N)', () => {
  const servers = [1, 2, 3, 4, 5].map((id) => `server.${id}=127.0.0.1:${2887 + id}:${3887 + id}\n`).join('');
  const base = `${minimal}initLimit=10\nsyncLimit=5\n${servers}server.6=127.0.0.1:2894:3894:observer\n`;
  const parse = (extra: string) => parseConfig(`${base}${extra}`, { myIdText: '1' });

  it('reads groups in group order and weights; the conf output lists them as Apache does', () => {
    const { config } = parse('group.7=5:4\ngroup.1=1:2:3\nweight.1=2\nweight.5=0\n');
    expect([...(config.quorumGroups ?? [])]).toEqual([
      [1, [1, 2, 3]],
      [7, [5, 4]],
    ]);
    expect([...(config.quorumWeights ?? [])]).toEqual([
      [1, 2],
      [5, 0],
    ]);
    const conf = renderConf(config, { clientPort: 2181, dataDirBytes: 0, dataLogDirBytes: 0 });
    expect(conf).toContain(
      'group.1=1:2:3\ngroup.7=4:5\nweight.1=2\nweight.2=1\nweight.3=1\nweight.4=1\nweight.5=0\n',
    );
    expect(parse('').config.quorumGroups).toBeUndefined();
  });

  it('rejects what Apache rejects, naming the key', () => {
    const key = (extra: string) => configError(() => parse(extra)).key;
    expect(key('group.1=1:2:3\n')).toBe('server.4'); // participants 4 and 5 in no group
    expect(key('group.1=1:2:3\ngroup.2=3:4:5\n')).toBe('group.2'); // 3 in two groups
    expect(key('group.1=1:2:3\ngroup.2=4:5:6\n')).toBe('group.2'); // 6 is an observer
    expect(key('group.1=1:2:3\ngroup.2=4:5:9\n')).toBe('group.2'); // no server.9
    expect(key('group.1=1:2:x\n')).toBe('group.1');
    expect(key('group.one=1:2:3\n')).toBe('group.one');
    expect(key('group.1=1:2:3:4:5\nweight.1=-1\n')).toBe('weight.1');
    expect(key('group.1=1:2:3:4:5\nweight.6=1\n')).toBe('weight.6'); // an observer has no weight
    expect(key('weight.1=2\n')).toBe('weight.1'); // weights without groups
    const zero = [1, 2, 3, 4, 5].map((id) => `weight.${id}=0\n`).join('');
    expect(key(`group.1=1:2:3:4:5\n${zero}`)).toBe('group.1');
    const standalone = `${minimal}group.1=1\n`;
    expect(configError(() => parseConfig(standalone)).key).toBe('group.1');
  });
});

describe('overrides, in-memory, files', () => {
  it('lets overrides win and recomputes tick-derived defaults', () => {
    const { config } = parseConfig(`${minimal}tickTime=2000\n`, {
      overrides: { tickTimeMs: 1000, clientPort: 0 },
    });
    expect([config.tickTimeMs, config.minSessionTimeoutMs, config.clientPort]).toEqual([1000, 2000, 0]);
  });

  it('drops the data directories when in-memory', () => {
    const { config } = parseConfig('clientPort=2181\n', { inMemory: true });
    expect([config.dataDir, config.dataLogDir]).toEqual([undefined, undefined]);
  });

  let directory: string | undefined;
  afterEach(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  });

  it('loads a file and reads dataDir/myid when server lines exist', async () => {
    directory = await mkdtemp(join(tmpdir(), 'zookit-config-'));
    const path = join(directory, 'zoo.cfg');
    await writeFile(
      path,
      `dataDir=${directory}\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\n`,
    );
    await writeFile(join(directory, 'myid'), '2\n');
    const { config } = await loadConfigFile(path);
    expect([config.serverId, config.distributed]).toEqual([2, true]);
    await expect(loadConfigFile(join(directory, 'missing.cfg'))).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('configFromOptions', () => {
  it('defaults to an in-memory standalone server', () => {
    const config = configFromOptions({ clientPort: 0, fourLetterWordWhitelist: '*' });
    expect([config.dataDir, config.clientPort, config.tickTimeMs, config.distributed]).toEqual([
      undefined,
      0,
      3000,
      false,
    ]);
    expect(config.fourLetterWordWhitelist.has('ruok')).toBe(true);
  });

  it('validates with the zoo.cfg key names', () => {
    expect(configError(() => configFromOptions({ tickTimeMs: -5 })).key).toBe('tickTime');
    expect(configError(() => configFromOptions({ clientPort: 65536 })).key).toBe('clientPort');
    expect(
      configError(() => configFromOptions({ minSessionTimeoutMs: 5000, maxSessionTimeoutMs: 10 })).key,
    ).toBe('minSessionTimeout');
  });
});

describe('renderConf', () => {
  it('prints Apache 3.8 standalone conf lines', () => {
    const { config } = parseConfig('tickTime=2000\ndataDir=/tmp/zkcfg/data\nclientPort=21811\n');
    expect(renderConf(config, { clientPort: 21811, dataDirBytes: 67109337, dataLogDirBytes: 67109337 })).toBe(
      'clientPort=21811\nsecureClientPort=-1\ndataDir=/tmp/zkcfg/data/version-2\ndataDirSize=67109337\n' +
        'dataLogDir=/tmp/zkcfg/data/version-2\ndataLogSize=67109337\ntickTime=2000\nmaxClientCnxns=60\n' +
        'minSessionTimeout=4000\nmaxSessionTimeout=40000\nclientPortListenBacklog=-1\nserverId=0\n',
    );
  });

  it('adds the quorum part for an ensemble member', () => {
    const text = `dataDir=data\nclientPort=2181\ninitLimit=10\nsyncLimit=5\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889;2182\n`;
    const { config } = parseConfig(text, { myIdText: '1' });
    const conf = renderConf(config, {
      clientPort: 2181,
      dataDirBytes: 0,
      dataLogDirBytes: 0,
      quorumConfigVersion: 0x100000000n,
    });
    expect(conf).toContain(`dataDir=${resolve('data', 'version-2')}\n`);
    expect(
      conf.endsWith(
        'serverId=1\ninitLimit=10\nsyncLimit=5\nelectionAlg=3\nelectionPort=3888\nquorumPort=2888\npeerType=0\n' +
          'membership: \nserver.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant;0.0.0.0:2182\n' +
          'version=100000000',
      ),
    ).toBe(true);
  });
});
