/**
 * The emulator in one command each (README, "Trying it without an AWS account"; docs/EMULATOR.md):
 *
 *   npm run emulator [-- --regions a,b]     start the emulated two-region AWS; Ctrl-C stops it
 *   npm run emulator:override               synth, then write emulator_override.tf.json into the stack directory
 *   npm run emulator:apply   [-- <args>]    override, terraform init, terraform apply -auto-approve
 *   npm run emulator:plan    [-- <args>]    override, terraform init, terraform plan
 *   npm run emulator:destroy [-- <args>]    override, terraform init, terraform destroy -auto-approve
 *
 * The running emulator's ports are in `.emulator.json` at the project root, written by `npm run
 * emulator` and removed when it stops. The override gives both providers their region's endpoint
 * and dummy credentials, and a local state file of its own (terraform.<stack>.emulator.tfstate,
 * beside the real one), so emulated resources never mix with real ones. Terraform runs offline
 * (provider mirror only) with every endpoint the override does not name sent to a dead loopback
 * port: nothing reaches AWS.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../src/config';
import { PROJECT_ROOT } from '../src/lambda-bundle';
import { projectConfig } from '../src/project-config';
import { emulatorAvailable, EMULATOR_INSTALL_HINT, processAlive, startEmulator } from '../emulator/emulator';
import { findProviderMirror, offlineCliConfig } from './offline-terraform';
import { localStateFile, terraformEnv, writeEmulatorOverride } from './terraform';

export const EMULATOR_FILE = path.join(PROJECT_ROOT, '.emulator.json');
/** Every terraform or synth run here is killed after this long (an apply takes about 70 s). */
const COMMAND_TIMEOUT_MS = Number(process.env.TAP_EMULATOR_TIMEOUT_S ?? 1800) * 1000;

interface Running {
  pid: number;
  endpoint: string;
  regions: Record<string, string>;
}

class Refusal extends Error {}

function configuredRegions(): string[] {
  const { primaryRegion, secondaryRegion } = projectConfig();
  return [primaryRegion, secondaryRegion];
}

/** The emulator .emulator.json names, running or not; undefined without the file. */
function recorded(): Running | undefined {
  if (!fs.existsSync(EMULATOR_FILE)) return undefined;
  return JSON.parse(fs.readFileSync(EMULATOR_FILE, 'utf8')) as Running;
}

function running(): Running {
  const hint = 'start one with `npm run emulator` (in another terminal) first';
  const r = recorded();
  if (!r) throw new Refusal(`no emulator is running: ${hint}`);
  if (!processAlive(r.pid))
    throw new Refusal(`the emulator in ${path.basename(EMULATOR_FILE)} (pid ${r.pid}) has stopped: ${hint}`);
  return r;
}

async function start(argv: string[]): Promise<void> {
  if (!emulatorAvailable()) throw new Refusal(EMULATOR_INSTALL_HINT);
  const earlier = recorded();
  if (earlier && processAlive(earlier.pid))
    throw new Refusal(`an emulator is already running (pid ${earlier.pid}, ${earlier.endpoint}): stop it first`);
  const i = argv.indexOf('--regions');
  const regions = i >= 0 ? (argv[i + 1] ?? '').split(',').filter(Boolean) : configuredRegions();
  const emu = await startEmulator({ regions });
  const state: Running = {
    pid: process.pid,
    endpoint: emu.endpoint,
    regions: Object.fromEntries(regions.map((r) => [r, emu.endpointFor(r)])),
  };
  fs.writeFileSync(EMULATOR_FILE, `${JSON.stringify(state, null, 2)}\n`);
  for (const [r, e] of Object.entries(state.regions)) console.log(`emulator: ${r} at ${e}`);
  console.log(`emulator: control API at ${emu.endpoint}/_emulator/state`);
  console.log('emulator: ready; in another terminal run `npm run emulator:apply`. Ctrl-C stops it.');
  const stop = async () => {
    fs.rmSync(EMULATOR_FILE, { force: true });
    await emu.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await new Promise(() => undefined); // serve until a signal
}

/** Synthesizes the Terraform stack as `npm run synth:terraform` does and writes the override; returns the stack directory. */
function override(): string {
  const emu = running();
  const synth = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', '--only', 'terraform'], {
    cwd: PROJECT_ROOT,
    env: process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: COMMAND_TIMEOUT_MS,
  });
  process.stdout.write(synth.stdout ?? '');
  if (synth.status !== 0) process.exit(synth.status ?? 1);
  const rel = /^terraform stack: (.+)$/m.exec(synth.stdout)?.[1];
  if (!rel) throw new Refusal('synth did not report a stack directory');
  const dir = path.resolve(PROJECT_ROOT, rel);
  const synthesized = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
  if (!synthesized.terraform?.backend?.local) {
    throw new Refusal(
      'the emulator keeps its own local state: unset STATE_BACKEND and TF_STATE_BUCKET for emulator commands',
    );
  }
  const missing = (synthesized.provider.aws as Array<{ region: string }>)
    .map((p) => p.region)
    .filter((r) => !emu.regions[r]);
  if (missing.length) {
    throw new Refusal(
      `the emulator serves ${Object.keys(emu.regions).join(', ')} but the stack uses ${missing.join(', ')}: restart it (npm run emulator) with the same PRIMARY_REGION and SECONDARY_REGION`,
    );
  }
  const statePath = path.relative(dir, localStateFile(dir, synthesized)).replace(/\.tfstate$/, '.emulator.tfstate');
  const file = writeEmulatorOverride(dir, synthesized, (r) => emu.regions[r], { statePath });
  console.log(
    `emulator override: ${path.relative(process.cwd(), file)} (state: ${path.relative(process.cwd(), path.resolve(dir, statePath))})`,
  );
  return dir;
}

function terraform(command: 'apply' | 'plan' | 'destroy', args: string[]): number {
  const dir = override();
  const mirror = findProviderMirror();
  if (!mirror) {
    throw new Refusal(
      'no provider mirror of hashicorp/aws found: export TF_PROVIDER_MIRROR=<dir> (DEVELOPERS.md, "Offline Terraform")',
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...terraformEnv(offlineCliConfig(mirror)),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  for (const k of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE']) delete env[k];
  const run = (a: string[]) =>
    spawnSync('terraform', a, { cwd: dir, env, stdio: 'inherit', timeout: COMMAND_TIMEOUT_MS }).status ?? 1;
  const init = run(['init', '-input=false']);
  if (init !== 0) return init;
  const approve = command !== 'plan' && !args.includes('-auto-approve') ? ['-auto-approve'] : [];
  return run([command, '-input=false', ...approve, ...args]);
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'start':
      return start(args);
    case 'override':
      override();
      return;
    case 'apply':
    case 'plan':
    case 'destroy':
      process.exit(terraform(command, args));
      return;
    default:
      throw new Refusal(
        `unknown command ${JSON.stringify(command ?? '')}: expected start, override, apply, plan or destroy`,
      );
  }
}

main().catch((err: unknown) => {
  if (err instanceof Refusal || err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
