import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function runMain(env: Record<string, string>, args: string[] = []) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-cli-'));
  fs.rmdirSync(outdir); // main must not create it on a bad config
  const r = spawnSync(TSX, ['main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', CDKTF_OUTDIR: outdir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ...r, outdir };
}

describe('npm run synth (tsx main.ts)', () => {
  it('exits 2 on a bad value, names it, and writes nothing', () => {
    const r = runMain({ ENVIRONMENT_SUFFIX: 'Bad_Suffix', SECONDARY_REGION: 'us-east-1' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ENVIRONMENT_SUFFIX="Bad_Suffix" is invalid: expected 1-20 lowercase letters');
    expect(r.stderr).toContain('SECONDARY_REGION="us-east-1" is invalid');
    expect(r.stderr).toContain('Nothing was written.');
    expect(fs.existsSync(r.outdir)).toBe(false);
  });

  it('rejects an unknown --only target before writing anything', () => {
    const r = runMain({}, ['--only', 'pulumi']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--only "pulumi" is invalid: expected "terraform" or "cloudformation"');
    expect(fs.existsSync(r.outdir)).toBe(false);
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
