/**
 * Physical names are injective across environments: for suffixes A != B, any tiers and any
 * pair of regions, no name is shared within its scope (S3 buckets: global; IAM: the account;
 * everything else: its type in one region), and no policy pattern of A matches a name of B.
 *
 * Names are pure functions of the suffix, the account and the regions (src/naming.ts), so one
 * synth with recognisable placeholders gives every name as a template; the property runs the
 * templates over many suffix pairs, including the ones that extend each other.
 */
import { loadConfig } from '../src/config';
import { names } from '../src/naming';
import { templatesFor } from './helpers/cfn';
import { synthStack, TerraformJson } from './helpers/synth';

const SUFFIX = 'sfxq';
const ACCOUNT = '${data.aws_caller_identity.account.account_id}';
const [R1, R2] = ['eu-north-1', 'ap-south-2'];
const EVERY_OPTION = {
  ENVIRONMENT_SUFFIX: SUFFIX,
  PRIMARY_REGION: R1,
  SECONDARY_REGION: R2,
  HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
  DOMAIN_NAME: 'pay.example.com',
  FIS_DRILL: 'true',
  CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::123456789012:role/failover-automation',
};
const NAME_ATTRIBUTES = ['name', 'function_name', 'alarm_name', 'bucket', 'name_prefix'];

interface NameTemplate {
  /** 'global', 'account:<type>' or '<type>@<region placeholder>'. */
  readonly scope: string;
  readonly name: string;
}

function regionOf(json: TerraformJson, body: Record<string, any>): string {
  if (!body.provider) return R1;
  const alias = String(body.provider).split('.')[1];
  return json.provider.aws.find((p) => p.alias === alias)!.region;
}

/** Every physical name the Terraform stack and the CloudFormation stacks use, as templates. */
function nameTemplates(): NameTemplate[] {
  const { json } = synthStack(EVERY_OPTION);
  const out: NameTemplate[] = [];
  for (const [type, resources] of Object.entries(json.resource)) {
    for (const body of Object.values(resources)) {
      // An inline role policy's name is scoped to its role.
      if (type === 'aws_iam_role_policy') continue;
      for (const attr of NAME_ATTRIBUTES) {
        if (typeof body[attr] !== 'string' || !body[attr].includes(SUFFIX)) continue;
        const scope = type === 'aws_s3_bucket' ? 'global' : type.startsWith('aws_iam_') ? `account:${type}` : '';
        out.push({ scope: scope || `${type}@${regionOf(json, body)}`, name: body[attr] });
      }
    }
  }
  const p = { suffix: SUFFIX };
  out.push({ scope: `cfn-stack@${R1}`, name: names.cfnStack(p, 'primary') });
  out.push({ scope: `cfn-stack@${R2}`, name: names.cfnStack(p, 'secondary') });
  const config = loadConfig(EVERY_OPTION, {});
  const { primary, secondary } = templatesFor({ ...EVERY_OPTION, ENVIRONMENT_SUFFIX: config.environmentSuffix });
  for (const [t, region] of [
    [primary, R1],
    [secondary, R2],
  ] as const) {
    for (const o of Object.values(t.Outputs ?? {})) {
      const exported = (o as any).Export?.Name?.['Fn::Sub'] as string | undefined;
      if (exported) out.push({ scope: `cfn-export@${region}`, name: exported.replace('${EnvironmentSuffix}', SUFFIX) });
    }
  }
  return out;
}

/** One environment's names, keyed by scope with its real regions. */
function namesOf(templates: NameTemplate[], suffix: string, regions: [string, string], account: string) {
  const sub = (s: string) =>
    s
      .split(SUFFIX)
      .join(suffix)
      .split(ACCOUNT)
      .join(account)
      .split(R1)
      .join(`@1@`)
      .split(R2)
      .join(`@2@`)
      .replace(/@1@/g, regions[0])
      .replace(/@2@/g, regions[1]);
  return templates.map((t) => ({ scope: sub(t.scope), name: sub(t.name) }));
}

/** Deterministic pseudo-random suffixes (no seed dependency on test order). */
function* suffixPairs(): Generator<[string, string]> {
  const adversarial: Array<[string, string]> = [
    ['dev', 'dev-standby'],
    ['dev', 'dev-document'],
    ['dev', 'dev-lambda'],
    ['dev', 'dev-heartbeat'],
    ['dev', 'standby-dev'],
    ['a', 'a-1'],
    ['prod', 'prod-replication'],
    ['x', 'x-dynamodb'],
    ['dev', 'dev-processor'],
    ['dev-processor', 'dev'],
  ];
  yield* adversarial;
  const words = ['dev', 'standby', 'document', 'lambda', 'replication', 'heartbeat', 'a', '1', 'pr', 'x', 'health'];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 300; i++) {
    const pick = (n: number) => Array.from({ length: n }, () => words[next() % words.length]).join('-');
    const a = pick(1 + (next() % 2));
    const b = next() % 2 ? `${a}-${pick(1)}` : pick(1 + (next() % 3));
    if (a !== b && a.length <= 20 && b.length <= 20 && !/-secondary$/.test(a + ' ' + b)) yield [a, b];
  }
}

const REGION_PAIRS: Array<[[string, string], [string, string]]> = [
  [
    ['us-east-1', 'us-west-2'],
    ['us-east-1', 'us-west-2'],
  ],
  [
    ['us-east-1', 'us-west-2'],
    ['us-west-2', 'us-east-1'],
  ],
  [
    ['us-east-1', 'us-west-2'],
    ['us-west-2', 'eu-west-1'],
  ],
];

describe('physical names are injective across environments', () => {
  const templates = nameTemplates();

  it('finds the names of every kind (the catalogue is not empty by accident)', () => {
    const scopes = new Set(templates.map((t) => t.scope.replace(/@.*/, '')));
    for (const s of ['global', 'account:aws_iam_role', 'aws_cloudwatch_metric_alarm', 'aws_lambda_function'])
      expect(scopes).toContain(s);
    expect(templates.length).toBeGreaterThan(60);
  });

  it('gives no two names of one environment the same scope and name', () => {
    const keys = templates.map((t) => `${t.scope} ${t.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('shares no name within a scope between two suffixes, in any pair of regions, one account or two', () => {
    const clashes: string[] = [];
    for (const [a, b] of suffixPairs()) {
      for (const [ra, rb] of REGION_PAIRS) {
        const mine = new Set(namesOf(templates, a, ra, '111111111111').map((n) => `${n.scope} ${n.name}`));
        for (const account of ['111111111111', '222222222222']) {
          for (const n of namesOf(templates, b, rb, account)) {
            const scoped = n.scope === 'global' || account === '111111111111';
            if (scoped && mine.has(`${n.scope} ${n.name}`)) clashes.push(`${a} / ${b}: ${n.scope} ${n.name}`);
          }
        }
      }
    }
    expect(clashes.slice(0, 10)).toEqual([]);
  });

  it("matches no other environment's alarm with the key policy's alarm pattern", () => {
    const alarmsOf = (suffix: string) =>
      namesOf(templates, suffix, ['us-east-1', 'us-west-2'], '111111111111')
        .filter((n) => n.scope.startsWith('aws_cloudwatch_metric_alarm'))
        .map((n) => n.name);
    const asRegex = (pattern: string) =>
      new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const leaks: string[] = [];
    for (const [a, b] of suffixPairs()) {
      const pattern = asRegex(names.alarmPattern({ suffix: a }));
      expect(alarmsOf(a).every((n) => pattern.test(n))).toBe(true);
      leaks.push(
        ...alarmsOf(b)
          .filter((n) => pattern.test(n))
          .map((n) => `${a} matches ${n}`),
      );
    }
    expect(leaks.slice(0, 10)).toEqual([]);
  });

  it('uses no wildcard built from the suffix in any policy other than the alarm and watch-rule patterns', () => {
    const { synth } = synthStack(EVERY_OPTION);
    const wildcards = [...synth.matchAll(/"([^"]*\*[^"]*)"/g)]
      .map((m) => m[1].replace(/\\+$/, ''))
      .filter((s) => s.includes(SUFFIX));
    const exactTail = /(:\*|\/\*|\/stream\/\*)$/;
    const other = wildcards.filter(
      (w) =>
        !w.endsWith(names.alarmPattern({ suffix: SUFFIX })) &&
        !w.endsWith(names.watchRulePattern({ suffix: SUFFIX })) &&
        !exactTail.test(w.replace(/\$\{[^}]*\}/g, '')),
    );
    expect(other).toEqual([]);
  });
});

describe('suffixes that stack names cannot keep apart', () => {
  it('refuses a suffix ending in -secondary: CloudFormation stack names have no separator to spare', () => {
    // Without the rule: suffix "x"'s secondary stack is suffix "x-secondary"'s primary stack.
    expect(names.cfnStack({ suffix: 'x' }, 'secondary')).toBe(names.cfnStack({ suffix: 'x-secondary' }, 'primary'));
    expect(() => loadConfig({ ENVIRONMENT_SUFFIX: 'x-secondary' }, {})).toThrow(
      'ENVIRONMENT_SUFFIX="x-secondary" is invalid: expected 1-20 lowercase letters, digits or hyphens, starting and ending with a letter or digit, not ending in "-secondary"',
    );
    for (const ok of ['secondary', 'x-secondary2', 'secondary-x'])
      expect(() => loadConfig({ ENVIRONMENT_SUFFIX: ok }, {})).not.toThrow();
  });
});
