/**
 * The alarm evaluator against AWS's documented examples ("Configuring how CloudWatch alarms treat
 * missing data": an alarm with Evaluation Periods 3 and Datapoints to Alarm 3, an evaluation range
 * of 5 periods; 0 within the threshold, X breaching, - missing), M-of-N evaluation, and the
 * deployed staleness alarm over simulated time at the production cadence.
 */
import {
  AlarmDefinition,
  AlarmState,
  effectiveTreatMissing,
  evaluate,
  evaluateSeries,
  firstAlarm,
  simulatedStaleness,
  TreatMissing,
} from '../../dr/alarm-eval';
import { rng } from '../../dr/schedule';
import { stalenessDetectionBoundSeconds } from '../../src/alarms';

const parse = (row: string) => row.split(' ').map((c) => (c === '-' ? undefined : c === 'X' ? 10 : 0));
const rule = (treat: TreatMissing, n = 3, m = 3) => ({
  evaluationPeriods: n,
  datapointsToAlarm: m,
  threshold: 5,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: treat,
});

describe("AWS's documented missing-data table (3 of 3, range of 5)", () => {
  // Columns: MISSING, IGNORE, BREACHING, NOT BREACHING. 'keep' = "Retain current state".
  const table: Array<[string, Array<AlarmState | 'keep'>]> = [
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'keep', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - X - -', ['keep', 'keep', 'ALARM', 'OK']],
  ];
  const treatments: TreatMissing[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
  for (const [row, expected] of table)
    for (const [i, treat] of treatments.entries())
      it(`${row} with ${treat} -> ${expected[i]}`, () => {
        for (const current of ['OK', 'ALARM'] as const) {
          const want = expected[i] === 'keep' ? current : expected[i];
          expect(evaluate(parse(row), rule(treat), current)).toBe(want);
        }
      });
});

describe('M of N', () => {
  it('2 of 3: two breaching of the last three alarm, one does not', () => {
    expect(evaluate(parse('0 0 X 0 X'), rule('breaching', 3, 2), 'OK')).toBe('ALARM');
    expect(evaluate(parse('X X 0 0 X'), rule('breaching', 3, 2), 'OK')).toBe('OK');
  });

  it('2 of 3, missing breaching: one missing period plus one breach is enough; one missing alone is not', () => {
    expect(evaluate(parse('0 0 0 - X'), rule('breaching', 3, 2), 'OK')).toBe('OK'); // 4 real: 0 0 X
    expect(evaluate(parse('- - 0 - X'), rule('breaching', 3, 2), 'OK')).toBe('ALARM'); // 2 real + 1 filled
    expect(evaluate(parse('- - 0 0 -'), rule('breaching', 3, 2), 'OK')).toBe('OK');
  });

  it('AWS/DynamoDB alarms ignore missing data whatever they say', () => {
    expect(effectiveTreatMissing({ namespace: 'AWS/DynamoDB', treatMissingData: 'breaching' })).toBe('ignore');
    expect(effectiveTreatMissing({ namespace: 'TapDr/Replication', treatMissingData: 'breaching' })).toBe('breaching');
  });
});

const staleness: AlarmDefinition = {
  name: 'tap-dr-x.heartbeat-staleness',
  region: 'us-west-2',
  namespace: 'TapDr/Replication',
  metricName: 'HeartbeatStalenessSeconds',
  dimensions: {},
  statistic: 'Maximum',
  period: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  threshold: 60,
  comparisonOperator: 'GreaterThanThreshold',
  treatMissingData: 'breaching',
};

describe('series', () => {
  it('aggregates each period with the statistic and evaluates once per period', () => {
    const points = [
      { at: 1_000, value: 1 },
      { at: 2_000, value: 90 }, // period 0's maximum
      { at: 61_000, value: 70 },
      { at: 121_000, value: 1 },
    ];
    const evals = evaluateSeries(points, staleness, { from: 0, to: 180_000, periodMs: 60_000 });
    expect(evals.map((e) => e.at)).toEqual([60_000, 120_000, 180_000]);
    expect(evals[0].range.slice(-1)).toEqual([90]);
    expect(evals.map((e) => e.state)).toEqual(['ALARM', 'ALARM', 'ALARM']); // missing earlier periods breach
  });

  it('the planted "heartbeat stops after one beat": no datapoints is breaching, so the baseline alarms', () => {
    const evals = evaluateSeries([{ at: 0, value: 0 }], staleness, {
      from: 0,
      to: 600_000,
      periodMs: 60_000,
      initial: 'OK',
    });
    expect(firstAlarm(evals)).toBeDefined();
  });

  it('the planted "alarm can never fire": an unreachable threshold, not breaching, stays OK through a stall', () => {
    const never = { ...staleness, threshold: Number.MAX_SAFE_INTEGER, treatMissingData: 'notBreaching' as const };
    const evals = evaluateSeries([{ at: 0, value: 500 }], never, { from: 0, to: 600_000, periodMs: 60_000 });
    expect(firstAlarm(evals)).toBeUndefined();
  });
});

describe('the deployed staleness alarm at the production cadence (simulated time)', () => {
  const sim = (stallAtS?: number) =>
    simulatedStaleness({ intervalS: 60, jitterS: 5, lagS: 1, durationS: 7200, stallAtS, random: rng(42) });

  it('a healthy hour shows no alarm at all', () => {
    const evals = evaluateSeries(sim(), staleness, { from: 600_000, to: 7_200_000, periodMs: 60_000 });
    expect(evals.filter((e) => e.state === 'ALARM')).toEqual([]);
    expect(Math.max(...sim().map((p) => p.value))).toBeLessThanOrEqual(1 + 5);
  });

  it('a stall is in ALARM within T + 2I + J + M·P (stalenessDetectionBoundSeconds)', () => {
    const stallAtS = 3600;
    const evals = evaluateSeries(sim(stallAtS), staleness, {
      from: 600_000,
      to: 7_200_000,
      periodMs: 60_000,
      initial: 'OK',
    });
    const at = firstAlarm(evals, stallAtS * 1000)!;
    expect(at / 1000 - stallAtS).toBeLessThanOrEqual(stalenessDetectionBoundSeconds(60));
    expect(at / 1000 - stallAtS).toBeGreaterThan(60);
  });
});
