/**
 * The drill's fault schedules: schedule i of seed N runs fault mode i modulo the number of modes
 * (so any K schedules cover min(K, modes) modes), and the seed draws the rest: when the cut comes,
 * how long it lasts, each service's lag and jitter. The same (seed, i) always draws the same
 * schedule, so `--seed N --schedule i` reproduces one verdict.
 */

export const FAULT_MODES = [
  'refuse',
  'blackhole',
  'reset',
  'slow',
  '5xx',
  'table-down',
  's3-down',
  'inflight-cut',
  'never-returns',
] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** What each mode does to the primary, for the table and the docs. */
export const FAULT_DESCRIPTIONS: Record<FaultMode, string> = {
  refuse: 'the region is gone: connections refused, replication to and from it halts',
  blackhole: 'the region is gone: connections accepted, never answered (client timeouts)',
  reset: 'the region is gone: connections reset at the first byte',
  slow: "the API answers later than the client's request deadline; the region still commits",
  '5xx': 'the processor answers 503; data and replication are fine',
  'table-down': "the region's DynamoDB endpoint resets connections; S3 is fine",
  's3-down': "the region's S3 endpoint resets connections; DynamoDB is fine",
  'inflight-cut': 'answers are delayed 400 ms, then the region is gone with requests in flight',
  'never-returns': 'the region is gone for good: what it acknowledged and had not replicated is lost',
};

export interface Schedule {
  readonly seed: number;
  readonly index: number;
  readonly mode: FaultMode;
  /** Load before the cut. */
  readonly cutAfterMs: number;
  /** How long the primary stays faulty (when it returns). */
  readonly outageMs: number;
  readonly tableLagMs: number;
  readonly s3LagMs: number;
  readonly tableJitterMs: number;
  readonly s3JitterMs: number;
  /** Seeds the emulator's jitter draws. */
  readonly replicationSeed: number;
}

/** mulberry32: a small, well-mixed 32-bit generator; the same seed always draws the same numbers. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Schedule `index` of `seed`, around a base lag (`--lag-ms`, both services). */
export function schedule(
  seed: number,
  index: number,
  baseLagMs: number,
  modes: readonly FaultMode[] = FAULT_MODES,
): Schedule {
  const r = rng(Math.imul(seed + 1, 0x9e3779b1) ^ index);
  const between = (lo: number, hi: number) => Math.round(lo + r() * (hi - lo));
  return {
    seed,
    index,
    mode: modes[index % modes.length],
    cutAfterMs: between(1500, 3000),
    outageMs: between(4000, 6000),
    tableLagMs: between(baseLagMs * 0.75, baseLagMs * 1.25),
    s3LagMs: between(baseLagMs * 0.75, baseLagMs * 1.75),
    tableJitterMs: between(0, baseLagMs * 0.5),
    s3JitterMs: between(0, baseLagMs * 0.5),
    replicationSeed: between(1, 2 ** 31 - 1),
  };
}
