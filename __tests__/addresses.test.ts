/**
 * Stateful resources keep their Terraform addresses. A changed address is a destroy and a
 * create in the next plan: a new empty table, a new bucket, a new key. So the addresses of
 * every key, table, replica, bucket and log group are pinned here, for the default stack and
 * with every optional setting on. A deliberate move must change this list and carry a
 * `moved` block (cdktf: `moveFromId`), so the plan shows a move, not a replacement.
 */
import { synthStack, TerraformJson } from './helpers/synth';

const STATEFUL_TYPES = [
  'aws_kms_key',
  'aws_kms_replica_key',
  'aws_dynamodb_table',
  'aws_dynamodb_table_replica',
  'aws_s3_bucket',
  'aws_cloudwatch_log_group',
];

/** Every stateful resource's address, as `terraform plan` prints it. */
function statefulAddresses(json: TerraformJson): string[] {
  return STATEFUL_TYPES.flatMap((type) =>
    Object.keys(json.resource[type] ?? {}).map((name) => `${type}.${name}`),
  ).sort();
}

const PRIMARY = [
  'aws_kms_key.primary',
  'aws_kms_replica_key.secondary',
  'aws_dynamodb_table.transactions',
  'aws_dynamodb_table_replica.transactions_secondary',
  'aws_s3_bucket.documents',
  'aws_s3_bucket.audit_trail',
  'aws_cloudwatch_log_group.processor_logs',
  'aws_cloudwatch_log_group.heartbeat_logs',
  'aws_cloudwatch_log_group.health_logs',
  'aws_cloudwatch_log_group.api_access_logs',
];
const STANDBY = [
  'aws_s3_bucket.standby_documents',
  'aws_s3_bucket.standby_audit_trail',
  'aws_cloudwatch_log_group.standby_processor_logs',
  'aws_cloudwatch_log_group.standby_heartbeat_logs',
  'aws_cloudwatch_log_group.standby_health_logs',
  'aws_cloudwatch_log_group.standby_api_access_logs',
];

describe('stateful resources keep their Terraform addresses', () => {
  it('in the default stack', () => {
    expect(statefulAddresses(synthStack().json)).toEqual([...PRIMARY, ...STANDBY].sort());
  });

  it('with every optional setting on', () => {
    const json = synthStack({
      ENVIRONMENT_SUFFIX: 'all-on',
      PRIMARY_REGION: 'eu-west-1',
      SECONDARY_REGION: 'eu-central-1',
      ALERT_EMAIL: 'oncall@example.com',
      RETAIN_ON_DELETE: 'true',
      LAMBDA_RESERVED_CONCURRENCY: '10',
      CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/failover',
      EXTRA_TAGS: '{"CostCenter":"payments"}',
    }).json;
    expect(statefulAddresses(json)).toEqual([...PRIMARY, ...STANDBY].sort());
  });

  it('without the standby: only the standby tier goes, and nothing else moves', () => {
    expect(statefulAddresses(synthStack({ STANDBY_PROCESSOR: 'false' }).json)).toEqual([...PRIMARY].sort());
  });

  it('covers every stateful resource type the stack declares (a new type must join the list)', () => {
    const json = synthStack().json;
    const persistent =
      /^aws_(kms_(replica_)?key|dynamodb_table(_replica)?|s3_bucket|cloudwatch_log_group|efs_|rds_|db_|backup_vault|sqs_queue)/;
    const declared = Object.keys(json.resource).filter(
      (t) => persistent.test(t) && Object.keys(json.resource[t]).length > 0,
    );
    // Bucket sub-resources (aws_s3_bucket_policy, ...) hold configuration, not data.
    expect(declared.filter((t) => !t.startsWith('aws_s3_bucket_')).sort()).toEqual([...STATEFUL_TYPES].sort());
  });
});

describe('resources renamed once (issue 10) move in state instead of being replaced', () => {
  // The first version's addresses: a stack applied from it must not lose its keys, table,
  // buckets or log groups when it applies this one.
  const FIRST_VERSION: Record<string, string> = {
    'aws_kms_key.primary': 'aws_kms_key.keys_primary_575DA221',
    'aws_kms_replica_key.secondary': 'aws_kms_replica_key.keys_secondary_E5A8406F',
    'aws_dynamodb_table.transactions': 'aws_dynamodb_table.transactions_table_E247E900',
    'aws_s3_bucket.documents': 'aws_s3_bucket.documents_bucket_87EAE372',
    'aws_s3_bucket.standby_documents': 'aws_s3_bucket.standby-documents_bucket_2AA26585',
    'aws_cloudwatch_log_group.processor_logs': 'aws_cloudwatch_log_group.processor_logs_D44D1348',
    'aws_cloudwatch_log_group.standby_processor_logs': 'aws_cloudwatch_log_group.standby-processor_logs_D60690DC',
  };
  const moves = (json: TerraformJson) =>
    Object.fromEntries(((json as any).moved ?? []).map((m: { from: string; to: string }) => [m.to, m.from]));

  it('with a moved block from each first-version address', () => {
    expect(moves(synthStack().json)).toEqual(FIRST_VERSION);
  });

  it('and only for resources that exist: no standby moves without the standby', () => {
    const withoutStandby = Object.fromEntries(Object.entries(FIRST_VERSION).filter(([to]) => !to.includes('standby')));
    expect(moves(synthStack({ STANDBY_PROCESSOR: 'false' }).json)).toEqual(withoutStandby);
  });
});
