/**
 * dr:check's result rows and the table it prints. A row is one check in one region: what was
 * measured, against what target, and the verdict. SKIP is for checks the deployment has nothing
 * to check with (no standby tier, no DNS failover); it never fails the run.
 */

export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

/** Row ids, so callers (and tests) can select rows without matching on prose. */
export type CheckId =
  | 'transaction-replication'
  | 'document-replication'
  | 'standby-write-path'
  | 'failback-transaction'
  | 'failback-document'
  | 'pitr'
  | 'key'
  | 'alarms'
  | 'alarm-actions'
  | 'alert-subscriptions'
  | 'heartbeat'
  | 'health'
  | 'dns-failover'
  | 'canaries-removed';

export interface Row {
  readonly id: CheckId;
  readonly check: string;
  readonly region: string;
  readonly measured: string;
  readonly target: string;
  readonly verdict: Verdict;
}

export const pass = (r: Omit<Row, 'verdict'>): Row => ({ ...r, verdict: 'PASS' });
export const fail = (r: Omit<Row, 'verdict'>): Row => ({ ...r, verdict: 'FAIL' });
export const skip = (r: Omit<Row, 'verdict'>): Row => ({ ...r, verdict: 'SKIP' });
export const verdict = (ok: boolean, r: Omit<Row, 'verdict'>): Row => (ok ? pass(r) : fail(r));

/** The row an unexpected error (access denied, a timeout) turns a check into: FAIL, saying why. */
export function errorRow(base: Pick<Row, 'id' | 'check' | 'region' | 'target'>, e: unknown): Row {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause ? ` (${err.cause.code ?? err.cause.message})` : '';
  const what = `${err?.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : String(err?.message ?? e)}${cause}`;
  return fail({ ...base, measured: `error: ${what.replace(/\s+/g, ' ').slice(0, 200)}` });
}

export const failed = (rows: readonly Row[]): Row[] => rows.filter((r) => r.verdict === 'FAIL');

/** A plain-text table, one row per check, columns padded; long cells wrap at `width`. */
export function renderTable(rows: readonly Row[], width = 70): string {
  const header = ['check', 'region', 'measured', 'target', 'result'];
  const cells = rows.map((r) => [r.check, r.region, r.measured, r.target, r.verdict]);
  const wrap = (s: string) =>
    s.length <= width ? [s] : s.match(new RegExp(`.{1,${width}}(\\s|$)|\\S+`, 'g'))!.map((x) => x.trim());
  const widths = header.map((h, i) => Math.min(width, Math.max(h.length, ...cells.map((c) => c[i].length))));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const c of cells) {
    const wrapped = c.map(wrap);
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let i = 0; i < height; i++) out.push(line(wrapped.map((w) => w[i] ?? '')));
  }
  const bad = failed(rows).length;
  out.push(
    '',
    bad === 0
      ? `dr:check: all ${rows.filter((r) => r.verdict === 'PASS').length} checks passed`
      : `dr:check: ${bad} of ${rows.length} checks FAILED`,
  );
  return out.join('\n');
}
