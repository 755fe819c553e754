/**
 * Both deliverables as synthesized, with every reference resolved to a concrete ARN for one
 * account and region pair (the corpus's: 123456789012, us-east-1 -> us-west-2, suffix `dev`), so
 * that an IAM policy engine can evaluate them: Terraform interpolations ("${aws_kms_key.x.arn}",
 * "${data.aws_caller_identity.account.account_id}") and CloudFormation intrinsics (Ref, GetAtt,
 * Sub, pseudo parameters and the template parameters a deployer passes).
 *
 * A reference this file cannot resolve throws, naming it: a policy is never evaluated with a
 * placeholder in it.
 */
import { CloudFormationTemplates } from '../../src/cloudformation';
import { HANDLERS } from '../../src/heartbeat-contract';
import { names } from '../../src/naming';
import { ACCOUNT, FunctionName, KEY_ID, REGIONS, SUFFIX, Tier } from '../../scripts/record-calls';
import { templatesFor } from '../helpers/cfn';
import { list, PolicyDocument, PolicyKind, Statement } from '../helpers/policy';
import { norm } from '../helpers/security-cloudformation';
import { SecurityModel } from '../helpers/security-model';
import { cloudFormationModel } from '../helpers/security-cloudformation';
import { terraformModel } from '../helpers/security-terraform';
import { synthStack, TerraformJson } from '../helpers/synth';

export { ACCOUNT, REGIONS };
export type { Tier };

/** The roles CROSS_REGION_TRUSTED_PRINCIPALS names (and the CloudFormation parameter is given). */
export const TRUSTED_PRINCIPALS = ['arn:aws:iam::111122223333:role/failover-automation'];
/** Every optional part on: DNS failover, the FIS drill (Terraform only), the cross-region role. */
export const FULL_CONFIG = {
  ALERT_EMAIL: 'oncall@example.com',
  CROSS_REGION_TRUSTED_PRINCIPALS: TRUSTED_PRINCIPALS.join(','),
  HOSTED_ZONE_ID: 'Z0123456789ABC',
  DOMAIN_NAME: 'pay.example.com',
  FIS_DRILL: 'true',
};

export const keyArn = (tier: Tier) => `arn:aws:kms:${REGIONS[tier]}:${ACCOUNT}:key/${KEY_ID}`;
const apiId = (tier: Tier) => (tier === 'primary' ? 'a1b2c3d4e5' : 'f6g7h8i9j0');
const tierOfRegion = (region: string): Tier => (region === REGIONS.primary ? 'primary' : 'secondary');

const KEY_TYPES = ['aws_kms_key', 'aws_kms_replica_key', 'AWS::KMS::Key'];
/** Each ARN spelled from a region and a name, with the types (both deliverables) and the property that names them. */
const NAMED_ARNS: Array<[arn: (region: string, name: string) => string, nameOf: Record<string, string>]> = [
  [(_, n) => `arn:aws:iam::${ACCOUNT}:role/${n}`, { aws_iam_role: 'name', 'AWS::IAM::Role': 'RoleName' }],
  [
    (r, n) => `arn:aws:lambda:${r}:${ACCOUNT}:function:${n}`,
    { aws_lambda_function: 'function_name', 'AWS::Lambda::Function': 'FunctionName' },
  ],
  [(_, n) => `arn:aws:s3:::${n}`, { aws_s3_bucket: 'bucket', 'AWS::S3::Bucket': 'BucketName' }],
  [(r, n) => `arn:aws:sns:${r}:${ACCOUNT}:${n}`, { aws_sns_topic: 'name', 'AWS::SNS::Topic': 'TopicName' }],
  [
    (r, n) => `arn:aws:events:${r}:${ACCOUNT}:rule/${n}`,
    { aws_cloudwatch_event_rule: 'name', 'AWS::Events::Rule': 'Name' },
  ],
  [
    (r, n) => `arn:aws:dynamodb:${r}:${ACCOUNT}:table/${n}`,
    { aws_dynamodb_table: 'name', 'AWS::DynamoDB::Table': 'TableName', 'AWS::DynamoDB::GlobalTable': 'TableName' },
  ],
];

/** The concrete ARN of a resource of `type` in `tier`; `property` reads the resource's (resolved) properties. */
function arnOf(type: string, tier: Tier, property: (name: string) => string, what = type): string {
  if (KEY_TYPES.includes(type)) return keyArn(tier);
  const named = NAMED_ARNS.find(([, nameOf]) => type in nameOf);
  if (!named) throw new Error(`authz: no concrete ARN for a ${what}`);
  return named[0](REGIONS[tier], property(named[1][type]));
}

/** A policy with every value concrete. */
export interface ConcretePolicy {
  readonly owner: string;
  readonly kind: PolicyKind;
  readonly tier: Tier;
  /** identity: the role's ARN; trust: the role's ARN; others: the ARN of the resource it guards. */
  readonly subject: string;
  readonly document: { Version: '2012-10-17'; Statement: Statement[] };
}

/** What the service paths are built from, with every value concrete. */
export interface Facts {
  readonly logGroups: Array<{ tier: Tier; arn: string; key: string }>;
  readonly topics: Array<{ tier: Tier; arn: string; key: string }>;
  readonly alarms: Array<{ tier: Tier; arn: string; actions: string[] }>;
  readonly trails: Array<{ tier: Tier; arn: string; bucket: string; key: string }>;
  readonly replications: Array<{
    tier: Tier;
    role: string;
    source: string;
    sourceKey: string;
    destination: string;
    destinationKey: string;
  }>;
  readonly functions: Array<{
    fn: FunctionName;
    tier: Tier;
    arn: string;
    role: string;
    tracing: boolean;
    envKey?: string;
  }>;
  readonly schedules: Array<{ tier: Tier; rule: string; function: string }>;
  readonly apis: Array<{ tier: Tier; executeApi: string }>;
  readonly experiments: Array<{ role: string; tables: string[] }>;
}

export interface World {
  readonly label: 'terraform' | 'cloudformation';
  readonly facts: Facts;
  readonly policies: ConcretePolicy[];
  /** The execution role of each function in each tier. */
  functionRole(fn: FunctionName, tier: Tier): string;
  /** Roles by what they are for (replication, failback, fis, crossRegion), where the deliverable has them. */
  readonly roles: Record<string, string>;
}

const resolveAll = (value: unknown, one: (s: string) => string | string[]): unknown => {
  if (typeof value === 'string') return one(value);
  if (Array.isArray(value)) return value.flatMap((v) => [resolveAll(v, one)].flat());
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveAll(v, one)]));
  return value;
};

/** Substitutes each "${ref}" of a string; a string that is one list-valued reference becomes the list. */
function substitute(s: string, ref: (r: string) => string | string[]): string | string[] {
  const whole = /^\$\{([^}]+)\}$/.exec(s);
  if (whole) return ref(whole[1]);
  return s.replace(/\$\{([^}]+)\}/g, (_, r: string) => {
    const v = ref(r);
    if (Array.isArray(v)) throw new Error(`authz: list reference \${${r}} inside a string: ${s}`);
    return v;
  });
}

function concrete(
  owner: string,
  kind: PolicyKind,
  tier: Tier,
  subject: string,
  doc: PolicyDocument,
  one: (s: string) => string | string[],
): ConcretePolicy {
  let statements = resolveAll(doc.Statement, one) as Statement[];
  // A Lambda permission is a statement of its function's resource policy: it names the function.
  if (kind === 'lambda-permission') statements = statements.map((s) => ({ ...s, Resource: subject }));
  return { owner, kind, tier, subject, document: { Version: '2012-10-17', Statement: statements } };
}

// ---------------------------------------------------------------- Terraform

type Res = Record<string, any>;

function terraformResolver(json: TerraformJson): (s: string) => string | string[] {
  const res = (type: string, name: string): Res => {
    const r = json.resource[type]?.[name];
    if (!r) throw new Error(`authz: no ${type}.${name} in cdk.tf.json`);
    return r;
  };
  const tierOf = (r: Res): Tier => (r.provider === 'aws.secondary' ? 'secondary' : 'primary');
  const str = (v: unknown): string => {
    const out = one(String(v));
    if (Array.isArray(out)) throw new Error(`authz: expected one value, got a list: ${String(v)}`);
    return out;
  };
  const ref = (r: string): string | string[] => {
    if (r === 'data.aws_partition.partition.partition') return 'aws';
    if (r === 'data.aws_caller_identity.account.account_id') return ACCOUNT;
    const [type, name, attr] = r.split('.');
    const x = res(type, name);
    if (attr === 'arn') return arnOf(type, tierOf(x), (p) => str(x[p]));
    if (attr === 'execution_arn') return `arn:aws:execute-api:${REGIONS[tierOf(x)]}:${ACCOUNT}:${apiId(tierOf(x))}`;
    if (type === 'aws_s3_bucket' && (attr === 'id' || attr === 'bucket')) return str(x.bucket);
    if (attr === 'function_name' || attr === 'name') return str(x[attr]);
    if (type === 'aws_apigatewayv2_api' && attr === 'id') return apiId(tierOf(x));
    throw new Error(`authz: cannot resolve \${${r}}`);
  };
  const one = (s: string) => substitute(s, ref);
  return one;
}

function terraformWorld(): World {
  const s = synthStack(FULL_CONFIG);
  const model = terraformModel('terraform', s.json, s.config);
  const one = terraformResolver(s.json);
  const tierOf = (address: string): Tier => {
    const [type, name] = address.split('.');
    return s.json.resource[type]?.[name]?.provider === 'aws.secondary' ? 'secondary' : 'primary';
  };
  const arnOfAddress = (address: string, attr = 'arn') => String(one(`\${${address}.${attr}}`));
  const policies = model.policies.map((p) => {
    const owner = p.attachedTo ?? p.owner;
    const subject = subjectOf(p.kind, owner, (a) => arnOfAddress(a), s.json, one);
    return concrete(p.owner, p.kind, tierOf(owner), subject, p.document, one);
  });
  const tfArnOf = (address: string) => {
    const [type] = address.split('.');
    if (type === 'aws_dynamodb_table_replica')
      return `arn:aws:dynamodb:${REGIONS.secondary}:${ACCOUNT}:table/${names.table({ suffix: SUFFIX })}`;
    return arnOfAddress(address);
  };
  const all = (type: string) =>
    Object.entries(s.json.resource[type] ?? {}).map(([name, r]) => ({ address: `${type}.${name}`, r }));
  const naming: Naming = {
    tierOf,
    arnOf: tfArnOf,
    resolve: (_tier, v) => String(one(v)),
    functionOf: (id) => functionNamed(handlerOf(s.json, id)),
    alarms: all('aws_cloudwatch_metric_alarm').map(({ address, r }) => ({
      tier: tierOf(address),
      name: String(one(String(r.alarm_name))),
      actions: list(r.alarm_actions as string[]),
    })),
    apis: all('aws_apigatewayv2_api').map(({ address }) => ({ tier: tierOf(address), id: `${address}.id` })),
  };
  return worldOf('terraform', model, policies, naming, {
    functionRole: (fn, tier) => {
      const f = model.functions.find((x) => x.region === tier && handlerOf(s.json, x.id) === HANDLERS[fn]);
      if (!f?.role) throw new Error(`authz: no ${fn} function in the ${tier} tier`);
      return arnOfAddress(f.role);
    },
    roleIds: {
      replication: 'aws_iam_role.document_replication_role',
      failback: 'aws_iam_role.document_failback_role',
      fis: 'aws_iam_role.fis_drill_role',
      crossRegion: 'aws_iam_role.cross_region_role',
    },
  });
}

function functionNamed(handler: string): FunctionName {
  const fn = (Object.keys(HANDLERS) as FunctionName[]).find((f) => HANDLERS[f] === handler);
  if (!fn) throw new Error(`authz: no function has the handler index.${handler}`);
  return fn;
}

function handlerOf(json: TerraformJson, address: string): string {
  const [type, name] = address.split('.');
  return String(json.resource[type][name].handler).replace(/^index\./, '');
}

/** What a policy governs: the role it is attached to or trusts into, or the resource it is the policy of. */
function subjectOf(
  kind: PolicyKind,
  owner: string,
  arnOfOwner: (owner: string) => string,
  json: TerraformJson,
  one: (s: string) => string | string[],
): string {
  const [type, name] = owner.split('.');
  const r = json.resource[type]?.[name] ?? {};
  if (kind === 'bucket') return `arn:aws:s3:::${String(one(String(r.bucket).replace(/\.id\}$/, '.bucket}')))}`;
  if (kind === 'topic' && type === 'aws_sns_topic_policy') return String(one(String(r.arn)));
  if (kind === 'lambda-permission') return String(one(String(r.function_name).replace(/\.function_name\}$/, '.arn}')));
  return arnOfOwner(owner);
}

// ---------------------------------------------------------------- CloudFormation

function cloudFormationResolver(t: CloudFormationTemplates, tier: Tier): (s: string) => string | string[] {
  const template = t[tier];
  const region = REGIONS[tier];
  const params: Record<string, string | string[]> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': region,
    EnvironmentSuffix: SUFFIX,
    PrimaryRegion: REGIONS.primary,
    SecondaryRegion: REGIONS.secondary,
    PrimaryKMSKeyArn: keyArn('primary'),
    SecondaryKMSKeyArn: keyArn('secondary'),
    PrimaryS3BucketName: names.documentsBucket({ suffix: SUFFIX, account: ACCOUNT, region: REGIONS.primary }),
    SecondaryS3BucketName: names.documentsBucket({ suffix: SUFFIX, account: ACCOUNT, region: REGIONS.secondary }),
    CrossRegionTrustedPrincipals: TRUSTED_PRINCIPALS,
    AlertEmail: FULL_CONFIG.ALERT_EMAIL,
  };
  const prop = (id: string, p: string): string => String(one(String(norm(template.Resources[id].Properties[p]))));
  const resourceArn = (id: string, type: string) => arnOf(type, tier, (p) => prop(id, p), `${type} (${id})`);
  const ref = (r: string): string | string[] => {
    if (r in params) return params[r];
    const [id, attr] = r.split('.');
    const res = template.Resources[id];
    if (!res) throw new Error(`authz: cannot resolve \${${r}} in the ${tier} template`);
    if (attr === 'Arn') return resourceArn(id, res.Type);
    if (attr !== undefined) throw new Error(`authz: cannot resolve \${${r}}`);
    if (res.Type === 'AWS::Lambda::Function') return prop(id, 'FunctionName');
    if (res.Type === 'AWS::S3::Bucket') return prop(id, 'BucketName');
    if (res.Type === 'AWS::IAM::Role') return prop(id, 'RoleName');
    if (res.Type === 'AWS::ApiGatewayV2::Api') return apiId(tier);
    if (res.Type === 'AWS::SNS::Topic') return resourceArn(id, res.Type);
    throw new Error(`authz: cannot resolve Ref ${r} (${res.Type})`);
  };
  const one = (s: string) => substitute(s, ref);
  return one;
}

function cloudFormationWorld(): World {
  const t = templatesFor(FULL_CONFIG);
  const model = cloudFormationModel('cloudformation', t);
  const tierOf = (id: string): Tier => (id in t.primary.Resources ? 'primary' : 'secondary');
  const resolverOf = {
    primary: cloudFormationResolver(t, 'primary'),
    secondary: cloudFormationResolver(t, 'secondary'),
  };
  const arnOfId = (id: string) => {
    const tier = tierOf(id);
    return String(resolverOf[tier](`\${${id}.Arn}`));
  };
  const policies = model.policies.map((p) => {
    const owner = (p.attachedTo ?? p.owner).split('.')[0];
    const tier = tierOf(owner);
    const one = resolverOf[tier];
    const props = t[tier].Resources[owner]?.Properties ?? {};
    let subject: string;
    if (p.kind === 'bucket') subject = `arn:aws:s3:::${String(one(String(norm(props.Bucket))))}`;
    else if (p.kind === 'topic') subject = String(one(String(norm((props.Topics as unknown[])[0]))));
    else if (p.kind === 'lambda-permission') {
      const fn = String(one(String(norm(props.FunctionName))));
      subject = fn.startsWith('arn:') ? fn : `arn:aws:lambda:${REGIONS[tier]}:${ACCOUNT}:function:${fn}`;
    } else subject = arnOfId(owner);
    return concrete(p.owner, p.kind, tier, subject, p.document, one);
  });
  const byType = (tier: Tier, pred: (props: Res) => boolean) =>
    Object.entries(t[tier].Resources).find(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && pred(r.Properties ?? {}),
    )?.[1];
  const all = (type: string) =>
    (['primary', 'secondary'] as Tier[]).flatMap((tier) =>
      Object.entries(t[tier].Resources)
        .filter(([, r]) => r.Type === type)
        .map(([id, r]) => ({ id, tier, p: r.Properties ?? {} })),
    );
  const naming: Naming = {
    tierOf,
    arnOf: (id) => {
      const res = t[tierOf(id)].Resources[id];
      return res?.Type === 'AWS::SNS::Topic' ? String(resolverOf[tierOf(id)](`\${${id}}`)) : arnOfId(id);
    },
    resolve: (tier, v) => String(resolverOf[tier](v)),
    functionOf: (id) => functionNamed(String(t[tierOf(id)].Resources[id].Properties.Handler).replace(/^index\./, '')),
    alarms: all('AWS::CloudWatch::Alarm').map(({ tier, p }) => ({
      tier,
      name: String(resolverOf[tier](String(norm(p.AlarmName)))),
      actions: list(norm(p.AlarmActions) as string[]),
    })),
    apis: all('AWS::ApiGatewayV2::Api').map(({ id, tier }) => ({ tier, id })),
  };
  return worldOf('cloudformation', model, policies, naming, {
    functionRole: (fn, tier) => {
      const f = byType(tier, (p) => String(p.Handler) === `index.${HANDLERS[fn]}`);
      if (!f) throw new Error(`authz: no ${fn} function in the ${tier} template`);
      return String(resolverOf[tier](String(norm(f.Properties.Role))));
    },
    roleIds: {
      replication: 'DocumentReplicationRole',
      failback: 'StandbyDocumentReplicationRole',
      crossRegion: 'CrossRegionAssumeRole',
    },
  });
}

/** How a deliverable finds its roles: each function's, and the others' ids by purpose. */
interface Roles {
  functionRole: World['functionRole'];
  roleIds: Record<string, string>;
}

/** A deliverable's world: its facts, SNS's default policy on each topic that has none, and the roles it creates. */
function worldOf(
  label: World['label'],
  model: SecurityModel,
  policies: ConcretePolicy[],
  naming: Naming,
  { functionRole, roleIds }: Roles,
): World {
  const facts = factsOf(model, naming);
  const roles = Object.entries(roleIds).filter(([, id]) => model.resources.has(id));
  return {
    label,
    facts,
    policies: [...policies, ...defaultTopicPolicies(facts, policies)],
    functionRole,
    roles: Object.fromEntries(roles.map(([purpose, id]) => [purpose, naming.arnOf(id)])),
  };
}

/** How a deliverable names things: each id's tier and ARN, a value resolved in a tier, what a function is. */
interface Naming {
  tierOf(id: string): Tier;
  arnOf(id: string): string;
  resolve(tier: Tier, value: string): string;
  functionOf(id: string): FunctionName;
  alarms: Array<{ tier: Tier; name: string; actions: string[] }>;
  apis: Array<{ tier: Tier; id: string }>;
}

function factsOf(model: SecurityModel, n: Naming): Facts {
  const bucketArn = (tier: Tier, ref: string) => {
    const b = model.buckets.find((x) => x.names.includes(ref));
    return b ? n.arnOf(b.id) : `arn:aws:s3:::${n.resolve(tier, ref)}`;
  };
  const keyOfBucket = (id: string | undefined) => model.buckets.find((b) => b.id === id)?.encryption[0]?.key ?? '';
  return {
    logGroups: model.logGroups.map((l) => ({
      tier: l.region,
      arn: `arn:aws:logs:${REGIONS[l.region]}:${ACCOUNT}:log-group:${n.resolve(l.region, l.name ?? '')}`,
      key: n.resolve(l.region, l.key ?? ''),
    })),
    topics: model.topics.map((t) => ({ tier: t.region, arn: n.arnOf(t.id), key: n.resolve(t.region, t.key ?? '') })),
    alarms: n.alarms.map((a) => ({
      tier: a.tier,
      arn: `arn:aws:cloudwatch:${REGIONS[a.tier]}:${ACCOUNT}:alarm:${a.name}`,
      actions: a.actions.map((x) => n.resolve(a.tier, x)),
    })),
    trails: model.trails.map((t) => ({
      tier: t.region,
      arn: `arn:aws:cloudtrail:${REGIONS[t.region]}:${ACCOUNT}:trail/${names.auditTrail({ suffix: SUFFIX })}`,
      bucket: bucketArn(t.region, t.bucket),
      key: n.resolve(t.region, t.key ?? ''),
    })),
    replications: model.replications.flatMap((r) =>
      r.rules.map((rule) => ({
        tier: r.region,
        role: n.arnOf(r.role ?? ''),
        source: n.arnOf(r.source ?? ''),
        sourceKey: n.resolve(r.region, keyOfBucket(r.source)),
        destination: n.resolve(r.region, rule.destination),
        destinationKey: n.resolve(r.region, rule.replicaKey ?? ''),
      })),
    ),
    functions: model.functions.map((f) => ({
      fn: n.functionOf(f.id),
      tier: f.region,
      arn: n.arnOf(f.id),
      role: n.arnOf(f.role ?? ''),
      tracing: f.tracing === 'Active',
      ...(f.key ? { envKey: n.resolve(f.region, f.key) } : {}),
    })),
    schedules: model.schedules.flatMap((sch) =>
      sch.targets.map((t) => ({ tier: sch.region, rule: n.arnOf(sch.id), function: n.arnOf(t.resource ?? '') })),
    ),
    apis: n.apis.map((a) => ({
      tier: a.tier,
      executeApi: `arn:aws:execute-api:${REGIONS[a.tier]}:${ACCOUNT}:${n.resolve(a.tier, `\${${a.id}}`)}`,
    })),
    experiments: model.experiments.map((e) => ({
      role: n.arnOf(e.role ?? ''),
      tables: [`arn:aws:dynamodb:${REGIONS.secondary}:${ACCOUNT}:table/${names.table({ suffix: SUFFIX })}`],
    })),
  };
}

/** The policy SNS gives a topic created without one, which AWS's services publish through
 *  (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html). */
export const DEFAULT_TOPIC_POLICY_OWNER = '(SNS default topic policy)';
function defaultTopicPolicies(facts: Facts, policies: ConcretePolicy[]): ConcretePolicy[] {
  return facts.topics
    .filter((t) => !policies.some((p) => p.kind === 'topic' && p.subject === t.arn))
    .map((t) => ({
      owner: DEFAULT_TOPIC_POLICY_OWNER,
      kind: 'topic' as const,
      tier: t.tier,
      subject: t.arn,
      document: {
        Version: '2012-10-17' as const,
        Statement: [
          {
            Sid: '__default_statement_ID',
            Effect: 'Allow' as const,
            Principal: { AWS: '*' },
            Action: [
              'SNS:GetTopicAttributes',
              'SNS:SetTopicAttributes',
              'SNS:AddPermission',
              'SNS:RemovePermission',
              'SNS:DeleteTopic',
              'SNS:Subscribe',
              'SNS:ListSubscriptionsByTopic',
              'SNS:Publish',
            ],
            Resource: t.arn,
            Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } },
          },
        ],
      },
    }));
}

let worlds: World[] | undefined;
/** Both deliverables, built once per test file. */
export function bothWorlds(): World[] {
  worlds ??= [terraformWorld(), cloudFormationWorld()];
  return worlds;
}

export const tierOfArn = (arn: string): Tier => tierOfRegion(arn.split(':')[3]);
