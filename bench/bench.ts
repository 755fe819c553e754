/**
 * `npm run bench`: medians over 5 runs (BENCH_RUNS to change) of
 *  - synth of the whole Terraform stack (what `npm run synth:terraform` runs),
 *  - emitting the CloudFormation templates alone (CLI, and the emitter in-process),
 *  - the unit test suite;
 * then apply/destroy on the emulator (bench-apply.ts), the DR drill (bench-drill.ts), and the wall
 * time of `npm test` and `npm run test:slow` from a fresh clone (bench-tests.ts).
 * `npm run bench -- --only tests` runs the last alone. Exits 1 when a target is missed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../src/config';
import { buildLambdaBundle } from '../src/lambda-bundle';
import { median, report, runOnce, Sample, summarize } from './measure';
import { benchTests } from './bench-tests';

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'tests') {
  process.stderr.write(`bench: --only takes "tests", not ${JSON.stringify(only)}\n`);
  process.exit(2);
}
if (only === 'tests') process.exit(benchTests() ? 0 : 1);

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = path.resolve(__dirname, '..');
const NODE = process.execPath;

function repeat(fn: () => Sample): Sample[] {
  fn(); // warm the tsx and OS caches so the first run is not an outlier
  return Array.from({ length: RUNS }, fn);
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-bench-out-'));
const env = { CDKTF_OUTDIR: outdir };

const synth = repeat(() => runOnce(NODE, ['--require', 'tsx/cjs', 'main.ts', '--only', 'terraform'], env));
const cfnCli = repeat(() => runOnce(NODE, ['--require', 'tsx/cjs', 'main.ts', '--only', 'cloudformation'], env));

// The emitter itself, in-process: what "emitting the templates alone" costs once the bundle exists.
const { buildCloudFormationTemplates } = require('../src/cloudformation') as typeof import('../src/cloudformation');
const config = loadConfig({}, {});
const code = buildLambdaBundle().code;
const emitMs = Array.from({ length: RUNS }, () => {
  const t = process.hrtime.bigint();
  JSON.stringify(buildCloudFormationTemplates(config, code));
  return Number(process.hrtime.bigint() - t) / 1e6;
});

const unit = repeat(() =>
  runOnce(path.join(ROOT, 'node_modules', '.bin', 'jest'), ['--ci', '--selectProjects', 'unit', '--silent']),
);

const ok = report([
  { ...summarize('synth: Terraform stack (main.ts --only terraform)', synth), target: { maxMs: 1500, maxRssMb: 200 } },
  { ...summarize('emit: CloudFormation templates (main.ts --only cloudformation)', cfnCli), target: { maxMs: 300 } },
  {
    name: 'emit: CloudFormation templates (emitter in-process)',
    runs: RUNS,
    medianMs: Math.round(median(emitMs) * 100) / 100,
    minMs: Math.round(Math.min(...emitMs) * 100) / 100,
    maxMs: Math.round(Math.max(...emitMs) * 100) / 100,
    medianPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    target: { maxMs: 300 },
  },
  { ...summarize('unit test suite (jest --selectProjects unit)', unit), target: { maxMs: 15000 } },
]);
fs.rmSync(outdir, { recursive: true, force: true });
// Apply and destroy of the whole stack on the emulator (its own table; BENCH_APPLY_RUNS runs).
const applyBench = require('child_process').spawnSync(
  NODE,
  ['--require', 'tsx/cjs', path.join(__dirname, 'bench-apply.ts')],
  { cwd: ROOT, stdio: 'inherit' },
);
// The DR drill on the emulator, apply included (its own table; BENCH_DRILL_RUNS runs).
const drillBench = require('child_process').spawnSync(
  NODE,
  ['--require', 'tsx/cjs', path.join(__dirname, 'bench-drill.ts')],
  { cwd: ROOT, stdio: 'inherit' },
);
// Last, and longest: npm test and npm run test:slow from a fresh clone (BENCH_TEST_RUNS, BENCH_SLOW_RUNS).
const testsOk = benchTests();
process.exit(ok && applyBench.status === 0 && drillBench.status === 0 && testsOk ? 0 : 1);
