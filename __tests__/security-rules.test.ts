/**
 * The rules of docs/SECURITY.md that are properties of the synthesized output, checked on
 * both deliverables (cdk.tf.json and the CloudFormation templates) in two configurations.
 * Each rule walks every resource of its kind through the shared model in
 * helpers/security-model.ts, so a resource added later is covered without touching this
 * file, and first asserts that it walked what it should, so that it cannot pass on nothing.
 */
import {
  list,
  OwnedPolicy,
  principalsOf,
  Request,
  deniesEveryone,
  Statement,
  isEveryone,
  globMatch,
} from './helpers/policy';
import { templatesFor } from './helpers/cfn';
import { cloudFormationModel } from './helpers/security-cloudformation';
import {
  BucketView,
  documentBucketsOf,
  keyServesRegion,
  logBucketsOf,
  Region,
  SecurityModel,
} from './helpers/security-model';
import { terraformModel } from './helpers/security-terraform';
import { synthStack } from './helpers/synth';

const TRUSTED = ['arn:aws:iam::111122223333:role/failover-automation', 'arn:aws:iam::111122223333:role/break-glass'];
const CONFIGS = {
  default: {},
  full: {
    ALERT_EMAIL: 'oncall@example.com',
    CROSS_REGION_TRUSTED_PRINCIPALS: TRUSTED.join(','),
    RETAIN_ON_DELETE: 'true',
    // DNS failover and the FIS drill (Terraform-only).
    HOSTED_ZONE_ID: 'Z0123456789ABC',
    DOMAIN_NAME: 'pay.example.com',
    FIS_DRILL: 'true',
  },
} as const;
type ConfigName = keyof typeof CONFIGS;

/** The resource types each rule expects to walk, in each deliverable's spelling. */
const TYPES = {
  terraform: {
    bucket: 'aws_s3_bucket',
    table: 'aws_dynamodb_table',
    topic: 'aws_sns_topic',
    logGroup: 'aws_cloudwatch_log_group',
    function: 'aws_lambda_function',
    role: 'aws_iam_role',
    key: 'aws_kms_key',
    bucketPolicy: 'aws_s3_bucket_policy',
    alarm: 'aws_cloudwatch_metric_alarm',
    api: 'aws_apigatewayv2_api',
    route: 'aws_apigatewayv2_route',
    integration: 'aws_apigatewayv2_integration',
    stage: 'aws_apigatewayv2_stage',
    permission: 'aws_lambda_permission',
    schedule: 'aws_cloudwatch_event_rule',
    invokeConfig: 'aws_lambda_function_event_invoke_config',
    replication: 'aws_s3_bucket_replication_configuration',
    domain: 'aws_apigatewayv2_domain_name',
    certificate: 'aws_acm_certificate',
    dnsRecord: 'aws_route53_record',
    healthCheck: 'aws_route53_health_check',
    experiment: 'aws_fis_experiment_template',
  },
  cloudformation: {
    bucket: 'AWS::S3::Bucket',
    table: 'AWS::DynamoDB::GlobalTable',
    topic: 'AWS::SNS::Topic',
    logGroup: 'AWS::Logs::LogGroup',
    function: 'AWS::Lambda::Function',
    role: 'AWS::IAM::Role',
    key: 'AWS::KMS::Key',
    bucketPolicy: 'AWS::S3::BucketPolicy',
    alarm: 'AWS::CloudWatch::Alarm',
    api: 'AWS::ApiGatewayV2::Api',
    route: 'AWS::ApiGatewayV2::Route',
    integration: 'AWS::ApiGatewayV2::Integration',
    stage: 'AWS::ApiGatewayV2::Stage',
    permission: 'AWS::Lambda::Permission',
    schedule: 'AWS::Events::Rule',
    invokeConfig: 'AWS::Lambda::EventInvokeConfig',
    // CloudFormation writes replication inside the bucket.
    replication: 'AWS::S3::Bucket',
    domain: 'AWS::ApiGatewayV2::DomainName',
    certificate: 'AWS::CertificateManager::Certificate',
    dnsRecord: 'AWS::Route53::RecordSet',
    healthCheck: 'AWS::Route53::HealthCheck',
    experiment: 'AWS::FIS::ExperimentTemplate',
  },
} as const;
type Kind = keyof (typeof TYPES)['terraform'];

/** What only the Terraform stack creates (docs/CLOUDFORMATION.md: "Terraform-only": DNS failover and the FIS drill).
 *  The rules about them walk the Terraform output, and check that CloudFormation still has none:
 *  when it gains one, take its kind out of this list so that the rule walks it there too. */
const TERRAFORM_ONLY: Kind[] = ['domain', 'certificate', 'dnsRecord', 'healthCheck', 'experiment'];

/** Non-vacuity for the Terraform-only kinds; false (nothing to check) on the CloudFormation side. */
function expectWalkedWhereCreated(m: SecurityModel, walked: unknown[], kinds: Kind[]): boolean {
  if (m.deliverable === 'cloudformation') {
    const only = kinds.filter((k) => TERRAFORM_ONLY.includes(k));
    expect(only).not.toEqual([]);
    expect(only.map((k) => TYPES.cloudformation[k]).filter((t) => m.types.has(t))).toEqual([]);
    expect(walked).toEqual([]);
    return false;
  }
  expectWalked(m, walked, kinds);
  return true;
}

const models = new Map<string, SecurityModel>();
function model(deliverable: 'terraform' | 'cloudformation', config: ConfigName): SecurityModel {
  const label = `${deliverable} (${config})`;
  if (!models.has(label)) {
    const env = { ...CONFIGS[config] };
    if (deliverable === 'terraform') {
      const s = synthStack(env);
      models.set(label, terraformModel(label, s.json, s.config));
    } else {
      models.set(label, cloudFormationModel(label, templatesFor(env)));
    }
  }
  return models.get(label)!;
}

type Case = [string, () => SecurityModel];
const cases = (configs: ConfigName[]): Case[] =>
  configs.flatMap((c) =>
    (['terraform', 'cloudformation'] as const).map((d): Case => [`${d} (${c})`, () => model(d, c)]),
  );
const ALL = cases(['default', 'full']);
const DEFAULTS = cases(['default']);
const FULL = cases(['full']);

/** Non-vacuity: the walk found something, and the deliverable has the resource kinds the rule is about. */
function expectWalked(m: SecurityModel, walked: unknown[], kinds: Kind[]): void {
  expect(walked.length).toBeGreaterThan(0);
  for (const kind of kinds) expect([...m.types]).toContain(TYPES[m.deliverable][kind]);
}

const statementsOf = (policies: OwnedPolicy[]) => policies.flatMap((p) => p.document.Statement.map((s) => ({ p, s })));
const allows = (policies: OwnedPolicy[]) => statementsOf(policies).filter(({ s }) => s.Effect === 'Allow');
const where = (p: OwnedPolicy, s: Statement) => `${p.owner} ${p.kind} policy${s.Sid ? ` (${s.Sid})` : ''}`;

// ---------------------------------------------------------------------------------------------
describe.each(ALL)('encryption at rest with a stack key: %s', (_label, get) => {
  it('encrypts every DynamoDB table and replica with a customer-managed key of its own region', () => {
    const m = get();
    expectWalked(m, m.tables, ['table', 'key']);
    const bad = m.tables
      .filter((t) => !t.encrypted || !keyServesRegion(m, t.key, t.region))
      .map((t) => `${t.id}: ${t.key}`);
    expect(bad).toEqual([]);
  });

  it('encrypts every documents bucket by default with a customer-managed key of its region, with bucket keys', () => {
    const m = get();
    const docs = documentBucketsOf(m);
    expectWalked(m, docs, ['bucket', 'key']);
    const ok = (b: BucketView) =>
      b.encryption.length > 0 &&
      b.encryption.every(
        (e) => e.algorithm === 'aws:kms' && keyServesRegion(m, e.key, b.region) && e.bucketKey === true,
      );
    expect(docs.filter((b) => !ok(b)).map((b) => `${b.id}: ${JSON.stringify(b.encryption)}`)).toEqual([]);
  });

  it('encrypts every log bucket by default: with a stack key, or SSE-S3 only where S3 delivers server access logs', () => {
    const m = get();
    const accessLogTargets = new Set(m.buckets.flatMap((b) => b.accessLogTargets));
    const ok = (b: BucketView) =>
      b.encryption.length > 0 &&
      b.encryption.every(
        (e) =>
          (e.algorithm === 'aws:kms' && keyServesRegion(m, e.key, b.region)) ||
          (e.algorithm === 'AES256' && b.names.some((n) => accessLogTargets.has(n))),
      );
    expect(
      logBucketsOf(m)
        .filter((b) => !ok(b))
        .map((b) => `${b.id}: ${JSON.stringify(b.encryption)}`),
    ).toEqual([]);
  });

  it('encrypts every SNS topic and every log group with a customer-managed key of its region', () => {
    const m = get();
    const stores = [...m.topics, ...m.logGroups];
    expectWalked(m, stores, ['topic', 'logGroup']);
    expect(stores.filter((s) => !keyServesRegion(m, s.key, s.region)).map((s) => `${s.id}: ${s.key}`)).toEqual([]);
  });

  it("admits CloudWatch Logs to every log group's key by that group's own ARN in the key policy (or creating the group fails)", () => {
    const m = get();
    expectWalked(m, m.logGroups, ['logGroup', 'key', 'stage']);
    // "${aws_kms_key.keys_primary.arn}" -> "aws_kms_key.keys_primary"; "${TransactionKMSKey.Arn}" -> "TransactionKMSKey".
    const keyOwner = (ref: string | undefined) =>
      /^\$\{((?:aws_kms_(?:replica_)?key\.)?[\w-]+)(\.\w+)?\}$/.exec(ref ?? '')?.[1];
    const admitted = (g: (typeof m.logGroups)[number]) =>
      allows(m.policies.filter((p) => p.kind === 'key' && p.owner === keyOwner(g.key))).some(
        ({ s }) =>
          principalsOf(s, 'Service').some((x) => /^logs\.\S+\.amazonaws\.com$/.test(x)) &&
          Object.entries(s.Condition ?? {}).some(
            ([op, keys]) =>
              /^Arn(Like|Equals)$/.test(op) &&
              list((keys as Record<string, string | string[]>)['kms:EncryptionContext:aws:logs:arn']).some(
                (v) =>
                  g.name !== undefined &&
                  (String(v).endsWith(`:log-group:${g.name}`) ||
                    globMatch(String(v).split(':log-group:')[1] ?? '', g.name)),
              ),
          ),
      );
    expect(m.logGroups.filter((g) => !admitted(g)).map((g) => `${g.id} (${g.name}) under ${g.key}`)).toEqual([]);
  });

  it("encrypts every function's environment with a customer-managed key of its region", () => {
    const m = get();
    expectWalked(m, m.functions, ['function']);
    expect(m.functions.filter((f) => !keyServesRegion(m, f.key, f.region)).map((f) => `${f.id}: ${f.key}`)).toEqual([]);
  });

  it('rotates the material of every customer-managed key and keeps every key enabled under its own policy', () => {
    const m = get();
    expectWalked(m, m.keys, ['key']);
    expect(m.keys.filter((k) => !k.rotation || !k.enabled || !k.hasPolicy).map((k) => k.id)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(ALL)('IAM: %s', (_label, get) => {
  it('grants no wildcard action and uses no NotAction in any identity or trust policy', () => {
    const m = get();
    const own = m.policies.filter((p) => p.kind === 'identity' || p.kind === 'trust');
    expectWalked(m, own, ['role']);
    const bad = allows(own)
      .filter(({ s }) => s.NotAction !== undefined || list(s.Action).some((a) => a.includes('*')))
      .map(({ p, s }) => `${where(p, s)}: ${JSON.stringify(s.Action ?? s.NotAction)}`);
    expect(bad).toEqual([]);
  });

  it('grants no "*" or "<service>:*" action in a resource policy, except key administration by the account', () => {
    const m = get();
    const resource = m.policies.filter((p) => p.kind !== 'identity' && p.kind !== 'trust');
    expectWalked(m, resource, ['key', 'bucketPolicy']);
    const keyAdministration = (p: OwnedPolicy, s: Statement) =>
      p.kind === 'key' && principalsOf(s, 'AWS').every(isAccountRoot) && list(s.Action).every((a) => a === 'kms:*');
    const bad = allows(resource)
      .filter(({ p, s }) => !keyAdministration(p, s))
      .filter(({ s }) => s.NotAction !== undefined || list(s.Action).some((a) => a === '*' || /^[\w-]+:\*$/.test(a)))
      .map(({ p, s }) => `${where(p, s)}: ${JSON.stringify(s.Action ?? s.NotAction)}`);
    expect(bad).toEqual([]);
  });

  it('uses "*" as an identity-policy resource only for actions that have no resource-level permissions', () => {
    const m = get();
    const identity = m.policies.filter((p) => p.kind === 'identity');
    expectWalked(m, identity, ['role']);
    // PutMetricData has no resource-level permissions either; the heartbeat's is held to one namespace.
    const UNSCOPABLE = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:PutMetricData']);
    const bad = allows(identity)
      .filter(({ s }) => s.NotResource !== undefined || list(s.Resource).includes('*'))
      .filter(({ s }) => !list(s.Action).every((a) => UNSCOPABLE.has(a)))
      .map(({ p, s }) => `${where(p, s)}: ${JSON.stringify(s.Action)}`);
    expect(bad).toEqual([]);
  });

  it('lets no policy allow everyone: no "*" principal in any Allow', () => {
    const m = get();
    expectWalked(m, m.policies, ['role', 'key', 'bucketPolicy']);
    const bad = allows(m.policies)
      .filter(({ s }) => isEveryone(s) || s.NotPrincipal !== undefined)
      .map(({ p, s }) => where(p, s));
    expect(bad).toEqual([]);
  });

  it('holds every service principal in a trust, key, bucket or topic policy to this account (aws:SourceAccount or aws:SourceArn)', () => {
    const m = get();
    const granted = allows(m.policies).filter(({ s }) => principalsOf(s, 'Service').length > 0);
    expectWalked(m, granted, ['role', 'key']);
    const services = new Set(granted.flatMap(({ s }) => principalsOf(s, 'Service')));
    expect([...services]).toEqual(expect.arrayContaining(['lambda.amazonaws.com', 'cloudwatch.amazonaws.com']));
    const bad = granted
      .filter(({ p, s }) => !heldToAccount(s) && !logsKeyException(s) && !lambdaExecutionTrustException(p, s))
      .map(({ p, s }) => `${where(p, s)}: ${principalsOf(s, 'Service').join(',')}`);
    expect(bad).toEqual([]);
  });

  it('trusts no account root in any role (the whole account is not a principal)', () => {
    const m = get();
    const trust = allows(m.policies.filter((p) => p.kind === 'trust'));
    expectWalked(m, trust, ['role']);
    const bad = trust.filter(({ s }) => principalsOf(s, 'AWS').some(isAccountRoot)).map(({ p, s }) => where(p, s));
    expect(bad).toEqual([]);
  });

  it('attaches no AWS managed policy to any role', () => {
    const m = get();
    expectWalked(m, m.policies, ['role']);
    expect(m.managedPolicyArns.filter(({ arn }) => /:iam::aws:policy\//.test(arn))).toEqual([]);
  });
});

/** The reference to this stack's own account in either deliverable. */
const ACCOUNT = /\$\{(data\.aws_caller_identity\.[\w-]+\.account_id|AWS::AccountId)\}/;
const POSITIVE = ['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike'];

function isAccountRoot(principal: string): boolean {
  return /:root$/.test(principal) || /^\d{12}$/.test(principal) || new RegExp(`^${ACCOUNT.source}$`).test(principal);
}

/** aws:SourceAccount naming this account, or aws:SourceArn naming a resource of this stack or account. */
function heldToAccount(s: Statement): boolean {
  return Object.entries(s.Condition ?? {}).some(
    ([op, keys]) =>
      POSITIVE.includes(op) &&
      Object.entries(keys).some(([key, v]) => {
        const values = list(v as string | string[]).map(String);
        if (values.length === 0) return false;
        if (key.toLowerCase() === 'aws:sourceaccount')
          return values.every((x) => new RegExp(`^${ACCOUNT.source}$`).test(x));
        if (key.toLowerCase() === 'aws:sourcearn')
          return values.every((x) => ACCOUNT.test(x) || /^\$\{[^}]+\}/.test(x));
        return false;
      }),
  );
}

/** Documented exception (SECURITY.md): a Lambda execution role's trust. AWS documents no
 *  aws:SourceAccount/aws:SourceArn on Lambda's AssumeRole, and a positive condition on a key
 *  the service does not send denies: every function would fail to start. iam:PassRole is the
 *  control there. Nothing else may use this exception. */
function lambdaExecutionTrustException(p: { kind: string }, s: Statement): boolean {
  const services = principalsOf(s, 'Service');
  return (
    p.kind === 'trust' &&
    services.length === 1 &&
    services[0] === 'lambda.amazonaws.com' &&
    list(s.Action).join() === 'sts:AssumeRole'
  );
}

/** Documented exception (SECURITY.md): CloudWatch Logs is held to one log group of this
 *  account by the kms:EncryptionContext:aws:logs:arn condition AWS's guide prescribes. */
function logsKeyException(s: Statement): boolean {
  const onlyLogs = principalsOf(s, 'Service').every((p) => /^logs\.\S+\.amazonaws\.com$/.test(p));
  const context = Object.entries(s.Condition ?? {})
    .filter(([op]) => op === 'ArnLike' || op === 'ArnEquals')
    .flatMap(([, keys]) => list((keys as Record<string, string | string[]>)['kms:EncryptionContext:aws:logs:arn']));
  return onlyLogs && context.length > 0 && context.every((v) => ACCOUNT.test(v));
}

// ---------------------------------------------------------------------------------------------
describe.each(FULL)('who may assume a role, with trusted principals configured: %s', (_label, get) => {
  const trust = (m: SecurityModel) => m.policies.filter((p) => p.kind === 'trust');
  const assumedByPrincipals = (m: SecurityModel) =>
    allows(trust(m)).filter(({ s }) => principalsOf(s, 'AWS').length > 0 || s.Principal === '*');

  it('trusts no account root, and no principal but the configured roles', () => {
    const m = get();
    const granted = assumedByPrincipals(m);
    expectWalked(m, granted, ['role']);
    const principals = granted.flatMap(({ s }) => principalsOf(s, 'AWS'));
    const defaults = principals
      .flatMap((p) => list(m.inputs.get(p)?.Default as string | string[] | undefined))
      .flatMap((d) => String(d).split(','));
    expect([...principals, ...defaults].filter(isAccountRoot)).toEqual([]);
    const configured = (p: string) => TRUSTED.includes(p) || (m.deliverable === 'cloudformation' && m.inputs.has(p));
    expect(principals.filter((p) => !configured(p))).toEqual([]);
  });

  it('writes no ExternalId default into the output', () => {
    const m = get();
    expectWalked(m, trust(m), ['role']);
    const externalIds = statementsOf(trust(m)).flatMap(({ s }) =>
      Object.values(s.Condition ?? {}).flatMap((keys) =>
        list((keys as Record<string, string | string[]>)['sts:ExternalId']),
      ),
    );
    const withDefault = externalIds.filter((v) => !m.inputs.has(v) || m.inputs.get(v)!.Default !== undefined);
    expect(withDefault).toEqual([]);
    expect(m.text).not.toContain('tap-dr-dev-cross-region"');
  });

  it('lets roles that people or automation assume write only through the processor, and use keys only via a service', () => {
    const m = get();
    const roles = new Set(assumedByPrincipals(m).map(({ p }) => p.owner));
    const policies = m.policies.filter((p) => p.kind === 'identity' && roles.has(p.attachedTo ?? ''));
    expectWalked(m, policies, ['role']);
    const WRITES =
      /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|PartiQL(Insert|Update|Delete))$/i;
    const viaService = (s: Statement) =>
      Object.entries(s.Condition ?? {}).some(
        ([op, keys]) => POSITIVE.includes(op) && 'kms:ViaService' in (keys as object),
      );
    const bad = allows(policies)
      .filter(
        ({ s }) =>
          list(s.Action).some((a) => WRITES.test(a)) ||
          (list(s.Action).some((a) => a.startsWith('kms:')) && !viaService(s)),
      )
      .map(({ p, s }) => `${where(p, s)}: ${JSON.stringify(s.Action)}`);
    expect(bad).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(ALL)('S3: %s', (_label, get) => {
  const request = (action: string, resource: string, context: Record<string, string>): Request => ({
    action,
    resource,
    context,
  });

  it('blocks all four kinds of public access on every bucket', () => {
    const m = get();
    expectWalked(m, m.buckets, ['bucket']);
    const FLAGS = [
      ['block_public_acls', 'BlockPublicAcls'],
      ['block_public_policy', 'BlockPublicPolicy'],
      ['ignore_public_acls', 'IgnorePublicAcls'],
      ['restrict_public_buckets', 'RestrictPublicBuckets'],
    ];
    const blocked = (b: BucketView) =>
      b.publicAccessBlocks.length === 1 && FLAGS.every((f) => f.some((k) => b.publicAccessBlocks[0][k] === true));
    expect(m.buckets.filter((b) => !blocked(b)).map((b) => b.id)).toEqual([]);
  });

  it('refuses plain-HTTP requests to every bucket and its objects', () => {
    const m = get();
    expectWalked(m, m.buckets, ['bucket', 'bucketPolicy']);
    const insecure = { 'aws:SecureTransport': 'false' };
    const refused = (b: BucketView) =>
      b.policies.some(
        (doc) =>
          deniesEveryone(doc, request('s3:ListBucket', b.arn, insecure)) &&
          deniesEveryone(doc, request('s3:GetObject', `${b.arn}/documents/t-1`, insecure)) &&
          deniesEveryone(doc, request('s3:PutObject', `${b.arn}/any/key`, insecure)),
      );
    expect(m.buckets.filter((b) => !refused(b)).map((b) => b.id)).toEqual([]);
  });

  it('versions every bucket and disables ACLs on it (bucket owner enforced)', () => {
    const m = get();
    expectWalked(m, m.buckets, ['bucket']);
    const ok = (b: BucketView) =>
      b.versioning.length === 1 &&
      b.versioning[0] === 'Enabled' &&
      b.ownership.length === 1 &&
      b.ownership[0] === 'BucketOwnerEnforced' &&
      !b.hasAcl;
    expect(m.buckets.filter((b) => !ok(b)).map((b) => `${b.id}: ${b.versioning} ${b.ownership}`)).toEqual([]);
  });

  it('records every read and write of every documents bucket: server access logs to another bucket of its region, or CloudTrail data events', () => {
    const m = get();
    const docs = documentBucketsOf(m);
    expectWalked(m, docs, ['bucket']);
    expect(docs.filter((b) => !recorded(m, b)).map((b) => b.id)).toEqual([]);
  });

  it('lets the log-delivery service write into every log bucket, and keeps its records at least 365 days', () => {
    const m = get();
    const logs = logBucketsOf(m);
    expectWalked(m, logs, ['bucket']);
    const accessLogTargets = new Set(m.buckets.flatMap((b) => b.accessLogTargets));
    const bad = logs.filter((b) => {
      const service = b.names.some((n) => accessLogTargets.has(n))
        ? 'logging.s3.amazonaws.com'
        : 'cloudtrail.amazonaws.com';
      const delivers = allows(
        b.policies.map((document) => ({ owner: b.id, ownerType: '', kind: 'bucket' as const, document })),
      ).some(
        ({ s }) =>
          principalsOf(s, 'Service').includes(service) &&
          list(s.Action).includes('s3:PutObject') &&
          list(s.Resource).some((r) => r.startsWith(`${b.arn}/`)),
      );
      const logsItself = b.accessLogTargets.length > 0;
      const lockedTarget = b.objectLock && service === 'logging.s3.amazonaws.com';
      return !delivers || logsItself || lockedTarget || b.expirationDays.some((d) => d < 365);
    });
    expect(bad.map((b) => `${b.id}: expiration ${b.expirationDays}`)).toEqual([]);
  });

  it("refuses every PutObject into a documents bucket that does not name the bucket's own stack key", () => {
    const m = get();
    const docs = documentBucketsOf(m);
    expectWalked(m, docs, ['bucket', 'bucketPolicy']);
    const bad = docs.flatMap((b) => {
      const key = b.encryption[0]?.key ?? '<none>';
      const put = (context: Record<string, string>) =>
        request('s3:PutObject', `${b.arn}/documents/t-1.json`, { 'aws:SecureTransport': 'true', ...context });
      const refused = (context: Record<string, string>) => b.policies.some((doc) => deniesEveryone(doc, put(context)));
      const KMS = 's3:x-amz-server-side-encryption';
      const KEY = 's3:x-amz-server-side-encryption-aws-kms-key-id';
      const problems = [
        refused({ [KMS]: 'aws:kms', [KEY]: key }) && 'refuses the stack key',
        !refused({ [KMS]: 'aws:kms' }) && 'accepts aws:kms with no key id (the AWS managed aws/s3 key)',
        !refused({ [KMS]: 'aws:kms', [KEY]: 'arn:aws:kms:us-east-1:999999999999:key/other' }) && 'accepts another key',
        !refused({ [KMS]: 'AES256' }) && 'accepts SSE-S3',
      ];
      return problems.filter(Boolean).map((p) => `${b.id} ${p}`);
    });
    expect(bad).toEqual([]);
  });
});

/** S3 server access logging into another bucket of the same region, or a logging CloudTrail
 *  trail (multi-region, or in the bucket's region) with read and write data events on all its objects. */
function recorded(m: SecurityModel, b: BucketView): boolean {
  const sameRegionTarget = b.accessLogTargets.some((t) => {
    const target = m.buckets.find((x) => x.names.includes(t));
    return target !== undefined && target !== b && target.region === b.region;
  });
  const trailed = m.trails.some(
    (t) =>
      t.logging &&
      (t.multiRegion || t.region === b.region) &&
      t.s3DataEventArns.some((a) => a === '*' || a === `${b.arn}/`),
  );
  return sameRegionTarget || trailed;
}

// ---------------------------------------------------------------------------------------------
describe.each(ALL)('CloudTrail, DynamoDB, Lambda and alarms: %s', (_label, get) => {
  it('encrypts the log files of every trail with a stack key and validates their integrity', () => {
    const m = get();
    // Either trails record the documents (then they are checked here) or server access logs do.
    const auditors = [
      ...m.trails.map((t) => t.id),
      ...m.buckets.filter((b) => b.accessLogTargets.length > 0).map((b) => b.id),
    ];
    expect(auditors).not.toEqual([]);
    expect(
      m.trails.filter((t) => !t.logFileValidation || !keyServesRegion(m, t.key, t.region)).map((t) => t.id),
    ).toEqual([]);
  });

  it('keeps point-in-time recovery on every table copy, billed on demand', () => {
    const m = get();
    expectWalked(m, m.tables, ['table']);
    const bad = m.tables.filter((t) => !t.pitr || (t.billing !== undefined && t.billing !== 'PAY_PER_REQUEST'));
    expect(bad.map((t) => t.id)).toEqual([]);
  });

  it('traces every function with X-Ray and keeps credentials out of its environment', () => {
    const m = get();
    expectWalked(m, m.functions, ['function']);
    const SECRET_NAME = /secret|password|passwd|token|credential|private[_-]?key|access[_-]?key/i;
    const SECRET_VALUE = /(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN/;
    const bad = m.functions.filter(
      (f) =>
        f.tracing !== 'Active' ||
        Object.entries(f.environment).some(([k, v]) => SECRET_NAME.test(k) || SECRET_VALUE.test(JSON.stringify(v))),
    );
    expect(bad.map((f) => f.id)).toEqual([]);
  });

  it('sends every alarm and its recovery to an alert topic of the stack, with actions enabled', () => {
    const m = get();
    expectWalked(m, m.alarms, ['alarm', 'topic']);
    const topic = /^\$\{(aws_sns_topic\.[\w-]+\.arn|[A-Za-z0-9]+)\}$/;
    const bad = m.alarms.filter(
      (a) =>
        !a.enabled ||
        a.alarmActions.length === 0 ||
        a.okActions.length === 0 ||
        ![...a.alarmActions, ...a.okActions].every((x) => topic.test(x)),
    );
    expect(bad.map((a) => a.id)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(DEFAULTS)('defaults: %s', (_label, get) => {
  it('keeps every log group at least 365 days (PCI DSS 10.7)', () => {
    const m = get();
    expectWalked(m, m.logGroups, ['logGroup']);
    expect(
      m.logGroups
        .filter((g) => g.retentionDays === undefined || g.retentionDays < 365)
        .map((g) => `${g.id}: ${g.retentionDays}`),
    ).toEqual([]);
  });
});

describe.each(FULL)('with RETAIN_ON_DELETE and a signing profile: %s', (_label, get) => {
  it('protects every table copy, the secondary replica included, from deletion', () => {
    const m = get();
    expectWalked(m, m.tables, ['table']);
    expect(m.tables.some((t) => t.region === 'secondary')).toBe(true);
    expect(m.tables.filter((t) => !t.deletionProtection).map((t) => t.id)).toEqual([]);
  });

  it('attaches no code-signing config to any function (CKV_AWS_272 waived: nothing signs the bundle)', () => {
    const m = get();
    expectWalked(m, m.functions, ['function']);
    expect(m.functions.filter((f) => f.codeSigning).map((f) => f.id)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
const HEALTH = 'GET /health';
const typeOf = (m: SecurityModel, id: string | undefined) => (id === undefined ? undefined : m.resources.get(id));
const isType = (m: SecurityModel, id: string | undefined, kind: Kind | 'function' | 'logGroup' | 'alarm') =>
  id !== undefined && typeOf(m, id) === TYPES[m.deliverable][kind];
const otherRegion = (r: Region): Region => (r === 'primary' ? 'secondary' : 'primary');

describe.each(ALL)('API Gateway HTTP APIs: %s', (_label, get) => {
  it('requires AWS_IAM authorization on every route but GET /health (AwsSolutions-APIG4, CKV_AWS_309)', () => {
    const m = get();
    expectWalked(m, m.routes, ['api', 'route']);
    expect(m.routes.map((r) => r.routeKey)).toEqual(expect.arrayContaining(['POST /transactions', HEALTH]));
    expect(m.routes.filter((r) => !isType(m, r.api, 'api')).map((r) => r.id)).toEqual([]);
    const bad = m.routes.filter((r) => r.routeKey !== HEALTH && r.authorization !== 'AWS_IAM');
    expect(bad.map((r) => `${r.id} ${r.routeKey}: ${r.authorization}`)).toEqual([]);
  });

  it("answers GET /health, the one open route, from a function whose role reads only heartbeat items and the documents bucket's encryption setting, and writes nothing", () => {
    const m = get();
    const open = m.routes.filter((r) => r.authorization !== 'AWS_IAM');
    expectWalked(m, open, ['route', 'integration', 'function']);
    const functions = open.map((r) => m.integrations.find((i) => i.id === r.integration)?.target);
    expect(functions.filter((f) => !isType(m, f, 'function'))).toEqual([]);
    const roles = new Set(functions.map((f) => m.functions.find((x) => x.id === f)?.role));
    expect([...roles].filter((r) => r === undefined)).toEqual([]);
    const policies = m.policies.filter((p) => p.kind === 'identity' && roles.has(p.attachedTo));
    expect(policies).not.toEqual([]);
    const heartbeatOnly = (s: Statement) =>
      Object.entries(s.Condition ?? {}).some(
        ([op, keys]) =>
          /^ForAllValues:String(Equals|Like)$/.test(op) &&
          list((keys as Record<string, string | string[]>)['dynamodb:LeadingKeys']).length > 0 &&
          list((keys as Record<string, string | string[]>)['dynamodb:LeadingKeys']).every((k) =>
            String(k).startsWith('#heartbeat#'),
          ),
      );
    const READS = /^dynamodb:(GetItem|BatchGetItem|ConditionCheckItem)$/;
    const bad = allows(policies)
      .filter(({ s }) =>
        list(s.Action).some(
          (a) =>
            // A bucket's encryption configuration is the one S3 read: no object, no listing.
            (/^(s3|sns|sqs|secretsmanager|ssm):/.test(a) && a !== 's3:GetEncryptionConfiguration') ||
            (a.startsWith('dynamodb:') && !(READS.test(a) && heartbeatOnly(s))),
        ),
      )
      .map(({ p, s }) => `${where(p, s)}: ${JSON.stringify(s.Action)}`);
    expect(bad).toEqual([]);
  });

  it('integrates every route with a function of this stack in its own region, through a Lambda proxy', () => {
    const m = get();
    expectWalked(m, m.integrations, ['integration', 'function']);
    const inRegion = (i: (typeof m.integrations)[number]) =>
      m.functions.some((f) => f.id === i.target && f.region === i.region);
    const bad = m.integrations.filter((i) => i.type !== 'AWS_PROXY' || !inRegion(i) || !isType(m, i.api, 'api'));
    expect(bad.map((i) => `${i.id}: ${i.type} ${i.target}`)).toEqual([]);
    expect(
      m.routes.filter((r) => !m.integrations.some((i) => i.id === r.integration && i.api === r.api)).map((r) => r.id),
    ).toEqual([]);
  });

  it("logs every stage's access as JSON to a log group encrypted with a key of its region, and throttles every route (AwsSolutions-APIG1, CKV_AWS_76)", () => {
    const m = get();
    expectWalked(m, m.stages, ['api', 'stage', 'logGroup']);
    expect(m.apis.filter((a) => !m.stages.some((st) => st.api === a.id)).map((a) => a.id)).toEqual([]);
    const json = (f: string | undefined) => {
      try {
        return f !== undefined && typeof JSON.parse(f) === 'object';
      } catch {
        return false;
      }
    };
    const bad = m.stages.filter((st) => {
      const group = m.logGroups.find((g) => g.id === st.accessLogGroup);
      const logged =
        group !== undefined &&
        group.region === st.region &&
        keyServesRegion(m, group.key, st.region) &&
        json(st.accessLogFormat);
      const throttled = (st.throttlingRate ?? 0) > 0 && (st.throttlingBurst ?? 0) > 0;
      return !logged || !throttled || !isType(m, st.api, 'api');
    });
    expect(bad.map((st) => `${st.id}: ${st.accessLogGroup} ${st.throttlingRate}/${st.throttlingBurst}`)).toEqual([]);
    expect(m.apis.filter((a) => a.protocol !== 'HTTP').map((a) => a.id)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(ALL)('Lambda permissions and schedules: %s', (_label, get) => {
  it('grants every Lambda permission to a service, held by SourceArn to one route or rule of this stack that invokes that function (CKV_AWS_364, CKV_AWS_301)', () => {
    const m = get();
    expectWalked(m, m.permissions, ['permission', 'api', 'schedule']);
    expect(new Set(m.permissions.map((p) => p.principal))).toEqual(
      new Set(['apigateway.amazonaws.com', 'events.amazonaws.com']),
    );
    const bad = m.permissions.filter((p) => {
      if (p.action !== 'lambda:InvokeFunction' || !isType(m, p.function, 'function') || p.sourceResources.length !== 1)
        return true;
      const [source] = p.sourceResources;
      if (p.principal === 'apigateway.amazonaws.com') {
        // ".../<stage>/<METHOD>/<path>": exactly the route that integrates this function.
        const scoped = /\/[^/]+\/([A-Z]+)\/([^*]+)$/.exec(p.sourceArn ?? '');
        if (!isType(m, source, 'api') || scoped === null) return true;
        const route = m.routes.find((r) => r.api === source && r.routeKey === `${scoped[1]} /${scoped[2]}`);
        return m.integrations.find((i) => i.id === route?.integration)?.target !== p.function;
      }
      if (p.principal === 'events.amazonaws.com') {
        const rule = m.schedules.find((x) => x.id === source);
        return rule === undefined || !rule.targets.some((t) => t.resource === p.function);
      }
      return true;
    });
    expect(bad.map((p) => `${p.id}: ${p.principal} ${p.sourceArn}`)).toEqual([]);
  });

  it('lets every EventBridge rule invoke only functions of this stack, on a schedule, each without asynchronous retries', () => {
    const m = get();
    expectWalked(m, m.schedules, ['schedule', 'invokeConfig', 'function']);
    // The recovery-control watch's rules publish to the alert topic: watch.test.ts holds them.
    const targets = m.schedules
      .flatMap((x) => x.targets.map((t) => ({ rule: x, ...t })))
      .filter((t) => !isType(m, t.resource, 'topic'));
    expect(targets).not.toEqual([]);
    const bad = targets.filter(
      ({ rule, resource }) =>
        rule.schedule === undefined ||
        rule.eventPattern !== undefined ||
        !isType(m, resource, 'function') ||
        !m.permissions.some((p) => p.function === resource && p.sourceResources.includes(rule.id)) ||
        !m.invokeConfigs.some((c) => c.function === resource && c.maxRetries === 0),
    );
    expect(bad.map(({ rule, arn }) => `${rule.id} -> ${arn}`)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(ALL)('document replication: %s', (_label, get) => {
  it("replicates every documents bucket into the other region's documents bucket, re-encrypted with that region's stack key, under RTC (CKV_AWS_144)", () => {
    const m = get();
    const docs = documentBucketsOf(m);
    expectWalked(m, m.replications, ['bucket', 'replication']);
    expect(new Set(docs.map((b) => b.region))).toEqual(new Set(['primary', 'secondary']));
    const intoOther = (b: BucketView, destination: string, destinationBucket: string | undefined) => {
      const target = m.buckets.find((x) => x.id === destinationBucket);
      if (target !== undefined) return target.region === otherRegion(b.region) && documentBucketsOf(m).includes(target);
      // CloudFormation: the other stack's bucket, by parameter.
      const param = /^arn:\$\{AWS::Partition\}:s3:::(\$\{[A-Za-z0-9]+\})$/.exec(destination)?.[1];
      return m.deliverable === 'cloudformation' && param !== undefined && m.inputs.has(param);
    };
    const bad = docs.filter((b) => {
      const rules = m.replications
        .filter((r) => r.source === b.id)
        .flatMap((r) => r.rules.filter((rule) => rule.status === 'Enabled'));
      return (
        rules.length === 0 ||
        !rules.every(
          (rule) =>
            intoOther(b, rule.destination, rule.destinationBucket) &&
            keyServesRegion(m, rule.replicaKey, otherRegion(b.region)) &&
            rule.sseKmsObjectsOnly &&
            rule.rtcMinutes === 15 &&
            rule.metrics,
        )
      );
    });
    expect(bad.map((b) => `${b.id}: ${JSON.stringify(m.replications.filter((r) => r.source === b.id))}`)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe.each(FULL)('DNS failover and the FIS drill, configured: %s', (_label, get) => {
  it('serves every custom domain over TLS 1.2 on a regional endpoint, with a DNS-validated, non-wildcard, CT-logged certificate of its region', () => {
    const m = get();
    if (!expectWalkedWhereCreated(m, m.domains, ['domain', 'certificate'])) return;
    expect(new Set(m.domains.map((d) => d.region))).toEqual(new Set(['primary', 'secondary']));
    const certificateOf = (d: (typeof m.domains)[number]) =>
      m.certificates.find((c) => c.id === d.certificate && c.region === d.region);
    const bad = m.domains.filter(
      (d) => d.securityPolicy !== 'TLS_1_2' || d.endpointType !== 'REGIONAL' || certificateOf(d) === undefined,
    );
    expect(bad.map((d) => `${d.id}: ${d.securityPolicy} ${d.endpointType} ${d.certificate}`)).toEqual([]);
    const badCerts = m.certificates.filter(
      (c) =>
        c.validation !== 'DNS' ||
        c.domains.length === 0 ||
        c.domains.some((n) => n.includes('*')) ||
        (c.transparencyLogging !== undefined && c.transparencyLogging !== 'ENABLED') ||
        !c.createBeforeDestroy,
    );
    expect(badCerts.map((c) => c.id)).toEqual([]);
  });

  it("points every failover record at a custom domain of this stack, and health-checks the PRIMARY on its region's own alarm, which no request can move (CKV2_AWS_23)", () => {
    const m = get();
    const failover = m.dnsRecords.filter((r) => r.failover !== undefined);
    if (!expectWalkedWhereCreated(m, failover, ['dnsRecord', 'healthCheck', 'domain'])) return;
    expect(failover.map((r) => r.failover).sort()).toEqual(['PRIMARY', 'SECONDARY']);
    const bad = failover.filter(
      (r) =>
        !isType(m, r.aliasTarget, 'domain') || (r.failover === 'PRIMARY' && !isType(m, r.healthCheck, 'healthCheck')),
    );
    expect(bad.map((r) => `${r.id}: ${r.aliasWritten} ${r.healthCheck}`)).toEqual([]);
    // Issue 21: an HTTPS probe of the open /health could be failed by a flood; an alarm cannot.
    const badChecks = m.healthChecks.filter(
      (h) => h.type !== 'CLOUDWATCH_METRIC' || !isType(m, h.alarmOf, 'alarm') || h.insufficientData !== 'Unhealthy',
    );
    expect(badChecks.map((h) => `${h.id}: ${h.type} ${h.alarmOf} ${h.insufficientData}`)).toEqual([]);
    // Nothing but the failover pair and the certificates' validation records is written into the zone.
    expect(
      m.dnsRecords.filter((r) => r.failover === undefined && !isType(m, r.nameFrom, 'certificate')).map((r) => r.id),
    ).toEqual([]);
  });

  it('runs every FIS experiment under a role of its own, stops it on an alarm of this stack, bounds every action and targets only this stack', () => {
    const m = get();
    if (!expectWalkedWhereCreated(m, m.experiments, ['experiment', 'role', 'alarm'])) return;
    const bad = m.experiments.filter(
      (x) =>
        !isType(m, x.role, 'role') ||
        m.experiments.some((y) => y !== x && y.role === x.role) ||
        x.stopConditions.length === 0 ||
        !x.stopConditions.every((c) => c.source === 'aws:cloudwatch:alarm' && isType(m, c.alarm, 'alarm')) ||
        x.actions.length === 0 ||
        !x.actions.every((a) => a.duration !== undefined && /^PT\d+[MS]$/.test(a.duration)) ||
        x.targets.length === 0,
    );
    expect(bad.map((x) => `${x.id}: ${JSON.stringify(x)}`)).toEqual([]);
    // Its role is used by nothing else: no function, replication or other experiment runs as it.
    const roles = new Set(m.experiments.map((x) => x.role));
    expect(m.functions.filter((f) => roles.has(f.role)).map((f) => f.id)).toEqual([]);
    expect(m.replications.filter((r) => roles.has(r.role)).map((r) => r.id)).toEqual([]);
  });
});
