/**
 * A synth test to keep in your own CI (README, "Keep these tests in your CI"). Copy it anywhere
 * under your clone's __tests__/ (it finds the project root by itself) and run it with the same
 * environment your pipeline deploys with: it synthesizes exactly what `npm run synth` writes, for
 * that configuration, and fails the build before a plan if a promise below no longer holds.
 * tap-dr's own test suite runs this very file (jest.config.js).
 *
 *   ENVIRONMENT_SUFFIX=prod RETAIN_ON_DELETE=true npx jest path/to/synth.test.ts
 *
 * Needs nothing but the project's dependencies: no AWS credentials, no network, no Terraform.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

function projectRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'cdktf.json')) && fs.existsSync(path.join(dir, 'main.ts'))) return dir;
  }
  throw new Error(`no tap-dr project (cdktf.json + main.ts) above ${from}`);
}

const ROOT = projectRoot(__dirname);
type Resources = Record<string, Record<string, Record<string, any>>>;

describe("tap-dr synthesizes safely for this pipeline's configuration", () => {
  let outdir: string;
  let stackDir: string;
  let tf: { terraform: Record<string, any>; resource: Resources };

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-ci-synth-'));
    // Exactly `npm run synth`, with this process's environment (your pipeline's settings).
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDKTF_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`npm run synth failed (exit ${r.status}):\n${r.stderr}`);
    const rel = /^terraform stack: (.+)$/m.exec(r.stdout)?.[1];
    if (!rel) throw new Error(`synth reported no stack directory:\n${r.stdout}`);
    stackDir = path.resolve(ROOT, rel);
    tf = JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
  }, 150_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  const all = (type: string) => Object.values(tf.resource[type] ?? {});

  it('keeps state out of the output directory (local), or in a remote backend', () => {
    const local = tf.terraform.backend?.local;
    if (local) expect(path.resolve(stackDir, local.path).startsWith(outdir + path.sep)).toBe(false);
    else expect(tf.terraform.backend?.s3 ?? tf.terraform.cloud).toBeDefined();
    if (tf.terraform.backend?.s3) expect(tf.terraform.backend.s3.encrypt).toBe(true);
  });

  it('blocks public access on every bucket and encrypts each with a KMS key', () => {
    const buckets = all('aws_s3_bucket');
    expect(buckets.length).toBeGreaterThan(0);
    expect(all('aws_s3_bucket_public_access_block')).toHaveLength(buckets.length);
    for (const b of all('aws_s3_bucket_public_access_block')) {
      expect([b.block_public_acls, b.block_public_policy, b.ignore_public_acls, b.restrict_public_buckets]).toEqual([
        true,
        true,
        true,
        true,
      ]);
    }
    for (const sse of all('aws_s3_bucket_server_side_encryption_configuration')) {
      expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
    }
  });

  it('rotates every customer-managed key and keeps point-in-time recovery on the table and its replica', () => {
    for (const key of all('aws_kms_key')) expect(key.enable_key_rotation).toBe(true);
    for (const t of all('aws_dynamodb_table')) expect(t.point_in_time_recovery.enabled).toBe(true);
    for (const r of all('aws_dynamodb_table_replica')) expect(r.point_in_time_recovery).toBe(true);
  });

  it('protects stateful resources from deletion when RETAIN_ON_DELETE=true', () => {
    if (process.env.RETAIN_ON_DELETE !== 'true') return;
    for (const t of all('aws_dynamodb_table')) expect(t.deletion_protection_enabled).toBe(true);
    for (const b of all('aws_s3_bucket')) expect(b.force_destroy).toBeFalsy();
  });

  it('also writes the CloudFormation deliverable', () => {
    for (const f of ['TapStack.json', 'TapStack-secondary.json']) {
      expect(JSON.parse(fs.readFileSync(path.join(outdir, 'cloudformation', f), 'utf8')).Resources).toBeDefined();
    }
  });
});
