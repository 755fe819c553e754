/**
 * What the DR drill measures, as pure functions over what it observed: the load's outcomes,
 * what each region held at the outage and after recovery. No I/O here, so every figure the
 * drill reports can be unit-tested on hand-made observations (__tests__/drill-measure.test.ts).
 */

/** One transaction the drill sent, and how the failover client ended it. */
export interface Sent {
  readonly id: string;
  readonly withDocument: boolean;
  /** 'primary' | 'standby' for an acknowledged (200/201) answer; undefined when never acknowledged. */
  readonly ackedBy?: 'primary' | 'standby';
  readonly status?: number;
  /** Wall-clock ms when the acknowledgement arrived. */
  readonly ackAt?: number;
}

/** A committed record as one region's table holds it. */
export interface Held {
  readonly fingerprint: string;
  readonly documentKey?: string;
}

/** One region's view: committed records by id, and which document keys its bucket holds. */
export interface RegionView {
  readonly records: ReadonlyMap<string, Held>;
  readonly documents: ReadonlySet<string>;
}

export interface Targets {
  readonly rtoMs: number;
  readonly lostAcknowledged: number;
  readonly conflictingIds: number;
  readonly documentsMissing: number;
  readonly stalenessDetectedWithinMs: number;
}

/** Issue 12's targets on the emulator. */
export const DEFAULT_TARGETS: Targets = {
  rtoMs: 5_000,
  lostAcknowledged: 0,
  conflictingIds: 0,
  documentsMissing: 0,
  stalenessDetectedWithinMs: 120_000,
};

/** From the outage to the first 201 the standby gave; undefined if it never gave one. */
export function rtoMs(sent: readonly Sent[], outageAt: number): number | undefined {
  const after = sent.filter(
    (s) => s.ackedBy === 'standby' && s.status === 201 && s.ackAt !== undefined && s.ackAt >= outageAt,
  );
  return after.length ? Math.min(...after.map((s) => s.ackAt!)) - outageAt : undefined;
}

export interface Exposure {
  /** Acknowledged by the primary before the outage, not in the standby's table at it. */
  readonly count: number;
  /** Age at the outage of the oldest of them (0 when none). */
  readonly oldestMs: number;
  /** Of those with a document, how many documents the standby's bucket lacked at the outage. */
  readonly documents: number;
}

/** RPO exposure at the outage: what the primary had acknowledged that the standby did not have yet. */
export function rpoExposure(
  sent: readonly Sent[],
  outageAt: number,
  standbyAtOutage: RegionView,
  primaryAtOutage?: RegionView,
): Exposure {
  const acked = sent.filter((s) => s.ackedBy === 'primary' && s.ackAt !== undefined && s.ackAt <= outageAt);
  const missing = acked.filter((s) => !standbyAtOutage.records.has(s.id));
  const docs = acked.filter((s) => {
    const key = primaryAtOutage?.records.get(s.id)?.documentKey;
    return s.withDocument && key !== undefined && !standbyAtOutage.documents.has(key);
  });
  return {
    count: missing.length,
    oldestMs: missing.length ? outageAt - Math.min(...missing.map((s) => s.ackAt!)) : 0,
    documents: docs.length,
  };
}

export interface Reconciliation {
  /** Acknowledged (by either region) but committed in only one region, or in neither. */
  readonly lostAcknowledged: number;
  /** Ids whose committed content (fingerprint) differs between the regions. */
  readonly conflictingIds: number;
  /** Documents a committed record names that either bucket lacks. */
  readonly documentsMissing: number;
  readonly examples: readonly string[];
}

/** After recovery and a drained replication: did every acknowledged transaction survive, once? */
export function reconcile(sent: readonly Sent[], primary: RegionView, standby: RegionView): Reconciliation {
  const examples: string[] = [];
  const note = (s: string) => void (examples.length < 10 && examples.push(s));
  let lost = 0;
  for (const s of sent.filter((x) => x.ackedBy)) {
    if (!primary.records.has(s.id) || !standby.records.has(s.id)) {
      lost++;
      note(
        `${s.id}: acknowledged by the ${s.ackedBy}, missing in the ${primary.records.has(s.id) ? 'standby' : 'primary'}`,
      );
    }
  }
  let conflicts = 0;
  for (const [id, held] of primary.records) {
    const other = standby.records.get(id);
    if (other && other.fingerprint !== held.fingerprint) {
      conflicts++;
      note(`${id}: two contents (${held.fingerprint.slice(0, 12)} / ${other.fingerprint.slice(0, 12)})`);
    }
  }
  let documentsMissing = 0;
  const named = new Set(
    [...primary.records.values(), ...standby.records.values()]
      .map((h) => h.documentKey)
      .filter((k): k is string => !!k),
  );
  for (const key of named) {
    for (const [where, view] of [
      ['primary', primary],
      ['standby', standby],
    ] as const) {
      if (!view.documents.has(key)) {
        documentsMissing++;
        note(`${key}: missing in the ${where} bucket`);
      }
    }
  }
  return { lostAcknowledged: lost, conflictingIds: conflicts, documentsMissing, examples };
}

export interface DrillReport {
  readonly date: string;
  readonly rtoMs: number | null;
  readonly rpoExposure: { readonly count: number; readonly oldestMs: number };
  readonly documentsUnreplicatedAtOutage: number;
  readonly lostAcknowledged: number;
  readonly conflictingIds: number;
  readonly documentsMissing: number;
  readonly stalenessDetectedAfterMs: number | null;
  readonly load: {
    readonly sent: number;
    readonly acknowledged: number;
    readonly byPrimary: number;
    readonly byStandby: number;
  };
  readonly settings: Record<string, number | string>;
  readonly targets: Targets;
  readonly failures: readonly string[];
  readonly passed: boolean;
  readonly examples: readonly string[];
}

/** The targets a run missed, each as a sentence; empty when it passed. */
export function missedTargets(r: Omit<DrillReport, 'failures' | 'passed'>, t: Targets): string[] {
  const out: string[] = [];
  if (r.rtoMs === null) out.push('the standby never acknowledged a transaction after the outage');
  else if (r.rtoMs > t.rtoMs) out.push(`RTO ${r.rtoMs} ms exceeds ${t.rtoMs} ms`);
  if (r.lostAcknowledged > t.lostAcknowledged) out.push(`${r.lostAcknowledged} acknowledged transactions lost`);
  if (r.conflictingIds > t.conflictingIds) out.push(`${r.conflictingIds} ids ended with two contents`);
  if (r.documentsMissing > t.documentsMissing) out.push(`${r.documentsMissing} documents missing from a bucket`);
  if (r.stalenessDetectedAfterMs === null)
    out.push('heartbeat staleness never crossed its threshold while replication was paused');
  else if (r.stalenessDetectedAfterMs > t.stalenessDetectedWithinMs)
    out.push(`staleness detected after ${r.stalenessDetectedAfterMs} ms, target ${t.stalenessDetectedWithinMs} ms`);
  return out;
}

/** The readable table the drill prints. */
export function renderTable(r: DrillReport): string {
  const row = (what: string, value: string, target: string, ok: boolean) =>
    `  ${what.padEnd(44)}${value.padStart(12)}   ${target.padEnd(16)}${ok ? 'ok' : 'MISSED'}`;
  const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
  const t = r.targets;
  return [
    `tap-dr DR drill on the emulator (${r.date})`,
    `  load: ${r.load.sent} sent, ${r.load.acknowledged} acknowledged (${r.load.byPrimary} by the primary, ${r.load.byStandby} by the standby)`,
    `  ${'measure'.padEnd(44)}${'value'.padStart(12)}   ${'target'.padEnd(16)}`,
    row(
      'RTO: outage to first 201 from the standby',
      ms(r.rtoMs),
      `<= ${t.rtoMs} ms`,
      r.rtoMs !== null && r.rtoMs <= t.rtoMs,
    ),
    row('RPO exposure at the outage: transactions', String(r.rpoExposure.count), 'reported', true),
    row('RPO exposure at the outage: oldest', `${r.rpoExposure.oldestMs} ms`, 'reported', true),
    row('documents not yet replicated at the outage', String(r.documentsUnreplicatedAtOutage), 'reported', true),
    row(
      'acknowledged transactions lost',
      String(r.lostAcknowledged),
      `= ${t.lostAcknowledged}`,
      r.lostAcknowledged <= t.lostAcknowledged,
    ),
    row(
      'ids with two different contents',
      String(r.conflictingIds),
      `= ${t.conflictingIds}`,
      r.conflictingIds <= t.conflictingIds,
    ),
    row(
      'documents missing from a bucket',
      String(r.documentsMissing),
      `= ${t.documentsMissing}`,
      r.documentsMissing <= t.documentsMissing,
    ),
    row(
      'staleness detected after replication paused',
      ms(r.stalenessDetectedAfterMs),
      `<= ${t.stalenessDetectedWithinMs} ms`,
      r.stalenessDetectedAfterMs !== null && r.stalenessDetectedAfterMs <= t.stalenessDetectedWithinMs,
    ),
    r.passed ? '  PASSED' : `  FAILED: ${r.failures.join('; ')}`,
  ].join('\n');
}
