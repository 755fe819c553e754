import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, contextFrom, loadConfig, SETTINGS } from '../src/config';

function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConfig(env, {});
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('defaults', () => {
  it('are dev, us-east-1 -> us-west-2, destroyable, no reserved concurrency, local state', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      environmentSuffix: 'dev',
      primaryRegion: 'us-east-1',
      secondaryRegion: 'us-west-2',
      retainOnDelete: false,
      standbyProcessor: true,
      logRetentionDays: 90,
      noncurrentVersionExpirationDays: 90,
      crossRegionExternalId: 'tap-dr-dev-cross-region',
      extraTags: {},
      stateBackend: { kind: 'local' },
    });
    expect(c.alertEmail).toBeUndefined();
    expect(c.lambdaReservedConcurrency).toBeUndefined();
  });

  it('is frozen so nothing downstream can change it', () => {
    expect(Object.isFrozen(loadConfig({}, {}))).toBe(true);
  });
});

describe('sources', () => {
  it('reads cdktf context when the environment is silent, and the environment wins', () => {
    const ctx = { environmentSuffix: 'from-ctx', retainOnDelete: true, lambdaReservedConcurrency: 5 };
    expect(loadConfig({}, ctx)).toMatchObject({
      environmentSuffix: 'from-ctx',
      retainOnDelete: true,
      lambdaReservedConcurrency: 5,
    });
    expect(loadConfig({ ENVIRONMENT_SUFFIX: 'from-env' }, ctx).environmentSuffix).toBe('from-env');
  });

  it('merges CDKTF_CONTEXT_JSON over cdktf.json context', () => {
    expect(contextFrom({ a: 1, b: 1 }, { CDKTF_CONTEXT_JSON: '{"b":2}' })).toEqual({ a: 1, b: 2 });
    expect(() => contextFrom({}, { CDKTF_CONTEXT_JSON: '{oops' })).toThrow(/CDKTF_CONTEXT_JSON/);
  });

  it('treats empty environment values as unset', () => {
    expect(loadConfig({ ENVIRONMENT_SUFFIX: '', ALERT_EMAIL: ' ' }, {}).environmentSuffix).toBe('dev');
  });
});

describe('accepted values', () => {
  it.each(['a', 'dev', 'pr-123', 'x1', '0', 'a'.repeat(20)])('accepts suffix %p', (s) => {
    expect(loadConfig({ ENVIRONMENT_SUFFIX: s }, {}).environmentSuffix).toBe(s);
  });

  it('parses every knob', () => {
    const c = loadConfig(
      {
        PRIMARY_REGION: 'eu-west-1',
        SECONDARY_REGION: 'us-gov-west-1',
        ALERT_EMAIL: 'oncall@example.com',
        RETAIN_ON_DELETE: 'TRUE',
        STANDBY_PROCESSOR: '0',
        LAMBDA_RESERVED_CONCURRENCY: '50',
        CROSS_REGION_EXTERNAL_ID: 'ext:id/1',
        LOG_RETENTION_DAYS: '731',
        NONCURRENT_VERSION_EXPIRATION_DAYS: '30',
        EXTRA_TAGS: '{"CostCenter":"payments","Owner":"team a"}',
      },
      {},
    );
    expect(c).toMatchObject({
      primaryRegion: 'eu-west-1',
      secondaryRegion: 'us-gov-west-1',
      alertEmail: 'oncall@example.com',
      retainOnDelete: true,
      standbyProcessor: false,
      lambdaReservedConcurrency: 50,
      crossRegionExternalId: 'ext:id/1',
      logRetentionDays: 731,
      noncurrentVersionExpirationDays: 30,
      extraTags: { CostCenter: 'payments', Owner: 'team a' },
    });
  });

  it('builds an S3 backend with default key and region', () => {
    expect(loadConfig({ TF_STATE_BUCKET: 'acme-state', ENVIRONMENT_SUFFIX: 'prod' }, {}).stateBackend).toEqual({
      kind: 's3',
      bucket: 'acme-state',
      key: 'tap-dr/prod/terraform.tfstate',
      region: 'us-east-1',
    });
  });

  it('builds a Terraform Cloud backend', () => {
    expect(loadConfig({ TF_CLOUD_ORGANIZATION: 'acme', TF_CLOUD_WORKSPACE: 'dr' }, {}).stateBackend).toEqual({
      kind: 'cloud',
      organization: 'acme',
      workspace: 'dr',
      hostname: 'app.terraform.io',
    });
  });
});

describe('rejected values name the setting, the value and the accepted form', () => {
  it.each([
    ['ENVIRONMENT_SUFFIX', 'Prod', /lowercase letters, digits or hyphens/],
    ['ENVIRONMENT_SUFFIX', 'a'.repeat(21), /1-20/],
    ['ENVIRONMENT_SUFFIX', '-dev', /starting and ending with a letter or digit/],
    ['ENVIRONMENT_SUFFIX', 'dev-', /starting and ending/],
    ['ENVIRONMENT_SUFFIX', 'dev_1', /lowercase/],
    ['PRIMARY_REGION', 'useast1', /AWS region name/],
    ['SECONDARY_REGION', 'US-WEST-2', /AWS region name/],
    ['ALERT_EMAIL', 'not-an-email', /email address/],
    ['RETAIN_ON_DELETE', 'yes', /"true" or "false"/],
    ['STANDBY_PROCESSOR', 'off', /"true" or "false"/],
    ['LAMBDA_RESERVED_CONCURRENCY', '0', /whole number from 1 to 10000/],
    ['LAMBDA_RESERVED_CONCURRENCY', '2.5', /whole number/],
    ['LAMBDA_RESERVED_CONCURRENCY', '-3', /whole number/],
    ['CROSS_REGION_EXTERNAL_ID', 'x', /2-1224 characters/],
    ['CROSS_REGION_EXTERNAL_ID', 'has space', /2-1224 characters/],
    ['LOG_RETENTION_DAYS', '10', /retention periods: 1, 3, 5/],
    ['NONCURRENT_VERSION_EXPIRATION_DAYS', '0', /whole number from 1 to 3650/],
    ['EXTRA_TAGS', 'CostCenter=payments', /JSON object/],
    ['EXTRA_TAGS', '["a"]', /JSON object/],
    ['EXTRA_TAGS', '{"n":1}', /string tag values/],
    ['EXTRA_TAGS', '{"aws:owner":"x"}', /not starting with "aws:"/],
    ['TF_STATE_BUCKET', 'Bad_Bucket', /S3 bucket name/],
  ])('%s=%p', (name, value, expected) => {
    const [problem] = problemsFor({ [name]: value });
    expect(problem).toContain(`${name}=${JSON.stringify(value)} is invalid: expected`);
    expect(problem).toMatch(expected);
  });

  it('rejects equal primary and secondary regions', () => {
    expect(problemsFor({ PRIMARY_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-west-1' })).toEqual([
      'SECONDARY_REGION="eu-west-1" is invalid: expected a region different from PRIMARY_REGION (eu-west-1)',
    ]);
    expect(problemsFor({ SECONDARY_REGION: 'us-east-1' })).toHaveLength(1);
  });

  it('rejects two state backends at once', () => {
    expect(problemsFor({ TF_STATE_BUCKET: 'acme-state', TF_CLOUD_ORGANIZATION: 'acme' })[0]).toMatch(
      /TF_STATE_BUCKET and TF_CLOUD_ORGANIZATION are both set/,
    );
  });

  it('rejects a Terraform Cloud organization without a workspace, and orphan backend settings', () => {
    expect(problemsFor({ TF_CLOUD_ORGANIZATION: 'acme' })[0]).toMatch(/TF_CLOUD_WORKSPACE is unset/);
    expect(problemsFor({ TF_STATE_KEY: 'x/y.tfstate' })[0]).toMatch(/TF_STATE_KEY is set but TF_STATE_BUCKET is not/);
    expect(problemsFor({ TF_CLOUD_WORKSPACE: 'w' })[0]).toMatch(/TF_CLOUD_WORKSPACE is set but TF_CLOUD_ORGANIZATION/);
  });

  it('reports every bad setting at once, not just the first', () => {
    const problems = problemsFor({ ENVIRONMENT_SUFFIX: 'BAD', PRIMARY_REGION: 'nowhere', RETAIN_ON_DELETE: 'maybe' });
    expect(problems.map((p) => p.split('=')[0])).toEqual(['ENVIRONMENT_SUFFIX', 'PRIMARY_REGION', 'RETAIN_ON_DELETE']);
  });

  it('reports bad context values under the environment variable name', () => {
    expect(() => loadConfig({}, { environmentSuffix: 'Nope' })).toThrow(/ENVIRONMENT_SUFFIX="Nope" is invalid/);
  });
});

describe('the README', () => {
  it("documents every setting, with its environment variable and context key, in the configuration table", () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| `(\w+)` \|/gm)].map(([, env, context]) => ({ env, context }));
    const byEnv = (a: { env: string }, b: { env: string }) => a.env.localeCompare(b.env);
    expect(rows.sort(byEnv)).toEqual(Object.values(SETTINGS).sort(byEnv));
  });
});
