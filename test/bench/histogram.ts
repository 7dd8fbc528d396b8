/**
 * A latency histogram with logarithmic buckets: bounded memory whatever the sample count,
 * about 2 % resolution, and mergeable across load-generator processes (the counts travel
 * over IPC as a plain array).
 */
import { assert } from '../../src/util/assert';

/** Buckets per factor e of latency: 50 gives neighbouring bounds 2 % apart. */
const BUCKETS_PER_E = 50;
/** Smallest latency told apart, in microseconds; anything faster shares bucket 0. */
const LATENCY_US_MIN = 1;
/** Largest latency kept, in microseconds (60 s); slower samples share the last bucket. */
const LATENCY_US_MAX = 60_000_000;
/** Number of buckets needed to cover LATENCY_US_MIN..LATENCY_US_MAX. */
export const HISTOGRAM_BUCKETS = Math.ceil(Math.log(LATENCY_US_MAX / LATENCY_US_MIN) * BUCKETS_PER_E) + 1;

function bucketOf(latencyUs: number): number {
  if (!(latencyUs > LATENCY_US_MIN)) return 0;
  const index = Math.floor(Math.log(latencyUs / LATENCY_US_MIN) * BUCKETS_PER_E);
  return Math.min(index, HISTOGRAM_BUCKETS - 1);
}

/** The upper bound of a bucket, in microseconds (what a percentile reports). */
function bucketUpperUs(index: number): number {
  return LATENCY_US_MIN * Math.exp((index + 1) / BUCKETS_PER_E);
}

/** Counts of latencies in logarithmic buckets. */
export class LatencyHistogram {
  readonly counts: Float64Array;
  private total = 0;

  constructor(counts?: readonly number[]) {
    this.counts = new Float64Array(HISTOGRAM_BUCKETS);
    if (counts !== undefined) {
      assert(counts.length === HISTOGRAM_BUCKETS, 'merged histograms have the same buckets');
      for (let index = 0; index < HISTOGRAM_BUCKETS; index++) {
        const count = counts[index] ?? 0;
        this.counts[index] = count;
        this.total += count;
      }
    }
  }

  /** Samples recorded. */
  get count(): number {
    return this.total;
  }

  record(latencyUs: number): void {
    const index = bucketOf(latencyUs);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total += 1;
  }

  /** Adds another histogram's samples to this one. */
  merge(other: LatencyHistogram): void {
    for (let index = 0; index < HISTOGRAM_BUCKETS; index++) {
      this.counts[index] = (this.counts[index] ?? 0) + (other.counts[index] ?? 0);
    }
    this.total += other.total;
  }

  /** The latency (µs, bucket upper bound) at or below which `fraction` of samples fall; NaN when empty. */
  percentileUs(fraction: number): number {
    assert(fraction > 0 && fraction <= 1, 'a percentile is a fraction in (0, 1]');
    if (this.total === 0) return Number.NaN;
    const wanted = Math.ceil(this.total * fraction);
    let seen = 0;
    for (let index = 0; index < HISTOGRAM_BUCKETS; index++) {
      seen += this.counts[index] ?? 0;
      if (seen >= wanted) return bucketUpperUs(index);
    }
    return bucketUpperUs(HISTOGRAM_BUCKETS - 1);
  }

  /** The counts as a plain array, for IPC. */
  toArray(): number[] {
    return Array.from(this.counts);
  }
}
