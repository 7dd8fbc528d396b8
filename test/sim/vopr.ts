/**
 * The simulator's command line (TigerBeetle's VOPR):
 *
 *   npm run sim -- --seed 42            replay one seed (with --trace for protocol events)
 *   npm run sim -- --seeds 500          run seeds 1..500 (or from --from)
 *   npm run sim -- --seed 42 --ticks 5000
 *
 * Prints SEED= and the drawn parameters for each run; a failure prints the replay command
 * and exits with status 1.
 */
import { describeOptions, optionsFromSeed, runSimulation, SimulationFailure } from './simulator';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

const ticks = Number(argument('ticks') ?? '1000');
const single = argument('seed');
const count = Number(argument('seeds') ?? '1');
const from = Number(argument('from') ?? '1');
const trace = process.argv.includes('--trace');
const seeds =
  single !== undefined ? [Number(single)] : Array.from({ length: count }, (_, index) => from + index);

let failures = 0;
for (const seed of seeds) {
  const options = optionsFromSeed(seed, ticks);
  console.log(describeOptions(options));
  try {
    const result = runSimulation(options, trace ? (line) => console.log(`  ${line}`) : undefined);
    console.log(
      `  ok: ${result.committed} txns committed, ${result.crashes} crashes, ${result.elections} leaders, ` +
        `converged ${result.livenessTicks} ticks after healing; clients: ${result.clientWrites} writes ` +
        `(${result.clientAcknowledged} acknowledged), ${result.clientReads} reads (${result.clientSyncedReads} after sync), ` +
        `${result.sessionsExpired} sessions expired, ${result.ephemeralsReaped} ephemerals reaped`,
    );
  } catch (error) {
    failures++;
    console.log(`  FAILED: ${error instanceof SimulationFailure ? error.message : String(error)}`);
    if (!(error instanceof SimulationFailure))
      console.log(`  replay: npm run sim -- --seed ${seed} --ticks ${ticks}`);
  }
}
console.log(
  failures === 0 ? `all ${seeds.length} seeds passed` : `${failures} of ${seeds.length} seeds failed`,
);
process.exitCode = failures === 0 ? 0 : 1;
