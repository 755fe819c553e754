import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

function runMain(env: Record<string, string>, args: string[] = []) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-cli-'));
  fs.rmdirSync(outdir); // main must not create it on a bad config
  // Exactly what `npm run synth` runs.
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', CDKTF_OUTDIR: outdir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ...r, outdir };
}

describe('npm run synth (node --require tsx/cjs main.ts)', () => {
  it('exits 2 on a bad value, names it, and writes nothing', () => {
    const r = runMain({ ENVIRONMENT_SUFFIX: 'Bad_Suffix', SECONDARY_REGION: 'us-east-1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ENVIRONMENT_SUFFIX="Bad_Suffix" is invalid: expected 1-20 lowercase letters');
    expect(r.stderr).toContain(
      'PRIMARY_REGION is unset and defaults to "us-east-1", the region SECONDARY_REGION names',
    );
    expect(r.stderr).toContain('Nothing was written.');
    expect(fs.existsSync(r.outdir)).toBe(false);
  });

  it('exits 2 on a misspelled context key, names it and the setting it resembles, and writes nothing', () => {
    const r = runMain({ CDKTF_CONTEXT_JSON: '{"retainOnDelte": true}' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cdktf context "retainOnDelte" is not a tap-dr setting: did you mean "retainOnDelete"?');
    expect(r.stderr).toContain('Nothing was written.');
    expect(fs.existsSync(r.outdir)).toBe(false);
  });

  it('rejects an unknown --only target before writing anything', () => {
    const r = runMain({}, ['--only', 'pulumi']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--only "pulumi" is invalid: expected "terraform" or "cloudformation"');
    expect(fs.existsSync(r.outdir)).toBe(false);
  });

  it('--only cloudformation writes both templates and never loads cdktf or the provider', () => {
    const modulesFile = path.join(os.tmpdir(), `tap-dr-modules-${process.pid}.txt`);
    const r = runMain(
      {
        NODE_OPTIONS: `--require ${path.join(__dirname, 'fixtures', 'loaded-modules-probe.js')}`,
        TAP_LOADED_MODULES_FILE: modulesFile,
      },
      ['--only', 'cloudformation'],
    );
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(r.outdir, 'cloudformation')).sort()).toEqual([
      'TapStack-secondary.json',
      'TapStack.json',
      'lambda',
    ]);
    expect(fs.existsSync(path.join(r.outdir, 'stacks'))).toBe(false);
    const loaded = fs.readFileSync(modulesFile, 'utf8').split('\n');
    expect(loaded.some((m) => m.endsWith(path.join('src', 'cloudformation.ts')))).toBe(true);
    expect(loaded.filter((m) => /node_modules[\\/](cdktf|@cdktf|constructs)[\\/]/.test(m))).toEqual([]);
    fs.rmSync(r.outdir, { recursive: true, force: true });
    fs.rmSync(modulesFile, { force: true });
  });

  it('loads only packages `npm ci --omit=dev` installs, so synth works without dev dependencies', () => {
    const modulesFile = path.join(os.tmpdir(), `tap-dr-modules-full-${process.pid}.txt`);
    const r = runMain({
      NODE_OPTIONS: `--require ${path.join(__dirname, 'fixtures', 'loaded-modules-probe.js')}`,
      TAP_LOADED_MODULES_FILE: modulesFile,
    });
    expect(r.status).toBe(0);
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<
      string,
      { dev?: boolean }
    >;
    const packages = new Set(
      fs
        .readFileSync(modulesFile, 'utf8')
        .split('\n')
        .map((m) => /(node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path.relative(ROOT, m))?.[1])
        .filter((p): p is string => !!p && !p.startsWith('..')),
    );
    expect([...packages]).toEqual(expect.arrayContaining(['node_modules/cdktf', 'node_modules/esbuild']));
    expect([...packages].filter((p) => lock[p.replace(/\\/g, '/')]?.dev)).toEqual([]);
    fs.rmSync(r.outdir, { recursive: true, force: true });
    fs.rmSync(modulesFile, { force: true });
  });

  it('writes the Terraform stack with the Lambda asset', () => {
    const r = runMain({ ENVIRONMENT_SUFFIX: 'cli' }, ['--only', 'terraform']);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const stackDir = path.join(r.outdir, 'stacks', 'tap-dr-cli');
    const tf = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    const fn = Object.values(tf.resource.aws_lambda_function)[0] as { filename: string };
    expect(fs.statSync(path.join(stackDir, fn.filename)).size).toBeGreaterThan(100);
    fs.rmSync(r.outdir, { recursive: true, force: true });
  });
});
