import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { emulatorAvailable, EMULATOR_INSTALL_HINT } from '../emulator/emulator';
import { offlineCliConfig } from '../harness/offline-terraform';
import { DEAD_ENDPOINT, Finished, runUnderDeadline } from '../harness/terraform';
import { describeWithTerraform } from './helpers/terraform';

/**
 * The users' own tools, as the README and docs/EMULATOR.md tell them to run: the emulator commands and cdktf-cli
 * 0.21 (a pinned devDependency), in a scratch copy of the project (cdktf-cli deletes stack
 * directories under cdktf.out/, and local state lands beside it: neither may touch this checkout).
 *
 *   deploy A with cdktf-cli  ->  synth B with cdktf-cli (A's stack directory is deleted)
 *   ->  plan A: no changes, because A's state lives outside cdktf.out/
 *
 * Nothing cdktf-cli prints from the app may be labelled [ERROR], and the first deploy works
 * offline with --skip-provider-lock. Then `npm run emulator:apply|plan|destroy` each run once.
 */

const ROOT = path.resolve(__dirname, '..');
const COPY = ['main.ts', 'src', 'lambda', 'emulator', 'harness', 'cdktf.json', 'package.json', 'tsconfig.json'];
const A = 'users-a';
const B = 'users-b';

describeWithTerraform('cdktf-cli and the emulator commands, as a user runs them', () => {
  let work: string;
  let emulator: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  const emulatorLog: string[] = [];

  const run = async (cmd: string, args: string[], extra: Record<string, string> = {}, timeoutMs = 300_000) => {
    const r: Finished = await runUnderDeadline(cmd, args, work, { ...env, ...extra }, timeoutMs);
    if (r.timedOut) throw new Error(`${cmd} ${args.join(' ')} timed out\n${r.stdout.slice(-3000)}\n${r.stderr}`);
    return r;
  };
  const explain = (r: Finished) =>
    `exit ${r.code}\n--- stdout ---\n${r.stdout.slice(-4000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;

  beforeAll(async () => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-users-'));
    for (const f of COPY) fs.cpSync(path.join(ROOT, f), path.join(work, f), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TF_PROVIDER_MIRROR: process.env.TF_PROVIDER_MIRROR,
      ...(process.env.MOTO_PYTHON ? { MOTO_PYTHON: process.env.MOTO_PYTHON } : {}),
      // What docs/CDKTF-CLI.md tells a cdktf-cli user to export: the mirror-only CLI config, no telemetry,
      // and every endpoint the override does not name at a dead loopback port.
      TF_CLI_CONFIG_FILE: offlineCliConfig(process.env.TF_PROVIDER_MIRROR!),
      CHECKPOINT_DISABLE: '1',
      AWS_ENDPOINT_URL: DEAD_ENDPOINT,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    emulator = spawn('npm', ['run', 'emulator'], { cwd: work, env, detached: true });
    emulator.stdout!.on('data', (d) => emulatorLog.push(String(d)));
    emulator.stderr!.on('data', (d) => emulatorLog.push(String(d)));
    const file = path.join(work, '.emulator.json');
    for (let i = 0; i < 120 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 500));
    if (!fs.existsSync(file)) throw new Error(`npm run emulator did not start:\n${emulatorLog.join('')}`);
  }, 120_000);

  afterAll(async () => {
    if (emulator?.pid) {
      const exited = new Promise((r) => emulator!.once('exit', r));
      process.kill(-emulator.pid, 'SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-emulator.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('deploys A with cdktf-cli offline (--skip-provider-lock), nothing labelled [ERROR]', async () => {
    const override = await run('npm', ['run', 'emulator:override'], { ENVIRONMENT_SUFFIX: A });
    expect({ code: override.code, out: override.stdout }).toEqual(expect.objectContaining({ code: 0 }));
    const deploy = await run(
      'npx',
      ['cdktf', 'deploy', '--skip-provider-lock', '--auto-approve'],
      {
        ENVIRONMENT_SUFFIX: A,
      },
      600_000,
    );
    if (deploy.code !== 0) throw new Error(explain(deploy));
    expect(`${deploy.stdout}${deploy.stderr}`).not.toContain('[ERROR]');
    expect(deploy.stdout).toMatch(/Apply complete! Resources: \d+ added/);
  }, 660_000);

  it("synth B with cdktf-cli deletes A's stack directory, and A's state survives outside it", async () => {
    const synth = await run('npx', ['cdktf', 'synth'], { ENVIRONMENT_SUFFIX: B });
    if (synth.code !== 0) throw new Error(explain(synth));
    expect(`${synth.stdout}${synth.stderr}`).not.toContain('[ERROR]');
    expect(fs.readdirSync(path.join(work, 'cdktf.out', 'stacks'))).toEqual([`tap-dr-${B}`]);
    expect(fs.existsSync(path.join(work, `terraform.tap-dr-${A}.emulator.tfstate`))).toBe(true);
  }, 300_000);

  it('plans A with no changes (npm run emulator:plan -- -detailed-exitcode)', async () => {
    const plan = await run('npm', ['run', 'emulator:plan', '--', '-detailed-exitcode'], { ENVIRONMENT_SUFFIX: A });
    if (plan.code !== 0) throw new Error(`expected no changes (exit 0)\n${explain(plan)}`);
    expect(plan.stdout).toContain('No changes.');
  }, 300_000);

  it('npm run emulator:apply and emulator:destroy work in one command each', async () => {
    const apply = await run('npm', ['run', 'emulator:apply'], { ENVIRONMENT_SUFFIX: A });
    if (apply.code !== 0) throw new Error(explain(apply));
    expect(apply.stdout).toMatch(/Apply complete! Resources: 0 added, 0 changed, 0 destroyed/);
    const destroy = await run('npm', ['run', 'emulator:destroy'], { ENVIRONMENT_SUFFIX: A });
    if (destroy.code !== 0) throw new Error(explain(destroy));
    expect(destroy.stdout).toMatch(/Destroy complete! Resources: \d+ destroyed/);
  }, 400_000);

  it('refuses cdktf synth --hcl in one line and leaves the stack directory valid', async () => {
    const hcl = await run('npx', ['cdktf', 'synth', '--hcl'], { ENVIRONMENT_SUFFIX: B });
    expect(hcl.code).not.toBe(0);
    expect(`${hcl.stdout}${hcl.stderr}`).toContain('cdktf synth --hcl (SYNTH_HCL_OUTPUT="true") is refused');
    expect(fs.existsSync(path.join(work, 'cdktf.out', 'stacks', `tap-dr-${B}`, 'cdk.tf'))).toBe(false);
  }, 300_000);
});
