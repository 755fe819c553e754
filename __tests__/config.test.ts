import {
  ConfigError,
  contextFrom,
  DEFAULTS,
  hclOutputRefusal,
  loadConfig,
  Range,
  RANGES,
  SETTINGS,
  TapConfig,
} from '../src/config';
import { RPO_TARGET_SECONDS } from '../src/heartbeat-contract';

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
      logRetentionDays: 365,
      noncurrentVersionExpirationDays: 90,
      crossRegionTrustedPrincipals: [],
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

  it.each(Object.values(SETTINGS).map((s) => s.env))(
    'refuses an explicitly empty %s, naming it, instead of reading it as the default',
    (name) => {
      // Terraform's own variables are read (and so refused empty) only once STATE_BACKEND=cloud asks for them.
      const cloud = /^TF_(CLOUD_|WORKSPACE$)/.test(name)
        ? { STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme' }
        : {};
      for (const value of ['', ' ', '\t']) {
        expect(() => loadConfig({ ...cloud, [name]: value }, {})).toThrow(
          `${name}=${JSON.stringify(value)} is invalid: expected a value; an empty setting never means the default (unset ${name} to use it)`,
        );
      }
    },
  );

  it('refuses an empty cdktf context value the same way, and reports every empty setting at once', () => {
    expect(() => loadConfig({}, { environmentSuffix: '' })).toThrow(
      'cdktf context "environmentSuffix"="" is invalid: expected a value',
    );
    const problems = (() => {
      try {
        loadConfig({ ENVIRONMENT_SUFFIX: '', PRIMARY_REGION: '', ALERT_EMAIL: ' ' }, {});
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    expect(problems.map((p) => p.split('=')[0])).toEqual(['ENVIRONMENT_SUFFIX', 'PRIMARY_REGION', 'ALERT_EMAIL']);
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
        CROSS_REGION_TRUSTED_PRINCIPALS:
          'arn:aws:iam::111122223333:role/failover, arn:aws-us-gov:iam::111122223333:role/ops/break-glass',
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
      crossRegionTrustedPrincipals: [
        'arn:aws:iam::111122223333:role/failover',
        'arn:aws-us-gov:iam::111122223333:role/ops/break-glass',
      ],
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

  it("builds a Terraform Cloud backend from Terraform's own variables, only with STATE_BACKEND=cloud", () => {
    expect(
      loadConfig(
        {
          STATE_BACKEND: 'cloud',
          TF_CLOUD_ORGANIZATION: 'acme',
          TF_WORKSPACE: 'dr',
          TF_CLOUD_PROJECT: 'Payments DR',
          TF_CLOUD_HOSTNAME: 'tfe.example.com',
        },
        {},
      ).stateBackend,
    ).toEqual({
      kind: 'cloud',
      organization: 'acme',
      workspace: 'dr',
      project: 'Payments DR',
      hostname: 'tfe.example.com',
    });
    expect(loadConfig({ STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme' }, {}).stateBackend).toEqual({
      kind: 'cloud',
      organization: 'acme',
      hostname: 'app.terraform.io',
    });
  });

  it("leaves Terraform's own variables alone without STATE_BACKEND=cloud: no silent backend switch", () => {
    const elsewhere = {
      TF_CLOUD_ORGANIZATION: 'other-team',
      TF_WORKSPACE: 'their-ws',
      TF_CLOUD_PROJECT: 'x',
      TF_CLOUD_HOSTNAME: '',
    };
    expect(loadConfig(elsewhere, {}).stateBackend).toEqual({ kind: 'local' });
    expect(loadConfig({ ...elsewhere, TF_STATE_BUCKET: 'acme-state' }, {}).stateBackend.kind).toBe('s3');
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
    ['CROSS_REGION_TRUSTED_PRINCIPALS', 'arn:aws:iam::111122223333:root', /IAM role ARNs/],
    ['CROSS_REGION_TRUSTED_PRINCIPALS', '*', /IAM role ARNs/],
    ['CROSS_REGION_TRUSTED_PRINCIPALS', 'arn:aws:iam::111122223333:role/a,,', /comma-separated list/],
    ['CROSS_REGION_TRUSTED_PRINCIPALS', 'arn:aws:iam::111122223333:user/alice', /IAM role ARNs/],
    ['CROSS_REGION_TRUSTED_PRINCIPALS', '["arn:aws:iam::111122223333:role/a", 7]', /JSON array/],
    ['EXTRA_TAGS', '{"Project":"other"}', /no tag key tap-dr sets itself .*remove Project/],
    ['EXTRA_TAGS', '{"environment":"x","managedby":"y"}', /remove environment, managedby/],
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

  it('refuses CODE_SIGNING_PROFILE_VERSION_ARN, saying what is missing: nothing signs the bundle, so Lambda would refuse it', () => {
    const arn = 'arn:aws:signer:us-east-1:123456789012:/signing-profiles/tapdr/abcdef1234';
    const why = 'is refused: nothing in tap-dr signs the Lambda bundle with AWS Signer';
    expect(problemsFor({ CODE_SIGNING_PROFILE_VERSION_ARN: arn }).join('\n')).toContain(
      `CODE_SIGNING_PROFILE_VERSION_ARN ${why}`,
    );
    expect(() => loadConfig({}, { codeSigningProfileVersionArn: arn })).toThrow(
      `cdktf context "codeSigningProfileVersionArn" ${why}`,
    );
  });

  it('rejects equal primary and secondary regions', () => {
    expect(problemsFor({ PRIMARY_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-west-1' })).toEqual([
      'SECONDARY_REGION="eu-west-1" is invalid: expected a region different from PRIMARY_REGION (eu-west-1)',
    ]);
  });

  it('says which region defaulted when only one was set, and how to set the other', () => {
    expect(problemsFor({ PRIMARY_REGION: 'us-west-2' })).toEqual([
      'SECONDARY_REGION is unset and defaults to "us-west-2", the region PRIMARY_REGION names: set SECONDARY_REGION (or cdktf context "secondaryRegion") to a different region',
    ]);
    expect(problemsFor({ SECONDARY_REGION: 'us-east-1' })).toEqual([
      'PRIMARY_REGION is unset and defaults to "us-east-1", the region SECONDARY_REGION names: set PRIMARY_REGION (or cdktf context "primaryRegion") to a different region',
    ]);
  });

  it('rejects settings of another state backend than the one chosen, and an unknown STATE_BACKEND', () => {
    expect(
      problemsFor({ STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme', TF_STATE_BUCKET: 'acme-state' }),
    ).toEqual([
      'TF_STATE_BUCKET is set but STATE_BACKEND=cloud: expected S3 settings only with STATE_BACKEND=s3 (or STATE_BACKEND unset)',
    ]);
    expect(problemsFor({ STATE_BACKEND: 'remote' })).toEqual([
      'STATE_BACKEND="remote" is invalid: expected one of "local", "s3", "cloud"',
    ]);
    expect(problemsFor({ STATE_BACKEND: 's3' })).toEqual([
      'STATE_BACKEND=s3 needs TF_STATE_BUCKET: expected the name of the S3 bucket that holds the state',
    ]);
    expect(problemsFor({ STATE_BACKEND: 'cloud' })).toEqual([
      'STATE_BACKEND=cloud needs TF_CLOUD_ORGANIZATION: expected the Terraform Cloud organization that holds the workspace',
    ]);
  });

  it('reports an invalid TF_STATE_BUCKET and the backend conflict together', () => {
    expect(problemsFor({ STATE_BACKEND: 'local', TF_STATE_BUCKET: 'Bad_Bucket' })).toEqual([
      expect.stringMatching(/^TF_STATE_BUCKET="Bad_Bucket" is invalid: expected an S3 bucket name/),
      'TF_STATE_BUCKET is set but STATE_BACKEND=local: expected S3 settings only with STATE_BACKEND=s3 (or STATE_BACKEND unset)',
    ]);
  });

  it('refuses TF_CLOUD_WORKSPACE, pointing to TF_WORKSPACE; refuses cloud context keys without STATE_BACKEND=cloud', () => {
    expect(problemsFor({ STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme', TF_CLOUD_WORKSPACE: 'dr' })).toEqual([
      "TF_CLOUD_WORKSPACE is refused: the workspace is Terraform's own TF_WORKSPACE (set TF_WORKSPACE, and STATE_BACKEND=cloud for Terraform Cloud state)",
    ]);
    expect(() => loadConfig({}, { cloudOrganization: 'acme' })).toThrow(
      'cdktf context "cloudOrganization" is set but STATE_BACKEND is unset: expected it only with STATE_BACKEND=cloud',
    );
    expect(problemsFor({ TF_STATE_KEY: 'x/y.tfstate' })[0]).toMatch(/TF_STATE_KEY is set but TF_STATE_BUCKET is not/);
  });

  it('names a bad Terraform Cloud value once cloud is chosen, and an empty one', () => {
    expect(problemsFor({ STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme', TF_WORKSPACE: 'has space' })).toEqual([
      'TF_WORKSPACE="has space" is invalid: expected a Terraform Cloud workspace name (1-90 letters, digits, _ or -)',
    ]);
    expect(problemsFor({ STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme', TF_CLOUD_PROJECT: '' })).toEqual([
      expect.stringMatching(/^TF_CLOUD_PROJECT="" is invalid: expected a value/),
    ]);
  });

  it('refuses cdktf synth --hcl in one line', () => {
    expect(hclOutputRefusal({ SYNTH_HCL_OUTPUT: 'false' })).toBeUndefined();
    expect(hclOutputRefusal({})).toBeUndefined();
    expect(hclOutputRefusal({ SYNTH_HCL_OUTPUT: 'true' })).toMatch(
      /^cdktf synth --hcl \(SYNTH_HCL_OUTPUT="true"\) is refused: [^\n]+$/,
    );
  });

  it('reports every bad setting at once, not just the first', () => {
    const problems = problemsFor({ ENVIRONMENT_SUFFIX: 'BAD', PRIMARY_REGION: 'nowhere', RETAIN_ON_DELETE: 'maybe' });
    expect(problems.map((p) => p.split('=')[0])).toEqual(['ENVIRONMENT_SUFFIX', 'PRIMARY_REGION', 'RETAIN_ON_DELETE']);
  });

  it('names a bad context value by the context key the user wrote, not the environment variable', () => {
    expect(() => loadConfig({}, { environmentSuffix: 'Nope' })).toThrow(
      /cdktf context "environmentSuffix"="Nope" is invalid/,
    );
    expect(() => loadConfig({}, { retainOnDelete: 'yes' })).toThrow(/cdktf context "retainOnDelete"="yes" is invalid/);
    expect(() => loadConfig({ ENVIRONMENT_SUFFIX: 'Env_Bad' }, { environmentSuffix: 'ok' })).toThrow(
      /^(?![\s\S]*cdktf context)[\s\S]*ENVIRONMENT_SUFFIX="Env_Bad"/,
    );
  });
});

describe('unknown and retired settings are refused, never ignored', () => {
  const problemsForContext = (context: Record<string, unknown>, env: Record<string, string> = {}) => {
    try {
      loadConfig(env, context);
    } catch (e) {
      if (e instanceof ConfigError) return [...e.problems];
      throw e;
    }
    throw new Error(`expected ${JSON.stringify(context)} to be rejected`);
  };

  it.each([
    ['retainOnDelte', 'retainOnDelete'],
    ['RetainOnDelete', 'retainOnDelete'],
    ['primaryRegon', 'primaryRegion'],
    ['standby_processor', 'standbyProcessor'],
    ['logRetentionDay', 'logRetentionDays'],
  ])('a misspelled context key %p names the nearest setting, %p', (typo, nearest) => {
    expect(problemsForContext({ [typo]: true })).toEqual([
      `cdktf context "${typo}" is not a tap-dr setting: did you mean "${nearest}"?`,
    ]);
  });

  it('lists every setting when nothing is close', () => {
    expect(problemsForContext({ zzzzzzzzzzzzzzzz: 1 })[0]).toMatch(
      /expected one of environmentSuffix, primaryRegion, .*cloudHostname/,
    );
  });

  it('refuses inherited names as keys rather than reading them through the prototype', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const ctx = JSON.parse(`{"${key}": "x"}`);
      expect(problemsForContext(ctx)[0]).toMatch(new RegExp(`cdktf context "${key}" is not a tap-dr setting`));
    }
  });

  it("accepts cdktf's own context keys", () => {
    expect(() =>
      loadConfig(
        {},
        {
          cdktfRelativeModules: ['x'],
          cdktfStaticModuleAssetHash: 'h',
          excludeStackIdFromLogicalIds: true,
          allowSepCharsInLogicalIds: true,
        },
      ),
    ).not.toThrow();
  });

  it('says the external id is retired, as an environment variable or a context key', () => {
    expect(problemsForContext({ crossRegionExternalId: 'x' })[0]).toMatch(
      /crossRegionExternalId" is no longer used: .*CROSS_REGION_TRUSTED_PRINCIPALS/,
    );
    expect(problemsFor({ CROSS_REGION_EXTERNAL_ID: 'secret' })[0]).toMatch(
      /^CROSS_REGION_EXTERNAL_ID is no longer used/,
    );
  });
});

describe('context sources', () => {
  it('refuses CDKTF_CONTEXT_JSON that is not a JSON object', () => {
    for (const bad of ['[1]', '"x"', '7', 'null']) {
      expect(() => contextFrom({}, { CDKTF_CONTEXT_JSON: bad })).toThrow(/CDKTF_CONTEXT_JSON .*expected a JSON object/);
    }
  });
});
describe('each range and default is said once (RANGES, RTO_TARGET_SECONDS, RPO_TARGET_SECONDS)', () => {
  /** Where each ranged setting lands in the config. */
  const read: Record<keyof typeof RANGES, (c: TapConfig) => number | undefined> = {
    rtoTargetSeconds: (c) => c.rtoTargetSeconds,
    rpoTargetSeconds: (c) => c.rpoTargetSeconds,
    apiThrottleRateLimit: (c) => c.apiThrottle.rateLimit,
    apiThrottleBurstLimit: (c) => c.apiThrottle.burstLimit,
    noncurrentVersionExpirationDays: (c) => c.noncurrentVersionExpirationDays,
    lambdaReservedConcurrency: (c) => c.lambdaReservedConcurrency,
  };
  it.each(Object.keys(RANGES) as Array<keyof typeof RANGES>)('%s', (key) => {
    const range: Range = RANGES[key];
    const env = SETTINGS[key].env;
    expect(read[key](loadConfig({}, {}))).toBe(range.default);
    expect(read[key](loadConfig({ [env]: String(range.min) }, {}))).toBe(range.min);
    expect(read[key](loadConfig({ [env]: String(range.max) }, {}))).toBe(range.max);
    for (const bad of [range.min - 1, range.max + 1]) {
      expect(() => loadConfig({ [env]: String(bad) }, {})).toThrow(`from ${range.min} to ${range.max}`);
    }
  });

  it("the RPO bounds are the heartbeat contract's, and the other defaults are DEFAULTS", () => {
    expect(RANGES.rpoTargetSeconds).toBe(RPO_TARGET_SECONDS);
    const c = loadConfig({}, {});
    expect([c.environmentSuffix, c.primaryRegion, c.secondaryRegion, c.logRetentionDays]).toEqual([
      DEFAULTS.environmentSuffix,
      DEFAULTS.primaryRegion,
      DEFAULTS.secondaryRegion,
      DEFAULTS.logRetentionDays,
    ]);
  });
});
