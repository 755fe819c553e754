import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeCloudFormationTemplates } from '../src/cloudformation';
import { loadConfig } from '../src/config';
import { testBundle } from '../harness/bundle';

/**
 * AWS's own linter over every emitted template, informational findings included.
 * Zero findings is the bar. A finding we deliberately keep is waived in the project's
 * .cfnlintrc (with its reason), never here: cfn-lint run by hand at the project root must
 * report exactly what this test reports. So cfn-lint runs from the project root.
 */
const ROOT = path.resolve(__dirname, '..');

/**
 * What `aws cloudformation package` turns the template into (Code becomes an S3 location),
 * optionally with the parameter values of one deploy step written in as Defaults: cfn-lint
 * reads no parameter file, but it does resolve a Ref to its parameter's Default.
 */
function packaged(templateFile: string, step: Record<string, string> = {}, name = 'packaged'): string {
  const t = JSON.parse(fs.readFileSync(templateFile, 'utf8'));
  for (const r of Object.values<any>(t.Resources)) {
    if (r.Type === 'AWS::Lambda::Function' && typeof r.Properties.Code === 'string') {
      r.Properties.Code = { S3Bucket: 'artifacts-123456789012-us-east-1', S3Key: '0123456789abcdef0123456789abcdef' };
    }
  }
  for (const [parameter, value] of Object.entries(step)) {
    expect(t.Parameters[parameter]).toBeDefined();
    t.Parameters[parameter].Default = value;
  }
  const out = templateFile.replace(/\.json$/, `.${name}.json`);
  fs.writeFileSync(out, JSON.stringify(t, null, 2));
  return out;
}

/** The parameters each step of the deploy order (scripts/deploy-cloudformation.sh) passes. */
const PRIMARY_OUTPUTS = {
  PrimaryKMSKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  PrimaryS3BucketName: 'tap-docs-dev-123456789012-us-east-1',
};
const SECONDARY_OUTPUTS = {
  SecondaryKMSKeyArn: 'arn:aws:kms:us-west-2:123456789012:key/5678abcd-12ab-34cd-56ef-1234567890ab',
  SecondaryS3BucketName: 'tap-docs-dev-123456789012-us-west-2',
};
const STEPS: Array<[step: string, template: 'primary' | 'secondary', parameters: Record<string, string>]> = [
  ['1-secondary', 'secondary', {}],
  ['2-primary', 'primary', SECONDARY_OUTPUTS],
  ['3-secondary-update', 'secondary', PRIMARY_OUTPUTS],
];

function lint(files: string[]) {
  const r = spawnSync('cfn-lint', ['--format', 'json', '--include-checks', 'I', '--', ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    // A deadline for a hang, not a speed bound: a loaded 2-core machine takes minutes for one run.
    timeout: 600_000,
  });
  if (r.error || r.signal) throw new Error(`cfn-lint did not finish: ${r.error?.message ?? r.signal}`);
  expect(r.stderr).toBe('');
  const findings = JSON.parse(r.stdout || '[]') as Array<{ Rule: { Id: string }; Message: string; Filename: string }>;
  return {
    status: r.status,
    findings: findings.map((f) => `${f.Rule.Id}: ${f.Message}`),
    /** The findings in these files only. */
    findingsIn: (some: string[]) =>
      findings.filter((f) => some.includes(path.resolve(ROOT, f.Filename))).map((f) => `${f.Rule.Id}: ${f.Message}`),
  };
}

let version: string | undefined;
function cfnLintVersion(): string {
  if (version) return version;
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('cfn-lint is not installed. Fix: pip install "cfn-lint==1.51.*" (npm test does this in .venv)');
  }
  return (version = r.stdout.trim());
}

const SETTINGS: Array<[string, Record<string, string>]> = [
  ['defaults', {}],
  [
    'retained, email, reserved concurrency, extra tags',
    {
      RETAIN_ON_DELETE: 'true',
      ALERT_EMAIL: 'oncall@example.com',
      LAMBDA_RESERVED_CONCURRENCY: '10',
      EXTRA_TAGS: '{"CostCenter":"payments"}',
      SECONDARY_REGION: 'eu-west-1',
    },
  ],
];
const STANDBY: Array<[string, Record<string, string>]> = [
  ['standby tier on (STANDBY_PROCESSOR=true)', {}],
  ['standby tier off (STANDBY_PROCESSOR=false)', { STANDBY_PROCESSOR: 'false' }],
];

describe('cfn-lint', () => {
  const dirs: string[] = [];
  const emit = (env: Record<string, string>, prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return writeCloudFormationTemplates(loadConfig(env, {}), testBundle().code, dir);
  };
  /** Each scenario's files, all linted in one cfn-lint run: its start-up (the schemas) is most of its time. */
  const files = new Map<string, string[]>();
  let all: ReturnType<typeof lint>;
  beforeAll(() => {
    cfnLintVersion();
    for (const [name, env] of SETTINGS) {
      const [primary, secondary] = emit(env, 'tap-dr-cfn-');
      expect([primary, secondary].map((f) => path.basename(f))).toEqual(['TapStack.json', 'TapStack-secondary.json']);
      files.set(`${name} as emitted`, [primary, secondary]);
      files.set(`${name} as packaged`, [packaged(primary), packaged(secondary)]);
    }
    for (const [name, env] of STANDBY) {
      const [primary, secondary] = emit(env, 'tap-dr-cfn-steps-');
      files.set(
        name,
        STEPS.map(([step, template, parameters]) =>
          packaged(template === 'primary' ? primary : secondary, parameters, step),
        ),
      );
    }
    all = lint([...files.values()].flat());
  }, 660_000);
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('is installed', () => {
    expect(cfnLintVersion()).toMatch(/^cfn-lint 1\./);
  });

  it.each(SETTINGS)(
    '%s: every template, as emitted and as packaged, has zero errors, warnings and informational findings',
    (name) => {
      expect(all.findingsIn(files.get(`${name} as emitted`)!)).toEqual([]);
      expect(all.findingsIn(files.get(`${name} as packaged`)!)).toEqual([]);
      expect(all.status).toBe(0);
    },
  );

  it.each(STANDBY)(
    "%s: each step of the deploy order, as packaged with that step's parameters, has zero findings",
    (name) => {
      expect(files.get(name)!.map((f) => path.basename(f))).toEqual([
        'TapStack-secondary.1-secondary.json',
        'TapStack.2-primary.json',
        'TapStack-secondary.3-secondary-update.json',
      ]);
      expect(all.findingsIn(files.get(name)!)).toEqual([]);
      expect(all.status).toBe(0);
    },
  );

  it('would catch a broken template (the check can fail)', () => {
    const [primary] = emit({}, 'tap-dr-cfn-bad-');
    const t = JSON.parse(fs.readFileSync(primary, 'utf8'));
    t.Resources.TransactionProcessorFunction.Properties.Runtime = 'python2.7';
    fs.writeFileSync(primary, JSON.stringify(t));
    const broken = lint([primary]);
    expect(broken.status).not.toBe(0);
    expect(broken.findings.map((f) => f.split(':')[0])).toContain('E2533'); // deprecated runtime
    // The shared run attributes findings to their files.
    expect(broken.findingsIn([primary])).toEqual(broken.findings);
  }, 660_000);
});
