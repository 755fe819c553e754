/**
 * The two deliverables side by side: the Terraform stack and the CloudFormation templates
 * must describe the same system. Each row of PAIRS names one property and reads it from both
 * outputs in a common form; the test fails on any difference. TIER_PAIRS does the same for
 * the regional tier in each region: Terraform's primary tier against TapStack.json, its
 * secondary-provider (standby) tier against TapStack-secondary.json, both as deployed in full
 * (every step of the deploy order done, so each tier knows its peer's outputs).
 *
 * Facts kept as data (bucket and trail hardening, the API stage, the alarms' metric layout) are
 * checked next to their data instead, each deliverable against it: __tests__/documents/,
 * __tests__/regional/, __tests__/alerts/. What stays here is what each renderer binds itself:
 * names, references, policies as resolved, environment, and the differences by design.
 */
import { Template } from '../src/cloudformation';
import { alarmSpecs, standbyOutputs } from '../src/design';
import { names } from '../src/naming';
import { TIER_IDS } from '../src/cloudformation/ids';
import { WATCH_IDS } from '../src/watch/spec';
import { resourcesUnder, templatesFor as templates } from './helpers/cfn';
import { byAddress, ofBucket, onlyResource, resourcesOf, secondaryResourcesOf, synthStack } from './helpers/synth';

const ENV = {
  ENVIRONMENT_SUFFIX: 'parity',
  PRIMARY_REGION: 'eu-west-1',
  SECONDARY_REGION: 'eu-central-1',
  LOG_RETENTION_DAYS: '180',
  NONCURRENT_VERSION_EXPIRATION_DAYS: '45',
  CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/failover,arn:aws:iam::111122223333:role/break-glass',
  // Set, so the processor environment and output rows below compare it in both deliverables.
  DR_CHECK_PRINCIPALS: 'arn:aws:iam::111122223333:role/ops/tap-dr-check',
};
const PRINCIPALS = ENV.CROSS_REGION_TRUSTED_PRINCIPALS.split(',');
const tf = synthStack(ENV).json;
const templatesFor = templates;
const { primary: cfn, secondary: cfnStandby } = templatesFor(ENV);

// --- Normalization: both sides speak "<account>", real regions, and named keys. -----------
/** The documents buckets by name: what one template passes the other, and what Terraform names in alarms. */
const PRIMARY_BUCKET = 'tap-docs-parity-<account>-eu-west-1';
const STANDBY_BUCKET = 'tap-docs-parity-<account>-eu-central-1';
const CFN_VARS: Record<string, unknown> = {
  EnvironmentSuffix: 'parity',
  'AWS::AccountId': '<account>',
  'AWS::Region': 'eu-west-1',
  'AWS::Partition': '<partition>',
  SecondaryRegion: 'eu-central-1',
  'TransactionKMSKey.Arn': '<primary-key>',
  TransactionKMSKey: '<primary-key>',
  SecondaryKMSKeyArn: '<secondary-key>',
  // The secondary template's output, as the deploy passes it in.
  SecondaryS3BucketName: STANDBY_BUCKET,
  'TransactionDynamoDBTable.Arn': '<table>',
  TransactionDynamoDBTable: '<table-name>',
  'TransactionDocumentsBucket.Arn': '<bucket>',
  TransactionDocumentsBucket: '<bucket-name>',
  AlertSNSTopic: '<topic>',
  CrossRegionTrustedPrincipals: PRINCIPALS,
  'DocumentsTrailBucket.Arn': '<trail-bucket>',
  DocumentsTrailBucket: '<trail-bucket-name>',
  TransactionProcessorFunction: '<function-name>',
  HeartbeatFunction: '<heartbeat-name>',
};
/** TapStack-secondary.json, in its region, updated with the primary's outputs. */
const STANDBY_CFN_VARS: Record<string, unknown> = {
  EnvironmentSuffix: 'parity',
  'AWS::AccountId': '<account>',
  'AWS::Region': 'eu-central-1',
  'AWS::Partition': '<partition>',
  PrimaryRegion: 'eu-west-1',
  'SecondaryKMSKey.Arn': '<secondary-key>',
  SecondaryKMSKey: '<secondary-key>',
  PrimaryKMSKeyArn: '<primary-key>',
  PrimaryS3BucketName: PRIMARY_BUCKET,
  'StandbyTransactionDocumentsBucket.Arn': '<standby-bucket>',
  StandbyTransactionDocumentsBucket: STANDBY_BUCKET,
  'StandbyDocumentsTrailBucket.Arn': '<standby-trail-bucket>',
  StandbyDocumentsTrailBucket: '<standby-trail-bucket-name>',
  StandbyAlertSNSTopic: '<standby-topic>',
  StandbyTransactionProcessorFunction: '<standby-function-name>',
  StandbyHeartbeatFunction: '<standby-heartbeat-name>',
};
/** A documents bucket's ARN built from its name (the replication roles do, to avoid a cycle) is that bucket. */
const CFN_AFTER: Array<[string, string]> = [
  [`arn:<partition>:s3:::${PRIMARY_BUCKET}`, '<bucket>'],
  [`arn:<partition>:s3:::${STANDBY_BUCKET}`, '<standby-bucket>'],
  ['arn:<partition>:dynamodb:eu-west-1:<account>:table/transactions-parity', '<table>'],
];
const TF_VARS: Array<[RegExp, string]> = [
  [/\$\{data\.aws_caller_identity\.account\.account_id\}/g, '<account>'],
  [/\$\{data\.aws_partition\.partition\.partition\}/g, '<partition>'],
  [/\$\{aws_kms_key\.[\w-]+\.arn\}/g, '<primary-key>'],
  [/\$\{aws_kms_replica_key\.[\w-]+\.arn\}/g, '<secondary-key>'],
  [/\$\{aws_dynamodb_table\.[\w-]+\.arn\}/g, '<table>'],
  [/\$\{aws_dynamodb_table\.[\w-]+\.name\}/g, '<table-name>'],
  [/\$\{aws_s3_bucket\.primary_documents_bucket\.arn\}/g, '<bucket>'],
  [/\$\{aws_s3_bucket\.primary_documents_bucket\.bucket\}/g, '<bucket-name>'],
  [/\$\{aws_s3_bucket\.primary_audit_trail_bucket\.arn\}/g, '<trail-bucket>'],
  [/\$\{aws_s3_bucket\.primary_audit_trail_bucket\.id\}/g, '<trail-bucket-name>'],
  [/\$\{aws_s3_bucket\.secondary_documents_bucket\.arn\}/g, '<standby-bucket>'],
  [/\$\{aws_s3_bucket\.secondary_documents_bucket\.(bucket|id)\}/g, STANDBY_BUCKET],
  [/\$\{aws_s3_bucket\.secondary_audit_trail_bucket\.arn\}/g, '<standby-trail-bucket>'],
  [/\$\{aws_s3_bucket\.secondary_audit_trail_bucket\.id\}/g, '<standby-trail-bucket-name>'],
  [/\$\{aws_sns_topic\.secondary_[\w-]+\.arn\}/g, '<standby-topic>'],
  [/\$\{aws_sns_topic\.[\w-]+\.arn\}/g, '<topic>'],
  [/\$\{aws_lambda_function\.secondary_processor_[\w-]+\.function_name\}/g, '<standby-function-name>'],
  [/\$\{aws_lambda_function\.secondary_heartbeat_[\w-]+\.function_name\}/g, '<standby-heartbeat-name>'],
  [/\$\{aws_lambda_function\.primary_heartbeat_[\w-]+\.function_name\}/g, '<heartbeat-name>'],
  [/\$\{aws_lambda_function\.[\w-]+\.function_name\}/g, '<function-name>'],
  // ARNs spelled from names (so policies read in full in a first plan) are those resources.
  [/arn:<partition>:s3:::tap-docs-parity-<account>-eu-west-1/g, '<bucket>'],
  [/arn:<partition>:s3:::tap-docs-parity-<account>-eu-central-1/g, '<standby-bucket>'],
  [/arn:<partition>:s3:::tap-trail-parity-<account>-eu-west-1/g, '<trail-bucket>'],
  [/arn:<partition>:s3:::tap-trail-parity-<account>-eu-central-1/g, '<standby-trail-bucket>'],
  [/arn:<partition>:dynamodb:eu-west-1:<account>:table\/transactions-parity/g, '<table>'],
];
/** In the standby region the table is its replica, addressed by its (known) name. */
const STANDBY_TF_VARS: Array<[RegExp, string]> = [
  [/\$\{aws_dynamodb_table\.[\w-]+\.name\}/g, 'transactions-parity'],
  ...TF_VARS,
];

/** Intrinsics resolved with `vars`; Fn::If takes its true branch: every step of the deploy order done. */
function cfnNormalizer(vars: Record<string, unknown>): (v: unknown) => unknown {
  const resolve = (name: string) => {
    if (!(name in vars)) throw new Error(`parity: no normalization for CloudFormation \${${name}}`);
    return vars[name];
  };
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normalize);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.Ref === 'string') return resolve(o.Ref);
    if (Array.isArray(o['Fn::GetAtt'])) return resolve((o['Fn::GetAtt'] as string[]).join('.'));
    if (Array.isArray(o['Fn::If'])) return normalize(o['Fn::If'][1]);
    if (typeof o['Fn::Sub'] === 'string') {
      const text = (o['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, n) => String(resolve(n)));
      return CFN_AFTER.reduce((t, [from, to]) => (t.startsWith(from) ? to + t.slice(from.length) : t), text);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, normalize(x)]));
  };
  return normalize;
}

function tfNormalizer(vars: Array<[RegExp, string]>): (v: unknown) => unknown {
  const normalize = (v: unknown): unknown => {
    if (typeof v === 'string') return vars.reduce((s, [re, to]) => s.replace(re, to), v);
    if (Array.isArray(v)) return v.map(normalize);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalize(x)]));
  };
  return normalize;
}

const fromCfn = cfnNormalizer(CFN_VARS);
const fromTf = tfNormalizer(TF_VARS);

// --- Accessors -------------------------------------------------------------------------
// Terraform: the primary region's resources (onlyResource), as the CloudFormation deliverable has no standby.
const tfRole = (name: string) => resourcesOf(tf, 'aws_iam_role').find((r) => r.name === name)!;
/** A role's inline policies as one document: each is split into its key statements and the rest (issue 19). */
const merged = (docs: Array<{ Statement: Array<Record<string, unknown>> }>) => ({
  Statement: docs.flatMap((d) => d.Statement),
});
const cfnPolicies = (props: Record<string, any>) =>
  merged(
    props.Policies.map((p: { PolicyDocument: { Statement: Array<Record<string, unknown>> } }) => p.PolicyDocument),
  );
/** The first (the primary tier's) policy of that name, with its key statements. */
const tfPolicy = (name: string) =>
  merged(
    [name, `${name}-keys`].flatMap((n) => {
      const found = resourcesOf(tf, 'aws_iam_role_policy').find((p) => p.name === n);
      return found ? [JSON.parse(found.policy)] : [];
    }),
  );
const cfnProps = (t: Template, id: string) => t.Resources[id].Properties as Record<string, any>;
const tfFn = () =>
  resourcesOf(tf, 'aws_lambda_function').find(
    (f) => f.function_name === 'transaction-processor-parity' && !f.provider,
  )!;
const cfnFn = () => cfnProps(cfn, 'TransactionProcessorFunction');
const tfTable = () => onlyResource(tf, 'aws_dynamodb_table');
const cfnTable = () => cfnProps(cfn, 'TransactionDynamoDBTable');
const tfReplica = () => byAddress(tf, 'aws_dynamodb_table_replica', 'transactions_replica');

/** An alarm in a common form: metrics, math, threshold, comparison, periods, missing data. */
function tfAlarmShape(a: Record<string, any>, normalize = fromTf) {
  const metrics = a.metric_query
    ? a.metric_query
        .filter((q: any) => q.metric)
        .map((q: any) => [
          q.id,
          q.metric.namespace,
          q.metric.metric_name,
          q.metric.stat,
          q.metric.period,
          q.metric.dimensions,
        ])
    : [[undefined, a.namespace, a.metric_name, a.statistic, a.period, a.dimensions]];
  const expression = a.metric_query?.find((q: any) => q.expression)?.expression;
  return normalize({
    name: a.alarm_name,
    description: a.alarm_description,
    metrics,
    expression,
    threshold: a.threshold,
    op: a.comparison_operator,
    periods: a.evaluation_periods,
    datapoints: a.datapoints_to_alarm,
    missing: a.treat_missing_data,
    actions: [a.alarm_actions, a.ok_actions],
  });
}
function cfnAlarmShape(p: Record<string, any>, normalize = fromCfn) {
  const dims = (d: Array<{ Name: string; Value: unknown }>) => Object.fromEntries(d.map((x) => [x.Name, x.Value]));
  const metrics = p.Metrics
    ? p.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [
        m.Id,
        m.MetricStat.Metric.Namespace,
        m.MetricStat.Metric.MetricName,
        m.MetricStat.Stat,
        m.MetricStat.Period,
        dims(m.MetricStat.Metric.Dimensions),
      ])
    : [[undefined, p.Namespace, p.MetricName, p.Statistic, p.Period, dims(p.Dimensions)]];
  const expression = p.Metrics?.find((m: any) => m.Expression)?.Expression;
  return normalize({
    name: p.AlarmName,
    description: p.AlarmDescription,
    metrics,
    expression,
    threshold: p.Threshold,
    op: p.ComparisonOperator,
    periods: p.EvaluationPeriods,
    datapoints: p.DatapointsToAlarm,
    missing: p.TreatMissingData,
    actions: [p.AlarmActions, p.OKActions],
  });
}

/** Statements by Sid, Principal/Action/Resource/Condition only. */
const statements = (doc: { Statement: Array<Record<string, unknown>> }) =>
  Object.fromEntries(doc.Statement.map(({ Sid, ...rest }) => [Sid, rest]));

const standbyIds: string[] = standbyOutputs.map((o) => o.id);
const sharedOutputs = () => Object.entries(tf.output).filter(([id]) => !standbyIds.includes(id));

type Row = [component: string, terraform: () => unknown, cloudformation: () => unknown];

const PAIRS: Row[] = [
  // KMS
  [
    'KMS alias name',
    () => fromTf(resourcesOf(tf, 'aws_kms_alias')[0].name),
    () => fromCfn(cfnProps(cfn, 'TransactionKMSAlias').AliasName),
  ],
  [
    'KMS key rotation',
    () => onlyResource(tf, 'aws_kms_key').enable_key_rotation,
    () => cfnProps(cfn, 'TransactionKMSKey').EnableKeyRotation,
  ],
  [
    'KMS deletion window',
    () => onlyResource(tf, 'aws_kms_key').deletion_window_in_days,
    () => cfnProps(cfn, 'TransactionKMSKey').PendingWindowInDays,
  ],
  [
    'KMS primary key policy',
    () => fromTf(statements(JSON.parse(onlyResource(tf, 'aws_kms_key').policy))),
    () => fromCfn(statements(cfnProps(cfn, 'TransactionKMSKey').KeyPolicy)),
  ],
  // DynamoDB
  ['table name', () => tfTable().name, () => fromCfn(cfnTable().TableName)],
  ['table billing', () => tfTable().billing_mode, () => cfnTable().BillingMode],
  ['table partition key', () => tfTable().hash_key, () => cfnTable().KeySchema[0].AttributeName],
  [
    'table GSI',
    () => tfTable().global_secondary_index.map((g: any) => [g.name, g.hash_key, g.range_key, g.projection_type]),
    () =>
      cfnTable().GlobalSecondaryIndexes.map((g: any) => [
        g.IndexName,
        ...g.KeySchema.map((k: any) => k.AttributeName),
        g.Projection.ProjectionType,
      ]),
  ],
  ['table stream view', () => tfTable().stream_view_type, () => cfnTable().StreamSpecification.StreamViewType],
  [
    'replica regions',
    () => [
      'eu-west-1',
      tf.provider.aws.find((p) => p.alias === 'secondary')!.region,
      tfReplica().global_table_arn === '${aws_dynamodb_table.transactions_table.arn}',
    ],
    () => [...(fromCfn(cfnTable().Replicas.map((r: any) => r.Region)) as string[]), true],
  ],
  [
    'replica point-in-time recovery',
    () => [tfTable().point_in_time_recovery.enabled, tfReplica().point_in_time_recovery],
    () => cfnTable().Replicas.map((r: any) => r.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled),
  ],
  [
    'replica encryption keys (CMK per region)',
    () => fromTf([tfTable().server_side_encryption.kms_key_arn, tfReplica().kms_key_arn]),
    () => fromCfn(cfnTable().Replicas.map((r: any) => r.SSESpecification.KMSMasterKeyId)),
  ],
  [
    'table and replica deletion protection',
    () => [tfTable().deletion_protection_enabled, tfReplica().deletion_protection_enabled],
    () => cfnTable().Replicas.map((r: any) => r.DeletionProtectionEnabled),
  ],
  // Lambda: the tier rows compare each function; the reservation is set only on the primary's.
  [
    'function reserved concurrency',
    () => tfFn().reserved_concurrent_executions,
    () => cfnFn().ReservedConcurrentExecutions,
  ],
  // Cross-region role
  [
    'cross-region role name',
    () => tfRole('tap-dr-cross-region-parity').name,
    () => fromCfn(cfnProps(cfn, 'CrossRegionAssumeRole').RoleName),
  ],
  [
    'cross-region trust',
    () => fromTf(JSON.parse(tfRole('tap-dr-cross-region-parity').assume_role_policy)),
    () => fromCfn(cfnProps(cfn, 'CrossRegionAssumeRole').AssumeRolePolicyDocument),
  ],
  [
    'cross-region permissions',
    () => fromTf(statements(tfPolicy('cross-region-access'))),
    () => fromCfn(statements(cfnPolicies(cfnProps(cfn, 'CrossRegionAssumeRole')))),
  ],
  // Outputs
  [
    'output ids',
    () =>
      sharedOutputs()
        .map(([id]) => id)
        .sort(),
    () => Object.keys(cfn.Outputs).sort(),
  ],
  [
    'output descriptions',
    () =>
      sharedOutputs()
        .map(([, o]) => o.description)
        .sort(),
    () =>
      Object.values(cfn.Outputs)
        .map((o) => o.Description)
        .sort(),
  ],
];

// --- The regional tier, in each region ----------------------------------------------------
type Role = 'primary' | 'standby';
const P_NAMES = { suffix: 'parity' };
/** Terraform's tier: its resources by pinned address or by region (the aliased provider for the standby). */
const TF_TIER = {
  primary: {
    address: (a: string) => `primary_${a}`,
    provider: undefined as string | undefined,
    normalize: fromTf,
    qualifier: '',
  },
  standby: {
    address: (a: string) => `secondary_${a}`,
    provider: 'aws.secondary',
    normalize: tfNormalizer(STANDBY_TF_VARS),
    qualifier: '-standby',
  },
};
/** The CloudFormation tier: TapStack.json's, or TapStack-secondary.json's under Standby-prefixed ids. */
const CFN_TIER = {
  primary: { t: cfn, id: (id: string) => id, normalize: fromCfn },
  standby: { t: cfnStandby, id: (id: string) => `Standby${id}`, normalize: cfnNormalizer(STANDBY_CFN_VARS) },
};
const ROLE_NAMES = {
  primary: { processor: names.processorRole(P_NAMES), replication: names.documentReplicationRole(P_NAMES) },
  standby: { processor: names.standbyProcessorRole(P_NAMES), replication: names.documentFailbackRole(P_NAMES) },
};

function tfTierOf(role: Role) {
  const tier = TF_TIER[role];
  const inRegion = (type: string) => resourcesOf(tf, type).filter((r) => r.provider === tier.provider);
  const roleNamed = (name: string) => Object.entries(tf.resource.aws_iam_role).find(([, r]) => r.name === name)!;
  return {
    n: tier.normalize,
    one: (type: string) => {
      const all = inRegion(type);
      if (all.length !== 1) throw new Error(`expected one ${type} in the ${role} region, found ${all.length}`);
      return all[0];
    },
    all: inRegion,
    at: (type: string, address: string) => byAddress(tf, type, tier.address(address)),
    ofBucket: (address: string) => (type: string) => ofBucket(tf, type, tier.address(address)),
    fn: (name: string) => inRegion('aws_lambda_function').find((f) => f.function_name === name)!,
    role: (name: string) => roleNamed(name)[1],
    policyOf: (name: string) =>
      merged(
        resourcesOf(tf, 'aws_iam_role_policy')
          .filter((p) => p.role === `\${aws_iam_role.${roleNamed(name)[0]}.id}`)
          .map((p) => JSON.parse(p.policy)),
      ),
    alarm: (suffix: string) =>
      inRegion('aws_cloudwatch_metric_alarm').find((a) => a.alarm_name === `tap-dr-parity.${suffix}${tier.qualifier}`)!,
    replication: () =>
      resourcesOf(tf, 'aws_s3_bucket_replication_configuration').find(
        (r) => r.bucket === `\${aws_s3_bucket.${tier.address('documents_bucket')}.id}`,
      )!,
  };
}

function cfnTierOf(role: Role) {
  const tier = CFN_TIER[role];
  return { n: tier.normalize, t: tier.t, id: tier.id, p: (id: string) => cfnProps(tier.t, tier.id(id)) };
}

const fnShape = (f: Record<string, any>) => [
  f.function_name,
  f.runtime,
  f.handler,
  f.memory_size,
  f.timeout,
  f.tracing_config.mode,
  f.kms_key_arn,
];
const cfnFnShape = (f: Record<string, any>) => [
  f.FunctionName,
  f.Runtime,
  f.Handler,
  f.MemorySize,
  f.Timeout,
  f.TracingConfig.Mode,
  f.KmsKeyArn,
];
const logGroupShape = (g: Record<string, any>) => [g.name, g.retention_in_days, g.kms_key_id];
const cfnLogGroupShape = (g: Record<string, any>) => [g.LogGroupName, g.RetentionInDays, g.KmsKeyId];

function replicationRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  const tfRule = () => {
    const r = T.replication().rule[0];
    const d = r.destination;
    return T.n([
      r.id,
      r.status,
      r.priority,
      r.filter.prefix,
      r.delete_marker_replication.status,
      r.source_selection_criteria.sse_kms_encrypted_objects.status,
      d.bucket,
      d.storage_class,
      d.encryption_configuration.replica_kms_key_id,
      d.replication_time.status,
      d.replication_time.time.minutes,
      d.metrics.status,
      d.metrics.event_threshold.minutes,
    ]);
  };
  const cfnRule = () => {
    const r = C.p('TransactionDocumentsBucket').ReplicationConfiguration['Fn::If'][1].Rules[0];
    const d = r.Destination;
    return C.n([
      r.Id,
      r.Status,
      r.Priority,
      r.Filter.Prefix,
      r.DeleteMarkerReplication.Status,
      r.SourceSelectionCriteria.SseKmsEncryptedObjects.Status,
      d.Bucket,
      d.StorageClass,
      d.EncryptionConfiguration.ReplicaKmsKeyID,
      d.ReplicationTime.Status,
      d.ReplicationTime.Time.Minutes,
      d.Metrics.Status,
      d.Metrics.EventThreshold.Minutes,
    ]);
  };
  const roleName = ROLE_NAMES[role].replication;
  return [
    ['document replication rule (into the other region, re-encrypted, RTC)', tfRule, cfnRule],
    [
      'document replication role name and description',
      () => T.n([T.role(roleName).name, T.role(roleName).description]),
      () => C.n([C.p('DocumentReplicationRole').RoleName, C.p('DocumentReplicationRole').Description]),
    ],
    [
      'document replication role trust',
      () => T.n(JSON.parse(T.role(roleName).assume_role_policy)),
      () => C.n(C.p('DocumentReplicationRole').AssumeRolePolicyDocument),
    ],
    [
      'document replication permissions',
      () => T.n(statements(T.policyOf(roleName))),
      () => C.n(statements(cfnPolicies(C.p('DocumentReplicationRole')))),
    ],
  ];
}

/** A trail's advanced event selectors (issue 21: data events of documents, ledger and processor). */
const tfSelectors = (x: any) =>
  x.advanced_event_selector.map((e: any) => [
    e.name,
    e.field_selector.map((f: any) => [f.field, f.equals, f.starts_with]),
  ]);
const cfnSelectors = (x: any) =>
  x.AdvancedEventSelectors.map((e: any) => [
    e.Name,
    e.FieldSelectors.map((f: any) => [f.Field, f.Equals, f.StartsWith]),
  ]);

function storageRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  const docs = T.ofBucket('documents_bucket');
  const trail = T.ofBucket('audit_trail_bucket');
  const tfTrailShape = () => {
    const x = T.one('aws_cloudtrail');
    return T.n([x.name, x.kms_key_id, x.s3_bucket_name, tfSelectors(x)]);
  };
  const cfnTrailShape = () => {
    const x = C.p('DocumentsTrail');
    return C.n([x.TrailName, x.KMSKeyId, x.S3BucketName, cfnSelectors(x)]);
  };
  return [
    [
      'documents bucket name',
      () => T.n(T.at('aws_s3_bucket', 'documents_bucket').bucket),
      () => C.n(C.p('TransactionDocumentsBucket').BucketName),
    ],
    [
      "documents bucket policy (TLS only, this region's key only)",
      () => T.n(statements(JSON.parse(docs('aws_s3_bucket_policy').policy))),
      () => C.n(statements(C.p('TransactionDocumentsBucketPolicy').PolicyDocument)),
    ],
    [
      'documents noncurrent version expiry',
      () => docs('aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration[0].noncurrent_days,
      () =>
        C.p('TransactionDocumentsBucket').LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays,
    ],
    ['access trail', tfTrailShape, cfnTrailShape],
    [
      'trail bucket name',
      () => T.n(T.at('aws_s3_bucket', 'audit_trail_bucket').bucket),
      () => C.n(C.p('DocumentsTrailBucket').BucketName),
    ],
    [
      'trail bucket policy',
      () => T.n(statements(JSON.parse(trail('aws_s3_bucket_policy').policy))),
      () => C.n(statements(C.p('DocumentsTrailBucketPolicy').PolicyDocument)),
    ],
    [
      'trail bucket retention',
      () => trail('aws_s3_bucket_lifecycle_configuration').rule[0].expiration[0].days,
      () => C.p('DocumentsTrailBucket').LifecycleConfiguration.Rules[0].ExpirationInDays,
    ],
    [
      'alert topic name and key',
      () => T.n([T.one('aws_sns_topic').name, T.one('aws_sns_topic').kms_master_key_id]),
      () => C.n([C.p('AlertSNSTopic').TopicName, C.p('AlertSNSTopic').KmsMasterKeyId]),
    ],
  ];
}

function processorRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  const fn = () => T.fn(names.processorFunction(P_NAMES));
  const roleName = ROLE_NAMES[role].processor;
  return [
    [
      'processor settings and key',
      () => T.n(fnShape(fn())),
      () => C.n(cfnFnShape(C.p('TransactionProcessorFunction'))),
    ],
    [
      'processor environment',
      () => T.n(fn().environment.variables),
      () => C.n(C.p('TransactionProcessorFunction').Environment.Variables),
    ],
    [
      'processor role name, description and trust',
      () => T.n([T.role(roleName).name, T.role(roleName).description, JSON.parse(T.role(roleName).assume_role_policy)]),
      () =>
        C.n([
          C.p('LambdaExecutionRole').RoleName,
          C.p('LambdaExecutionRole').Description,
          C.p('LambdaExecutionRole').AssumeRolePolicyDocument,
        ]),
    ],
    [
      'processor permissions',
      () => T.n(statements(T.policyOf(roleName))),
      () => C.n(statements(cfnPolicies(C.p('LambdaExecutionRole')))),
    ],
    [
      'processor log group',
      () => T.n(logGroupShape(T.at('aws_cloudwatch_log_group', 'processor_logs'))),
      () => C.n(cfnLogGroupShape(C.p('TransactionProcessorLogGroup'))),
    ],
  ];
}

function regionalFunctionRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  return (['heartbeat', 'health'] as const).flatMap((what): Row[] => {
    const id = what === 'heartbeat' ? 'HeartbeatFunction' : 'HealthFunction';
    const fnName = what === 'heartbeat' ? names.heartbeatFunction(P_NAMES) : names.healthFunction(P_NAMES);
    const roleName = names.regionalRole(P_NAMES, what, role === 'standby');
    return [
      [`${what} settings and key`, () => T.n(fnShape(T.fn(fnName))), () => C.n(cfnFnShape(C.p(id)))],
      [
        `${what} environment (the peer it watches)`,
        () => T.n(T.fn(fnName).environment.variables),
        () => C.n(C.p(id).Environment.Variables),
      ],
      [
        `${what} role name and description`,
        () => [T.role(roleName).name, T.role(roleName).description],
        () => C.n([C.p(`${id}Role`).RoleName, C.p(`${id}Role`).Description]),
      ],
      [
        `${what} permissions`,
        () => T.n(statements(T.policyOf(roleName))),
        () => C.n(statements(cfnPolicies(C.p(`${id}Role`)))),
      ],
      [
        `${what} log group`,
        () => T.n(logGroupShape(T.at('aws_cloudwatch_log_group', `${what}_logs`))),
        () => C.n(cfnLogGroupShape(C.p(`${id}LogGroup`))),
      ],
    ];
  });
}

function scheduleAndApiRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  const cfnRoutes = () =>
    Object.entries(C.t.Resources)
      .filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType])
      .sort();
  return [
    [
      'heartbeat schedule',
      () => {
        const x = T.at('aws_cloudwatch_event_rule', 'heartbeat_schedule');
        return [x.name, x.description, x.schedule_expression];
      },
      () => {
        const x = C.p('HeartbeatSchedule');
        return C.n([x.Name, x.Description, x.ScheduleExpression]);
      },
    ],
    [
      'heartbeat retries (none: the next minute is the retry)',
      () => T.one('aws_lambda_function_event_invoke_config').maximum_retry_attempts,
      () => C.p('HeartbeatNoRetries').MaximumRetryAttempts,
    ],
    [
      'API name, protocol and description',
      () => {
        const x = T.one('aws_apigatewayv2_api');
        return [x.name, x.protocol_type, x.description];
      },
      () => {
        const x = C.p('TransactionsApi');
        return C.n([x.Name, x.ProtocolType, x.Description]);
      },
    ],
    [
      'API routes and authorization',
      () =>
        T.all('aws_apigatewayv2_route')
          .map((r) => [r.route_key, r.authorization_type])
          .sort(),
      cfnRoutes,
    ],
    [
      'API access log group',
      () => T.n(logGroupShape(T.at('aws_cloudwatch_log_group', 'api_access_logs'))),
      () => C.n(cfnLogGroupShape(C.p('ApiAccessLogGroup'))),
    ],
  ];
}

function alarmRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  return alarmSpecs({ rpoTargetSeconds: 60, watchesPeer: true, replicatesDocuments: true }).map((spec): Row => [
    `alarm ${spec.logicalId}`,
    () => tfAlarmShape(T.alarm(spec.nameSuffix), T.n),
    () => cfnAlarmShape(C.p(spec.logicalId), C.n),
  ]);
}

/** The recovery-control watch (issue 21): each rule's name, pattern and target, and the topic's policy. */
function watchRows(role: Role): Row[] {
  const T = tfTierOf(role);
  const C = cfnTierOf(role);
  const rows = WATCH_IDS.map((id): Row => [
    `watch rule ${id}`,
    () => {
      const rule = T.at('aws_cloudwatch_event_rule', `watch_${id.replace(/-/g, '_')}`);
      const target = T.at('aws_cloudwatch_event_target', `watch_${id.replace(/-/g, '_')}_alert`);
      return T.n([rule.name, rule.description, JSON.parse(rule.event_pattern), [target.arn]]);
    },
    () => {
      const x = C.p(TIER_IDS.primary.watch(id));
      return C.n([x.Name, x.Description, x.EventPattern, x.Targets.map((t: any) => t.Arn)]);
    },
  ]);
  return [
    ...rows,
    [
      'alert topic policy',
      () => T.n(JSON.parse(T.at('aws_sns_topic_policy', 'alerts_policy').policy)),
      () => C.n(C.p('AlertSNSTopicPolicy').PolicyDocument),
    ],
  ];
}

const TIER_PAIRS: Row[] = (['primary', 'standby'] as const).flatMap((role) =>
  [storageRows, replicationRows, processorRows, regionalFunctionRows, scheduleAndApiRows, alarmRows, watchRows]
    .flatMap((rows) => rows(role))
    .map(([component, terraform, cloudformation]): Row => [`${role} tier: ${component}`, terraform, cloudformation]),
);

const standbyNormalize = { tf: TF_TIER.standby.normalize, cfn: CFN_TIER.standby.normalize };
const tfSecondaryKey = () => byAddress(tf, 'aws_kms_replica_key', 'keys_secondary');
/** The keys, and what the secondary template exports for the standby. */
const KEY_AND_OUTPUT_PAIRS: Row[] = [
  [
    'primary key description',
    () => fromTf(onlyResource(tf, 'aws_kms_key').description),
    () => fromCfn(cfnProps(cfn, 'TransactionKMSKey').Description),
  ],
  [
    'secondary key description',
    () => tfSecondaryKey().description,
    () => standbyNormalize.cfn(cfnProps(cfnStandby, 'SecondaryKMSKey').Description),
  ],
  [
    'secondary key deletion window',
    () => tfSecondaryKey().deletion_window_in_days,
    () => cfnProps(cfnStandby, 'SecondaryKMSKey').PendingWindowInDays,
  ],
  [
    'secondary key policy (serves the standby tier)',
    () => standbyNormalize.tf(statements(JSON.parse(tfSecondaryKey().policy))),
    () => standbyNormalize.cfn(statements(cfnProps(cfnStandby, 'SecondaryKMSKey').KeyPolicy)),
  ],
  [
    'secondary key alias',
    () => secondaryResourcesOf(tf, 'aws_kms_alias')[0].name,
    () => standbyNormalize.cfn(cfnProps(cfnStandby, 'SecondaryKMSAlias').AliasName),
  ],
  [
    'standby output ids',
    () => [...standbyIds].sort(),
    () =>
      Object.keys(cfnStandby.Outputs)
        .filter((id) => id !== 'SecondaryKMSKeyArn')
        .sort(),
  ],
  [
    'standby output descriptions',
    () => standbyIds.map((id) => tf.output[id].description),
    () => standbyIds.map((id) => cfnStandby.Outputs[id].Description),
  ],
];

describe('the regional tier in each region, and the keys', () => {
  it.each([...TIER_PAIRS, ...KEY_AND_OUTPUT_PAIRS])('%s', (_component, terraform, cloudformation) => {
    expect(cloudformation()).toEqual(terraform());
  });

  it('compares real values (no row reads undefined from both sides)', () => {
    expect(TIER_PAIRS.length).toBeGreaterThan(70);
    for (const [component, terraform] of [...TIER_PAIRS, ...KEY_AND_OUTPUT_PAIRS]) {
      expect([component, terraform()]).not.toEqual([component, undefined]);
    }
  });
});

describe('Terraform and CloudFormation describe the same system', () => {
  it.each(PAIRS)('%s', (_component, terraform, cloudformation) => {
    const t = terraform();
    const c = cloudformation();
    expect(c).toEqual(t);
  });

  it('compares real values (no row reads undefined from both sides, except the unset reservation)', () => {
    for (const [component, terraform] of PAIRS) {
      if (component === 'function reserved concurrency') continue;
      expect([component, terraform()]).not.toEqual([component, undefined]);
    }
  });
});

/** Where the deliverables differ on purpose, pinned so a change is deliberate. */
describe('differences by design', () => {
  it('Terraform replicates one multi-region key; CloudFormation deploys an independent key per region', () => {
    expect(onlyResource(tf, 'aws_kms_key').multi_region).toBe(true);
    expect(cfnProps(cfn, 'TransactionKMSKey').MultiRegion).toBeUndefined();
    expect(templatesFor(ENV).secondary.Resources.SecondaryKMSKey.Type).toBe('AWS::KMS::Key');
  });

  it('both run the standby tier; CloudFormation switches it, and each direction of replication, by deploy step', () => {
    // Terraform: one apply creates both tiers and both replication rules (both buckets exist first).
    expect(secondaryResourcesOf(tf, 'aws_lambda_function')).toHaveLength(3); // processor, heartbeat, health
    expect(secondaryResourcesOf(tf, 'aws_s3_bucket')).toHaveLength(2); // documents and their access trail
    expect(resourcesOf(tf, 'aws_s3_bucket_replication_configuration')).toHaveLength(2); // out and back
    expect(Object.keys(tf.output)).toEqual(expect.arrayContaining(standbyIds));
    // CloudFormation: the standby tier behind StandbyTier, each rule (and the alarms on the peer) behind the peer's outputs.
    const standbyFunctions = Object.entries(cfnStandby.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(standbyFunctions.map(([, r]) => r.Condition)).toEqual([
      'StandbyTierEnabled',
      'StandbyTierEnabled',
      'StandbyTierEnabled',
    ]);
    const peerDependent = [
      'DocumentReplicationRole',
      'HeartbeatStalenessAlarm',
      'DocumentReplicationFailedAlarm',
      'DocumentReplicationLatencyAlarm',
    ].sort();
    expect(resourcesUnder(cfn, 'ReplicatesToStandby')).toEqual(peerDependent);
    expect(resourcesUnder(cfnStandby, 'FailsBackToPrimary')).toEqual(peerDependent.map((id) => `Standby${id}`));
  });

  it('the ManagedBy tag names the tool that deployed the resource', () => {
    expect(tf.provider.aws[0].default_tags[0].tags.ManagedBy).toBe('cdktf');
    expect(cfnProps(cfn, 'TransactionDocumentsBucket').Tags).toContainEqual({
      Key: 'ManagedBy',
      Value: 'cloudformation',
    });
  });
});
