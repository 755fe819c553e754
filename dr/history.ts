/**
 * The drill's history and its checker, in the manner of Jepsen and its Elle checker: every client
 * operation is recorded as the client saw it, faults are injected, and afterwards the final state
 * of both regions (and the emulator's journal of record commits) is checked against what was
 * promised. Pure: __tests__/dr/history.test.ts runs it on hand-made histories, including the
 * signature of each defect the self-test plants.
 */
import type { JournalEntry } from '../emulator/emulator';

export type Role = 'primary' | 'standby';

/** One submit() as a caller saw it. */
export interface Op {
  readonly caller: number;
  readonly id: string;
  readonly withDocument: boolean;
  /** When submit() was called (epoch ms). */
  readonly invokeAt: number;
  /** 'ok': acknowledged (200/201); 'fail': refused (4xx); 'info': no final answer (may or may not be committed). */
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly status?: number;
  /** The region whose answer it was. */
  readonly region?: Role;
  /** When the acknowledgement arrived (epoch ms). */
  readonly ackAt?: number;
  /** The record's requestId in the answer: which commit the acknowledgement is about. */
  readonly requestId?: string;
  /** The attempts' regions and outcomes, in order, with how long each took (ms) when recorded. */
  readonly attempts: ReadonlyArray<{
    readonly region: Role;
    readonly outcome: string;
    readonly startedAt: number;
    readonly ms?: number;
  }>;
}

/** A transaction item as one region holds it at the end. */
export interface Item {
  readonly status: string;
  readonly fingerprint: string;
  readonly requestId?: string;
  readonly documentKey?: string;
}

export interface RegionState {
  readonly records: ReadonlyMap<string, Item>;
  readonly documents: ReadonlySet<string>;
}

/** When a caller's client moved its new transactions back to the primary. */
export interface Failback {
  readonly caller: number;
  readonly at: number;
}

export interface ScheduleObservation {
  readonly history: readonly Op[];
  readonly cutAt: number;
  /** Whether the primary came back before the final state was read. */
  readonly returned: boolean;
  readonly final: Readonly<Record<Role, RegionState>>;
  readonly journal: readonly JournalEntry[];
  readonly regions: Readonly<Record<Role, string>>;
  readonly failbacks: readonly Failback[];
}

export interface Counts {
  /** Acknowledged, then missing (or not committed) in a region after the primary returned. */
  readonly lostAcknowledged: number;
  /** When the primary never returns: acknowledged by it, absent from the standby. */
  readonly lossIfNeverReturns: { readonly count: number; readonly oldestAgeMs: number } | null;
  /** An acknowledged commit whose content is not the final content. */
  readonly overwrittenAcknowledged: number;
  /** Acknowledged, and the final item is not committed. */
  readonly revertedToPending: number;
  /** Transactions committed by more than one request (the journal's local commits). */
  readonly doubleCommits: number;
  /** Documents a surviving region's committed record names that a surviving bucket lacks. */
  readonly documentsMissing: number;
  /** Objects in a bucket that no committed record names. */
  readonly documentsOrphaned: number;
  /**
   * The callers' own standby acknowledgements not in the primary when they failed back (or, for a
   * write in flight to the standby at the failback, when its acknowledgement came).
   */
  readonly failbackUnreplicated: number;
  /** At the cut: acknowledged by the primary, not yet replicated into the standby (the RPO exposure). */
  readonly exposureAtCut: { readonly count: number; readonly oldestAgeMs: number };
  /** Per caller: from the cut to its next acknowledged write (null: none). */
  readonly recoveryMs: ReadonlyArray<number | null>;
  readonly examples: readonly string[];
}

/** Each local commit of a record, by transaction id (replicated copies are not commits). */
export function commitsById(journal: readonly JournalEntry[]) {
  const out = new Map<string, Array<Extract<JournalEntry, { kind: 'commit' }>>>();
  for (const e of journal) if (e.kind === 'commit') out.set(e.id, [...(out.get(e.id) ?? []), e]);
  return out;
}

type Note = (s: string) => void;
type Commits = ReturnType<typeof commitsById>;

export function check(o: ScheduleObservation): Counts {
  const examples: string[] = [];
  const note: Note = (s) => void (examples.length < 12 && examples.push(s));
  const acked = o.history.filter((op) => op.outcome === 'ok');
  const commits = commitsById(o.journal);
  const survivors: Role[] = o.returned ? ['primary', 'standby'] : ['standby'];
  // In this order, so the examples come in the order of the counts.
  const fates = acknowledgedFates(o, acked, commits, survivors, note);
  const lossIfNeverReturns = o.returned ? null : unreplicatedLoss(o, acked, note);
  const doubleCommits = countDoubleCommits(commits, note);
  const documents = documentCounts(o, survivors, note);
  const failbackUnreplicated = unreplicatedAtFailback(o, commits, note);
  return {
    lostAcknowledged: fates.lost,
    lossIfNeverReturns,
    overwrittenAcknowledged: fates.overwritten,
    revertedToPending: fates.reverted,
    doubleCommits,
    documentsMissing: documents.missing,
    documentsOrphaned: documents.orphaned,
    failbackUnreplicated,
    exposureAtCut: exposureAtCut(o, acked),
    recoveryMs: recoveryMs(o, acked),
    examples,
  };
}

/** Each acknowledged transaction in each surviving region: missing, not committed, or other content. */
function acknowledgedFates(
  o: ScheduleObservation,
  acked: readonly Op[],
  commits: Commits,
  survivors: Role[],
  note: Note,
) {
  let lost = 0;
  let reverted = 0;
  let overwritten = 0;
  for (const op of acked) {
    for (const r of survivors) {
      const item = o.final[r].records.get(op.id);
      if (!item) {
        if (o.returned) {
          lost++;
          note(`${op.id}: acknowledged by the ${op.region}, missing in the ${r}`);
        }
      } else if (item.status !== 'committed') {
        reverted++;
        note(`${op.id}: acknowledged, ${item.status} in the ${r}`);
      } else {
        const ackedCommit = commits.get(op.id)?.find((c) => c.requestId === op.requestId);
        if (ackedCommit?.fingerprint && ackedCommit.fingerprint !== item.fingerprint) {
          overwritten++;
          note(
            `${op.id}: acknowledged content ${ackedCommit.fingerprint.slice(0, 10)}, final ${item.fingerprint.slice(0, 10)} in the ${r}`,
          );
        }
      }
    }
  }
  return { lost, reverted, overwritten };
}

/** When the primary never returns: what it acknowledged that the standby lacks, and the oldest's age at the cut. */
function unreplicatedLoss(o: ScheduleObservation, acked: readonly Op[], note: Note) {
  const gone = acked.filter((op) => op.region === 'primary' && !o.final.standby.records.has(op.id));
  for (const op of gone.slice(0, 3)) note(`${op.id}: acknowledged by the primary, not in the standby`);
  const ages = gone.map((op) => o.cutAt - (op.ackAt ?? o.cutAt));
  return { count: gone.length, oldestAgeMs: ages.length ? Math.max(0, ...ages) : 0 };
}

function countDoubleCommits(commits: Commits, note: Note): number {
  let doubleCommits = 0;
  for (const [id, cs] of commits) {
    const requests = new Set(cs.map((c) => c.requestId));
    if (requests.size > 1) {
      doubleCommits++;
      note(`${id}: committed by ${requests.size} requests (${cs.map((c) => c.region).join(', ')})`);
    }
  }
  return doubleCommits;
}

/**
 * Documents a surviving region's committed record names that a surviving bucket lacks, and objects
 * none names. A record only a region that never returns holds is the loss (lossIfNeverReturns):
 * its document is not also missing.
 */
function documentCounts(o: ScheduleObservation, survivors: Role[], note: Note) {
  let missing = 0;
  let orphaned = 0;
  const named = new Set<string>();
  for (const r of survivors)
    for (const item of o.final[r].records.values())
      if (item.status === 'committed' && item.documentKey) named.add(item.documentKey);
  for (const key of named)
    for (const r of survivors)
      if (!o.final[r].documents.has(key)) {
        missing++;
        note(`${key}: missing in the ${r} bucket`);
      }
  for (const r of survivors) for (const key of o.final[r].documents) if (!named.has(key)) orphaned++;
  return { missing, orphaned };
}

/** At the cut: acknowledged by the primary, not yet in the standby (as a replicated copy or its own commit). */
function exposureAtCut(o: ScheduleObservation, acked: readonly Op[]): Counts['exposureAtCut'] {
  const inStandby = arrivals(o.journal, o.regions.standby);
  const exposed = acked.filter(
    (op) => op.region === 'primary' && op.ackAt! <= o.cutAt && !((inStandby.get(op.id) ?? Infinity) <= o.cutAt),
  );
  return {
    count: exposed.length,
    oldestAgeMs: exposed.length ? o.cutAt - Math.min(...exposed.map((op) => op.ackAt!)) : 0,
  };
}

/** Per caller, in caller order: from the cut to its next acknowledgement (null: none). */
function recoveryMs(o: ScheduleObservation, acked: readonly Op[]): Array<number | null> {
  const callers = [...new Set(o.history.map((op) => op.caller))].sort((a, b) => a - b);
  return callers.map((c) => {
    const next = acked
      .filter((op) => op.caller === c && op.ackAt !== undefined && op.ackAt > o.cutAt)
      .sort((a, b) => a.ackAt! - b.ackAt!)[0];
    return next ? next.ackAt! - o.cutAt : null;
  });
}

/**
 * At each caller's failback: its standby-acknowledged transactions that the primary did not hold
 * yet, neither as a replicated copy nor as a commit of its own, when the caller had both failed
 * back and been told of the acknowledgement (owedBy). Each transaction counts once.
 */
function unreplicatedAtFailback(o: ScheduleObservation, commits: Commits, note: Note): number {
  const arrived = arrivals(o.journal, o.regions.primary);
  const counted = new Set<string>();
  for (const f of o.failbacks) {
    for (const op of o.history) {
      const due = owedBy(op, f);
      // Nothing committed to replicate is counted as lost, if so.
      if (due === undefined || counted.has(op.id) || !commits.has(op.id)) continue;
      const at = arrived.get(op.id);
      if (at === undefined || at > due) {
        counted.add(op.id);
        const inFlight = due > f.at ? ' (in flight to the standby then)' : '';
        note(
          `${op.id}: acknowledged by the standby, not in the primary when caller ${f.caller} failed back${inFlight}`,
        );
      }
    }
  }
  return counted.size;
}

/**
 * When the primary must hold a caller's standby-acknowledged write, for this failback of that
 * caller: the failback, for one acknowledged before it; the acknowledgement, for one sent to the
 * standby before the failback and acknowledged after it (the client failed back with it in
 * flight). Undefined when the failback does not answer for the write.
 */
function owedBy(op: Op, f: Failback): number | undefined {
  if (op.caller !== f.caller || op.outcome !== 'ok' || op.region !== 'standby') return undefined;
  if (op.ackAt! <= f.at) return f.at;
  const sent = op.attempts.find((a) => a.region === 'standby' && a.outcome === 'acknowledged')?.startedAt;
  return sent !== undefined && sent < f.at ? op.ackAt : undefined;
}

/** When each transaction first reached a region: a replicated copy or a commit of its own. */
function arrivals(journal: readonly JournalEntry[], region: string): Map<string, number> {
  const arrived = new Map<string, number>();
  for (const e of journal) {
    const at = e.kind === 'replicated' ? (e.to === region ? e.at : undefined) : e.region === region ? e.at : undefined;
    if (at !== undefined && !(arrived.get(e.id)! <= at)) arrived.set(e.id, at);
  }
  return arrived;
}

/** Nearest-rank percentile; a null (never recovered) counts as Infinity. */
export function percentile(values: ReadonlyArray<number | null>, p: number): number | null {
  if (!values.length) return null;
  const xs = values.map((v) => (v === null ? Infinity : v)).sort((a, b) => a - b);
  const v = xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))];
  return Number.isFinite(v) ? Math.round(v) : null;
}
