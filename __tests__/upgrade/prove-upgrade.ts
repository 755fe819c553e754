/**
 * The upgrade proof for readable addresses (docs/UPGRADING.md): apply the stack as an earlier
 * commit synthesizes it on the emulated two-region AWS, then plan this working tree's stack on
 * that state, and count what the plan would do. An upgrade must show moves and in-place updates
 * only: no create, no destroy, no replacement.
 *
 *   node --require tsx/cjs __tests__/upgrade/prove-upgrade.ts [<commit>]
 *
 * Runs about three minutes on two cores (most of it the provider's own S3 lifecycle waits in the
 * apply), too long for `npm test`; the result is recorded in docs/UPGRADING.md. Needs git history,
 * terraform and a provider mirror (TF_PROVIDER_MIRROR), and the emulator's Python (moto).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startEmulator } from '../../emulator/emulator';
import { stackRun, writeEmulatorOverride } from '../../harness/terraform';
import { loadConfig } from '../../src/config';
import { names } from '../../src/naming';

/** The last commit before every address became readable: what deployments run today. */
const BEFORE_READABLE_ADDRESSES = 'f3404402a472841c4475362f91622374d808dece';
const ROOT = path.join(__dirname, '..', '..');

/** `npm run synth --only terraform` of the tree at `root`, into `outdir`; returns the stack folder. */
function synth(root: string, outdir: string): { dir: string; synthesized: any } {
  execFileSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', '--only', 'terraform'], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 240_000,
  });
  const dir = path.join(outdir, 'stacks', names.stack({ suffix: loadConfig(process.env, {}).environmentSuffix }));
  return { dir, synthesized: JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) };
}

/** The tree as `commit` has it, sharing this checkout's node_modules. */
function checkout(commit: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  const archive = execFileSync('git', ['archive', commit], { cwd: ROOT, maxBuffer: 1 << 30, timeout: 60_000 });
  execFileSync('tar', ['-x', '-C', into], { input: archive, timeout: 60_000 });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(into, 'node_modules'));
  return into;
}

interface Change {
  address: string;
  previous_address?: string;
  change: { actions: string[] };
}

/** What the plan would do, by kind. A move with no other change counts only as a move. */
export function summarize(changes: Change[]) {
  const of = (pred: (c: Change) => boolean) => changes.filter(pred).map((c) => c.address);
  const is = (c: Change, ...actions: string[]) => c.change.actions.join(',') === actions.join(',');
  return {
    moved: of((c) => c.previous_address !== undefined),
    updated: of((c) => is(c, 'update')),
    replaced: of((c) => c.change.actions.includes('delete') && c.change.actions.includes('create')),
    created: of((c) => is(c, 'create')),
    destroyed: of((c) => is(c, 'delete')),
  };
}

async function main(): Promise<number> {
  const commit = process.argv[2] ?? BEFORE_READABLE_ADDRESSES;
  const mirror = process.env.TF_PROVIDER_MIRROR;
  if (!mirror) throw new Error('set TF_PROVIDER_MIRROR to a filesystem mirror of hashicorp/aws 5.100.0');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-upgrade-'));
  const before = synth(checkout(commit, path.join(work, 'before')), path.join(work, 'before-out'));
  const after = synth(ROOT, path.join(work, 'after-out'));
  const config = loadConfig(process.env, {});
  const emu = await startEmulator({ regions: [config.primaryRegion, config.secondaryRegion] });
  try {
    const run = (name: string, s: { dir: string; synthesized: any }) => {
      writeEmulatorOverride(s.dir, s.synthesized, (r) => emu.endpointFor(r));
      return stackRun(name, { config, ...s }, mirror);
    };
    const old = run('before', before);
    await old.tf(['init', '-input=false'], { timeoutMs: 120_000 });
    const applied = await old.tf(['apply', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: 420_000 });
    console.log(`applied ${commit} in ${Math.round(applied.ms / 1000)} s`);
    const state = `terraform.${names.stack({ suffix: config.environmentSuffix })}.tfstate`;
    // Commits before 14b8b80 keep state in the stack folder; later ones beside the output folder
    // (src/state-backend.ts), which both synths here share, so there is nothing to copy.
    const inStack = path.join(before.dir, state);
    if (fs.existsSync(inStack)) fs.copyFileSync(inStack, path.join(after.dir, state));
    const now = run('after', after);
    await now.tf(['init', '-input=false'], { timeoutMs: 120_000 });
    await now.tf(['plan', '-input=false', '-lock=false', '-out=upgrade.plan'], { timeoutMs: 240_000 });
    const shown = await now.tf(['show', '-json', 'upgrade.plan'], { timeoutMs: 60_000 });
    const changes = (JSON.parse(shown.stdout).resource_changes ?? []) as Change[];
    const s = summarize(changes.filter((c) => !is_noop_data(c)));
    const counts = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.length]));
    console.log(JSON.stringify({ commit, resources: changes.length, ...counts }));
    for (const [kind, addresses] of Object.entries(s))
      if (kind !== 'moved') for (const a of addresses) console.log(`  ${kind}: ${a}`);
    return s.replaced.length + s.created.length + s.destroyed.length === 0 ? 0 : 1;
  } finally {
    await emu.stop();
    if (!process.env.KEEP_UPGRADE_DIR) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

/** Data sources are read, never changed. */
function is_noop_data(c: Change): boolean {
  return c.address.startsWith('data.');
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
