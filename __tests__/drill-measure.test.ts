/**
 * The DR drill's figures (dr/measure.ts) on hand-made observations: each figure counts what it
 * claims to, and each target fails the drill when missed.
 */
import { DEFAULT_TARGETS, missedTargets, reconcile, renderTable, rpoExposure, rtoMs, Sent } from '../dr/measure';
import { parseOptions } from '../dr/drill';

const T0 = 1_000_000;
const view = (records: Record<string, [string, string?]>, documents: string[] = []) => ({
  records: new Map(
    Object.entries(records).map(([id, [fingerprint, documentKey]]) => [
      id,
      { fingerprint, ...(documentKey ? { documentKey } : {}) },
    ]),
  ),
  documents: new Set(documents),
});

describe('RTO', () => {
  it('runs from the outage to the first 201 the standby gave after it', () => {
    const sent: Sent[] = [
      { id: 'a', withDocument: false, ackedBy: 'primary', status: 201, ackAt: T0 - 10 },
      { id: 'b', withDocument: false, ackedBy: 'standby', status: 200, ackAt: T0 + 50 }, // a replay is no recovery
      { id: 'c', withDocument: false, ackedBy: 'standby', status: 201, ackAt: T0 + 700 },
      { id: 'd', withDocument: false, ackedBy: 'standby', status: 201, ackAt: T0 + 400 },
    ];
    expect(rtoMs(sent, T0)).toBe(400);
  });

  it('is undefined when the standby never acknowledged, and the drill then fails', () => {
    expect(rtoMs([{ id: 'a', withDocument: false }], T0)).toBeUndefined();
  });
});

describe('RPO exposure at the outage', () => {
  it('counts what the primary acknowledged before the outage and the standby did not hold, and the oldest age', () => {
    const sent: Sent[] = [
      { id: 'old', withDocument: true, ackedBy: 'primary', status: 201, ackAt: T0 - 900 },
      { id: 'new', withDocument: false, ackedBy: 'primary', status: 201, ackAt: T0 - 200 },
      { id: 'replicated', withDocument: true, ackedBy: 'primary', status: 201, ackAt: T0 - 5000 },
      { id: 'after', withDocument: false, ackedBy: 'primary', status: 201, ackAt: T0 + 1 },
      { id: 'failed', withDocument: false },
    ];
    const standby = view({ replicated: ['f1', 'docs/r'] }, []);
    const primary = view({ old: ['f0', 'docs/o'], new: ['f2'], replicated: ['f1', 'docs/r'] }, ['docs/o', 'docs/r']);
    expect(rpoExposure(sent, T0, standby, primary)).toEqual({ count: 2, oldestMs: 900, documents: 2 });
  });

  it('is zero when the standby had everything', () => {
    const sent: Sent[] = [{ id: 'a', withDocument: false, ackedBy: 'primary', status: 201, ackAt: T0 - 1 }];
    expect(rpoExposure(sent, T0, view({ a: ['f'] }))).toEqual({ count: 0, oldestMs: 0, documents: 0 });
  });
});

describe('reconciliation after recovery', () => {
  const sent: Sent[] = [
    { id: 'a', withDocument: true, ackedBy: 'primary', status: 201, ackAt: T0 },
    { id: 'b', withDocument: false, ackedBy: 'standby', status: 201, ackAt: T0 },
    { id: 'never', withDocument: false },
  ];

  it('finds nothing wrong when both regions hold every acknowledged record, once, with its document', () => {
    const both = view({ a: ['fa', 'k/a'], b: ['fb'] }, ['k/a']);
    expect(reconcile(sent, both, both)).toEqual({
      lostAcknowledged: 0,
      conflictingIds: 0,
      documentsMissing: 0,
      examples: [],
    });
  });

  it('counts an acknowledged transaction missing in either region as lost', () => {
    const r = reconcile(sent, view({ a: ['fa', 'k/a'] }, ['k/a']), view({ a: ['fa', 'k/a'], b: ['fb'] }, ['k/a']));
    expect(r.lostAcknowledged).toBe(1);
    expect(r.examples).toEqual(['b: acknowledged by the standby, missing in the primary']);
  });

  it('counts an id with two different contents as a conflict', () => {
    const r = reconcile(
      sent,
      view({ a: ['fa', 'k/a'], b: ['fb'] }, ['k/a']),
      view({ a: ['fa', 'k/a'], b: ['OTHER'] }, ['k/a']),
    );
    expect(r.conflictingIds).toBe(1);
  });

  it('counts every bucket lacking a document some record names', () => {
    const r = reconcile(
      sent,
      view({ a: ['fa', 'k/a'], b: ['fb'] }, ['k/a']),
      view({ a: ['fa', 'k/a'], b: ['fb'] }, []),
    );
    expect(r.documentsMissing).toBe(1);
    expect(r.examples).toEqual(['k/a: missing in the standby bucket']);
  });
});

describe('targets', () => {
  const good = {
    date: 'd',
    rtoMs: 120,
    rpoExposure: { count: 3, oldestMs: 480 },
    documentsUnreplicatedAtOutage: 1,
    lostAcknowledged: 0,
    conflictingIds: 0,
    documentsMissing: 0,
    stalenessDetectedAfterMs: 12_000,
    load: { sent: 10, acknowledged: 10, byPrimary: 6, byStandby: 4 },
    settings: {},
    targets: DEFAULT_TARGETS,
    examples: [],
  };

  it('pass when every measure is within its target (exposure is reported, not a target)', () => {
    expect(missedTargets(good, DEFAULT_TARGETS)).toEqual([]);
  });

  it.each([
    [{ rtoMs: 5001 }, /RTO 5001 ms exceeds 5000 ms/],
    [{ rtoMs: null }, /never acknowledged/],
    [{ lostAcknowledged: 1 }, /1 acknowledged transactions lost/],
    [{ conflictingIds: 2 }, /2 ids ended with two contents/],
    [{ documentsMissing: 1 }, /1 documents missing/],
    [{ stalenessDetectedAfterMs: null }, /never crossed/],
    [{ stalenessDetectedAfterMs: 120_001 }, /staleness detected after 120001 ms/],
  ])('fail on %p', (change, expected) => {
    const missed = missedTargets({ ...good, ...change }, DEFAULT_TARGETS);
    expect(missed).toHaveLength(1);
    expect(missed[0]).toMatch(expected);
  });

  it('print as a table that says which target was missed', () => {
    const table = renderTable({
      ...good,
      lostAcknowledged: 1,
      failures: ['1 acknowledged transactions lost'],
      passed: false,
    });
    expect(table).toMatch(/acknowledged transactions lost\s+1\s+= 0\s+MISSED/);
    expect(table).toMatch(/FAILED: 1 acknowledged transactions lost/);
  });
});

describe('drill options', () => {
  it('default to the issue: 500 ms lag, report in cdktf.out/dr-drill.json', () => {
    expect(parseOptions([])).toMatchObject({ lagMs: 500, out: 'cdktf.out/dr-drill.json', rpoTargetSeconds: 10 });
  });

  it.each([
    [['--rate', '0']],
    [['--lag-ms', '-1']],
    [['--rate', 'fast']],
    [['--bogus', '1']],
    [['--out']],
    [['--rpo-target-seconds', '5']],
  ])('refuse %p, naming it', (argv) => {
    expect(() => parseOptions(argv)).toThrow(new RegExp(argv[0]));
  });
});
