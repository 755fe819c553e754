/**
 * `npm run bench` (and alone: `node --require tsx/cjs bench/bench-apply.ts`): wall time of
 * `terraform apply` and `terraform destroy` of the default stack on the emulated two-region AWS
 * (emulator/), median of BENCH_APPLY_RUNS runs (default 3), each on a fresh emulator.
 * Targets: apply <= 70 s, destroy <= 20 s. About 55 s of every apply is the provider's own
 * wait on the S3 lifecycle configurations (10 s delay, then 10 consecutive equal reads 5 s
 * apart), which it does against real AWS too.
 * Needs terraform and a provider mirror, found as npm test finds it (TF_PROVIDER_MIRROR, else
 * /opt/tf-plugins or ~/.terraform.d/plugins); skipped with a note otherwise.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startEmulator } from '../emulator/emulator';
import { offlineTerraformUnavailable } from '../harness/offline-terraform';
import { findMirror } from '../dr/mirror';
import { stackRun, synthConfiguration, writeEmulatorOverride } from '../harness/terraform';
import { median, report } from './measure';

const RUNS = Number(process.env.BENCH_APPLY_RUNS ?? 3);

async function once(): Promise<{ apply: number; destroy: number }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-bench-apply-'));
  const synth = synthConfiguration({}, root);
  const emu = await startEmulator({ regions: [synth.config.primaryRegion, synth.config.secondaryRegion] });
  try {
    writeEmulatorOverride(synth.dir, synth.synthesized, (r) => emu.endpointFor(r));
    const run = stackRun('bench', synth, process.env.TF_PROVIDER_MIRROR!);
    await run.tf(['init', '-input=false'], { timeoutMs: 60_000 });
    const apply = await run.tf(['apply', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: 180_000 });
    const destroy = await run.tf(['destroy', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: 120_000 });
    return { apply: apply.ms, destroy: destroy.ms };
  } finally {
    await emu.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  // Find the mirror the way npm test and the drill do, so `npm run bench` needs no export.
  try {
    process.env.TF_PROVIDER_MIRROR ??= findMirror();
  } catch {
    /* reported just below */
  }
  const why = offlineTerraformUnavailable();
  if (why) {
    console.log(`bench-apply: skipped (${why})`);
    return 0;
  }
  const samples: Array<{ apply: number; destroy: number }> = [];
  for (let i = 0; i < RUNS; i++) samples.push(await once());
  const row = (name: string, ms: number[], maxMs: number) => ({
    name,
    runs: ms.length,
    medianMs: Math.round(median(ms)),
    minMs: Math.round(Math.min(...ms)),
    maxMs: Math.round(Math.max(...ms)),
    medianPeakRssMb: 0,
    target: { maxMs },
  });
  const ok = report([
    row(
      'terraform apply: default stack on the emulator',
      samples.map((s) => s.apply),
      70_000,
    ),
    row(
      'terraform destroy: default stack on the emulator',
      samples.map((s) => s.destroy),
      20_000,
    ),
  ]);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
