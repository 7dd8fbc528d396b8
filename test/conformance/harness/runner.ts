/**
 * The differential runner: each scenario runs against Apache ZooKeeper 3.8 and against
 * zookit (concurrently, one server of each per test file, one namespace per scenario), and
 * the two normalised records must be deeply equal. A failure prints both records.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, it } from 'vitest';
import { TestingServer } from '../../../server/testing/testing-server';
import {
  type ApacheEnsemble,
  type ApacheZooKeeper,
  describeApache,
  startApacheEnsemble,
  startApacheZooKeeper,
  superDigestFor,
} from '../../support/apache';
import { fourLetterWord } from '../../support/network';
import { RawSession } from '../../support/raw-session';
import { type ConformanceEnsemble, startConformanceEnsemble } from './ensemble';
import { Normaliser } from './normalise';
import { ConformanceSession, type RecordEntry, type RecordSink } from './session';

/**
 * Which server a scenario run talks to: Apache standalone, zookit standalone, or a
 * follower of a 3-server zookit ensemble (compared with the same Apache record).
 */
export type TargetKind = 'apache' | 'zookit' | 'ensemble';

/** Tick length of both servers: sessions negotiate within [1000, 10000] ms. */
export const TICK_MS = 500;
/** The super user's password on both servers (`digest super:<password>`). */
export const SUPER_PASSWORD = 'conformance-super';
const SUPER_DIGEST = superDigestFor(SUPER_PASSWORD);

/** What a scenario gets: sessions that record, its own namespace, and the server's port. */
export interface ScenarioContext {
  readonly target: TargetKind;
  /** The scenario's namespace, e.g. `/cf-acl-7`; it exists (world:anyone ALL) when the scenario starts. */
  readonly root: string;
  readonly port: number;
  /** `root + '/' + relative` (`root` itself for ''). */
  path(relative: string): string;
  /** Opens a recorded session named s1, s2… (requested timeout default 30 s). */
  session(options?: { timeOut?: number }): Promise<ConformanceSession>;
  /**
   * Reconnects with `session`'s id and password (or the overrides), recording the
   * ConnectResponse; returns the new session when the server accepted it.
   */
  resume(
    session: ConformanceSession,
    overrides?: { password?: Buffer; sessionId?: bigint; lastZxidSeen?: bigint },
  ): Promise<ConformanceSession | undefined>;
  /** Records a free-form, already normalised value. */
  record(label: string, value: unknown): void;
  /** Runs `body` without recording (for per-server assertions of a documented difference). */
  unrecorded(body: () => Promise<void>): Promise<void>;
  readonly normaliser: Normaliser;
  fourLetterWord(word: string): Promise<string>;
}

/** One differential scenario. */
export interface Scenario {
  name: string;
  run(context: ScenarioContext): Promise<void>;
  /**
   * Runs against zookit only (the scenario asserts the expected behaviour itself), e.g. a
   * request that corrupts Apache 3.8.0's log. Documented in docs/conformance.md.
   */
  zookitOnly?: string;
  /** A deliberate difference this scenario handles (documented in docs/conformance.md). */
  difference?: string;
  /**
   * Part of the answer depends on the server's mode (e.g. `dump`'s session table): the
   * ensemble does not run this scenario against Apache's standalone record; a scenario in
   * scenarios/modes.ts checks the same on a follower against Apache's own ensemble.
   */
  modeDependent?: string;
  timeoutMs?: number;
}

interface Target {
  kind: TargetKind;
  port: number;
  admin: ConformanceSession;
}

const discard: RecordSink = { push: () => undefined, normaliser: new Normaliser(0n), target: 'none' };

async function openAdmin(port: number): Promise<ConformanceSession> {
  const { session, response } = await RawSession.connect({ port, timeOut: 30_000 });
  const admin = new ConformanceSession(
    'admin',
    session,
    discard,
    response.sessionId,
    response.passwd,
    response.timeOut,
  );
  const err = await admin.auth('digest', `super:${SUPER_PASSWORD}`);
  if (err !== 0) throw new Error(`super auth failed: ${err}`);
  return admin;
}

class Run implements ScenarioContext {
  readonly records: RecordEntry[] = [];
  readonly sessions: ConformanceSession[] = [];
  private recording = true;
  private count = 0;
  readonly sink: RecordSink;

  constructor(
    private readonly targetInfo: Target,
    readonly root: string,
    readonly normaliser: Normaliser,
  ) {
    this.sink = {
      push: (entry) => {
        if (this.recording) this.records.push(entry);
      },
      normaliser,
      target: targetInfo.kind,
    };
  }

  get target(): TargetKind {
    return this.targetInfo.kind;
  }

  get port(): number {
    return this.targetInfo.port;
  }

  path(relative: string): string {
    return relative === '' ? this.root : `${this.root}/${relative}`;
  }

  async session(options: { timeOut?: number } = {}): Promise<ConformanceSession> {
    const { session: channel, response } = await RawSession.connect({
      port: this.port,
      timeOut: options.timeOut ?? 30_000,
    });
    const name = `s${++this.count}`;
    this.normaliser.nameSession(response.sessionId, name);
    const session = new ConformanceSession(
      name,
      channel,
      this.sink,
      response.sessionId,
      response.passwd,
      response.timeOut,
    );
    this.sessions.push(session);
    this.record(`${name} connect`, {
      timeOut: response.timeOut,
      passwordBytes: response.passwd.length,
      readOnly: response.readOnly,
    });
    return session;
  }

  async resume(
    session: ConformanceSession,
    overrides: { password?: Buffer; sessionId?: bigint; lastZxidSeen?: bigint } = {},
  ): Promise<ConformanceSession | undefined> {
    const { session: channel, response } = await RawSession.connect({
      port: this.port,
      lastZxidSeen: overrides.lastZxidSeen ?? session.lastZxid,
      timeOut: 30_000,
      sessionId: overrides.sessionId ?? session.sessionId,
      passwd: overrides.password ?? session.password,
      readOnly: false,
    });
    this.record(`${session.name} resume`, {
      timeOut: response.timeOut,
      sessionId: this.normaliser.session(response.sessionId),
      passwordZero: response.passwd.every((byte) => byte === 0),
      passwordSame: response.passwd.equals(session.password),
      readOnly: response.readOnly,
    });
    if (response.timeOut <= 0) {
      const closed = await channel.whenClosed(2_000).then(
        () => true,
        () => false,
      );
      this.record(`${session.name} resume closed`, closed);
      channel.destroy();
      return undefined;
    }
    const resumed = new ConformanceSession(
      session.name,
      channel,
      this.sink,
      response.sessionId,
      response.passwd,
      response.timeOut,
    );
    resumed.lastZxid = session.lastZxid;
    this.sessions.push(resumed);
    return resumed;
  }

  record(label: string, value: unknown): void {
    this.sink.push({ label, value });
  }

  async unrecorded(body: () => Promise<void>): Promise<void> {
    const was = this.recording;
    this.recording = false;
    try {
      await body();
    } finally {
      this.recording = was;
    }
  }

  fourLetterWord(word: string): Promise<string> {
    return fourLetterWord(this.port, word);
  }

  /** Flushes trailing notifications into the record, then stops recording. */
  async finish(): Promise<void> {
    const flushed = new Set<string>();
    for (const session of [...this.sessions].reverse()) {
      if (session.channel.closed || flushed.has(session.name)) continue;
      flushed.add(session.name);
      await session.flush().catch(() => undefined);
    }
    this.recording = false;
  }

  /** Closes every session the scenario left alive (resuming dropped ones), quietly. */
  async cleanUp(): Promise<void> {
    this.recording = false;
    const closed = new Set<bigint>();
    for (const session of [...this.sessions].reverse()) {
      if (closed.has(session.sessionId)) continue;
      closed.add(session.sessionId);
      await closeQuietly(session, this);
    }
    await deleteTree(this.targetInfo.admin, this.root);
  }
}

async function closeQuietly(session: ConformanceSession, run: Run): Promise<void> {
  let channel: RawSession = session.channel;
  if (channel.closed) {
    const opened = await RawSession.connect({
      port: run.port,
      lastZxidSeen: 0n,
      timeOut: 30_000,
      sessionId: session.sessionId,
      passwd: session.password,
      readOnly: false,
    }).catch(() => undefined);
    if (opened === undefined || opened.response.timeOut <= 0) {
      opened?.session.destroy();
      return;
    }
    channel = opened.session;
  }
  const closer = new ConformanceSession(
    session.name,
    channel,
    discard,
    session.sessionId,
    session.password,
    0,
  );
  await closer.close().catch(() => undefined);
  channel.destroy();
}

/** Deletes `path` and everything under it (the admin session is super: ACLs do not apply). */
async function deleteTree(admin: ConformanceSession, path: string): Promise<void> {
  const children = await admin.getChildren(path);
  for (const child of children.value?.children ?? []) await deleteTree(admin, `${path}/${child}`);
  await admin.delete(path);
}

async function runOn(target: Target, scenario: Scenario, root: string): Promise<RecordEntry[]> {
  const created = await target.admin.create(root);
  if (created.err !== 0) throw new Error(`cannot create namespace ${root}: ${created.err}`);
  const base = (await target.admin.exists('/')).zxid;
  const run = new Run(target, root, new Normaliser(base));
  run.normaliser.nameSession(target.admin.sessionId, 'admin');
  try {
    await scenario.run(run);
    await run.finish();
  } finally {
    await run.cleanUp();
  }
  return run.records;
}

const noop: Scenario = { name: 'noop', run: async () => undefined };

function formatRecords(records: readonly RecordEntry[]): string {
  return records.map((entry, index) => `${String(index).padStart(3)} ${JSON.stringify(entry)}`).join('\n');
}

/** Session timeout bounds given to both servers (ms); unset = 2 and 20 ticks. */
export interface SuiteOptions {
  minSessionTimeoutMs?: number;
  maxSessionTimeoutMs?: number;
}

/** The settings every zookit server of a suite gets (standalone and ensemble members). */
function zookitSettings(options: SuiteOptions) {
  const { minSessionTimeoutMs, maxSessionTimeoutMs } = options;
  return {
    extendedTypesEnabled: true,
    superDigest: SUPER_DIGEST,
    fourLetterWordWhitelist: '*',
    containerCheckIntervalMs: 60_000,
    ...(minSessionTimeoutMs !== undefined ? { minSessionTimeoutMs } : {}),
    ...(maxSessionTimeoutMs !== undefined ? { maxSessionTimeoutMs } : {}),
  };
}

function describeOutcome(run: PromiseSettledResult<unknown>): string {
  return run.status === 'rejected' ? String(run.reason?.stack ?? run.reason) : 'ok';
}

/** Runs `scenario` on every target at once; throws unless every run equals Apache's record. */
async function runDifferential(
  scenario: Scenario,
  root: string,
  apacheTarget: Target,
  zookitTargets: readonly Target[],
  ensemble: ConformanceEnsemble | undefined,
): Promise<void> {
  if (scenario.zookitOnly !== undefined) {
    // Apache still gets the namespace create and delete, so both histories stay alike.
    const runs = await Promise.allSettled([
      ...zookitTargets.map((target) => runOn(target, scenario, root)),
      runOn(apacheTarget, noop, root),
    ]);
    for (const run of runs) if (run.status === 'rejected') throw run.reason;
    ensemble?.checkStable();
    return;
  }
  // allSettled: a failure on one side must not leave another still running
  // while the next scenario starts on the shared servers.
  const [apacheRun, ...zookitRuns] = await Promise.allSettled([
    runOn(apacheTarget, scenario, root),
    ...zookitTargets.map((target) => runOn(target, scenario, root)),
  ]);
  if (
    apacheRun === undefined ||
    apacheRun.status === 'rejected' ||
    zookitRuns.some((run) => run.status === 'rejected')
  ) {
    const lines = zookitTargets.map(
      (target, index) =>
        `--- zookit ${target.kind}: ${describeOutcome(zookitRuns[index] as PromiseSettledResult<unknown>)}`,
    );
    throw new Error(
      `scenario '${scenario.name}' failed\n--- Apache ZooKeeper: ${apacheRun === undefined ? 'missing' : describeOutcome(apacheRun)}\n${lines.join('\n')}`,
    );
  }
  ensemble?.checkStable();
  const fromApache = apacheRun.value;
  const dump = process.env.CONFORMANCE_DUMP;
  zookitTargets.forEach((target, index) => {
    const run = zookitRuns[index];
    if (run?.status !== 'fulfilled') return;
    if (dump !== undefined && scenario.name.includes(dump))
      console.log(
        `--- Apache\n${formatRecords(fromApache)}\n--- zookit ${target.kind}\n${formatRecords(run.value)}`,
      );
    if (!isDeepStrictEqual(fromApache, run.value)) {
      throw new Error(
        `records differ for '${scenario.name}' (zookit ${target.kind})\n--- Apache ZooKeeper\n${formatRecords(fromApache)}\n--- zookit ${target.kind}\n${formatRecords(run.value)}`,
      );
    }
  });
}

/**
 * Registers one test per scenario, all against one Apache ZooKeeper, one zookit server and
 * one 3-server zookit ensemble (sessions on a follower) started for this file. Answers that
 * depend on the mode are compared with Apache's own ensemble by {@link ensembleModesSuite}.
 */
export function conformanceSuite(
  title: string,
  tag: string,
  scenarios: readonly Scenario[],
  options: SuiteOptions = {},
): void {
  describeApache(`conformance: ${title}`, () => {
    let apache: ApacheZooKeeper | undefined;
    let zookit: TestingServer | undefined;
    let ensemble: ConformanceEnsemble | undefined;
    let apacheTarget: Target;
    let zookitTarget: Target;
    let ensembleTarget: Target;

    beforeAll(async () => {
      const names = new Set<string>();
      for (const scenario of scenarios) {
        if (names.has(scenario.name)) throw new Error(`duplicate scenario name '${scenario.name}'`);
        names.add(scenario.name);
      }
      const { minSessionTimeoutMs, maxSessionTimeoutMs } = options;
      const settings = zookitSettings(options);
      const started = await Promise.allSettled([
        startApacheZooKeeper({
          tickTime: TICK_MS,
          extendedTypes: true,
          superDigest: SUPER_DIGEST,
          ...(minSessionTimeoutMs !== undefined ? { minSessionTimeout: minSessionTimeoutMs } : {}),
          ...(maxSessionTimeoutMs !== undefined ? { maxSessionTimeout: maxSessionTimeoutMs } : {}),
        }),
        TestingServer.start({ inMemory: true, tickTimeMs: TICK_MS, ...settings }),
        startConformanceEnsemble(TICK_MS, settings),
      ]);
      const [apacheStart, zookitStart, ensembleStart] = started;
      if (apacheStart?.status === 'fulfilled') apache = apacheStart.value;
      if (zookitStart?.status === 'fulfilled') zookit = zookitStart.value;
      if (ensembleStart?.status === 'fulfilled') ensemble = ensembleStart.value;
      for (const start of started) if (start.status === 'rejected') throw start.reason;
      if (apache === undefined || zookit === undefined || ensemble === undefined)
        throw new Error('every server started');
      apacheTarget = { kind: 'apache', port: apache.port, admin: await openAdmin(apache.port) };
      zookitTarget = { kind: 'zookit', port: zookit.port, admin: await openAdmin(zookit.port) };
      ensembleTarget = {
        kind: 'ensemble',
        port: ensemble.followerPort,
        admin: await openAdmin(ensemble.followerPort),
      };
    }, 60_000);

    afterAll(async () => {
      apacheTarget?.admin.channel.destroy();
      zookitTarget?.admin.channel.destroy();
      ensembleTarget?.admin.channel.destroy();
      await Promise.all([apache?.stop(), zookit?.close(), ensemble?.cluster.close()]);
    });

    scenarios.forEach((scenario, index) => {
      const root = `/cf-${tag}-${index}`;
      it(
        scenario.name,
        async () => {
          const onEnsemble = scenario.modeDependent === undefined;
          await runDifferential(
            scenario,
            root,
            apacheTarget,
            onEnsemble ? [zookitTarget, ensembleTarget] : [zookitTarget],
            onEnsemble ? ensemble : undefined,
          );
        },
        scenario.timeoutMs ?? 15_000,
      );
    });
  });
}

/**
 * Registers one test per scenario whose answers depend on the server's mode (four-letter
 * words on a follower): a zookit ensemble's follower is compared with a follower of Apache
 * ZooKeeper's own 3-server ensemble, both with this suite's tick and super digest.
 */
export function ensembleModesSuite(title: string, tag: string, scenarios: readonly Scenario[]): void {
  describeApache(`conformance, ensemble modes: ${title}`, () => {
    let apache: ApacheEnsemble | undefined;
    let ensemble: ConformanceEnsemble | undefined;
    let apacheTarget: Target;
    let ensembleTarget: Target;

    beforeAll(async () => {
      const started = await Promise.allSettled([
        startApacheEnsemble({ tickTime: TICK_MS, extendedTypes: true, superDigest: SUPER_DIGEST }),
        startConformanceEnsemble(TICK_MS, zookitSettings({})),
      ]);
      const [apacheStart, ensembleStart] = started;
      if (apacheStart?.status === 'fulfilled') apache = apacheStart.value;
      if (ensembleStart?.status === 'fulfilled') ensemble = ensembleStart.value;
      for (const start of started) if (start.status === 'rejected') throw start.reason;
      if (apache === undefined || ensemble === undefined) throw new Error('both ensembles started');
      const leaderId = await apache.waitForQuorum();
      const follower = apache.servers.find((server) => server.id !== leaderId);
      if (follower === undefined) throw new Error('an Apache ensemble of 3 has a follower');
      apacheTarget = { kind: 'apache', port: follower.port, admin: await openAdmin(follower.port) };
      ensembleTarget = {
        kind: 'ensemble',
        port: ensemble.followerPort,
        admin: await openAdmin(ensemble.followerPort),
      };
    }, 90_000);

    afterAll(async () => {
      apacheTarget?.admin.channel.destroy();
      ensembleTarget?.admin.channel.destroy();
      await Promise.all([apache?.stop(), ensemble?.cluster.close()]);
    });

    scenarios.forEach((scenario, index) => {
      it(
        scenario.name,
        () => runDifferential(scenario, `/cf-${tag}-${index}`, apacheTarget, [ensembleTarget], ensemble),
        scenario.timeoutMs ?? 15_000,
      );
    });
  });
}
