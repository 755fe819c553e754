/**
 * `npm run bench -- --only tests` (and the end of `npm run bench`): the wall time of `npm test` and
 * of `npm run test:slow`, each from a fresh clone of the committed HEAD (a new clone per run: no
 * jest cache, no .terraform, no dist/), with node_modules hard-linked from this checkout in place of
 * `npm ci` (not timed). A measurement, not a timed test: it reports the median and the machine's
 * core count, and exits 1 when `npm test` misses its 4-minute target (issue 18) or a suite fails.
 * BENCH_TEST_RUNS and BENCH_SLOW_RUNS set the run counts (default 1 each: they are long);
 * BENCH_SLOW_RUNS=0 skips the slow suite.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median } from './measure';

const ROOT = path.resolve(__dirname, '..');
const TEST_TARGET_MS = 240_000;

interface Run {
  readonly ms: number;
  readonly ok: boolean;
  readonly summary: string;
}

/** A fresh clone of HEAD with node_modules hard-linked in (same file system), as after `npm ci`. */
function freshClone(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-bench-clone-'));
  const clone = spawnSync('git', ['clone', '--quiet', '--no-local', ROOT, dir], { encoding: 'utf8' });
  if (clone.status !== 0) throw new Error(`git clone failed: ${clone.stderr}`);
  const link = spawnSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules')], {
    encoding: 'utf8',
  });
  if (link.status !== 0) throw new Error(`could not link node_modules into the clone: ${link.stderr}`);
  return dir;
}

/** One timed `npm run <script>` in a fresh clone; its output goes to a log kept when it fails. */
function timeScript(script: string): Run {
  const dir = freshClone();
  const log = path.join(os.tmpdir(), `tap-bench-${script.replace(':', '-')}-${Date.now()}.log`);
  const out = fs.openSync(log, 'w');
  const start = process.hrtime.bigint();
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: dir, stdio: ['ignore', out, out] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.closeSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  // scripts/test.sh ends with one "N passed, N failed, N skipped" line.
  const summary = (fs.readFileSync(log, 'utf8').match(/^\d+ passed, \d+ failed, \d+ skipped$/m) ?? ['no summary'])[0];
  const ok = r.status === 0;
  if (ok) fs.rmSync(log);
  else process.stderr.write(`bench: npm run ${script} exited ${r.status}; its output is in ${log}\n`);
  return { ms, ok, summary };
}

function row(name: string, runs: Run[], targetMs?: number): { line: string; ok: boolean } {
  const ms = runs.map((r) => r.ms);
  const med = median(ms);
  const passed = runs.every((r) => r.ok);
  const ok = passed && (targetMs === undefined || med <= targetMs);
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const target = targetMs === undefined ? '-' : `<= ${s(targetMs)}`;
  const result = passed ? (ok ? 'ok' : 'MISSED') : 'FAILED';
  return {
    line: `| ${name} | ${runs.length} | ${s(med)} | ${s(Math.min(...ms))}-${s(Math.max(...ms))} | ${runs[runs.length - 1].summary} | ${target} | ${result} |`,
    ok,
  };
}

/** A run count from the environment: a whole number from `min`, else a clear error before anything runs. */
function runCount(name: string, min: number): number {
  const value = process.env[name] ?? '1';
  if (!/^\d+$/.test(value) || Number(value) < min) {
    process.stderr.write(`bench: ${name}=${value} is invalid: expected a whole number from ${min} (default 1)\n`);
    process.exit(2);
  }
  return Number(value);
}

export function benchTests(): boolean {
  const testRuns = runCount('BENCH_TEST_RUNS', 1);
  const slowRuns = runCount('BENCH_SLOW_RUNS', 0);
  const cores = os.availableParallelism();
  const load = os.loadavg()[0].toFixed(1);
  process.stdout.write(`test suites from a fresh clone of HEAD on ${cores} cores (load average ${load} at start)\n`);
  const rows = [
    row(
      '`npm test`',
      Array.from({ length: testRuns }, () => timeScript('test')),
      TEST_TARGET_MS,
    ),
  ];
  if (slowRuns > 0)
    rows.push(
      row(
        '`npm run test:slow`',
        Array.from({ length: slowRuns }, () => timeScript('test:slow')),
      ),
    );
  process.stdout.write(
    [
      '| suite | runs | median wall | min-max | last run | target | result |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => r.line),
    ].join('\n') + '\n',
  );
  return rows.every((r) => r.ok);
}
