/**
 * Server configuration: Apache ZooKeeper's `zoo.cfg` (a java.util.Properties file) parsed and
 * validated into a typed {@link ServerConfig}, with Apache 3.8's defaults and rules
 * (`QuorumPeerConfig.parseProperties`). Parsing is pure; only {@link loadConfigFile} reads
 * files. Bad values throw {@link ConfigError} naming the key; keys zookit ignores become
 * {@link ConfigWarning}s, returned rather than thrown.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { allFourLetterWords, isFourLetterWord } from './admin/four-letter-words';

/** A configuration value that cannot be used. `key` is the zoo.cfg key it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string;
  readonly value: string | undefined;

  constructor(key: string, value: string | undefined, why: string, options?: { cause?: unknown }) {
    super(value === undefined ? `${key}: ${why}` : `${key}: ${why} (got '${value}')`, options);
    this.key = key;
    this.value = value;
  }
}

/** Something in the configuration that zookit accepted but ignores or corrected. */
export interface ConfigWarning {
  readonly key: string;
  readonly message: string;
}

/** A quorum member's role (`LearnerType`). */
export type PeerType = 'participant' | 'observer';

/** One `server.N=host:quorumPort:electionPort[:type][;[clientHost:]clientPort]` line. */
export interface QuorumServerSpec {
  readonly id: number;
  readonly host: string;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly peerType: PeerType;
  /** Host of the `;` client part; `0.0.0.0` when only a port was given; undefined without one. */
  readonly clientHost: string | undefined;
  readonly clientPort: number | undefined;
}

/** A validated configuration with every default applied. */
export interface ServerConfig {
  readonly tickTimeMs: number;
  /** Snapshot directory; undefined = in-memory server (no persistence). */
  readonly dataDir: string | undefined;
  /** Transaction log directory; defaults to `dataDir`. */
  readonly dataLogDir: string | undefined;
  /** Client port; 0 = any free port (a zookit extension, for tests). */
  readonly clientPort: number;
  /** Address to bind; undefined = every interface. */
  readonly clientPortAddress: string | undefined;
  /** Parsed but not served: zookit has no TLS listener. */
  readonly secureClientPort: number | undefined;
  /** `clientPortListenBacklog`; -1 = the platform default. */
  readonly clientPortListenBacklog: number;
  /** `maxClientCnxns`: connections per client IP; 0 = unlimited. */
  readonly maxClientConnections: number;
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** Transactions between snapshots (`zookeeper.snapCount`), at least 2. */
  readonly snapCount: number;
  /** `autopurge.snapRetainCount`, at least 3. */
  readonly autopurgeSnapRetainCount: number;
  /** `autopurge.purgeInterval` in hours; 0 = autopurge off. */
  readonly autopurgeIntervalHours: number;
  /** Enabled four-letter words, with Apache's implicit `srvr` (and `isro` in read-only mode). */
  readonly fourLetterWordWhitelist: ReadonlySet<string>;
  /** `zookeeper.extendedTypesEnabled`: TTL nodes allowed. */
  readonly extendedTypesEnabled: boolean;
  /** `zookeeper.DigestAuthenticationProvider.superDigest` (`super:<base64 sha1>`). */
  readonly superDigest: string | undefined;
  /** `zookeeper.globalOutstandingLimit`: requests in flight before reads from clients pause. */
  readonly globalOutstandingLimit: number;
  readonly initLimitTicks: number;
  readonly syncLimitTicks: number;
  /** Always 3 (fast leader election); the only value Apache 3.8 accepts. */
  readonly electionAlg: number;
  /** `server.N` lines, sorted by id. */
  readonly servers: readonly QuorumServerSpec[];
  /**
   * Hierarchical quorums (`group.N` lines: member ids by group number, in group-number
   * order), or undefined for majority quorums. Every participant is in exactly one group.
   */
  readonly quorumGroups: ReadonlyMap<number, readonly number[]> | undefined;
  /** `weight.ID` values of hierarchical quorums (a participant not listed weighs 1). */
  readonly quorumWeights: ReadonlyMap<number, number> | undefined;
  readonly peerType: PeerType;
  /** `myid`; 0 for a standalone server without one (what Apache's `conf` prints). */
  readonly serverId: number;
  /** True when this server runs ZAB: two or more participants, or standaloneEnabled=false. */
  readonly distributed: boolean;
  /**
   * `readonlymode.enabled` (Apache: the system property of that name): an ensemble member
   * without a quorum serves read-only clients (server/quorum/read-only-mode.ts). Ignored standalone.
   */
  readonly readOnlyModeEnabled: boolean;
  readonly standaloneEnabled: boolean;
  readonly reconfigEnabled: boolean;
  readonly localSessionsEnabled: boolean;
  readonly localSessionsUpgradingEnabled: boolean;
  /** Observers and followers log transactions (`syncEnabled`). */
  readonly syncEnabled: boolean;
  /** fsync the transaction log (`zookeeper.forceSync`, `no` turns it off). */
  readonly forceSync: boolean;
  /** `zookeeper.skipACL=yes`: every ACL check passes. */
  readonly skipAcl: boolean;
  readonly containerCheckIntervalMs: number;
  readonly containerMaxPerMinute: number;
  /** `jute.maxbuffer`: the largest frame accepted. */
  readonly juteMaxBufferBytes: number;
}

/** Programmatic configuration: any subset of {@link ServerConfig}, in typed form. */
export interface ServerConfigOptions {
  tickTimeMs?: number;
  dataDir?: string | undefined;
  dataLogDir?: string | undefined;
  clientPort?: number;
  clientPortAddress?: string | undefined;
  secureClientPort?: number | undefined;
  clientPortListenBacklog?: number;
  maxClientConnections?: number;
  /** -1 = 2 × tickTime. */
  minSessionTimeoutMs?: number;
  /** -1 = 20 × tickTime. */
  maxSessionTimeoutMs?: number;
  snapCount?: number;
  autopurgeSnapRetainCount?: number;
  autopurgeIntervalHours?: number;
  /** `*`, a comma list, or a list of words. */
  fourLetterWordWhitelist?: string | readonly string[];
  extendedTypesEnabled?: boolean;
  superDigest?: string | undefined;
  globalOutstandingLimit?: number;
  initLimitTicks?: number;
  syncLimitTicks?: number;
  electionAlg?: number;
  servers?: readonly QuorumServerSpec[];
  /** Hierarchical quorums: `group.N=id:id:…`, by group number. */
  quorumGroups?: ReadonlyMap<number, readonly number[]>;
  /** Hierarchical quorums: `weight.ID=w` (default 1), by server id. */
  quorumWeights?: ReadonlyMap<number, number>;
  peerType?: PeerType;
  serverId?: number | undefined;
  /** `readonlymode.enabled` (default false). */
  readOnlyModeEnabled?: boolean;
  standaloneEnabled?: boolean;
  reconfigEnabled?: boolean;
  localSessionsEnabled?: boolean;
  localSessionsUpgradingEnabled?: boolean;
  syncEnabled?: boolean;
  forceSync?: boolean;
  skipAcl?: boolean;
  containerCheckIntervalMs?: number;
  containerMaxPerMinute?: number;
  juteMaxBufferBytes?: number;
}

/** A configuration with what was noticed on the way. */
export interface ParsedConfig {
  readonly config: ServerConfig;
  readonly warnings: readonly ConfigWarning[];
  /** The typed settings before defaults, for re-resolving with overrides. */
  readonly options: ServerConfigOptions;
}

/** Apache 3.8's defaults, and zookit's where Apache has none (clientPort). */
export const serverConfigDefaults = {
  tickTimeMs: 3000,
  clientPort: 2181,
  clientPortListenBacklog: -1,
  maxClientConnections: 60,
  snapCount: 100_000,
  snapCountMin: 2,
  autopurgeSnapRetainCount: 3,
  autopurgeSnapRetainCountMin: 3,
  autopurgeIntervalHours: 0,
  fourLetterWordWhitelist: 'srvr',
  globalOutstandingLimit: 1000,
  electionAlg: 3,
  containerCheckIntervalMs: 60_000,
  containerMaxPerMinute: 10_000,
  juteMaxBufferBytes: 0xfffff,
  /** Largest server id when extended types (TTL) are on: the id shares the owner's top byte. */
  extendedTypesServerIdMax: 254,
} as const;

// ---------------------------------------------------------------------------------------------
// java.util.Properties

/** One `key=value` of a properties file, with its (first) line number. */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

const propertyWhitespace = new Set([' ', '\t', '\f']);

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && propertyWhitespace.has(text[index] as string)) index++;
  return index;
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let index = line.length - 1; index >= 0 && line[index] === '\\'; index--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * Parses properties text as `java.util.Properties.load` does: `#`/`!` comment lines, `=`, `:`
 * or whitespace between key and value, backslash line continuation, `\t \n \r \f \uXXXX`
 * escapes. Keys and values are then trimmed, as QuorumPeerConfig trims them. Duplicates are
 * kept in order (the last wins when applied).
 */
export function parseProperties(text: string): PropertyEntry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    let logical = (lines[index] as string).slice(skipWhitespace(lines[index] as string, 0));
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsWithContinuation(logical) && index + 1 < lines.length) {
      index++;
      const next = lines[index] as string;
      logical = logical.slice(0, -1) + next.slice(skipWhitespace(next, 0));
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    entries.push(splitProperty(logical, lineNumber));
  }
  return entries;
}

function splitProperty(logical: string, line: number): PropertyEntry {
  let keyEnd = 0;
  while (keyEnd < logical.length) {
    const char = logical[keyEnd] as string;
    if (char === '\\') {
      keyEnd += 2;
      continue;
    }
    if (char === '=' || char === ':' || propertyWhitespace.has(char)) break;
    keyEnd++;
  }
  keyEnd = Math.min(keyEnd, logical.length);
  let valueStart = skipWhitespace(logical, keyEnd);
  if (logical[valueStart] === '=' || logical[valueStart] === ':') {
    valueStart = skipWhitespace(logical, valueStart + 1);
  }
  const key = unescapeProperty(logical.slice(0, keyEnd), line).trim();
  const value = unescapeProperty(logical.slice(valueStart), line).trim();
  return { key, value, line };
}

const escapes: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeProperty(text: string, line: number): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char !== '\\' || index + 1 >= text.length) {
      out += char;
      continue;
    }
    const next = text[++index] as string;
    if (next === 'u') {
      const hex = text.slice(index + 1, index + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(`line ${line}`, text, 'malformed \\uxxxx escape');
      }
      out += String.fromCharCode(Number.parseInt(hex, 16));
      index += 4;
    } else {
      out += escapes[next] ?? next;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// zoo.cfg keys → typed options

/** Parses like Java's `Integer.parseInt`: optional sign, decimal digits, 32-bit range. */
function parseInteger(key: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new ConfigError(key, value, 'not an integer');
  const parsed = Number(value);
  if (parsed < -0x80000000 || parsed > 0x7fffffff) throw new ConfigError(key, value, 'out of 32-bit range');
  return parsed;
}

/** Apache's `parseBoolean`: `true` or `false`, any case. */
function parseBoolean(key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new ConfigError(key, value, "choose 'true' or 'false'");
}

/** `zookeeper.skipACL` and `zookeeper.forceSync` take yes/no (true/false accepted too). */
function parseYesNo(key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'yes' || lower === 'true') return true;
  if (lower === 'no' || lower === 'false') return false;
  throw new ConfigError(key, value, "choose 'yes' or 'no'");
}

function parsePeerType(key: string, value: string): PeerType {
  const lower = value.trim().toLowerCase();
  if (lower === 'participant' || lower === 'observer') return lower;
  throw new ConfigError(key, value, "unrecognised peer type: choose 'participant' or 'observer'");
}

type Setter = (options: ServerConfigOptions, value: string, key: string) => void;

/** Keys Apache reads as `zookeeper.<key>` system properties; both spellings are accepted. */
const keySetters: Record<string, Setter> = {
  tickTime: (o, v, k) => (o.tickTimeMs = parseInteger(k, v)),
  dataDir: (o, v) => (o.dataDir = v),
  dataLogDir: (o, v) => (o.dataLogDir = v),
  clientPort: (o, v, k) => (o.clientPort = parseInteger(k, v)),
  clientPortAddress: (o, v) => (o.clientPortAddress = v),
  secureClientPort: (o, v, k) => (o.secureClientPort = parseInteger(k, v)),
  clientPortListenBacklog: (o, v, k) => (o.clientPortListenBacklog = parseInteger(k, v)),
  maxClientCnxns: (o, v, k) => (o.maxClientConnections = parseInteger(k, v)),
  minSessionTimeout: (o, v, k) => (o.minSessionTimeoutMs = parseInteger(k, v)),
  maxSessionTimeout: (o, v, k) => (o.maxSessionTimeoutMs = parseInteger(k, v)),
  initLimit: (o, v, k) => (o.initLimitTicks = parseInteger(k, v)),
  syncLimit: (o, v, k) => (o.syncLimitTicks = parseInteger(k, v)),
  electionAlg: (o, v, k) => (o.electionAlg = parseInteger(k, v)),
  peerType: (o, v, k) => (o.peerType = parsePeerType(k, v)),
  syncEnabled: (o, v, k) => (o.syncEnabled = parseBoolean(k, v)),
  localSessionsEnabled: (o, v, k) => (o.localSessionsEnabled = parseBoolean(k, v)),
  localSessionsUpgradingEnabled: (o, v, k) => (o.localSessionsUpgradingEnabled = parseBoolean(k, v)),
  'autopurge.snapRetainCount': (o, v, k) => (o.autopurgeSnapRetainCount = parseInteger(k, v)),
  'autopurge.purgeInterval': (o, v, k) => (o.autopurgeIntervalHours = parseInteger(k, v)),
  standaloneEnabled: (o, v, k) => (o.standaloneEnabled = parseBoolean(k, v)),
  reconfigEnabled: (o, v, k) => (o.reconfigEnabled = parseBoolean(k, v)),
  'readonlymode.enabled': (o, v, k) => (o.readOnlyModeEnabled = parseBoolean(k, v)),
  'jute.maxbuffer': (o, v, k) => (o.juteMaxBufferBytes = parseInteger(k, v)),
  'znode.container.checkIntervalMs': (o, v, k) => (o.containerCheckIntervalMs = parseInteger(k, v)),
  'znode.container.maxPerMinute': (o, v, k) => (o.containerMaxPerMinute = parseInteger(k, v)),
  '4lw.commands.whitelist': (o, v) => (o.fourLetterWordWhitelist = v),
  snapCount: (o, v, k) => (o.snapCount = parseInteger(k, v)),
  globalOutstandingLimit: (o, v, k) => (o.globalOutstandingLimit = parseInteger(k, v)),
  skipACL: (o, v, k) => (o.skipAcl = parseYesNo(k, v)),
  forceSync: (o, v, k) => (o.forceSync = parseYesNo(k, v)),
  extendedTypesEnabled: (o, v, k) => (o.extendedTypesEnabled = parseBoolean(k, v)),
  'DigestAuthenticationProvider.superDigest': (o, v) => (o.superDigest = v),
};

/** Keys Apache 3.8 understands that zookit does not implement: accepted with a warning. */
const unsupportedApacheKeys = new Set([
  'secureClientPortAddress',
  'observerMasterPort',
  'connectToLearnerMasterLimit',
  'quorumListenOnAllIPs',
  'sslQuorum',
  'portUnification',
  'sslQuorumReloadCertFiles',
  'quorum.cnxn.threads.size',
  'multiAddress.enabled',
  'multiAddress.reachabilityCheckTimeoutMs',
  'multiAddress.reachabilityCheckEnabled',
  'oraclePath',
]);
const unsupportedApachePrefixes = ['quorum.auth.', 'jvm.pause.', 'metricsProvider.', 'ssl.', 'admin.'];

/** What to do with one entry: set an option, or warn. */
function applyEntry(options: ServerConfigOptions, entry: PropertyEntry, warnings: ConfigWarning[]): void {
  const { key, value } = entry;
  const bareKey = key.startsWith('zookeeper.') ? key.slice('zookeeper.'.length) : key;
  const setter = keySetters[key] ?? keySetters[bareKey];
  if (setter !== undefined) {
    setter(options, value, key);
    return;
  }
  if (key === 'dynamicConfigFile') {
    throw new ConfigError(
      key,
      value,
      'dynamic configuration files are not supported; put server.N lines in zoo.cfg',
    );
  }
  if (key.startsWith('admin.')) {
    warnings.push({ key, message: 'the AdminServer (admin.*) is not provided by zookit; ignored' });
  } else if (unsupportedApacheKeys.has(key) || unsupportedApachePrefixes.some((p) => key.startsWith(p))) {
    warnings.push({ key, message: 'recognised by Apache ZooKeeper but not supported by zookit; ignored' });
  } else {
    warnings.push({ key, message: 'unknown key; ignored' });
  }
}

/** Options for {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Contents of `dataDir/myid`, when the file exists. */
  myIdText?: string | undefined;
  /** Settings that win over the file (command-line flags). */
  overrides?: ServerConfigOptions;
  /** Run without persistence: dataDir is not required and is ignored. */
  inMemory?: boolean;
}

/**
 * Parses zoo.cfg text into a validated configuration. Throws {@link ConfigError} for bad
 * values, a missing dataDir (unless in-memory), a missing clientPort, or a bad quorum.
 */
export function parseConfig(text: string, parseOptions: ParseConfigOptions = {}): ParsedConfig {
  const warnings: ConfigWarning[] = [];
  const options: ServerConfigOptions = {};
  const servers: QuorumServerSpec[] = [];
  const groups = new Map<number, number[]>();
  const weights = new Map<number, number>();
  const seenKeys = new Map<string, number>();
  for (const entry of parseProperties(text)) {
    const previous = seenKeys.get(entry.key);
    if (previous !== undefined && !entry.key.startsWith('server.')) {
      warnings.push({ key: entry.key, message: `set again on line ${entry.line}; the last value wins` });
    }
    seenKeys.set(entry.key, entry.line);
    if (entry.key.startsWith('server.')) servers.push(parseServerLine(entry.key, entry.value));
    else if (entry.key.startsWith('group.')) groups.set(...parseGroupLine(entry.key, entry.value));
    else if (entry.key.startsWith('weight.')) weights.set(...parseWeightLine(entry.key, entry.value));
    else applyEntry(options, entry, warnings);
  }
  if (servers.length > 0) options.servers = servers;
  if (groups.size > 0) options.quorumGroups = groups;
  if (weights.size > 0) options.quorumWeights = weights;
  if (parseOptions.myIdText !== undefined) options.serverId = parseMyId(parseOptions.myIdText);
  Object.assign(options, parseOptions.overrides ?? {});
  if (parseOptions.inMemory === true) {
    options.dataDir = undefined;
    options.dataLogDir = undefined;
  } else if (options.dataDir === undefined) {
    throw new ConfigError('dataDir', undefined, 'dataDir is not set');
  }
  if (options.clientPort === undefined && !serverLineGivesClientPort(options)) {
    if (options.clientPortAddress !== undefined) {
      throw new ConfigError('clientPortAddress', options.clientPortAddress, 'set but clientPort is not set');
    }
    throw new ConfigError('clientPort', undefined, 'clientPort is not set');
  }
  return resolveOptions(options, warnings);
}

function serverLineGivesClientPort(options: ServerConfigOptions): boolean {
  const own = options.servers?.find((server) => server.id === options.serverId);
  return own?.clientPort !== undefined;
}

/** The number after `prefix` in a key (`group.2` → 2); a ConfigError unless it is a positive integer. */
function keyNumber(key: string, prefix: string, value: string): number {
  const text = key.slice(prefix.length);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1)
    throw new ConfigError(key, value, `expected ${prefix}N with N a positive integer`);
  return Number(text);
}

/** Parses `group.N=id:id:…` (hierarchical quorums) into [N, ids]. */
export function parseGroupLine(key: string, value: string): [number, number[]] {
  const group = keyNumber(key, 'group.', value);
  const ids = value.split(':').map((part) => part.trim());
  if (ids.some((id) => !/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))))
    throw new ConfigError(key, value, 'expected server ids separated by colons, e.g. 1:2:3');
  return [group, ids.map(Number)];
}

/** Parses `weight.ID=w` (hierarchical quorums) into [ID, w]. */
export function parseWeightLine(key: string, value: string): [number, number] {
  const id = keyNumber(key, 'weight.', value);
  const text = value.trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new ConfigError(key, value, 'a weight is a non-negative integer');
  return [id, Number(text)];
}

/** Parses the first line of a `myid` file. */
export function parseMyId(text: string): number {
  const first = (text.split(/\r?\n/)[0] ?? '').trim();
  if (!/^\d+$/.test(first) || !Number.isSafeInteger(Number(first))) {
    throw new ConfigError('myid', first, 'server id is not a number');
  }
  return Number(first);
}

const serverLineFormat =
  'expected host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]';

function parsePort(key: string, text: string | undefined, line: string): number {
  if (text === undefined || !/^\d+$/.test(text.trim())) throw new ConfigError(key, line, serverLineFormat);
  const port = Number(text.trim());
  if (port < 1 || port > 65535) throw new ConfigError(key, line, `port ${port} is out of range 1..65535`);
  return port;
}

/** Splits `host:port…`, honouring `[ipv6]:port`. */
function splitHostAndPorts(key: string, text: string, line: string): string[] {
  if (!text.startsWith('[')) return text.split(':');
  const close = text.lastIndexOf(']');
  if (close < 0) throw new ConfigError(key, line, "starts with '[' but has no matching ']'");
  const host = text.slice(1, close);
  const rest = text.slice(close + 1);
  if (host === '') throw new ConfigError(key, line, 'empty IPv6 host');
  if (rest === '') return [host];
  if (!rest.startsWith(':')) throw new ConfigError(key, line, "expected ':' after ']'");
  return [host, ...rest.slice(1).split(':')];
}

/** Parses `server.N` = `host:quorumPort:electionPort[:type][;[clientHost:]clientPort]`. */
export function parseServerLine(key: string, value: string): QuorumServerSpec {
  const idText = key.slice('server.'.length);
  if (!/^\d+$/.test(idText) || !Number.isSafeInteger(Number(idText))) {
    throw new ConfigError(key, value, 'server id is not a non-negative integer');
  }
  const parts = value.split(';');
  if (parts.length > 2) throw new ConfigError(key, value, serverLineFormat);
  const serverPart = (parts[0] as string).trim();
  if (serverPart.includes('|')) {
    throw new ConfigError(key, value, 'multiple addresses per server are not supported');
  }
  const fields = splitHostAndPorts(key, serverPart, value);
  if (fields.length < 3 || fields.length > 4 || (fields[0] as string) === '') {
    throw new ConfigError(key, value, serverLineFormat);
  }
  const quorumPort = parsePort(key, fields[1], value);
  const electionPort = parsePort(key, fields[2], value);
  if (quorumPort === electionPort) {
    throw new ConfigError(key, value, 'quorum and election ports must be different');
  }
  const peerType = fields[3] === undefined ? 'participant' : parsePeerType(key, fields[3]);
  let clientHost: string | undefined;
  let clientPort: number | undefined;
  if (parts[1] !== undefined) {
    const client = splitHostAndPorts(key, parts[1].trim(), value);
    if (client.length > 2) throw new ConfigError(key, value, serverLineFormat);
    clientHost = client.length === 2 ? (client[0] as string) : '0.0.0.0';
    clientPort = parsePort(key, client[client.length - 1], value);
  }
  const host = fields[0] as string;
  return { id: Number(idText), host, quorumPort, electionPort, peerType, clientHost, clientPort };
}

// ---------------------------------------------------------------------------------------------
// Validation and defaults

/** Builds a configuration from typed options (TestingServer, programmatic use). */
export function configFromOptions(options: ServerConfigOptions = {}): ServerConfig {
  return resolveOptions({ ...options }, []).config;
}

function requireRange(key: string, value: number, min: number, max: number, why: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(key, String(value), why);
  return value;
}

/** Apache's whitelist rules: comma list, `*` = every word; `srvr` always; `isro` in read-only mode. */
export function resolveFourLetterWordWhitelist(
  whitelist: string | readonly string[],
  readOnlyModeEnabled: boolean,
  warnings: ConfigWarning[] = [],
): ReadonlySet<string> {
  const words = typeof whitelist === 'string' ? whitelist.split(',') : whitelist;
  const enabled = new Set<string>();
  for (const raw of words) {
    const word = raw.trim();
    if (word === '*') {
      for (const known of allFourLetterWords) enabled.add(known);
      break;
    }
    if (word === '') continue;
    if (!isFourLetterWord(word)) {
      warnings.push({
        key: '4lw.commands.whitelist',
        message: `'${word}' is not a four-letter word zookit knows`,
      });
    }
    enabled.add(word);
  }
  if (readOnlyModeEnabled) enabled.add('isro');
  enabled.add('srvr');
  return enabled;
}

function resolveSessionTimeouts(options: ServerConfigOptions, tickTimeMs: number): [number, number] {
  const min = options.minSessionTimeoutMs ?? -1;
  const max = options.maxSessionTimeoutMs ?? -1;
  requireRange('minSessionTimeout', min, -1, 0x7fffffff, 'must be -1 (2 × tickTime) or a millisecond count');
  requireRange('maxSessionTimeout', max, -1, 0x7fffffff, 'must be -1 (20 × tickTime) or a millisecond count');
  const minMs = min === -1 ? tickTimeMs * 2 : min;
  const maxMs = max === -1 ? tickTimeMs * 20 : max;
  if (minMs > maxMs) {
    throw new ConfigError(
      'minSessionTimeout',
      String(minMs),
      `must not be larger than maxSessionTimeout ${maxMs}`,
    );
  }
  return [minMs, maxMs];
}

function resolveQuorum(options: ServerConfigOptions): {
  servers: QuorumServerSpec[];
  distributed: boolean;
  peerType: PeerType;
  serverId: number;
} {
  const servers = [...(options.servers ?? [])].sort((a, b) => a.id - b.id);
  for (let index = 1; index < servers.length; index++) {
    const id = (servers[index] as QuorumServerSpec).id;
    if ((servers[index - 1] as QuorumServerSpec).id === id) {
      throw new ConfigError(`server.${id}`, String(id), 'duplicate server id');
    }
  }
  const standaloneEnabled = options.standaloneEnabled ?? true;
  const participants = servers.filter((server) => server.peerType === 'participant').length;
  const firstObserver = servers.find((server) => server.peerType === 'observer');
  if (participants === 0 && firstObserver !== undefined) {
    throw new ConfigError(
      `server.${firstObserver.id}`,
      'observer',
      'observers without participants is an invalid configuration',
    );
  }
  if (participants === 0 && !standaloneEnabled) {
    throw new ConfigError('standaloneEnabled', 'false', 'requires at least one participant server.N line');
  }
  if (participants === 1 && standaloneEnabled && firstObserver !== undefined) {
    throw new ConfigError(
      `server.${firstObserver.id}`,
      'observer',
      'observers without a quorum is an invalid configuration',
    );
  }
  const distributed = servers.length > 0 && (!standaloneEnabled || participants > 1);
  const serverId = options.serverId ?? 0;
  requireRange('myid', serverId, 0, Number.MAX_SAFE_INTEGER, 'server id must be a non-negative integer');
  let peerType = options.peerType ?? 'participant';
  if (distributed) {
    if (options.serverId === undefined) throw new ConfigError('myid', undefined, 'myid file is missing');
    const own = servers.find((server) => server.id === serverId);
    if (own === undefined) throw new ConfigError('myid', String(serverId), 'no server.N line has this id');
    peerType = own.peerType;
  }
  return { servers, distributed, peerType, serverId };
}

/**
 * Checks hierarchical quorums against the server lines: only with an ensemble; every
 * participant in exactly one group (Apache's rule), no observer or unknown id in one, weights
 * of participants only and only with groups, some group of positive total weight (rules
 * Apache does not check, starting with a broken quorum instead). quorum.ts asserts the same
 * shape; here a mistake is a ConfigError naming the key.
 */
function resolveHierarchy(
  options: ServerConfigOptions,
  servers: readonly QuorumServerSpec[],
  distributed: boolean,
): { quorumGroups: Map<number, number[]> | undefined; quorumWeights: Map<number, number> | undefined } {
  const groups = options.quorumGroups;
  const weights = options.quorumWeights;
  if (groups === undefined || groups.size === 0) {
    const [firstWeighted] = weights?.keys() ?? [];
    if (firstWeighted !== undefined)
      throw new ConfigError(
        `weight.${firstWeighted}`,
        String(weights?.get(firstWeighted)),
        'weights need group.N lines (hierarchical quorums)',
      );
    return { quorumGroups: undefined, quorumWeights: undefined };
  }
  const [firstGroup] = groups.keys();
  if (!distributed)
    throw new ConfigError(
      `group.${firstGroup}`,
      undefined,
      'hierarchical quorums need an ensemble (server.N lines)',
    );
  const participant = (id: number) => servers.find((server) => server.id === id)?.peerType === 'participant';
  const groupOf = new Map<number, number>();
  const ordered = [...groups.entries()].sort(([a], [b]) => a - b);
  for (const [group, ids] of ordered) {
    for (const id of ids) {
      const key = `group.${group}`;
      const spec = servers.find((server) => server.id === id);
      if (spec === undefined) throw new ConfigError(key, ids.join(':'), `server ${id} has no server.N line`);
      if (spec.peerType !== 'participant')
        throw new ConfigError(
          key,
          ids.join(':'),
          `server ${id} is an observer; only participants are in groups`,
        );
      const other = groupOf.get(id);
      if (other !== undefined)
        throw new ConfigError(key, ids.join(':'), `server ${id} is also in group.${other}`);
      groupOf.set(id, group);
    }
  }
  const ungrouped = servers.find((server) => server.peerType === 'participant' && !groupOf.has(server.id));
  if (ungrouped !== undefined)
    throw new ConfigError(
      `server.${ungrouped.id}`,
      undefined,
      'with group.N lines every participant must be in a group',
    );
  for (const [id, weight] of weights ?? []) {
    if (!participant(id))
      throw new ConfigError(`weight.${id}`, String(weight), `server ${id} is not a participant`);
  }
  const weightOf = (id: number) => weights?.get(id) ?? 1;
  if (!ordered.some(([, ids]) => ids.some((id) => weightOf(id) > 0)))
    throw new ConfigError(
      `group.${firstGroup}`,
      undefined,
      'every group has total weight 0: no quorum is possible',
    );
  return {
    quorumGroups: new Map(ordered.map(([group, ids]) => [group, [...ids]])),
    quorumWeights: weights === undefined ? undefined : new Map(weights),
  };
}

function resolveClientPort(
  options: ServerConfigOptions,
  servers: readonly QuorumServerSpec[],
  serverId: number,
) {
  const own = servers.find((server) => server.id === serverId);
  let clientPort = options.clientPort;
  let clientPortAddress = options.clientPortAddress;
  if (own?.clientPort !== undefined) {
    if (clientPort !== undefined && clientPort !== 0 && clientPort !== own.clientPort) {
      throw new ConfigError(
        'clientPort',
        String(clientPort),
        `differs from server.${serverId}'s ${own.clientPort}`,
      );
    }
    clientPort = own.clientPort;
    if (own.clientHost !== '0.0.0.0') clientPortAddress = own.clientHost;
  }
  clientPort = requireRange(
    'clientPort',
    clientPort ?? serverConfigDefaults.clientPort,
    0,
    65535,
    'out of range 0..65535',
  );
  if (clientPortAddress === '') throw new ConfigError('clientPortAddress', '', 'must not be empty');
  return { clientPort, clientPortAddress };
}

function clampWithWarning(key: string, value: number, min: number, warnings: ConfigWarning[]): number {
  if (value >= min) return value;
  warnings.push({ key, message: `${value} is below the minimum ${min}; using ${min}` });
  return min;
}

/** Applies defaults and every cross-key rule. The one place a ServerConfig is built. */
function resolveOptions(options: ServerConfigOptions, warnings: ConfigWarning[]): ParsedConfig {
  const d = serverConfigDefaults;
  const tickTimeMs = requireRange(
    'tickTime',
    options.tickTimeMs ?? d.tickTimeMs,
    1,
    0x7fffffff,
    'must be positive',
  );
  const [minSessionTimeoutMs, maxSessionTimeoutMs] = resolveSessionTimeouts(options, tickTimeMs);
  const { servers, distributed, peerType, serverId } = resolveQuorum(options);
  const { quorumGroups, quorumWeights } = resolveHierarchy(options, servers, distributed);
  const { clientPort, clientPortAddress } = resolveClientPort(options, servers, serverId);
  const initLimitTicks = requireRange(
    'initLimit',
    options.initLimitTicks ?? 0,
    0,
    0x7fffffff,
    'must be >= 0',
  );
  const syncLimitTicks = requireRange(
    'syncLimit',
    options.syncLimitTicks ?? 0,
    0,
    0x7fffffff,
    'must be >= 0',
  );
  if (distributed && initLimitTicks === 0)
    throw new ConfigError('initLimit', undefined, 'initLimit is not set');
  if (distributed && syncLimitTicks === 0)
    throw new ConfigError('syncLimit', undefined, 'syncLimit is not set');
  const electionAlg = options.electionAlg ?? d.electionAlg;
  if (electionAlg !== 3) throw new ConfigError('electionAlg', String(electionAlg), 'only 3 is supported');
  const secureClientPort = options.secureClientPort;
  if (secureClientPort !== undefined && secureClientPort !== 0) {
    requireRange('secureClientPort', secureClientPort, 1, 65535, 'out of range 1..65535');
    warnings.push({ key: 'secureClientPort', message: 'TLS client connections are not supported; ignored' });
  }
  const extendedTypesEnabled = options.extendedTypesEnabled ?? false;
  if (extendedTypesEnabled && serverId > d.extendedTypesServerIdMax) {
    throw new ConfigError(
      'myid',
      String(serverId),
      `extendedTypesEnabled requires a server id <= ${d.extendedTypesServerIdMax}`,
    );
  }
  const readOnlyModeEnabled = options.readOnlyModeEnabled ?? false;
  const positive = (key: string, value: number) =>
    requireRange(key, value, 1, 0x7fffffff, 'must be positive');
  const config: ServerConfig = {
    tickTimeMs,
    dataDir: options.dataDir,
    dataLogDir: options.dataLogDir ?? options.dataDir,
    clientPort,
    clientPortAddress,
    secureClientPort: secureClientPort === 0 ? undefined : secureClientPort,
    clientPortListenBacklog: requireRange(
      'clientPortListenBacklog',
      options.clientPortListenBacklog ?? d.clientPortListenBacklog,
      -1,
      0x7fffffff,
      'must be -1 or positive',
    ),
    maxClientConnections: requireRange(
      'maxClientCnxns',
      options.maxClientConnections ?? d.maxClientConnections,
      0,
      0x7fffffff,
      'must be >= 0 (0 = unlimited)',
    ),
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    snapCount: clampWithWarning('snapCount', options.snapCount ?? d.snapCount, d.snapCountMin, warnings),
    autopurgeSnapRetainCount: clampWithWarning(
      'autopurge.snapRetainCount',
      options.autopurgeSnapRetainCount ?? d.autopurgeSnapRetainCount,
      d.autopurgeSnapRetainCountMin,
      warnings,
    ),
    autopurgeIntervalHours: Math.max(0, options.autopurgeIntervalHours ?? d.autopurgeIntervalHours),
    fourLetterWordWhitelist: resolveFourLetterWordWhitelist(
      options.fourLetterWordWhitelist ?? d.fourLetterWordWhitelist,
      readOnlyModeEnabled,
      warnings,
    ),
    extendedTypesEnabled,
    superDigest: options.superDigest,
    globalOutstandingLimit: positive(
      'globalOutstandingLimit',
      options.globalOutstandingLimit ?? d.globalOutstandingLimit,
    ),
    initLimitTicks,
    syncLimitTicks,
    electionAlg,
    servers,
    quorumGroups,
    quorumWeights,
    peerType,
    serverId,
    distributed,
    readOnlyModeEnabled,
    standaloneEnabled: options.standaloneEnabled ?? true,
    reconfigEnabled: options.reconfigEnabled ?? false,
    localSessionsEnabled: options.localSessionsEnabled ?? false,
    localSessionsUpgradingEnabled: options.localSessionsUpgradingEnabled ?? false,
    syncEnabled: options.syncEnabled ?? true,
    forceSync: options.forceSync ?? true,
    skipAcl: options.skipAcl ?? false,
    containerCheckIntervalMs: positive(
      'znode.container.checkIntervalMs',
      options.containerCheckIntervalMs ?? d.containerCheckIntervalMs,
    ),
    containerMaxPerMinute: positive(
      'znode.container.maxPerMinute',
      options.containerMaxPerMinute ?? d.containerMaxPerMinute,
    ),
    juteMaxBufferBytes: positive('jute.maxbuffer', options.juteMaxBufferBytes ?? d.juteMaxBufferBytes),
  };
  if (config.superDigest !== undefined && !config.superDigest.startsWith('super:')) {
    throw new ConfigError(
      'DigestAuthenticationProvider.superDigest',
      config.superDigest,
      "expected 'super:<base64 digest>'",
    );
  }
  return { config, warnings, options };
}

// ---------------------------------------------------------------------------------------------
// Files

async function readOptionalFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Reads a zoo.cfg file and, when it has `server.N` lines and a dataDir, `dataDir/myid`.
 * `parseOptions.overrides` (command-line flags) win over the file.
 */
export async function loadConfigFile(
  path: string,
  parseOptions: ParseConfigOptions = {},
): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('config', path, 'cannot read the configuration file', { cause: error });
  }
  const entries = parseProperties(text);
  const dataDir =
    parseOptions.overrides?.dataDir ?? entries.findLast((entry) => entry.key === 'dataDir')?.value;
  const hasServers = entries.some((entry) => entry.key.startsWith('server.'));
  let myIdText = parseOptions.myIdText;
  if (myIdText === undefined && hasServers && dataDir !== undefined) {
    myIdText = await readOptionalFile(join(dataDir, 'myid'));
  }
  return parseConfig(text, { ...parseOptions, myIdText });
}

// ---------------------------------------------------------------------------------------------
// The `conf` four-letter word

/** Values only the running server knows, for {@link renderConf}. */
export interface ConfRuntimeValues {
  /** The port actually bound (differs from the config when it asked for 0). */
  readonly clientPort: number;
  readonly dataDirBytes: number;
  readonly dataLogDirBytes: number;
  /** Quorum config version, printed in hex after `membership:` (ensemble only). */
  readonly quorumConfigVersion?: bigint;
}

function delimitedHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `server.N=…` lines as Apache's `QuorumMaj.toString` prints them. */
export function renderMembership(
  servers: readonly QuorumServerSpec[],
  version: bigint,
  hierarchy: Pick<ServerConfig, 'quorumGroups' | 'quorumWeights'> = {
    quorumGroups: undefined,
    quorumWeights: undefined,
  },
): string {
  const lines = servers.map((server) => {
    let line = `server.${server.id}=${delimitedHost(server.host)}:${server.quorumPort}:${server.electionPort}:${server.peerType}`;
    if (server.clientPort !== undefined && server.clientHost !== undefined) {
      line += `;${delimitedHost(server.clientHost)}:${server.clientPort}`;
    }
    return `${line}\n`;
  });
  // Hierarchical quorums as Apache's QuorumHierarchical prints them: each group's ids in
  // ascending order, then every grouped server's weight by ascending id.
  const { quorumGroups, quorumWeights } = hierarchy;
  if (quorumGroups !== undefined) {
    const ascending = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);
    for (const [group, ids] of quorumGroups) lines.push(`group.${group}=${ascending(ids).join(':')}\n`);
    for (const id of ascending([...quorumGroups.values()].flat()))
      lines.push(`weight.${id}=${quorumWeights?.get(id) ?? 1}\n`);
  }
  return `${lines.join('')}version=${version.toString(16)}`;
}

/** The `conf` output: Apache's `ZooKeeperServer.dumpConf` (plus the quorum part in an ensemble). */
export function renderConf(config: ServerConfig, runtime: ConfRuntimeValues): string {
  const snapDir = config.dataDir === undefined ? '' : resolve(config.dataDir, 'version-2');
  const logDir = config.dataLogDir === undefined ? '' : resolve(config.dataLogDir, 'version-2');
  const lines = [
    `clientPort=${runtime.clientPort}`,
    `secureClientPort=${config.secureClientPort ?? -1}`,
    `dataDir=${snapDir}`,
    `dataDirSize=${runtime.dataDirBytes}`,
    `dataLogDir=${logDir}`,
    `dataLogSize=${runtime.dataLogDirBytes}`,
    `tickTime=${config.tickTimeMs}`,
    `maxClientCnxns=${config.maxClientConnections}`,
    `minSessionTimeout=${config.minSessionTimeoutMs}`,
    `maxSessionTimeout=${config.maxSessionTimeoutMs}`,
    `clientPortListenBacklog=${config.clientPortListenBacklog}`,
    `serverId=${config.serverId}`,
  ];
  if (!config.distributed) return `${lines.join('\n')}\n`;
  const own = config.servers.find((server) => server.id === config.serverId);
  lines.push(
    `initLimit=${config.initLimitTicks}`,
    `syncLimit=${config.syncLimitTicks}`,
    `electionAlg=${config.electionAlg}`,
    `electionPort=${own?.electionPort ?? ''}`,
    `quorumPort=${own?.quorumPort ?? ''}`,
    `peerType=${config.peerType === 'participant' ? 0 : 1}`,
    'membership: ',
  );
  return `${lines.join('\n')}\n${renderMembership(config.servers, runtime.quorumConfigVersion ?? 0n, config)}`;
}
