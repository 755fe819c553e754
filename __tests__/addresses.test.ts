/**
 * Stateful resources keep their Terraform addresses. A changed address is a destroy and a
 * create in the next plan: a new empty table, a new bucket, a new key. So the addresses of
 * every key, table, replica, bucket and log group are listed here, for the default stack and
 * with every optional setting on. Addresses follow one rule (src/tf-support.ts, addressOf): a
 * deliberate move changes this list and carries a `moved` block, so the plan shows a move.
 */
import { addressOf } from '../src/tf-support';
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
  'aws_kms_key.keys_primary',
  'aws_kms_replica_key.keys_secondary',
  'aws_dynamodb_table.transactions_table',
  'aws_dynamodb_table_replica.transactions_replica',
  'aws_s3_bucket.primary_documents_bucket',
  'aws_s3_bucket.primary_audit_trail_bucket',
  'aws_cloudwatch_log_group.primary_processor_logs',
  'aws_cloudwatch_log_group.primary_heartbeat_logs',
  'aws_cloudwatch_log_group.primary_health_logs',
  'aws_cloudwatch_log_group.primary_api_access_logs',
];
const STANDBY = [
  'aws_s3_bucket.secondary_documents_bucket',
  'aws_s3_bucket.secondary_audit_trail_bucket',
  'aws_cloudwatch_log_group.secondary_processor_logs',
  'aws_cloudwatch_log_group.secondary_heartbeat_logs',
  'aws_cloudwatch_log_group.secondary_health_logs',
  'aws_cloudwatch_log_group.secondary_api_access_logs',
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

const ALL_ON = {
  ENVIRONMENT_SUFFIX: 'all-on',
  ALERT_EMAIL: 'oncall@example.com',
  RETAIN_ON_DELETE: 'true',
  LAMBDA_RESERVED_CONCURRENCY: '10',
  CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/failover',
  HOSTED_ZONE_ID: 'Z123456ABCDEFG',
  DOMAIN_NAME: 'pay.example.com',
  FIS_DRILL: 'true',
};
/** Issue 21's resources: the region-health alarm, the topic's policy and the recovery-control watch. */
const BORN_READABLE =
  /^(aws_cloudwatch_metric_alarm\.(primary|secondary)_alarms_region_health_alarm|aws_sns_topic_policy\.(primary|secondary)_alerts_policy|aws_cloudwatch_event_(rule|target)\.(primary|secondary)_watch_[a-z_]+)$/;
const addressesOf = (json: TerraformJson) =>
  Object.entries(json.resource).flatMap(([type, rs]) => Object.keys(rs).map((name) => `${type}.${name}`));
const moves = (json: TerraformJson): Array<{ from: string; to: string }> => (json as any).moved ?? [];

describe('every Terraform address follows one readable rule', () => {
  it.each([
    ['the default stack', {}],
    ['every optional setting on', ALL_ON],
  ])('in %s: snake_case, no generated suffix, the secondary region never called standby', (_, env) => {
    for (const address of addressesOf(synthStack(env).json)) {
      expect(address).toMatch(/^aws_[a-z0-9_]+\.[a-z0-9_]+$/);
      expect(address).not.toMatch(/_[0-9A-F]{8}$/i);
      expect(address).not.toMatch(/standby/);
    }
  });

  it('spells a construct path the same way everywhere', () => {
    expect(addressOf(['standby', 'audit-trail', 'bucket', 'bucket'])).toBe('secondary_audit_trail_bucket');
    expect(addressOf(['primary', 'api', 'api'])).toBe('primary_api');
    expect(addressOf(['primary', 'alarms', 'DynamoDBThrottleAlarm'])).toBe('primary_alarms_dynamo_db_throttle_alarm');
    expect(addressOf(['dns-failover', 'standby-certificate'])).toBe('dns_failover_secondary_certificate');
  });
});

describe('every renamed resource moves in state instead of being replaced', () => {
  it.each([
    ['the default stack', {}],
    ['every optional setting on', ALL_ON],
    ['without the standby', { STANDBY_PROCESSOR: 'false' }],
  ])('in %s: each address that differs from the hashed one has a moved block, and only existing ones', (_, env) => {
    const json = synthStack(env).json;
    const declared = new Set(addressesOf(json));
    const to = moves(json).map((m) => m.to);
    // Every resource had a hashed or an older readable address before, except those added since,
    // which never had another address: born readable (BORN_READABLE), or the key statements split
    // off each role policy (issue 19).
    const addedSince = (address: string) =>
      BORN_READABLE.test(address) || /^aws_iam_role_policy\.[a-z0-9_]+_key_policy$/.test(address);
    for (const address of declared) if (!addedSince(address)) expect(to).toContain(address);
    // Chained moves (first version -> pinned -> readable) end at a declared address.
    for (const m of moves(json))
      expect(declared.has(m.to) || to.includes(m.to) || moves(json).some((n) => n.from === m.to)).toBe(true);
  });

  it('from the hashed addresses of the version before, e.g. the processor function', () => {
    expect(moves(synthStack().json)).toContainEqual({
      from: 'aws_lambda_function.primary_processor_function_877F3074',
      to: 'aws_lambda_function.primary_processor_function',
    });
  });
});

describe('resources renamed earlier (issue 10) still move in state, through their pinned addresses', () => {
  // The first version's addresses, then the pinned ones: a stack applied from either must not lose
  // its keys, table, buckets or log groups when it applies this one.
  const CHAINS: Array<[first: string, pinned: string, now: string]> = [
    ['aws_kms_key.keys_primary_575DA221', 'aws_kms_key.primary', 'aws_kms_key.keys_primary'],
    [
      'aws_kms_replica_key.keys_secondary_E5A8406F',
      'aws_kms_replica_key.secondary',
      'aws_kms_replica_key.keys_secondary',
    ],
    [
      'aws_dynamodb_table.transactions_table_E247E900',
      'aws_dynamodb_table.transactions',
      'aws_dynamodb_table.transactions_table',
    ],
    ['aws_s3_bucket.documents_bucket_87EAE372', 'aws_s3_bucket.documents', 'aws_s3_bucket.primary_documents_bucket'],
    [
      'aws_s3_bucket.standby-documents_bucket_2AA26585',
      'aws_s3_bucket.standby_documents',
      'aws_s3_bucket.secondary_documents_bucket',
    ],
    [
      'aws_cloudwatch_log_group.processor_logs_D44D1348',
      'aws_cloudwatch_log_group.processor_logs',
      'aws_cloudwatch_log_group.primary_processor_logs',
    ],
    [
      'aws_cloudwatch_log_group.standby-processor_logs_D60690DC',
      'aws_cloudwatch_log_group.standby_processor_logs',
      'aws_cloudwatch_log_group.secondary_processor_logs',
    ],
  ];

  it.each(CHAINS)('%s moves to %s, then to %s', (first, pinned, now) => {
    const m = moves(synthStack().json);
    expect(m).toContainEqual({ from: first, to: pinned });
    expect(m).toContainEqual({ from: pinned, to: now });
  });

  it('and only for resources that exist: no standby moves without the standby', () => {
    const m = moves(synthStack({ STANDBY_PROCESSOR: 'false' }).json);
    expect(m.filter((x) => /standby|secondary_(documents|processor)/.test(x.to))).toEqual([]);
  });
});
