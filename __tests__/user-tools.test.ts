import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthStack } from './helpers/synth';

/**
 * The small promises the README makes to people who run tap-dr with their own tools: where local
 * state lives, what `npm run synth` prints where, `--hcl`, `npm run deploy`'s log, the Node engine,
 * install scripts, and the examples a user copies into their own CI.
 */

const ROOT = path.resolve(__dirname, '..');
const doc = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const readme = () => doc('README.md');

function runMain(env: Record<string, string>, args: string[] = [], outdir?: string) {
  const out = outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-tools-'));
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', CDKTF_OUTDIR: out, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ...r, outdir: out };
}

describe('local state lives outside the output directory', () => {
  it.each<Record<string, string>>([{}, { ENVIRONMENT_SUFFIX: 'qa' }])(
    'resolves beside cdktf.out/, not under it (%p)',
    (env) => {
      const { json } = synthStack(env);
      const stack = `tap-dr-${env.ENVIRONMENT_SUFFIX ?? 'dev'}`;
      const stackDir = path.join(ROOT, 'cdktf.out', 'stacks', stack);
      const { path: file, workspace_dir: wsDir } = json.terraform.backend.local;
      expect(path.resolve(stackDir, file)).toBe(path.join(ROOT, `terraform.${stack}.tfstate`));
      expect(path.resolve(stackDir, wsDir).startsWith(path.join(ROOT, 'cdktf.out'))).toBe(false);
    },
  );

  it('names the stack itself as the Terraform Cloud workspace when TF_WORKSPACE is unset', () => {
    const { json } = synthStack({ STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme', ENVIRONMENT_SUFFIX: 'prod' });
    expect(json.terraform.cloud).toEqual({
      hostname: 'app.terraform.io',
      organization: 'acme',
      workspaces: { name: 'tap-dr-prod' },
    });
  });
});

describe('npm run synth, as cdktf-cli runs it', () => {
  it('prints progress on stdout and nothing on stderr (cdktf-cli labels stderr [ERROR])', () => {
    const r = runMain({ ENVIRONMENT_SUFFIX: 'tools' }, ['--only', 'terraform']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^terraform stack: .*tap-dr-tools$/m);
    fs.rmSync(r.outdir, { recursive: true, force: true });
  });

  it('removes a cdk.tf an earlier `cdktf synth --hcl` left beside cdk.tf.json', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-tools-'));
    const stale = path.join(out, 'stacks', 'tap-dr-hcl', 'cdk.tf');
    fs.mkdirSync(path.dirname(stale), { recursive: true });
    fs.writeFileSync(stale, 'resource "aws_s3_bucket" "x" {}\n');
    const r = runMain({ ENVIRONMENT_SUFFIX: 'hcl' }, ['--only', 'terraform'], out);
    expect(r.status).toBe(0);
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(path.join(out, 'stacks', 'tap-dr-hcl', 'cdk.tf.json'))).toBe(true);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('refuses SYNTH_HCL_OUTPUT=true (cdktf synth --hcl) in one line, exit 2, writing nothing', () => {
    const out = path.join(os.tmpdir(), `tap-dr-tools-hcl-${process.pid}`);
    const r = runMain({ SYNTH_HCL_OUTPUT: 'true' }, ['--only', 'terraform'], out);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cdktf synth --hcl .* is refused: expected JSON output/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('runs with SYNTH_HCL_OUTPUT=false, which cdktf-cli passes on every plain synth', () => {
    const r = runMain({ SYNTH_HCL_OUTPUT: 'false', ENVIRONMENT_SUFFIX: 'tools' }, ['--only', 'terraform']);
    expect(r.status).toBe(0);
    fs.rmSync(r.outdir, { recursive: true, force: true });
  });
});

describe('npm run deploy (scripts/deploy.sh) with a fake terraform', () => {
  it('keeps the whole log when its output goes to a file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-deploy-'));
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    // cdktf's synth asks `terraform version` to validate the stack.
    const fake = '#!/bin/sh\nif [ "$1" = version ]; then echo "Terraform v1.11.0"; else echo "fake terraform $*"; fi\n';
    fs.writeFileSync(path.join(bin, 'terraform'), fake, { mode: 0o755 });
    const log = path.join(tmp, 'deploy.log');
    const fd = fs.openSync(log, 'w');
    const r = spawnSync('bash', ['scripts/deploy.sh', '-auto-approve'], {
      cwd: ROOT,
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: process.env.HOME ?? '/tmp',
        CDKTF_OUTDIR: path.join(tmp, 'out'),
        ENVIRONMENT_SUFFIX: 'deploylog',
      },
      stdio: ['ignore', fd, fd],
      timeout: 120_000,
    });
    fs.closeSync(fd);
    const text = fs.readFileSync(log, 'utf8');
    expect(r.status).toBe(0);
    expect(text).toMatch(/^lambda bundle: \d+ bytes/);
    expect(text).toMatch(/terraform stack: .*tap-dr-deploylog\n/);
    expect(text).toContain('fake terraform init -input=false\n');
    expect(text).toContain('fake terraform apply -auto-approve\n');
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<
    string,
    { engines?: { node?: string }; optional?: boolean; hasInstallScript?: boolean }
  >;

  it("engines.node admits no Node version an installed package's own engines refuse", () => {
    // semver is in the tree (npm's own range rules); its types are not, so just the two calls used here.
    const semver = require('semver') as {
      minVersion(range: string): { version: string } | null;
      satisfies(version: string, range: string): boolean;
    };
    const min = semver.minVersion(pkg.engines.node)!.version;
    const refusing = Object.entries(lock)
      .filter(([k, v]) => k && !v.optional && v.engines?.node && !semver.satisfies(min, v.engines.node))
      .map(([k, v]) => `${k} (${v.engines!.node})`);
    expect(refusing).toEqual([]);
    expect(lock[''].engines).toEqual(pkg.engines);
  });

  it('decides for every package with an install script (allowScripts), so npm ci prints no notice', () => {
    const names = Object.entries(lock)
      .filter(([k, v]) => k && v.hasInstallScript)
      .map(([k]) => k.replace(/^.*node_modules\//, ''));
    expect([...new Set(names)].filter((n) => !Object.hasOwn(pkg.allowScripts ?? {}, n))).toEqual([]);
  });

  it('pins cdktf-cli exactly as a devDependency, so `npm ci --omit=dev` synth never needs it', () => {
    expect(pkg.devDependencies['cdktf-cli']).toBe('0.21.0');
    expect(pkg.dependencies['cdktf-cli']).toBeUndefined();
  });

  it('has one npm script per emulator step', () => {
    for (const s of ['emulator', 'emulator:override', 'emulator:apply', 'emulator:plan', 'emulator:destroy']) {
      expect(pkg.scripts[s]).toMatch(/harness\/emulator-cli\.ts/);
      expect(readme()).toContain(`npm run ${s}`);
      expect(doc('docs/EMULATOR.md')).toContain(`npm run ${s}`);
    }
  });
});

describe('what the README and the pages it links tell cdktf-cli and CI users', () => {
  it.each(['README.md', 'docs/CDKTF-CLI.md'])(
    '%s says --skip-provider-lock and why, CHECKPOINT_DISABLE=1, and how cdktf-cli behaves without a TTY',
    (file) => {
      const text = doc(file);
      expect(text).toMatch(/cdktf deploy --skip-provider-lock/);
      expect(text).toMatch(/`terraform providers lock`[^.]*ignores/);
      expect(text).toContain('CHECKPOINT_DISABLE=1');
      expect(text).toMatch(/without a TTY[^.]*--auto-approve/i);
      expect(text).toMatch(/--hcl`? is refused/);
    },
  );

  it('docs/CDKTF-CLI.md says what a non-TTY deploy prints, and where the app output goes', () => {
    const text = doc('docs/CDKTF-CLI.md');
    expect(text).toMatch(/status line[\s\S]*repeated a few hundred\s+times/);
    expect(text).toMatch(/stderr as\s+`\[ERROR\]`/);
  });

  it.each(['README.md', 'docs/TERRAFORM.md'])(
    '%s tells an existing user how to move a state file out of cdktf.out/',
    (file) => {
      const text = doc(file);
      expect(text).toMatch(/mv cdktf\.out\/stacks\/tap-dr-<suffix>\/terraform\.tap-dr-<suffix>\.tfstate/);
      expect(text).toMatch(/terraform init -reconfigure && terraform plan/);
    },
  );

  it('has a "Keep these tests in your CI" section pointing to the synth test it runs', () => {
    const text = readme();
    expect(text).toContain('### Keep these tests in your CI');
    expect(text).toContain('docs/examples/synth.test.ts');
    expect(fs.existsSync(path.join(ROOT, 'docs', 'examples', 'synth.test.ts'))).toBe(true);
  });
});

describe('docs/examples/terraform-cloud-ci.yml', () => {
  const yml = fs.readFileSync(path.join(ROOT, 'docs', 'examples', 'terraform-cloud-ci.yml'), 'utf8');

  it('synthesizes the cloud block its environment asks for, into the directory it plans in', () => {
    const block = /^env:\n((?: {2}.+\n)+)/m.exec(yml)![1];
    const env = Object.fromEntries(
      [...block.matchAll(/^ {2}([A-Z_]+): '?([^'\n]+)'?$/gm)].map((m) => [m[1], m[2]]),
    ) as Record<string, string>;
    expect(env.STATE_BACKEND).toBe('cloud');
    const r = runMain(env, ['--only', 'terraform']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const dir = /^terraform stack: (.+)$/m.exec(r.stdout)![1];
    expect(yml).toContain(`working-directory: cdktf.out/stacks/${path.basename(dir)}`);
    const tf = JSON.parse(fs.readFileSync(path.resolve(ROOT, dir, 'cdk.tf.json'), 'utf8'));
    expect(tf.terraform.cloud).toEqual({
      hostname: 'app.terraform.io',
      organization: env.TF_CLOUD_ORGANIZATION,
      workspaces: { name: env.TF_WORKSPACE, project: env.TF_CLOUD_PROJECT },
    });
    expect(yml).toMatch(/npm run synth:terraform[\s\S]*terraform init[\s\S]*terraform plan/);
    fs.rmSync(r.outdir, { recursive: true, force: true });
  });
});
