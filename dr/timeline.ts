/**
 * One schedule's timeline as a self-contained SVG: acknowledged writes per second in each region,
 * the cut, the primary's return, each caller's failover and failback, the drain, the staleness
 * metric each region published and its staleness alarm's state. Pure (a string out).
 */
import type { AlarmState, Evaluation, Point } from './alarm-eval';
import type { Failback, Op } from './history';

export interface TimelineInput {
  readonly title: string;
  readonly start: number;
  readonly end: number;
  readonly history: readonly Op[];
  readonly cutAt: number;
  readonly returnedAt?: number;
  readonly drainedAt?: number;
  readonly failbacks: readonly Failback[];
  readonly failovers: readonly Failback[];
  /** Staleness (s) each region published, by receiving region label. */
  readonly staleness: Readonly<Record<string, readonly Point[]>>;
  readonly alarms: Readonly<Record<string, readonly Evaluation[]>>;
  readonly thresholdS: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const COLORS: Record<AlarmState, string> = { OK: '#2e7d32', ALARM: '#c62828', INSUFFICIENT_DATA: '#9e9e9e' };

/** The drawing's frame: where a time falls, and the parts drawn so far. */
interface Canvas {
  readonly t: TimelineInput;
  readonly x: (at: number) => number;
  readonly parts: string[];
  y: number;
}

const W = 960;
const LEFT = 150;

export function timelineSvg(t: TimelineInput): string {
  const span = Math.max(1, t.end - t.start);
  const c: Canvas = { t, x: (at) => LEFT + ((at - t.start) / span) * (W - LEFT - 20), parts: [], y: 40 };
  for (const region of ['primary', 'standby'] as const) writesRow(c, region);
  for (const [name, points] of Object.entries(t.staleness)) stalenessRows(c, name, points);
  eventLines(c);
  const height = c.y + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${esc(t.title)}</text>`,
    `<text x="${LEFT}" y="${height - 4}" font-size="11">0 s</text><text x="${W - 60}" y="${height - 4}" font-size="11">${((t.end - t.start) / 1000).toFixed(1)} s</text>`,
    ...c.parts,
    '</svg>',
    '',
  ].join('\n');
}

const label = (c: Canvas, text: string, yy: number) =>
  c.parts.push(`<text x="8" y="${yy}" font-size="12">${esc(text)}</text>`);

/** Writes per second in one region: bars of 500 ms buckets. */
function writesRow(c: Canvas, region: 'primary' | 'standby') {
  const { t, x, parts, y } = c;
  const buckets = new Map<number, number>();
  for (const op of t.history)
    if (op.outcome === 'ok' && op.region === region && op.ackAt) {
      const k = Math.floor((op.ackAt - t.start) / 500);
      buckets.set(k, (buckets.get(k) ?? 0) + 2);
    }
  const max = Math.max(10, ...buckets.values());
  label(c, `${region} acks/s (max ${max})`, y + 30);
  parts.push(`<line x1="${LEFT}" y1="${y + 40}" x2="${W - 20}" y2="${y + 40}" stroke="#ccc"/>`);
  for (const [k, v] of buckets) {
    const h = (v / max) * 40;
    const bx = x(t.start + k * 500);
    parts.push(
      `<rect x="${bx}" y="${y + 40 - h}" width="${Math.max(1, x(t.start + 500) - LEFT - 1)}" height="${h}" fill="${region === 'primary' ? '#1565c0' : '#ef6c00'}"/>`,
    );
  }
  c.y += 60;
}

/** Staleness per receiving region, with the threshold, and the alarm's state band. */
function stalenessRows(c: Canvas, name: string, points: readonly Point[]) {
  const { t, x, parts } = c;
  const y = c.y;
  const max = Math.max(t.thresholdS * 1.5, ...points.map((p) => p.value));
  const py = (v: number) => y + 50 - (v / max) * 50;
  label(c, `staleness ${name} (s)`, y + 30);
  parts.push(
    `<line x1="${LEFT}" y1="${py(t.thresholdS)}" x2="${W - 20}" y2="${py(t.thresholdS)}" stroke="#c62828" stroke-dasharray="4 3"/>`,
  );
  const inWindow = points.filter((p) => p.at >= t.start && p.at <= t.end);
  if (inWindow.length)
    parts.push(
      `<polyline fill="none" stroke="#6a1b9a" points="${inWindow.map((p) => `${x(p.at).toFixed(1)},${py(p.value).toFixed(1)}`).join(' ')}"/>`,
    );
  c.y += 60;
  const band = c.y;
  const evals = (t.alarms[name] ?? []).filter((e) => e.at >= t.start && e.at <= t.end);
  label(c, `alarm ${name}`, band + 12);
  for (let i = 0; i < evals.length; i++) {
    const from = i ? evals[i - 1].at : t.start;
    parts.push(
      `<rect x="${x(from)}" y="${band}" width="${Math.max(1, x(evals[i].at) - x(from))}" height="14" fill="${COLORS[evals[i].state]}"><title>${evals[i].state}</title></rect>`,
    );
  }
  c.y += 24;
}

/** Events: vertical lines across the whole picture. */
function eventLines(c: Canvas) {
  const { t, x, parts } = c;
  const event = (at: number | undefined, color: string, text: string, dash = '') => {
    if (at === undefined) return;
    parts.push(
      `<line x1="${x(at)}" y1="30" x2="${x(at)}" y2="${c.y}" stroke="${color}" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`,
    );
    parts.push(`<text x="${x(at) + 3}" y="${c.y + 14}" font-size="11" fill="${color}">${esc(text)}</text>`);
  };
  event(t.cutAt, '#000', 'cut');
  event(t.returnedAt, '#2e7d32', 'primary back');
  event(t.drainedAt, '#555', 'drained', '2 2');
  for (const f of t.failovers) event(f.at, '#ef6c00', `c${f.caller} over`, '1 3');
  for (const f of t.failbacks) event(f.at, '#1565c0', `c${f.caller} back`, '1 3');
}
