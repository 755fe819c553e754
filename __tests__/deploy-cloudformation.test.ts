/**
 * scripts/deploy-cloudformation.sh (`npm run deploy:cloudformation`) against a fake `aws`
 * that records its arguments and answers describe-stacks from a table. Never against AWS:
 * the fake is first on a PATH that holds nothing else but node and coreutils, and the AWS
 * SDK/CLI configuration points nowhere.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../src/lambda-bundle';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'deploy-cloudformation.sh');

const FAKE_AWS = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(args) + '\\n');
const opt = (name) => args[args.indexOf(name) + 1];
const failOn = process.env.FAKE_AWS_FAIL_ON;
if (failOn && args.join(' ').includes(failOn)) { process.stderr.write('fake aws: failing as told\\n'); process.exit(254); }
if (args[1] === 'package') fs.copyFileSync(opt('--template-file'), opt('--output-template-file'));
if (args[1] === 'describe-stacks') {
  const key = /OutputKey=='(\\w+)'/.exec(opt('--query'))[1];
  const outputs = JSON.parse(process.env.FAKE_AWS_OUTPUTS)[opt('--stack-name')] || {};
  process.stdout.write((outputs[key] ?? 'None') + '\\n');
}
`;

const SECONDARY = {
  SecondaryKMSKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/2222',
  SecondaryS3BucketName: 'tap-docs-ci-123456789012-eu-central-1',
  StandbyApiEndpoint: 'https://standby.execute-api.eu-central-1.amazonaws.com',
};
const PRIMARY = {
  KMSKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1111',
  S3BucketName: 'tap-docs-ci-123456789012-eu-west-1',
  PrimaryApiEndpoint: 'https://primary.execute-api.eu-west-1.amazonaws.com',
};

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  /** Every `aws` invocation, in order, as its argument list. */
  readonly calls: string[][];
  readonly outdir: string;
}

function run(
  env: Record<string, string>,
  outputs: Record<string, Record<string, string>> = {
    'tap-dr-ci-secondary': SECONDARY,
    'tap-dr-ci': PRIMARY,
  },
): Run {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-deploy-cfn-'));
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'aws'), FAKE_AWS, { mode: 0o755 });
  const log = path.join(tmp, 'aws.log');
  fs.writeFileSync(log, '');
  const outdir = path.join(tmp, 'out');
  const r = spawnSync('bash', [SCRIPT], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: [bin, path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter),
      HOME: tmp,
      CDKTF_OUTDIR: outdir,
      FAKE_AWS_LOG: log,
      FAKE_AWS_OUTPUTS: JSON.stringify(outputs),
      // Belt and braces: nothing here could reach an account even through a real CLI.
      AWS_CONFIG_FILE: path.join(tmp, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ENVIRONMENT_SUFFIX: 'ci',
      PRIMARY_REGION: 'eu-west-1',
      SECONDARY_REGION: 'eu-central-1',
      ...env,
    },
  });
  const calls = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as string[]);
  return { status: r.status, stderr: r.stderr, calls, outdir };
}

const BUCKETS = {
  TAP_CFN_ARTIFACTS_PRIMARY: 'artifacts-eu-west-1',
  TAP_CFN_ARTIFACTS_SECONDARY: 'artifacts-eu-central-1',
};
const opt = (call: string[], name: string) => call[call.indexOf(name) + 1];
const overrides = (call: string[]) => call.slice(call.indexOf('--parameter-overrides') + 1);
/** A call in short: the subcommand, its region, and the stack or the template it works on. */
const summary = (call: string[]) =>
  [
    call[1],
    opt(call, '--region'),
    call.includes('--stack-name') ? opt(call, '--stack-name') : path.basename(opt(call, '--template-file')),
  ].join(' ');

describe('npm run deploy:cloudformation (against a fake aws)', () => {
  let full: Run;
  beforeAll(() => {
    full = run(BUCKETS);
  }, 120_000);

  it("runs the documented order: secondary, primary with its outputs, secondary again with the primary's", () => {
    expect(full.stderr).not.toContain('error');
    expect(full.status).toBe(0);
    expect(full.calls.map(summary)).toEqual([
      'package eu-central-1 TapStack-secondary.json',
      'deploy eu-central-1 tap-dr-ci-secondary',
      'describe-stacks eu-central-1 tap-dr-ci-secondary',
      'describe-stacks eu-central-1 tap-dr-ci-secondary',
      'package eu-west-1 TapStack.json',
      'deploy eu-west-1 tap-dr-ci',
      'describe-stacks eu-west-1 tap-dr-ci',
      'describe-stacks eu-west-1 tap-dr-ci',
      'deploy eu-central-1 tap-dr-ci-secondary',
      'describe-stacks eu-west-1 tap-dr-ci',
      'describe-stacks eu-central-1 tap-dr-ci-secondary',
    ]);
  });

  it('passes each stack the outputs it needs, under the parameter names the templates declare', () => {
    const deploys = full.calls.filter((c) => c[1] === 'deploy');
    expect(deploys.map(overrides)).toEqual([
      ['EnvironmentSuffix=ci'],
      [
        'EnvironmentSuffix=ci',
        `SecondaryKMSKeyArn=${SECONDARY.SecondaryKMSKeyArn}`,
        `SecondaryS3BucketName=${SECONDARY.SecondaryS3BucketName}`,
      ],
      ['EnvironmentSuffix=ci', `PrimaryKMSKeyArn=${PRIMARY.KMSKeyArn}`, `PrimaryS3BucketName=${PRIMARY.S3BucketName}`],
    ]);
    const templates = JSON.parse(fs.readFileSync(path.join(full.outdir, 'cloudformation', 'TapStack.json'), 'utf8'));
    const secondary = JSON.parse(
      fs.readFileSync(path.join(full.outdir, 'cloudformation', 'TapStack-secondary.json'), 'utf8'),
    );
    for (const [i, t] of [secondary, templates, secondary].entries()) {
      for (const o of overrides(deploys[i])) expect(Object.keys(t.Parameters)).toContain(o.split('=')[0]);
    }
    for (const d of deploys) {
      expect(d).toEqual(
        expect.arrayContaining(['--capabilities', 'CAPABILITY_NAMED_IAM', '--no-fail-on-empty-changeset']),
      );
      expect(opt(d, '--template-file')).toMatch(/\.packaged\.json$/);
    }
    const reads = full.calls
      .filter((c) => c[1] === 'describe-stacks')
      .map((c) => /OutputKey=='(\w+)'/.exec(opt(c, '--query'))![1]);
    expect(reads).toEqual([
      'SecondaryKMSKeyArn',
      'SecondaryS3BucketName',
      'KMSKeyArn',
      'S3BucketName',
      'PrimaryApiEndpoint',
      'StandbyApiEndpoint',
    ]);
  });

  it("deploys each packaged template through its region's artifacts bucket (the CLI refuses over 51,200 bytes inline)", () => {
    const deploys = full.calls.filter((c) => c[1] === 'deploy');
    expect(deploys.map((c) => [opt(c, '--region'), opt(c, '--s3-bucket')])).toEqual([
      ['eu-central-1', 'artifacts-eu-central-1'],
      ['eu-west-1', 'artifacts-eu-west-1'],
      ['eu-central-1', 'artifacts-eu-central-1'],
    ]);
    for (const which of ['TapStack', 'TapStack-secondary']) {
      const packaged = path.join(full.outdir, 'cloudformation', `${which}.packaged.json`);
      expect({ which, overInlineLimit: fs.statSync(packaged).size > 51_200 }).toEqual({ which, overInlineLimit: true });
    }
  });

  it('packages each template into an artifacts bucket in its own region', () => {
    const packages = full.calls.filter((c) => c[1] === 'package');
    expect(packages.map((c) => [opt(c, '--region'), opt(c, '--s3-bucket'), c.includes('--use-json')])).toEqual([
      ['eu-central-1', 'artifacts-eu-central-1', true],
      ['eu-west-1', 'artifacts-eu-west-1', true],
    ]);
  });

  it('prints each step and every AWS call, and the entry points at the end', () => {
    for (const n of [1, 2, 3, 4, 5, 6]) expect(full.stderr).toContain(`step ${n}/6:`);
    expect(full.stderr.match(/^deploy:cloudformation: \+ aws /gm)).toHaveLength(full.calls.length);
    expect(full.stderr).toContain(`primary ${PRIMARY.PrimaryApiEndpoint}, standby ${SECONDARY.StandbyApiEndpoint}`);
  });

  it('bounds every AWS call with a timeout (one wrapper, no bare aws)', () => {
    const lines = fs
      .readFileSync(SCRIPT, 'utf8')
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('#'));
    expect(lines.filter((l) => /(^|[\s;&|(`])aws\s/.test(l) && !/log "\+ aws/.test(l))).toEqual([
      '  timeout "$limit" aws "$@"',
    ]);
    expect(lines.filter((l) => /\bnode --require/.test(l)).every((l) => l.includes('timeout'))).toBe(true);
    expect(lines).toContain('set -euo pipefail');
  });

  it('stops at the first failing call: a failed primary deploy never updates the secondary', () => {
    const r = run({ ...BUCKETS, FAKE_AWS_FAIL_ON: 'deploy --region eu-west-1' });
    expect(r.status).not.toBe(0);
    expect(r.calls.map(summary).at(-1)).toBe('deploy eu-west-1 tap-dr-ci');
    expect(r.stderr).toContain('fake aws: failing as told');
  }, 120_000);

  it('stops when a describe-stacks call fails, rather than deploying the primary without the secondary key', () => {
    const r = run({ ...BUCKETS, FAKE_AWS_FAIL_ON: 'describe-stacks' });
    expect(r.status).not.toBe(0);
    expect(r.calls.map(summary)).toEqual([
      'package eu-central-1 TapStack-secondary.json',
      'deploy eu-central-1 tap-dr-ci-secondary',
      'describe-stacks eu-central-1 tap-dr-ci-secondary',
    ]);
  }, 120_000);

  it('without the standby tier, replicates nothing and skips the final update', () => {
    const r = run(
      { ...BUCKETS, STANDBY_PROCESSOR: 'false' },
      { 'tap-dr-ci-secondary': { SecondaryKMSKeyArn: SECONDARY.SecondaryKMSKeyArn }, 'tap-dr-ci': PRIMARY },
    );
    expect(r.status).toBe(0);
    const deploys = r.calls.filter((c) => c[1] === 'deploy');
    expect(deploys.map(overrides)).toEqual([
      ['EnvironmentSuffix=ci'],
      ['EnvironmentSuffix=ci', `SecondaryKMSKeyArn=${SECONDARY.SecondaryKMSKeyArn}`, 'SecondaryS3BucketName='],
    ]);
    expect(r.stderr).toContain('step 6/6: skipped');
  }, 120_000);

  it('refuses to start without the artifacts buckets, before any AWS call', () => {
    const r = run({ TAP_CFN_ARTIFACTS_PRIMARY: 'artifacts-eu-west-1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('set TAP_CFN_ARTIFACTS_SECONDARY');
    expect(r.calls).toEqual([]);
  });

  it('refuses a bad configuration before any AWS call, and writes nothing', () => {
    const r = run({ ...BUCKETS, ENVIRONMENT_SUFFIX: 'Bad_Suffix' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ENVIRONMENT_SUFFIX="Bad_Suffix" is invalid');
    expect(r.calls).toEqual([]);
    expect(fs.existsSync(path.join(r.outdir, 'cloudformation'))).toBe(false);
  }, 120_000);
});
