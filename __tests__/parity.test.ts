/**
 * The two deliverables side by side: the Terraform stack and TapStack.json must describe
 * the same system. Each row of PAIRS names one property and reads it from both outputs
 * in a common form; the test fails on any difference.
 */
import { Template } from '../src/cloudformation';
import { standbyOutputs } from '../src/design';
import { templatesFor } from './helpers/cfn';
import { byAddress, ofBucket, onlyResource, resourcesOf, secondaryResourcesOf, synthStack } from './helpers/synth';

const ENV = {
  ENVIRONMENT_SUFFIX: 'parity',
  PRIMARY_REGION: 'eu-west-1',
  SECONDARY_REGION: 'eu-central-1',
  LOG_RETENTION_DAYS: '180',
  NONCURRENT_VERSION_EXPIRATION_DAYS: '45',
  CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/failover,arn:aws:iam::111122223333:role/break-glass',
};
const PRINCIPALS = ENV.CROSS_REGION_TRUSTED_PRINCIPALS.split(',');
const tf = synthStack(ENV).json;
const { primary: cfn } = templatesFor(ENV);

// --- Normalization: both sides speak "<account>", real regions, and named keys. -----------
const CFN_VARS: Record<string, unknown> = {
  EnvironmentSuffix: 'parity',
  'AWS::AccountId': '<account>',
  'AWS::Region': 'eu-west-1',
  'AWS::Partition': '<partition>',
  SecondaryRegion: 'eu-central-1',
  'TransactionKMSKey.Arn': '<primary-key>',
  TransactionKMSKey: '<primary-key>',
  SecondaryKMSKeyArn: '<secondary-key>',
  'TransactionDynamoDBTable.Arn': '<table>',
  TransactionDynamoDBTable: '<table-name>',
  'TransactionDocumentsBucket.Arn': '<bucket>',
  TransactionDocumentsBucket: '<bucket-name>',
  AlertSNSTopic: '<topic>',
  CrossRegionTrustedPrincipals: PRINCIPALS,
  'DocumentsTrailBucket.Arn': '<trail-bucket>',
  DocumentsTrailBucket: '<trail-bucket-name>',
  TransactionProcessorFunction: '<function-name>',
};
const TF_VARS: Array<[RegExp, string]> = [
  [/\$\{data\.aws_caller_identity\.account\.account_id\}/g, '<account>'],
  [/\$\{data\.aws_partition\.partition\.partition\}/g, '<partition>'],
  [/\$\{aws_kms_key\.[\w-]+\.arn\}/g, '<primary-key>'],
  [/\$\{aws_kms_replica_key\.[\w-]+\.arn\}/g, '<secondary-key>'],
  [/\$\{aws_dynamodb_table\.[\w-]+\.arn\}/g, '<table>'],
  [/\$\{aws_dynamodb_table\.[\w-]+\.name\}/g, '<table-name>'],
  [/\$\{aws_s3_bucket\.documents\.arn\}/g, '<bucket>'],
  [/\$\{aws_s3_bucket\.documents\.bucket\}/g, '<bucket-name>'],
  [/\$\{aws_s3_bucket\.audit_trail\.arn\}/g, '<trail-bucket>'],
  [/\$\{aws_s3_bucket\.audit_trail\.id\}/g, '<trail-bucket-name>'],
  [/\$\{aws_sns_topic\.[\w-]+\.arn\}/g, '<topic>'],
  [/\$\{aws_lambda_function\.[\w-]+\.function_name\}/g, '<function-name>'],
];

function fromCfn(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromCfn);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const resolve = (name: string) => {
    if (!(name in CFN_VARS)) throw new Error(`parity: no normalization for CloudFormation \${${name}}`);
    return CFN_VARS[name];
  };
  if (typeof o.Ref === 'string') return resolve(o.Ref);
  if (Array.isArray(o['Fn::GetAtt'])) return resolve((o['Fn::GetAtt'] as string[]).join('.'));
  if (typeof o['Fn::Sub'] === 'string') return (o['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, n) => String(resolve(n)));
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, fromCfn(x)]));
}

function fromTf(v: unknown): unknown {
  if (typeof v === 'string') return TF_VARS.reduce((s, [re, to]) => s.replace(re, to), v);
  if (Array.isArray(v)) return v.map(fromTf);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromTf(x)]));
}

// --- Accessors -------------------------------------------------------------------------
// Terraform: the primary region's resources (onlyResource), as the CloudFormation deliverable has no standby.
const tfRole = (name: string) => resourcesOf(tf, 'aws_iam_role').find((r) => r.name === name)!;
const tfPolicy = (name: string) =>
  JSON.parse(resourcesOf(tf, 'aws_iam_role_policy').find((p) => p.name === name)!.policy);
const cfnProps = (t: Template, id: string) => t.Resources[id].Properties as Record<string, any>;
const tfAlarm = (suffix: string) =>
  resourcesOf(tf, 'aws_cloudwatch_metric_alarm').find((a) => a.alarm_name === `tap-dr-parity-${suffix}`)!;
const tfFn = () => resourcesOf(tf, 'aws_lambda_function').find((f) => f.function_name === 'transaction-processor-parity' && !f.provider)!;
const cfnFn = () => cfnProps(cfn, 'TransactionProcessorFunction');
const tfTable = () => onlyResource(tf, 'aws_dynamodb_table');
const cfnTable = () => cfnProps(cfn, 'TransactionDynamoDBTable');
const tfReplica = () => byAddress(tf, 'aws_dynamodb_table_replica', 'transactions_secondary');
/** The documents bucket's and the trail bucket's attachments, by the bucket's pinned address. */
const docs = (type: string) => ofBucket(tf, type, 'documents');
const trailBucket = (type: string) => ofBucket(tf, type, 'audit_trail');
const bucketHardening = (b: (type: string) => Record<string, any>) => {
  const pab = b('aws_s3_bucket_public_access_block');
  const sse = b('aws_s3_bucket_server_side_encryption_configuration').rule[0];
  return fromTf([
    b('aws_s3_bucket_versioning').versioning_configuration.status,
    [sse.apply_server_side_encryption_by_default.sse_algorithm, sse.apply_server_side_encryption_by_default.kms_master_key_id, sse.bucket_key_enabled],
    [pab.block_public_acls, pab.block_public_policy, pab.ignore_public_acls, pab.restrict_public_buckets],
    b('aws_s3_bucket_ownership_controls').rule.object_ownership,
  ]);
};
const cfnBucketHardening = (id: string) => {
  const p = cfnProps(cfn, id);
  const sse = p.BucketEncryption.ServerSideEncryptionConfiguration[0];
  const pab = p.PublicAccessBlockConfiguration;
  return fromCfn([
    p.VersioningConfiguration.Status,
    [sse.ServerSideEncryptionByDefault.SSEAlgorithm, sse.ServerSideEncryptionByDefault.KMSMasterKeyID, sse.BucketKeyEnabled],
    [pab.BlockPublicAcls, pab.BlockPublicPolicy, pab.IgnorePublicAcls, pab.RestrictPublicBuckets],
    p.OwnershipControls.Rules[0].ObjectOwnership,
  ]);
};
const tfTrail = () => onlyResource(tf, 'aws_cloudtrail');
const cfnTrail = () => cfnProps(cfn, 'DocumentsTrail');

/** An alarm in a common form: metrics, math, threshold, comparison, periods, missing data. */
function tfAlarmShape(a: Record<string, any>) {
  const metrics = a.metric_query
    ? a.metric_query
        .filter((q: any) => q.metric)
        .map((q: any) => [q.id, q.metric.namespace, q.metric.metric_name, q.metric.stat, q.metric.period, q.metric.dimensions])
    : [[undefined, a.namespace, a.metric_name, a.statistic, a.period, a.dimensions]];
  const expression = a.metric_query?.find((q: any) => q.expression)?.expression;
  return fromTf({
    name: a.alarm_name,
    metrics,
    expression,
    threshold: a.threshold,
    op: a.comparison_operator,
    periods: a.evaluation_periods,
    missing: a.treat_missing_data,
    actions: [a.alarm_actions, a.ok_actions],
  });
}
function cfnAlarmShape(p: Record<string, any>) {
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
  return fromCfn({
    name: p.AlarmName,
    metrics,
    expression,
    threshold: p.Threshold,
    op: p.ComparisonOperator,
    periods: p.EvaluationPeriods,
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
  ['KMS alias name', () => fromTf(resourcesOf(tf, 'aws_kms_alias')[0].name), () => fromCfn(cfnProps(cfn, 'TransactionKMSAlias').AliasName)],
  ['KMS key rotation', () => onlyResource(tf, 'aws_kms_key').enable_key_rotation, () => cfnProps(cfn, 'TransactionKMSKey').EnableKeyRotation],
  ['KMS deletion window', () => onlyResource(tf, 'aws_kms_key').deletion_window_in_days, () => cfnProps(cfn, 'TransactionKMSKey').PendingWindowInDays],
  ['KMS primary key policy', () => fromTf(statements(JSON.parse(onlyResource(tf, 'aws_kms_key').policy))), () => fromCfn(statements(cfnProps(cfn, 'TransactionKMSKey').KeyPolicy))],
  // DynamoDB
  ['table name', () => tfTable().name, () => fromCfn(cfnTable().TableName)],
  ['table billing', () => tfTable().billing_mode, () => cfnTable().BillingMode],
  ['table partition key', () => tfTable().hash_key, () => cfnTable().KeySchema[0].AttributeName],
  ['table GSI', () => tfTable().global_secondary_index.map((g: any) => [g.name, g.hash_key, g.range_key, g.projection_type]),
    () => cfnTable().GlobalSecondaryIndexes.map((g: any) => [g.IndexName, ...g.KeySchema.map((k: any) => k.AttributeName), g.Projection.ProjectionType])],
  ['table stream view', () => tfTable().stream_view_type, () => cfnTable().StreamSpecification.StreamViewType],
  ['replica regions', () => ['eu-west-1', tf.provider.aws.find((p) => p.alias === 'secondary')!.region, tfReplica().global_table_arn === '${aws_dynamodb_table.transactions.arn}'],
    () => [...fromCfn(cfnTable().Replicas.map((r: any) => r.Region)) as string[], true]],
  ['replica point-in-time recovery', () => [tfTable().point_in_time_recovery.enabled, tfReplica().point_in_time_recovery],
    () => cfnTable().Replicas.map((r: any) => r.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)],
  ['replica encryption keys (CMK per region)', () => fromTf([tfTable().server_side_encryption.kms_key_arn, tfReplica().kms_key_arn]),
    () => fromCfn(cfnTable().Replicas.map((r: any) => r.SSESpecification.KMSMasterKeyId))],
  ['table and replica deletion protection', () => [tfTable().deletion_protection_enabled, tfReplica().deletion_protection_enabled],
    () => cfnTable().Replicas.map((r: any) => r.DeletionProtectionEnabled)],
  // S3
  ['bucket name', () => fromTf(byAddress(tf, 'aws_s3_bucket', 'documents').bucket), () => fromCfn(cfnProps(cfn, 'TransactionDocumentsBucket').BucketName)],
  ['bucket hardening (versioning, SSE-KMS, public access, ownership)', () => bucketHardening(docs), () => cfnBucketHardening('TransactionDocumentsBucket')],
  ['bucket noncurrent version expiry', () => docs('aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration[0].noncurrent_days,
    () => cfnProps(cfn, 'TransactionDocumentsBucket').LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDays],
  ['bucket policy (TLS only, our key only)', () => fromTf(statements(JSON.parse(docs('aws_s3_bucket_policy').policy))),
    () => fromCfn(statements(cfnProps(cfn, 'TransactionDocumentsBucketPolicy').PolicyDocument))],
  // Access trail
  ['trail name, key and validation', () => fromTf([tfTrail().name, tfTrail().kms_key_id, tfTrail().enable_log_file_validation, tfTrail().is_multi_region_trail, tfTrail().include_global_service_events]),
    () => fromCfn([cfnTrail().TrailName, cfnTrail().KMSKeyId, cfnTrail().EnableLogFileValidation, cfnTrail().IsMultiRegionTrail, cfnTrail().IncludeGlobalServiceEvents])],
  ['trail data events', () => fromTf(tfTrail().event_selector.map((e: any) => [e.read_write_type, e.include_management_events, e.data_resource.map((d: any) => [d.type, d.values])])),
    () => fromCfn(cfnTrail().EventSelectors.map((e: any) => [e.ReadWriteType, e.IncludeManagementEvents, e.DataResources.map((d: any) => [d.Type, d.Values])]))],
  ['trail bucket name', () => fromTf(byAddress(tf, 'aws_s3_bucket', 'audit_trail').bucket), () => fromCfn(cfnProps(cfn, 'DocumentsTrailBucket').BucketName)],
  ['trail bucket hardening', () => bucketHardening(trailBucket), () => cfnBucketHardening('DocumentsTrailBucket')],
  ['trail bucket retention', () => trailBucket('aws_s3_bucket_lifecycle_configuration').rule[0].expiration[0].days,
    () => cfnProps(cfn, 'DocumentsTrailBucket').LifecycleConfiguration.Rules[0].ExpirationInDays],
  ['trail bucket policy', () => fromTf(statements(JSON.parse(trailBucket('aws_s3_bucket_policy').policy))),
    () => fromCfn(statements(cfnProps(cfn, 'DocumentsTrailBucketPolicy').PolicyDocument))],
  // Lambda
  ['function name', () => tfFn().function_name, () => fromCfn(cfnFn().FunctionName)],
  ['function runtime', () => tfFn().runtime, () => cfnFn().Runtime],
  ['function handler', () => tfFn().handler, () => cfnFn().Handler],
  ['function memory and timeout', () => [tfFn().memory_size, tfFn().timeout], () => [cfnFn().MemorySize, cfnFn().Timeout]],
  ['function tracing', () => tfFn().tracing_config.mode, () => cfnFn().TracingConfig.Mode],
  ['function environment', () => fromTf(tfFn().environment.variables), () => fromCfn(cfnFn().Environment.Variables)],
  ['function environment key', () => fromTf(tfFn().kms_key_arn), () => fromCfn(cfnFn().KmsKeyArn)],
  ['function reserved concurrency', () => tfFn().reserved_concurrent_executions, () => cfnFn().ReservedConcurrentExecutions],
  ['log group name', () => byAddress(tf, 'aws_cloudwatch_log_group', 'processor_logs').name, () => fromCfn(cfnProps(cfn, 'TransactionProcessorLogGroup').LogGroupName)],
  ['log retention', () => byAddress(tf, 'aws_cloudwatch_log_group', 'processor_logs').retention_in_days, () => cfnProps(cfn, 'TransactionProcessorLogGroup').RetentionInDays],
  ['log encryption', () => fromTf(byAddress(tf, 'aws_cloudwatch_log_group', 'processor_logs').kms_key_id), () => fromCfn(cfnProps(cfn, 'TransactionProcessorLogGroup').KmsKeyId)],
  ['processor role name', () => tfRole('tap-dr-processor-parity').name, () => fromCfn(cfnProps(cfn, 'LambdaExecutionRole').RoleName)],
  ['processor role trust', () => JSON.parse(tfRole('tap-dr-processor-parity').assume_role_policy), () => cfnProps(cfn, 'LambdaExecutionRole').AssumeRolePolicyDocument],
  ['processor permissions', () => fromTf(statements(tfPolicy('transaction-processor'))), () => fromCfn(statements(cfnProps(cfn, 'LambdaExecutionRole').Policies[0].PolicyDocument))],
  // SNS
  ['topic name', () => onlyResource(tf, 'aws_sns_topic').name, () => fromCfn(cfnProps(cfn, 'AlertSNSTopic').TopicName)],
  ['topic encryption', () => fromTf(onlyResource(tf, 'aws_sns_topic').kms_master_key_id), () => fromCfn(cfnProps(cfn, 'AlertSNSTopic').KmsMasterKeyId)],
  // Alarms
  ['DynamoDB throttle alarm', () => tfAlarmShape(tfAlarm('dynamodb-throttles')), () => cfnAlarmShape(cfnProps(cfn, 'DynamoDBThrottleAlarm'))],
  ['Lambda error alarm', () => tfAlarmShape(tfAlarm('lambda-errors')), () => cfnAlarmShape(cfnProps(cfn, 'LambdaErrorAlarm'))],
  ['Lambda throttle alarm', () => tfAlarmShape(tfAlarm('lambda-throttles')), () => cfnAlarmShape(cfnProps(cfn, 'LambdaThrottleAlarm'))],
  ['replication latency alarm', () => tfAlarmShape(tfAlarm('replication-latency')), () => cfnAlarmShape(cfnProps(cfn, 'ReplicationLatencyAlarm'))],
  // Cross-region role
  ['cross-region role name', () => tfRole('tap-dr-cross-region-parity').name, () => fromCfn(cfnProps(cfn, 'CrossRegionAssumeRole').RoleName)],
  ['cross-region trust', () => fromTf(JSON.parse(tfRole('tap-dr-cross-region-parity').assume_role_policy)), () => fromCfn(cfnProps(cfn, 'CrossRegionAssumeRole').AssumeRolePolicyDocument)],
  ['cross-region permissions', () => fromTf(statements(tfPolicy('cross-region-access'))), () => fromCfn(statements(cfnProps(cfn, 'CrossRegionAssumeRole').Policies[0].PolicyDocument))],
  // Outputs
  ['output ids', () => sharedOutputs().map(([id]) => id).sort(), () => Object.keys(cfn.Outputs).sort()],
  ['output descriptions', () => sharedOutputs().map(([, o]) => o.description).sort(), () => Object.values(cfn.Outputs).map((o) => o.Description).sort()],
];

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

  it('only Terraform runs a warm standby in the secondary region (one stack can span both regions)', () => {
    const secondary = (type: string) => secondaryResourcesOf(tf, type);
    expect(secondary('aws_lambda_function')).toHaveLength(3); // processor, heartbeat, health
    expect(secondary('aws_s3_bucket')).toHaveLength(2); // documents and their access trail
    expect(resourcesOf(tf, 'aws_s3_bucket_replication_configuration')).toHaveLength(2); // out and back
    expect(Object.keys(tf.output)).toEqual(expect.arrayContaining(standbyIds));
    expect(Object.values(cfn.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(3);
  });

  it('the ManagedBy tag names the tool that deployed the resource', () => {
    expect(tf.provider.aws[0].default_tags[0].tags.ManagedBy).toBe('cdktf');
    expect(cfnProps(cfn, 'TransactionDocumentsBucket').Tags).toContainEqual({ Key: 'ManagedBy', Value: 'cloudformation' });
  });
});
