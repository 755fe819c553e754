/**
 * `npm run deploy:cloudformation` with the real AWS CLI v1 (what our machines carry), against
 * the emulated AWS, as far as it can go offline: `package` uploads the bundle to the emulator's
 * S3, and `deploy` runs its own checks (template size, --s3-bucket) before its first
 * CloudFormation call (DescribeStacks; it uploads the template only after that). moto's CloudFormation cannot create these resource
 * types, so CloudFormation points at a dead loopback port and the run must stop exactly there:
 * any refusal by the CLI itself fails the test.
 *
 * Safety: AWS_ENDPOINT_URL_S3 points the CLI's S3 uploader at the emulator (--endpoint-url does
 * not reach it) and AWS_ENDPOINT_URL sends every other service to a dead loopback port.
 */
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { regionClients } from '../emulator/aws';
import { Emulator, emulatorAvailable, EMULATOR_INSTALL_HINT, startEmulator } from '../emulator/emulator';
import { DEAD_ENDPOINT } from '../harness/terraform';
import { PROJECT_ROOT } from '../src/lambda-bundle';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'deploy-cloudformation.sh');
const REGIONS = ['eu-west-1', 'eu-central-1'];
const BUCKETS = { TAP_CFN_ARTIFACTS_PRIMARY: 'artifacts-primary', TAP_CFN_ARTIFACTS_SECONDARY: 'artifacts-secondary' };
/** The CLI this test is written against; another version fails the test rather than skip it. */
const CLI_VERSION = /^aws-cli\/1\.45\.\d+ /;

/** `aws` from .venv (where npm test installs it) or the machine. */
function awsCli(): { bin: string; version: string } {
  const venv = path.join(PROJECT_ROOT, '.venv', 'bin', 'aws');
  const bin = fs.existsSync(venv) ? venv : 'aws';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return { bin, version: `${r.stdout}${r.stderr}`.trim() };
}

interface Run {
  status: number | null;
  stderr: string;
}

function deploy(emu: Emulator, script: string, bin: string): Run {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-cfn-cli-'));
  const config = path.join(tmp, 'config');
  // The emulator is one host for every bucket: path-style addressing.
  fs.writeFileSync(config, '[default]\ns3 =\n  addressing_style = path\n');
  const binDir = path.join(tmp, 'bin');
  fs.mkdirSync(binDir);
  fs.symlinkSync(
    bin.includes('/') ? bin : spawnSync('which', [bin], { encoding: 'utf8' }).stdout.trim(),
    path.join(binDir, 'aws'),
  );
  const r = spawnSync('bash', [script], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: {
      PATH: [binDir, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
      HOME: tmp,
      CDKTF_OUTDIR: path.join(tmp, 'out'),
      ...BUCKETS,
      ENVIRONMENT_SUFFIX: 'cli',
      PRIMARY_REGION: REGIONS[0],
      SECONDARY_REGION: REGIONS[1],
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      AWS_ENDPOINT_URL: DEAD_ENDPOINT,
      AWS_ENDPOINT_URL_S3: emu.endpoint,
      TAP_CFN_CALL_TIMEOUT: '60',
      TAP_CFN_DEPLOY_TIMEOUT: '60',
    },
  });
  fs.rmSync(tmp, { recursive: true, force: true });
  return { status: r.status, stderr: r.stderr };
}

const describeIfEmulator = emulatorAvailable() || process.env.CI ? describe : describe.skip;

describeIfEmulator('npm run deploy:cloudformation with the real AWS CLI, against the emulator', () => {
  let emu: Emulator;
  const cli = awsCli();
  let run: Run;
  const objects = async (bucket: string, region: string) =>
    (await regionClients(region, emu.endpoint).s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents?.map(
      (o) => o.Key!,
    ) ?? [];

  beforeAll(async () => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    emu = await startEmulator({ regions: REGIONS });
    const [primary, secondary] = REGIONS.map((r) => regionClients(r, emu.endpoint));
    await primary.s3.send(
      new CreateBucketCommand({
        Bucket: BUCKETS.TAP_CFN_ARTIFACTS_PRIMARY,
        CreateBucketConfiguration: { LocationConstraint: REGIONS[0] as any },
      }),
    );
    await secondary.s3.send(
      new CreateBucketCommand({
        Bucket: BUCKETS.TAP_CFN_ARTIFACTS_SECONDARY,
        CreateBucketConfiguration: { LocationConstraint: REGIONS[1] as any },
      }),
    );
    run = deploy(emu, SCRIPT, cli.bin);
  }, 300_000);
  afterAll(() => emu?.stop());

  it('runs the AWS CLI v1 our machines carry (1.45.x)', () => {
    expect(cli.version).toMatch(CLI_VERSION);
  });

  it("packages the secondary template's bundle into the emulator's S3", async () => {
    const keys = await objects(BUCKETS.TAP_CFN_ARTIFACTS_SECONDARY, REGIONS[1]);
    expect(keys.some((k) => k.startsWith('tap-dr-cli/') && !k.endsWith('.template'))).toBe(true);
  });

  it("passes the CLI's own deploy checks: the over-51,200-byte template is given --s3-bucket", () => {
    expect(run.stderr).toMatch(/\+ aws cloudformation deploy --region eu-central-1 .*--s3-bucket artifacts-secondary/);
    expect(run.stderr).not.toMatch(/must be deployed via an S3 Bucket/);
  });

  it('stops at the first CloudFormation call (the dead endpoint), never at a refusal of the CLI', () => {
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('step 3/6');
    expect(run.stderr).toMatch(/Could not connect to the endpoint URL: "http:\/\/127\.0\.0\.1:9\//);
    expect(run.stderr).not.toContain('step 4/6');
  });

  it('is refused by the CLI before any call when deploy has no --s3-bucket (the defect this guards)', () => {
    const scratch = path.join(os.tmpdir(), `deploy-cloudformation-no-bucket-${process.pid}.sh`);
    const without = fs
      .readFileSync(SCRIPT, 'utf8')
      .replace(/--stack-name "\$stack" --s3-bucket "\$bucket" --s3-prefix "\$primary_stack"/, '--stack-name "$stack"')
      .replace(/cd "\$\(dirname "\$0"\)\/\.\."/, `cd ${JSON.stringify(PROJECT_ROOT)}`);
    expect(without).not.toContain('--s3-bucket "$bucket"');
    fs.writeFileSync(scratch, without);
    try {
      const r = deploy(emu, scratch, cli.bin);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Templates with a size greater than 51,200 bytes must be deployed via an S3 Bucket/);
    } finally {
      fs.rmSync(scratch, { force: true });
    }
  }, 300_000);
});
