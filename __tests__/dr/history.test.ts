/**
 * The history checker on hand-made histories: a clean failover and failback, and the signature of
 * each defect the drill's self-test plants (dr/defects.ts).
 */
import type { JournalEntry } from '../../emulator/emulator';
import { check, Item, Op, percentile, RegionState, ScheduleObservation } from '../../dr/history';

const P = 'us-east-1';
const S = 'us-west-2';
const CUT = 10_000;

const ok = (
  caller: number,
  id: string,
  region: 'primary' | 'standby',
  ackAt: number,
  requestId = `r-${id}-${region}`,
): Op => ({
  caller,
  id,
  withDocument: false,
  invokeAt: ackAt - 5,
  outcome: 'ok',
  status: 201,
  region,
  ackAt,
  requestId,
  attempts: [{ region, outcome: 'acknowledged', startedAt: ackAt - 5 }],
});
const commit = (id: string, region: string, at: number, fingerprint = `f-${id}`, requestId?: string): JournalEntry => ({
  kind: 'commit',
  id,
  region,
  at,
  fingerprint,
  requestId: requestId ?? `r-${id}-${region === P ? 'primary' : 'standby'}`,
});
const copied = (id: string, from: string, to: string, at: number): JournalEntry => ({
  kind: 'replicated',
  id,
  from,
  to,
  at,
});
const item = (id: string, fingerprint = `f-${id}`, extra: Partial<Item> = {}): [string, Item] => [
  id,
  { status: 'committed', fingerprint, ...extra },
];
const region = (items: Array<[string, Item]>, documents: string[] = []): RegionState => ({
  records: new Map(items),
  documents: new Set(documents),
});

/** Caller 0: a at t=1000 in the primary (replicated at 1500), b at 12000 in the standby (replicated at 12500), failback at 13000. */
function clean(): ScheduleObservation {
  return {
    history: [ok(0, 'a', 'primary', 1000), ok(0, 'b', 'standby', 12_000)],
    cutAt: CUT,
    returned: true,
    final: { primary: region([item('a'), item('b')]), standby: region([item('a'), item('b')]) },
    journal: [commit('a', P, 990), copied('a', P, S, 1500), commit('b', S, 11_990), copied('b', S, P, 12_500)],
    regions: { primary: P, standby: S },
    failbacks: [{ caller: 0, at: 13_000 }],
  };
}

describe('a clean failover and failback', () => {
  it('counts nothing and measures recovery from the cut', () => {
    const c = check(clean());
    expect(c).toMatchObject({
      lostAcknowledged: 0,
      lossIfNeverReturns: null,
      overwrittenAcknowledged: 0,
      revertedToPending: 0,
      doubleCommits: 0,
      documentsMissing: 0,
      documentsOrphaned: 0,
      failbackUnreplicated: 0,
      exposureAtCut: { count: 0, oldestAgeMs: 0 },
      recoveryMs: [2000],
    });
  });
});

describe('the signature of each planted defect', () => {
  it('standby acknowledges without writing: lostAcknowledged', () => {
    const o = clean();
    const c = check({
      ...o,
      final: { primary: region([item('a')]), standby: region([item('a')]) },
      journal: o.journal.filter((e) => e.id !== 'b'),
    });
    expect(c.lostAcknowledged).toBe(2); // missing in both regions
    expect(c.failbackUnreplicated).toBe(0); // nothing was committed to replicate
  });

  it('table replication drops items: lostAcknowledged', () => {
    const o = clean();
    const c = check({
      ...o,
      final: { primary: region([item('a')]), standby: region([item('a'), item('b')]) },
      journal: o.journal.filter((e) => !(e.kind === 'replicated' && e.id === 'b')),
    });
    expect(c.lostAcknowledged).toBe(1);
    expect(c.failbackUnreplicated).toBe(1);
  });

  it('document replication drops objects: documentsMissing', () => {
    const o = clean();
    const doc = { documentKey: 'documents/x' };
    const c = check({
      ...o,
      final: {
        primary: region([item('a', 'f-a', doc), item('b')], ['documents/x']),
        standby: region([item('a', 'f-a', doc), item('b')], []),
      },
    });
    expect(c.documentsMissing).toBe(1);
  });

  it('an object no committed record names is orphaned', () => {
    const o = clean();
    expect(
      check({ ...o, final: { ...o.final, primary: region([item('a'), item('b')], ['documents/y']) } })
        .documentsOrphaned,
    ).toBe(1);
  });

  it('client never fails over on a timeout: no acknowledgement until the region returns, so recovery is the outage', () => {
    const o = clean();
    const c = check({
      ...o,
      history: [ok(0, 'a', 'primary', 1000), ok(0, 'b', 'primary', 16_000), ok(1, 'c', 'primary', 500)],
    });
    expect(c.recoveryMs).toEqual([6000, null]);
    expect(percentile(c.recoveryMs, 99)).toBeNull();
    expect(percentile([100, 200, 300, 4000], 50)).toBe(200);
  });

  it('client fails back before replication caught up: failbackUnreplicated', () => {
    const o = clean();
    expect(check({ ...o, failbacks: [{ caller: 0, at: 12_200 }] }).failbackUnreplicated).toBe(1);
    // Another caller's failback does not answer for caller 0's writes.
    expect(check({ ...o, failbacks: [{ caller: 1, at: 12_200 }] }).failbackUnreplicated).toBe(0);
  });

  it('client fails back with a write in flight to the standby: failbackUnreplicated when it lands after the failback', () => {
    // Caller 0 sends c to the standby at 12_300, fails back at 12_500 with it in flight, and is told
    // of its acknowledgement at 12_800; the primary gets it only at 13_300, while it takes the caller's next writes.
    const o = clean();
    const c: Op = {
      ...ok(0, 'c', 'standby', 12_800),
      attempts: [{ region: 'standby', outcome: 'acknowledged', startedAt: 12_300 }],
    };
    const observed = (replicatedAt: number): ScheduleObservation => ({
      ...o,
      history: [...o.history, c],
      final: { primary: region([item('a'), item('b'), item('c')]), standby: region([item('a'), item('b'), item('c')]) },
      journal: [...o.journal, commit('c', S, 12_700), copied('c', S, P, replicatedAt)],
      failbacks: [{ caller: 0, at: 12_500 }],
    });
    const late = check(observed(13_300));
    expect(late.failbackUnreplicated).toBe(1);
    expect(late.examples).toContain(
      'c: acknowledged by the standby, not in the primary when caller 0 failed back (in flight to the standby then)',
    );
    // In the primary by the time the caller was told: nothing left behind.
    expect(check(observed(12_790)).failbackUnreplicated).toBe(0);
    // Sent to the standby after the failback (a failover of its own): not the failback's.
    expect(
      check({
        ...observed(13_300),
        history: [...o.history, { ...c, attempts: [{ ...c.attempts[0], startedAt: 12_600 }] }],
      }).failbackUnreplicated,
    ).toBe(0);
  });

  it('the 5xx drill pattern: in flight at one failback, then failover and failback again before it replicated; counted once', () => {
    // Recorded by `npm run dr:drill -- --modes 5xx --schedules 8` (schedule 1/0, caller 1), in ms after the cut:
    // sent to the standby at 1123, the client failed back at 1549, the standby acknowledged at 1627,
    // a 503 failed it over again at 1637, it failed back at 2034, the primary got the write at 2256.
    const op: Op = {
      ...ok(1, 'w', 'standby', 1627),
      attempts: [{ region: 'standby', outcome: 'acknowledged', startedAt: 1123 }],
    };
    const c = check({
      history: [op],
      cutAt: 0,
      returned: true,
      final: { primary: region([item('w')]), standby: region([item('w')]) },
      journal: [commit('w', S, 1600), copied('w', S, P, 2256)],
      regions: { primary: P, standby: S },
      failbacks: [
        { caller: 1, at: 1549 },
        { caller: 1, at: 2034 },
      ],
    });
    expect(c.failbackUnreplicated).toBe(1);
  });

  it('split-brain resubmission with other content: overwrittenAcknowledged, and a double commit', () => {
    const o = clean();
    const c = check({
      ...o,
      history: [...o.history, ok(9, 'a', 'standby', 10_400, 'r-a-resubmitted')],
      final: { primary: region([item('a', 'f-other'), item('b')]), standby: region([item('a', 'f-other'), item('b')]) },
      journal: [...o.journal, commit('a', S, 10_390, 'f-other', 'r-a-resubmitted'), copied('a', S, P, 16_000)],
    });
    expect(c.overwrittenAcknowledged).toBe(2); // the original acknowledgement, in both regions
    expect(c.doubleCommits).toBe(1);
  });

  it('a retry committed again in the standby (same content, new request): a double commit, nothing overwritten', () => {
    const o = clean();
    const c = check({
      ...o,
      history: [...o.history, ok(1, 'c', 'standby', 10_500, 'r-c-2')],
      final: {
        primary: region([...o.final.primary.records, item('c')]),
        standby: region([...o.final.standby.records, item('c')]),
      },
      journal: [...o.journal, commit('c', P, 9_990, 'f-c', 'r-c-1'), commit('c', S, 10_490, 'f-c', 'r-c-2')],
    });
    expect(c.doubleCommits).toBe(1);
    expect(c.overwrittenAcknowledged).toBe(0);
  });

  it('an acknowledged transaction whose final item is not committed: revertedToPending', () => {
    const o = clean();
    const pending = new Map(o.final.primary.records).set('a', { status: 'pending', fingerprint: 'f-a' });
    expect(
      check({ ...o, final: { ...o.final, primary: { records: pending, documents: new Set() } } }).revertedToPending,
    ).toBe(1);
  });
});

describe('a primary that never returns', () => {
  it('the acknowledged-but-unreplicated set is the loss, with its oldest age at the cut', () => {
    const o = clean();
    const c = check({
      ...o,
      returned: false,
      history: [
        ok(0, 'a', 'primary', 1000),
        ok(0, 'd', 'primary', 9_200),
        ok(0, 'e', 'primary', 9_700),
        ok(0, 'b', 'standby', 12_000),
      ],
      final: { primary: region([item('a'), item('d'), item('e')]), standby: region([item('a'), item('b')]) },
      journal: [
        commit('a', P, 990),
        copied('a', P, S, 1500),
        commit('d', P, 9_190),
        commit('e', P, 9_690),
        commit('b', S, 11_990),
      ],
      failbacks: [],
    });
    expect(c.lossIfNeverReturns).toEqual({ count: 2, oldestAgeMs: 800 });
    expect(c.lostAcknowledged).toBe(0);
    expect(c.exposureAtCut).toEqual({ count: 2, oldestAgeMs: 800 });
  });

  it("a lost transaction's document is part of the loss, not missing from the standby; a standby record's is", () => {
    const o = clean();
    const doc = (id: string) => `documents/acct-1/${id}/sha`;
    const c = check({
      ...o,
      returned: false,
      history: [ok(0, 'a', 'primary', 1000), ok(0, 'd', 'primary', 9_200), ok(0, 'e', 'primary', 9_500)],
      final: {
        // d never left the primary; e's item reached the standby before its document (S3 lags the table).
        primary: region(
          [item('a'), item('d', 'f-d', { documentKey: doc('d') }), item('e', 'f-e', { documentKey: doc('e') })],
          [doc('d'), doc('e')],
        ),
        standby: region([item('a'), item('e', 'f-e', { documentKey: doc('e') })]),
      },
      journal: [
        commit('a', P, 990),
        copied('a', P, S, 1500),
        commit('d', P, 9_190),
        commit('e', P, 9_490),
        copied('e', P, S, 9_900),
      ],
      failbacks: [],
    });
    expect(c.lossIfNeverReturns).toEqual({ count: 1, oldestAgeMs: 800 });
    expect(c.documentsMissing).toBe(1);
    expect(c.examples).toContain(`${doc('e')}: missing in the standby bucket`);
  });
});
