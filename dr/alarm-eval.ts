/**
 * CloudWatch metric-alarm evaluation, as AWS documents it, over datapoints the emulator collected
 * (moto stores alarms but never evaluates them). Pure: unit-tested on AWS's documented examples
 * (__tests__/dr/alarm-eval.test.ts).
 *
 * - Each period of `period` seconds aggregates its datapoints with the alarm's statistic; a period
 *   without any is missing.
 * - At the end of each period the alarm looks at an evaluation range of the most recent N + 2
 *   periods (N = evaluation periods; AWS's documented example retrieves 5 for N = 3):
 *   - no datapoint at all: breaching -> ALARM, notBreaching -> OK, ignore -> the state is kept,
 *     missing -> INSUFFICIENT_DATA;
 *   - at least N real datapoints: the most recent N of them decide, missing ones are not needed:
 *     ALARM when at least M (datapoints to alarm) breach, else OK;
 *   - fewer than N: breaching / notBreaching fill the missing ones "as few times as possible"
 *     (N - real), then the same M-of-N test; ignore / missing decide only when the real points
 *     already do (M breach -> ALARM; more than N - M within -> OK), else the state is kept
 *     (CloudWatch's "avoiding premature transitions to alarm state").
 * - Alarms on metrics in the AWS/DynamoDB namespace always ignore missing data, whatever their
 *   TreatMissingData says (PutMetricAlarm API reference).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissing = 'breaching' | 'notBreaching' | 'ignore' | 'missing';

export interface AlarmDefinition {
  readonly name: string;
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  /** Seconds. */
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparisonOperator: string;
  readonly treatMissingData: TreatMissing;
  readonly alarmActions?: readonly string[];
  readonly okActions?: readonly string[];
}

export interface Point {
  readonly at: number;
  readonly value: number;
}

/** What CloudWatch applies: AWS/DynamoDB alarms ignore missing data whatever they say. */
export function effectiveTreatMissing(d: Pick<AlarmDefinition, 'namespace' | 'treatMissingData'>): TreatMissing {
  return d.namespace === 'AWS/DynamoDB' ? 'ignore' : d.treatMissingData;
}

export function breaches(value: number, d: Pick<AlarmDefinition, 'threshold' | 'comparisonOperator'>): boolean {
  switch (d.comparisonOperator) {
    case 'GreaterThanThreshold':
      return value > d.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= d.threshold;
    case 'LessThanThreshold':
      return value < d.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= d.threshold;
    default:
      throw new Error(`comparison ${d.comparisonOperator} is not evaluated here`);
  }
}

type Rule = Pick<AlarmDefinition, 'evaluationPeriods' | 'datapointsToAlarm' | 'threshold' | 'comparisonOperator'> & {
  readonly treatMissingData: TreatMissing;
};

/** How many periods one evaluation looks at: N + 2, as in AWS's documented example (5 for N = 3). */
export const evaluationRange = (evaluationPeriods: number) => evaluationPeriods + 2;

/**
 * One evaluation. `range` is the evaluation range, oldest first, one value per period (undefined:
 * missing), `current` the state before it.
 */
export function evaluate(range: ReadonlyArray<number | undefined>, rule: Rule, current: AlarmState): AlarmState {
  const n = rule.evaluationPeriods;
  const m = rule.datapointsToAlarm;
  const real = range.filter((v): v is number => v !== undefined);
  const bad = (vs: number[]) => vs.filter((v) => breaches(v, rule)).length;
  if (real.length === 0) {
    return { breaching: 'ALARM', notBreaching: 'OK', ignore: current, missing: 'INSUFFICIENT_DATA' }[
      rule.treatMissingData
    ] as AlarmState;
  }
  if (real.length >= n) return bad(real.slice(-n)) >= m ? 'ALARM' : 'OK';
  const known = bad(real);
  if (rule.treatMissingData === 'breaching') return known + (n - real.length) >= m ? 'ALARM' : 'OK';
  if (rule.treatMissingData === 'notBreaching') return known >= m ? 'ALARM' : 'OK';
  if (known >= m) return 'ALARM';
  if (real.length - known > n - m) return 'OK';
  return current;
}

export function aggregate(values: readonly number[], statistic: string): number {
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'SampleCount':
      return values.length;
    default:
      throw new Error(`statistic ${statistic} is not evaluated here`);
  }
}

export interface Evaluation {
  /** End of the period whose evaluation this is (epoch ms). */
  readonly at: number;
  readonly state: AlarmState;
  /** The evaluation range's values, oldest first (undefined: missing). */
  readonly range: ReadonlyArray<number | undefined>;
}

export interface SeriesOptions {
  /** The first evaluation is at the end of the period that holds `from`. */
  readonly from: number;
  readonly to: number;
  /** The period's length in ms: period x 1000, times the drill's time scale. */
  readonly periodMs: number;
  readonly initial?: AlarmState;
}

/** Every evaluation between `from` and `to`, as CloudWatch would run them, one per period. */
export function evaluateSeries(points: readonly Point[], d: AlarmDefinition, o: SeriesOptions): Evaluation[] {
  const bucket = (t: number) => Math.floor(t / o.periodMs);
  const byPeriod = new Map<number, number[]>();
  for (const p of points) {
    const k = bucket(p.at);
    byPeriod.set(k, [...(byPeriod.get(k) ?? []), p.value]);
  }
  const rule: Rule = { ...d, treatMissingData: effectiveTreatMissing(d) };
  const width = evaluationRange(d.evaluationPeriods);
  const out: Evaluation[] = [];
  let state: AlarmState = o.initial ?? 'INSUFFICIENT_DATA';
  for (let k = bucket(o.from); (k + 1) * o.periodMs <= o.to; k++) {
    const range: Array<number | undefined> = [];
    for (let j = k - width + 1; j <= k; j++) {
      const vs = byPeriod.get(j);
      range.push(vs ? aggregate(vs, d.statistic) : undefined);
    }
    state = evaluate(range, rule, state);
    out.push({ at: (k + 1) * o.periodMs, state, range });
  }
  return out;
}

/** When the evaluations first say ALARM at or after `since`; undefined: never. */
export function firstAlarm(evaluations: readonly Evaluation[], since = -Infinity): number | undefined {
  return evaluations.find((e) => e.at >= since && e.state === 'ALARM')?.at;
}

/**
 * The deployed heartbeat at production cadence, over simulated time: beat k is written at
 * k·I + a jitter in [0, J) and reaches the other region after L; each run publishes the newest
 * visible beat's age beyond I (lambda/heartbeat.ts), nothing when none is visible. Replication
 * stalls at `stallAt` (seconds; Infinity: never). Returns the published series, in ms.
 */
export function simulatedStaleness(o: {
  readonly intervalS: number;
  readonly jitterS: number;
  readonly lagS: number;
  readonly durationS: number;
  readonly stallAtS?: number;
  /** Deterministic jitter draws in [0, 1). */
  readonly random: () => number;
}): Point[] {
  const beats: Array<{ written: number; visible: number }> = [];
  const runs: number[] = [];
  for (let t = 0; t < o.durationS; t += o.intervalS) {
    const written = t + o.random() * o.jitterS; // the peer's run writes its beat
    beats.push({ written, visible: written + o.lagS < (o.stallAtS ?? Infinity) ? written + o.lagS : Infinity });
    runs.push(t + o.random() * o.jitterS); // this region's run reads it
  }
  const points: Point[] = [];
  for (const at of runs) {
    const visible = beats.filter((b) => b.visible <= at);
    if (!visible.length) continue;
    const newest = Math.max(...visible.map((b) => b.written));
    points.push({ at: at * 1000, value: Math.max(0, at - newest - o.intervalS) });
  }
  return points;
}
