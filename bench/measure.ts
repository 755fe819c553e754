/**
 * Runs a command several times and reports the median wall time and peak RSS. RSS is the
 * largest peak over every node process the command starts (see rss-probe.js), so jest
 * workers and tsx children count.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface Sample {
  readonly ms: number;
  readonly peakRssMb: number;
}

export interface Summary {
  readonly name: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly medianPeakRssMb: number;
  readonly minMs: number;
  readonly maxMs: number;
}

const PROBE = path.join(__dirname, 'rss-probe.js');

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function runOnce(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Sample {
  const rssFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tap-bench-')), 'rss');
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: cwd ?? path.resolve(__dirname, '..'),
    env: {
      ...process.env,
      ...env,
      TAP_BENCH_RSS_FILE: rssFile,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PROBE}`.trim(),
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  }
  const peaks = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8').trim().split('\n').map(Number) : [0];
  return { ms, peakRssMb: Math.max(...peaks) / 1024 };
}

export function summarize(name: string, samples: readonly Sample[]): Summary {
  const ms = samples.map((s) => s.ms);
  return {
    name,
    runs: samples.length,
    medianMs: Math.round(median(ms)),
    medianPeakRssMb: Math.round(median(samples.map((s) => s.peakRssMb))),
    minMs: Math.round(Math.min(...ms)),
    maxMs: Math.round(Math.max(...ms)),
  };
}

export interface Target {
  readonly maxMs?: number;
  readonly maxRssMb?: number;
}

/** Prints a table and returns false when a target is missed. */
export function report(rows: ReadonlyArray<Summary & { target?: Target }>): boolean {
  let ok = true;
  const lines = [
    '| benchmark | runs | median wall | min-max | median peak RSS | target | result |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const t = r.target ?? {};
    const pass =
      (t.maxMs === undefined || r.medianMs <= t.maxMs) && (t.maxRssMb === undefined || r.medianPeakRssMb <= t.maxRssMb);
    ok &&= pass;
    const target = [
      t.maxMs !== undefined ? `<= ${t.maxMs} ms` : '',
      t.maxRssMb !== undefined ? `<= ${t.maxRssMb} MB` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `| ${r.name} | ${r.runs} | ${r.medianMs} ms | ${r.minMs}-${r.maxMs} ms | ${r.medianPeakRssMb} MB | ${target || '-'} | ${pass ? 'ok' : 'MISSED'} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok;
}
