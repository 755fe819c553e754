import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { MAX_AWS_CALLS, MAX_CALL_TIMEOUT_MS } from '../src/contract';
import { MAX_BUCKET_NAME_LENGTH, names } from '../src/naming';
import { SEED_OUTPUTS } from './helpers/seed';
import {
  byAddress,
  ofBucket,
  onlyResource,
  primaryResourcesOf,
  resourcesOf,
  secondaryResourcesOf,
  secondaryResourceTypes,
  synthStack,
} from './helpers/synth';
import { testBundle } from '../harness/bundle';

const ref = (type: string, json: { resource: Record<string, Record<string, unknown>> }) =>
  `\${${type}.${Object.keys(json.resource[type])[0]}`;
const SECONDARY = 'aws.secondary';
const PARTITION = '${data.aws_partition.partition.partition}';
const ACCOUNT_ID = '${data.aws_caller_identity.account.account_id}';
/** Policies spell the documents bucket's ARN from its name, so they read in full in a first plan. */
const DOCS_ARN = `arn:${PARTITION}:s3:::tap-docs-dev-${ACCOUNT_ID}-us-east-1`;

/** A role's permissions: its policy `name` and the key statements split off into `name`-keys (issue 19). */
function rolePolicy(stack: any, name: string, where: (p: any) => boolean = (p) => !p.role.includes('secondary')) {
  const parts = resourcesOf(stack, 'aws_iam_role_policy').filter(
    (p) => (p.name === name || p.name === `${name}-keys`) && where(p),
  );
  return { Statement: parts.flatMap((p) => JSON.parse(p.policy).Statement) };
}

describe('default stack (suffix dev, us-east-1 -> us-west-2)', () => {
  const { synth, json } = synthStack();

  describe('providers', () => {
    it('configures a default provider in the primary region and an aliased one in the secondary', () => {
      expect(synth).toHaveProviderWithProperties(AwsProvider, { region: 'us-east-1' });
      expect(synth).toHaveProviderWithProperties(AwsProvider, { alias: 'secondary', region: 'us-west-2' });
      expect(json.provider.aws).toHaveLength(2);
      expect(json.provider.aws.filter((p) => p.alias === undefined)).toHaveLength(1);
    });

    it('tags everything through default_tags on both providers', () => {
      for (const p of json.provider.aws) {
        expect(p.default_tags).toEqual([
          { tags: expect.objectContaining({ Project: 'tap-dr', Environment: 'dev', ManagedBy: 'cdktf' }) },
        ]);
      }
    });

    it('creates exactly the secondary-region resources with the aliased provider', () => {
      const times = (n: number, t: string) => Array<string>(n).fill(t);
      expect(secondaryResourceTypes(json)).toEqual(
        [
          ...times(2, 'aws_apigatewayv2_integration'),
          'aws_apigatewayv2_api',
          ...times(2, 'aws_apigatewayv2_route'),
          'aws_apigatewayv2_stage',
          'aws_cloudtrail',
          // The heartbeat schedule, and the six recovery-control watch rules (issue 21), each with its target.
          ...times(7, 'aws_cloudwatch_event_rule'),
          ...times(7, 'aws_cloudwatch_event_target'),
          ...times(4, 'aws_cloudwatch_log_group'), // processor, heartbeat, health, API access logs
          ...times(8, 'aws_cloudwatch_metric_alarm'),
          'aws_dynamodb_table_replica',
          'aws_kms_alias',
          'aws_kms_replica_key',
          ...times(3, 'aws_lambda_function'),
          'aws_lambda_function_event_invoke_config',
          ...times(3, 'aws_lambda_permission'),
          // The documents bucket and its access trail's bucket, each with the same hardening.
          ...[
            'aws_s3_bucket',
            'aws_s3_bucket_lifecycle_configuration',
            'aws_s3_bucket_ownership_controls',
            'aws_s3_bucket_policy',
            'aws_s3_bucket_public_access_block',
            'aws_s3_bucket_server_side_encryption_configuration',
            'aws_s3_bucket_versioning',
          ].flatMap((t) => [t, t]),
          'aws_s3_bucket_replication_configuration', // back into the primary
          'aws_sns_topic',
          'aws_sns_topic_policy',
        ].sort(),
      );
    });
  });

  describe('KMS', () => {
    it('creates a multi-region customer-managed key with rotation', () => {
      expect(synth).toHaveResourceWithProperties(KmsKey, {
        multi_region: true,
        enable_key_rotation: true,
        deletion_window_in_days: 7,
      });
    });

    it('scopes CloudWatch Logs in the key policy to the processor log group', () => {
      const policy = JSON.parse(onlyResource(json, 'aws_kms_key').policy);
      const logs = policy.Statement.find((s: any) => s.Sid === 'CloudWatchLogsForRegionLogGroups');
      expect(logs.Principal).toEqual({ Service: 'logs.us-east-1.amazonaws.com' });
      // Exactly the region's four log groups, by name: nothing else of CloudWatch Logs can use the key.
      expect(
        logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'].map((a: string) =>
          a.replace(/^.*:logs:us-east-1:[^:]+:log-group:/, ''),
        ),
      ).toEqual([
        '/aws/lambda/transaction-processor-dev',
        '/aws/lambda/tap-dr-heartbeat-dev',
        '/aws/lambda/tap-dr-health-dev',
        '/aws/apigateway/tap-dr-dev',
      ]);
      const alarms = policy.Statement.find((s: any) => s.Sid === 'CloudWatchAlarmsPublishToEncryptedTopic');
      expect(alarms.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
      // Confused deputy: only this account's alarms of this stack.
      // ...and only for this region's alert topic (SNS's encryption context).
      expect(alarms.Condition).toEqual({
        StringEquals: {
          'aws:SourceAccount': '${data.aws_caller_identity.account.account_id}',
          'kms:EncryptionContext:aws:sns:topicArn': `arn:${PARTITION}:sns:us-east-1:${ACCOUNT_ID}:tap-dr-alerts-dev`,
        },
        ArnLike: {
          'aws:SourceArn': expect.stringMatching(
            /:cloudwatch:us-east-1:\$\{data\.aws_caller_identity\.account\.account_id\}:alarm:tap-dr-dev\.\*$/,
          ),
        },
      });
    });

    it("lets CloudTrail use the key only for this region's document-access trail", () => {
      const policy = JSON.parse(onlyResource(json, 'aws_kms_key').policy);
      const trail = policy.Statement.filter((s: any) => s.Principal?.Service === 'cloudtrail.amazonaws.com');
      // Decrypt: the trail bucket's S3 Bucket Key needs it when the trail is created.
      expect(
        trail
          .map((s: any) => s.Action)
          .flat()
          .sort(),
      ).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey*']);
      for (const s of trail) {
        expect(s.Condition.StringEquals['aws:SourceArn']).toMatch(
          /:cloudtrail:us-east-1:.*:trail\/tap-dr-documents-dev$/,
        );
      }
    });

    it('replicates the key into the secondary region with its own alias', () => {
      expect(synth).toHaveResourceWithProperties(KmsReplicaKey, {
        provider: SECONDARY,
        primary_key_arn: `${ref('aws_kms_key', json)}.arn}`,
      });
      expect(synth).toHaveResourceWithProperties(KmsAlias, { name: 'alias/transaction-encryption-dev' });
      expect(synth).toHaveResourceWithProperties(KmsAlias, {
        name: 'alias/transaction-encryption-dev',
        provider: SECONDARY,
        target_key_id: `${ref('aws_kms_replica_key', json)}.key_id}`,
      });
    });
  });

  describe('DynamoDB global table', () => {
    const table = onlyResource(json, 'aws_dynamodb_table');

    it('is on-demand with streams that replication needs and PITR', () => {
      expect(synth).toHaveResourceWithProperties(DynamodbTable, {
        name: 'transactions-dev',
        billing_mode: 'PAY_PER_REQUEST',
        hash_key: 'transactionId',
        stream_enabled: true,
        stream_view_type: 'NEW_AND_OLD_IMAGES',
        point_in_time_recovery: { enabled: true },
        deletion_protection_enabled: false,
      });
    });

    it('encrypts with the primary customer-managed key', () => {
      expect(table.server_side_encryption).toEqual({ enabled: true, kms_key_arn: `${ref('aws_kms_key', json)}.arn}` });
    });

    it('has an account/time GSI', () => {
      expect(table.global_secondary_index).toEqual([
        expect.objectContaining({ name: 'account-created-index', hash_key: 'accountId', range_key: 'createdAt' }),
      ]);
    });

    it('replicates to the secondary region through the aliased provider, under the secondary key, with PITR', () => {
      expect(table.replica).toBeUndefined();
      expect(table.lifecycle).toEqual({ ignore_changes: ['replica'] });
      expect(byAddress(json, 'aws_dynamodb_table_replica', 'transactions_replica')).toEqual(
        expect.objectContaining({
          provider: SECONDARY,
          global_table_arn: '${aws_dynamodb_table.transactions_table.arn}',
          kms_key_arn: '${aws_kms_replica_key.keys_secondary.arn}',
          point_in_time_recovery: true,
          deletion_protection_enabled: false,
        }),
      );
    });
  });

  describe('S3 documents bucket', () => {
    it('is named per account, suffix and region', () => {
      expect(byAddress(json, 'aws_s3_bucket', 'primary_documents_bucket').bucket).toBe(
        `tap-docs-dev-\${data.aws_caller_identity.account.account_id}-us-east-1`,
      );
      expect(synth).toHaveResourceWithProperties(S3Bucket, { force_destroy: true });
    });

    it('is versioned, SSE-KMS with our key and bucket keys', () => {
      expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, {
        versioning_configuration: { status: 'Enabled' },
      });
      expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [
          {
            apply_server_side_encryption_by_default: {
              sse_algorithm: 'aws:kms',
              kms_master_key_id: `${ref('aws_kms_key', json)}.arn}`,
            },
            bucket_key_enabled: true,
          },
        ],
      });
    });

    it('blocks all public access and enforces bucket-owner ownership', () => {
      expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, {
        rule: { object_ownership: 'BucketOwnerEnforced' },
      });
    });

    const docsPolicy = () => JSON.parse(ofBucket(json, 'aws_s3_bucket_policy', 'primary_documents_bucket').policy);

    it('denies every request that is not over TLS', () => {
      expect(docsPolicy().Statement[0]).toEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: ['s3:*'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: [DOCS_ARN, `${DOCS_ARN}/*`],
        }),
      );
    });

    it('denies a put under any key but ours, including aws:kms without a key id (the aws/s3 key)', () => {
      const deny = docsPolicy().Statement.filter(
        (st: any) => st.Effect === 'Deny' && st.Action[0] === 's3:PutObject' && st.Sid !== 'DocumentsOnlyIfNoneMatch',
      );
      expect(Object.fromEntries(deny.map((st: any) => [st.Sid, st.Condition]))).toEqual({
        DenyOtherEncryption: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
        DenyOtherKmsKey: {
          StringNotEqualsIfExists: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': '${aws_kms_key.keys_primary.arn}',
          },
        },
        DenyAwsManagedKey: {
          StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
        },
      });
      for (const st of deny) expect(st.Resource).toBe(`${DOCS_ARN}/*`);
    });

    it('expires noncurrent versions and keeps current documents', () => {
      expect(
        ofBucket(json, 'aws_s3_bucket_lifecycle_configuration', 'primary_documents_bucket').rule[0].expiration,
      ).toBeUndefined();
      expect(synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
        rule: [
          expect.objectContaining({
            status: 'Enabled',
            noncurrent_version_expiration: [{ noncurrent_days: 90 }],
          }),
        ],
      });
    });
  });

  describe('document access trail', () => {
    const trail = onlyResource(json, 'aws_cloudtrail');

    it('records every read and write of a document and of the ledger, every processor invocation, and write management events, encrypted with our key, with integrity validation', () => {
      expect(trail).toEqual(
        expect.objectContaining({
          name: 'tap-dr-documents-dev',
          s3_bucket_name: '${aws_s3_bucket.primary_audit_trail_bucket.id}',
          kms_key_id: '${aws_kms_key.keys_primary.arn}',
          enable_log_file_validation: true,
          is_multi_region_trail: false,
        }),
      );
      expect(trail.event_selector).toBeUndefined();
      const account = '${data.aws_caller_identity.account.account_id}';
      const arn = (service: string, resource: string) =>
        `arn:\${data.aws_partition.partition.partition}:${service}:us-east-1:${account}:${resource}`;
      expect(trail.advanced_event_selector.map((s: any) => s.field_selector)).toEqual([
        [
          { field: 'eventCategory', equals: ['Data'] },
          { field: 'resources.type', equals: ['AWS::S3::Object'] },
          { field: 'resources.ARN', starts_with: ['${aws_s3_bucket.primary_documents_bucket.arn}/'] },
        ],
        [
          { field: 'eventCategory', equals: ['Data'] },
          { field: 'resources.type', equals: ['AWS::DynamoDB::Table'] },
          { field: 'resources.ARN', equals: [arn('dynamodb', 'table/transactions-dev')] },
        ],
        [
          { field: 'eventCategory', equals: ['Data'] },
          { field: 'resources.type', equals: ['AWS::Lambda::Function'] },
          { field: 'resources.ARN', equals: [arn('lambda', 'function:transaction-processor-dev')] },
        ],
        [
          { field: 'eventCategory', equals: ['Management'] },
          { field: 'readOnly', equals: ['false'] },
        ],
      ]);
    });

    it('writes to a hardened bucket of its own that keeps logs for the retention period', () => {
      expect(byAddress(json, 'aws_s3_bucket', 'primary_audit_trail_bucket').bucket).toMatch(
        /^tap-trail-dev-.*-us-east-1$/,
      );
      expect(
        ofBucket(json, 'aws_s3_bucket_server_side_encryption_configuration', 'primary_audit_trail_bucket').rule[0]
          .apply_server_side_encryption_by_default,
      ).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.keys_primary.arn}' });
      expect(
        ofBucket(json, 'aws_s3_bucket_public_access_block', 'primary_audit_trail_bucket').restrict_public_buckets,
      ).toBe(true);
      expect(
        ofBucket(json, 'aws_s3_bucket_lifecycle_configuration', 'primary_audit_trail_bucket').rule[0].expiration,
      ).toEqual([{ days: 365 }]);
    });

    it('lets only this trail write there, with the bucket owner in control', () => {
      const policy = JSON.parse(ofBucket(json, 'aws_s3_bucket_policy', 'primary_audit_trail_bucket').policy);
      const write = policy.Statement.find((st: any) => st.Sid === 'CloudTrailWritesLogs');
      expect(write.Principal).toEqual({ Service: 'cloudtrail.amazonaws.com' });
      expect(write.Condition.StringEquals).toEqual({
        'aws:SourceArn': expect.stringMatching(/:trail\/tap-dr-documents-dev$/),
        's3:x-amz-acl': 'bucket-owner-full-control',
      });
      expect(trail.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_policy\./)]);
    });
  });

  describe('transaction-processor Lambda', () => {
    const fn = byAddress(
      json,
      'aws_lambda_function',
      Object.entries(json.resource.aws_lambda_function).find(
        ([, f]) => f.function_name === 'transaction-processor-dev' && !f.provider,
      )![0],
    );

    it('runs nodejs22.x from the bundle asset, traced, with a CMK for its environment', () => {
      expect(synth).toHaveResourceWithProperties(LambdaFunction, {
        function_name: 'transaction-processor-dev',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        tracing_config: { mode: 'Active' },
        kms_key_arn: `${ref('aws_kms_key', json)}.arn}`,
      });
      expect(fn.filename).toMatch(/^assets\/.+\.zip$/);
      // base64 SHA-256 of the reproducible package: what Lambda reports as CodeSha256.
      expect(fn.source_code_hash).toBe(testBundle().codeSha256);
      expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    });

    it('gets table, bucket and key from the environment (no topic: it publishes nothing), never AWS_REGION, and no reserved concurrency', () => {
      expect(Object.keys(fn.environment.variables).sort()).toEqual([
        'AWS_CALL_TIMEOUT_MS',
        'DOCUMENTS_KMS_KEY_ARN',
        'DYNAMODB_TABLE_NAME',
        'S3_BUCKET_NAME',
      ]);
      expect(fn.environment.variables.AWS_REGION).toBeUndefined();
      expect(fn.environment.variables.DOCUMENTS_KMS_KEY_ARN).toBe('${aws_kms_key.keys_primary.arn}');
      expect(fn).not.toHaveProperty('reserved_concurrent_executions');
      expect(fn).not.toHaveProperty('code_signing_config_arn');
      // Every AWS call of one invocation at the largest accepted deadline still ends before Lambda's timeout.
      expect(fn.timeout * 1000).toBeGreaterThan(MAX_AWS_CALLS * Number(fn.environment.variables.AWS_CALL_TIMEOUT_MS));
      expect(fn.timeout * 1000).toBeGreaterThan(MAX_AWS_CALLS * MAX_CALL_TIMEOUT_MS);
    });

    it('logs to its own KMS-encrypted log group with retention', () => {
      expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, {
        name: '/aws/lambda/transaction-processor-dev',
        retention_in_days: 365, // PCI DSS 10.7: a year of audit history
        kms_key_id: `${ref('aws_kms_key', json)}.arn}`,
      });
    });

    it('has a least-privilege role: no wildcard actions, wildcard resources only for X-Ray', () => {
      const roles = resourcesOf(json, 'aws_iam_role');
      const lambdaRole = roles.find((r) => r.name === 'tap-dr-processor-dev');
      expect(JSON.parse(lambdaRole!.assume_role_policy).Statement[0].Principal).toEqual({
        Service: 'lambda.amazonaws.com',
      });
      const policy = rolePolicy(json, 'transaction-processor');
      for (const s of policy.Statement) {
        for (const a of s.Action) expect(a).not.toMatch(/\*/);
        if (s.Resource === '*') expect(s.Action.every((a: string) => a.startsWith('xray:'))).toBe(true);
      }
      const bySid = Object.fromEntries(policy.Statement.map((s: any) => [s.Sid, s.Resource]));
      const table = `arn:${PARTITION}:dynamodb:us-east-1:${ACCOUNT_ID}:table/transactions-dev`;
      expect(bySid.TransactionsTable).toBe(table);
      // It never queries: no permission on the index (issue: unused dynamodb:Query).
      expect(bySid.TransactionsAccountIndex).toBeUndefined();
      expect(policy.Statement.flatMap((st: any) => st.Action)).not.toContain('dynamodb:Query');
      expect(bySid.TransactionDocuments).toBe(`${DOCS_ARN}/documents/*`);
      expect(bySid.FunctionEnvironment).toBe('${aws_kms_key.keys_primary.arn}');
      const st = Object.fromEntries(policy.Statement.map((x: any) => [x.Sid, x]));
      // The key generates data keys only through S3 for this bucket, and through DynamoDB.
      expect(st.DocumentsKeyThroughS3.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': 's3.us-east-1.amazonaws.com',
          'kms:EncryptionContext:aws:s3:arn': DOCS_ARN,
        },
      });
      expect(st.TableKeyThroughDynamoDB.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com',
          'kms:EncryptionContext:aws:dynamodb:tableName': 'transactions-dev',
          'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT_ID,
        },
      });
      // Exactly these actions: no GetItem (never called), no sns:Publish (the Errors alarm is the pager);
      // ConditionCheckItem for the claim's transaction, GetObject only for HeadObject after a 412.
      expect(policy.Statement.find((x: any) => x.Sid === 'TransactionsTable').Action).toEqual([
        'dynamodb:ConditionCheckItem',
        'dynamodb:PutItem',
      ]);
      expect(st.TransactionDocuments.Action).toEqual(['s3:GetObject', 's3:PutObject']);
      const actions = policy.Statement.flatMap((x: any) => x.Action);
      expect(actions).not.toContain('dynamodb:GetItem');
      expect(actions.filter((a: string) => a.startsWith('sns:'))).toEqual([]);
      expect(bySid.OwnLogGroup).toMatch(/:log-group:\/aws\/lambda\/transaction-processor-dev:\*$/);
    });
  });

  describe('alerts and alarms', () => {
    it('encrypts the alert topic with our key and adds no subscription by default', () => {
      expect(synth).toHaveResourceWithProperties(SnsTopic, {
        name: 'tap-dr-alerts-dev',
        kms_master_key_id: `${ref('aws_kms_key', json)}.arn}`,
      });
      expect(synth).not.toHaveResource(SnsTopicSubscription);
    });

    it.each([
      ['dynamodb-throttles', undefined],
      ['lambda-errors', 'Errors'],
      ['lambda-throttles', 'Throttles'],
      ['replication-latency', 'ReplicationLatency'],
    ])('alarm %s notifies the topic on ALARM and OK and treats missing data explicitly', (what, metric) => {
      const topic = `${ref('aws_sns_topic', json)}.arn}`;
      const alarm = resourcesOf(json, 'aws_cloudwatch_metric_alarm').find((a) => a.alarm_name === `tap-dr-dev.${what}`);
      expect(alarm).toEqual(
        expect.objectContaining({
          alarm_actions: [topic],
          ok_actions: [topic],
          treat_missing_data: expect.any(String),
        }),
      );
      if (metric) expect(alarm!.metric_name).toBe(metric);
    });

    it('sums read and write throttles of the table', () => {
      const alarm = resourcesOf(json, 'aws_cloudwatch_metric_alarm').find(
        (a) => a.alarm_name === 'tap-dr-dev.dynamodb-throttles',
      )!;
      const metrics = alarm.metric_query.filter((q: any) => q.metric).map((q: any) => q.metric);
      expect(metrics.map((m: any) => m.metric_name).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
      for (const m of metrics) expect(m.dimensions).toEqual({ TableName: `${ref('aws_dynamodb_table', json)}.name}` });
    });

    it('watches replication into the secondary region against the 60 s RPO budget', () => {
      expect(synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        metric_name: 'ReplicationLatency',
        threshold: 60000,
        dimensions: { TableName: `${ref('aws_dynamodb_table', json)}.name}`, ReceivingRegion: 'us-west-2' },
      });
    });
  });

  describe('cross-region role', () => {
    it('is not created unless CROSS_REGION_TRUSTED_PRINCIPALS names someone: nothing trusts the account root', () => {
      expect(resourcesOf(json, 'aws_iam_role').map((r) => r.name)).not.toContain('tap-dr-cross-region-dev');
      expect(json.output.CrossRegionRoleArn).toBeUndefined();
      for (const r of resourcesOf(json, 'aws_iam_role')) expect(r.assume_role_policy).not.toMatch(/:root/);
    });

    describe('with trusted principals', () => {
      const principals = [
        'arn:aws:iam::111122223333:role/failover-automation',
        'arn:aws:iam::111122223333:role/break-glass',
      ];
      const configured = synthStack({ CROSS_REGION_TRUSTED_PRINCIPALS: principals.join(',') }).json;
      const role = resourcesOf(configured, 'aws_iam_role').find((r) => r.name === 'tap-dr-cross-region-dev')!;
      const policy = rolePolicy(configured, 'cross-region-access');
      const bySid = Object.fromEntries(policy.Statement.map((st: any) => [st.Sid, st]));

      it('trusts exactly those roles, with no external id to guess', () => {
        expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
          {
            Sid: 'ConfiguredPrincipalsOnly',
            Effect: 'Allow',
            Principal: { AWS: principals },
            Action: ['sts:AssumeRole'],
          },
        ]);
        expect(configured.output.CrossRegionRoleArn.value).toMatch(/^\$\{aws_iam_role\./);
      });

      it('reads the table in both regions but writes only through the processor', () => {
        const actions = policy.Statement.flatMap((st: any) => st.Action);
        expect(actions).not.toContain('dynamodb:PutItem');
        expect(actions.filter((a: string) => a.startsWith('dynamodb:')).sort()).toEqual([
          'dynamodb:DescribeTable',
          'dynamodb:GetItem',
          'dynamodb:Query',
        ]);
        const tables = bySid.ReadTransactionsTableInBothRegions.Resource;
        expect(tables.some((r: string) => r.includes(':dynamodb:us-east-1:'))).toBe(true);
        expect(tables.some((r: string) => r.includes(':dynamodb:us-west-2:'))).toBe(true);
        expect(
          bySid.ProcessorInBothRegions.Resource.map((r: string) =>
            r.replace(/^.*:lambda:([a-z0-9-]+):.*:function:(.*)$/, '$1 $2'),
          ),
        ).toEqual(['us-east-1 transaction-processor-dev', 'us-west-2 transaction-processor-dev']);
      });

      it('uses each key only through DynamoDB in its own region', () => {
        expect(bySid.PrimaryKeyThroughDynamoDB).toEqual(
          expect.objectContaining({
            Resource: '${aws_kms_key.keys_primary.arn}',
            Condition: {
              StringEquals: {
                'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com',
                'kms:EncryptionContext:aws:dynamodb:tableName': 'transactions-dev',
                'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT_ID,
              },
            },
          }),
        );
        expect(bySid.SecondaryKeyThroughDynamoDB).toEqual(
          expect.objectContaining({
            Resource: '${aws_kms_replica_key.keys_secondary.arn}',
            Condition: {
              StringEquals: {
                'kms:ViaService': 'dynamodb.us-west-2.amazonaws.com',
                'kms:EncryptionContext:aws:dynamodb:tableName': 'transactions-dev',
                'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT_ID,
              },
            },
          }),
        );
      });
    });
  });

  describe('outputs', () => {
    it("carries the seed's 13 outputs, each with a description", () => {
      // CrossRegionRoleArn only with trusted principals (see the cross-region role tests).
      for (const id of SEED_OUTPUTS.filter((o) => o !== 'CrossRegionRoleArn')) {
        expect(json.output[id]).toBeDefined();
        expect(json.output[id].description!.length).toBeGreaterThan(15);
        expect(json.output[id].value).toMatch(/^\$\{(aws_|data\.)/);
      }
      expect(json.output.KMSKeyId.value).toBe(`${ref('aws_kms_key', json)}.key_id}`);
      expect(json.output.SecondaryKMSKeyArn.value).toBe(`${ref('aws_kms_replica_key', json)}.arn}`);
    });
  });

  describe('state', () => {
    it('uses the local backend by default', () => {
      // Beside cdktf.out/, never in it: cdktf-cli deletes stack directories (src/state-backend.ts).
      expect(json.terraform.backend).toEqual({
        local: {
          path: '../../../terraform.tap-dr-dev.tfstate',
          workspace_dir: '../../../terraform.tap-dr-dev.tfstate.d',
        },
      });
    });

    it('requires Terraform 1.10, which S3-native state locking needs', () => {
      expect(json.terraform.required_version).toBe('>= 1.10');
    });
  });

  it('puts the suffix in every physical name', () => {
    const named = [
      ...resourcesOf(json, 'aws_kms_alias').map((r) => r.name),
      ...resourcesOf(json, 'aws_dynamodb_table').map((r) => r.name),
      ...resourcesOf(json, 'aws_s3_bucket').map((r) => r.bucket),
      ...resourcesOf(json, 'aws_lambda_function').map((r) => r.function_name),
      ...resourcesOf(json, 'aws_cloudwatch_log_group').map((r) => r.name),
      ...resourcesOf(json, 'aws_sns_topic').map((r) => r.name),
      ...resourcesOf(json, 'aws_iam_role').map((r) => r.name),
      ...resourcesOf(json, 'aws_cloudwatch_metric_alarm').map((r) => r.alarm_name),
      ...resourcesOf(json, 'aws_cloudtrail').map((r) => r.name),
      ...resourcesOf(json, 'aws_apigatewayv2_api').map((r) => r.name),
      ...resourcesOf(json, 'aws_cloudwatch_event_rule').map((r) => r.name),
    ];
    // Per region: 2 buckets, 3 functions and their 4 log groups, a topic, a trail, 8 alarms,
    // 3 roles, an API, a schedule and 6 watch rules (35); plus 2 replication roles and the key aliases' table (3).
    const perRegion = 2 + 3 + 4 + 1 + 1 + 8 + 3 + 1 + 1 + 6; // buckets, functions, log groups, topic, trail, alarms, roles, API, schedule, watch
    expect(named).toHaveLength(2 * perRegion + 2 + 1 + 2); // + both key aliases, the table, both replication roles
    for (const n of named) expect(n).toMatch(/-dev($|-|\.)/);
  });
});

describe('configured stack', () => {
  it('follows a custom suffix and region pair', () => {
    const { synth, json } = synthStack({
      ENVIRONMENT_SUFFIX: 'pr-42',
      PRIMARY_REGION: 'eu-west-1',
      SECONDARY_REGION: 'eu-central-1',
    });
    expect(synth).toHaveProviderWithProperties(AwsProvider, { region: 'eu-west-1' });
    expect(synth).toHaveProviderWithProperties(AwsProvider, { alias: 'secondary', region: 'eu-central-1' });
    expect(synth).toHaveResourceWithProperties(DynamodbTable, { name: 'transactions-pr-42' });
    expect(byAddress(json, 'aws_dynamodb_table_replica', 'transactions_replica').provider).toBe(SECONDARY);
    expect(byAddress(json, 'aws_s3_bucket', 'primary_documents_bucket').bucket).toMatch(
      /^tap-docs-pr-42-.*-eu-west-1$/,
    );
    expect(byAddress(json, 'aws_s3_bucket', 'secondary_documents_bucket').bucket).toMatch(
      /^tap-docs-pr-42-.*-eu-central-1$/,
    );
  });

  it('RETAIN_ON_DELETE switches on deletion protection (table and replica), prevent_destroy and a 30-day key window', () => {
    const { synth, json } = synthStack({ RETAIN_ON_DELETE: 'true' });
    expect(synth).toHaveResourceWithProperties(DynamodbTable, { deletion_protection_enabled: true });
    expect(byAddress(json, 'aws_dynamodb_table_replica', 'transactions_replica').deletion_protection_enabled).toBe(
      true,
    );
    expect(synth).toHaveResourceWithProperties(KmsKey, { deletion_window_in_days: 30 });
    expect(synth).toHaveResourceWithProperties(KmsReplicaKey, { deletion_window_in_days: 30 });
    expect(synth).toHaveResourceWithProperties(S3Bucket, { force_destroy: false });
    const stateful = [
      'aws_dynamodb_table',
      'aws_dynamodb_table_replica',
      'aws_s3_bucket',
      'aws_kms_key',
      'aws_kms_replica_key',
      'aws_cloudwatch_log_group',
    ];
    for (const type of stateful) {
      const all = resourcesOf(json, type);
      expect(all.length).toBeGreaterThan(0);
      for (const r of all) expect([type, r.lifecycle.prevent_destroy]).toEqual([type, true]);
    }
  });

  it('destroyable by default: no prevent_destroy anywhere', () => {
    const { json } = synthStack();
    for (const byName of Object.values(json.resource)) {
      for (const r of Object.values(byName)) expect(r.lifecycle?.prevent_destroy).toBeUndefined();
    }
  });

  it('sets reserved concurrency only when asked', () => {
    const { synth } = synthStack({ LAMBDA_RESERVED_CONCURRENCY: '25' });
    expect(synth).toHaveResourceWithProperties(LambdaFunction, { reserved_concurrent_executions: 25 });
  });

  it('subscribes the alert email when given', () => {
    const { synth } = synthStack({ ALERT_EMAIL: 'oncall@example.com' });
    expect(synth).toHaveResourceWithProperties(SnsTopicSubscription, {
      protocol: 'email',
      endpoint: 'oncall@example.com',
    });
  });

  it('uses the configured log retention and extra tags', () => {
    const { json } = synthStack({ LOG_RETENTION_DAYS: '731', EXTRA_TAGS: '{"CostCenter":"payments"}' });
    expect(byAddress(json, 'aws_cloudwatch_log_group', 'primary_processor_logs').retention_in_days).toBe(731);
    expect(
      ofBucket(json, 'aws_s3_bucket_lifecycle_configuration', 'primary_audit_trail_bucket').rule[0].expiration,
    ).toEqual([{ days: 731 }]);
    for (const p of json.provider.aws) expect(p.default_tags[0].tags.CostCenter).toBe('payments');
  });

  it('attaches no code-signing config: nothing signs the bundle, and Enforce would refuse the deploy', () => {
    const { json } = synthStack({ RETAIN_ON_DELETE: 'true' });
    expect(json.resource.aws_lambda_code_signing_config).toBeUndefined();
    const fns = resourcesOf(json, 'aws_lambda_function');
    expect(fns).toHaveLength(6);
    for (const f of fns) expect(f.code_signing_config_arn).toBeUndefined();
  });

  it('stores state in S3 with encryption and lock files when TF_STATE_BUCKET is set', () => {
    const { json } = synthStack({ TF_STATE_BUCKET: 'acme-tf-state', TF_STATE_LOCK_TABLE: 'tf-locks' });
    expect(json.terraform.backend).toEqual({
      s3: {
        bucket: 'acme-tf-state',
        key: 'tap-dr/dev/terraform.tfstate',
        region: 'us-east-1',
        encrypt: true,
        use_lockfile: true,
        dynamodb_table: 'tf-locks',
      },
    });
  });

  it("uses Terraform Cloud with STATE_BACKEND=cloud, from Terraform's own variables", () => {
    const { json } = synthStack({
      STATE_BACKEND: 'cloud',
      TF_CLOUD_ORGANIZATION: 'acme',
      TF_WORKSPACE: 'tap-dr-prod',
      TF_CLOUD_PROJECT: 'payments',
    });
    expect(json.terraform.cloud).toEqual({
      hostname: 'app.terraform.io',
      organization: 'acme',
      workspaces: { name: 'tap-dr-prod', project: 'payments' },
    });
    expect(json.terraform.backend).toBeUndefined();
  });
});

it('the longest suffix in the longest region still gives a valid S3 bucket name', () => {
  const name = names.documentsBucket({ suffix: 'a'.repeat(20), account: '123456789012', region: 'ap-southeast-5' });
  expect(name.length).toBeLessThanOrEqual(MAX_BUCKET_NAME_LENGTH);
});

describe('warm standby in the secondary region', () => {
  const { synth, json } = synthStack();
  const secondary = (type: string) => secondaryResourcesOf(json, type);
  const replicaKey = `${ref('aws_kms_replica_key', json)}.arn}`;

  it('runs the same bundle in the secondary region against the local table replica', () => {
    const processorIn = (fns: Array<Record<string, any>>) =>
      fns.find((f) => f.function_name === 'transaction-processor-dev')!;
    const fn = processorIn(secondary('aws_lambda_function'));
    const primary = processorIn(primaryResourcesOf(json, 'aws_lambda_function'));
    expect(fn).toMatchObject({
      function_name: 'transaction-processor-dev',
      runtime: 'nodejs22.x',
      kms_key_arn: replicaKey,
    });
    expect(fn.source_code_hash).toBe(primary.source_code_hash);
    expect(fn.environment.variables.DYNAMODB_TABLE_NAME).toBe(primary.environment.variables.DYNAMODB_TABLE_NAME);
    expect(fn.environment.variables.S3_BUCKET_NAME).toBe('${aws_s3_bucket.secondary_documents_bucket.bucket}');
    expect(fn.environment.variables.DOCUMENTS_KMS_KEY_ARN).toBe(replicaKey);
    const role = resourcesOf(json, 'aws_iam_role').find((r) => r.name === 'tap-dr-processor-dev.standby')!;
    expect(fn.role).toBe(
      `\${aws_iam_role.${Object.entries(json.resource.aws_iam_role).find(([, r]) => r === role)![0]}.arn}`,
    );
    const policy = rolePolicy(json, 'transaction-processor', (p) => p.role.includes('secondary'));
    const bySid = Object.fromEntries(policy.Statement.map((st: any) => [st.Sid, st.Resource]));
    expect(bySid.TransactionsTable).toMatch(/:dynamodb:us-west-2:.*:table\/transactions-dev$/);
    expect(bySid.FunctionEnvironment).toBe(replicaKey);
    expect(bySid.OwnLogGroup).toMatch(/:logs:us-west-2:/);
  });

  it('keeps its own document-access trail under the replica key', () => {
    const [trail] = secondary('aws_cloudtrail');
    expect(trail).toEqual(
      expect.objectContaining({
        kms_key_id: replicaKey,
        s3_bucket_name: '${aws_s3_bucket.secondary_audit_trail_bucket.id}',
      }),
    );
    expect(trail.advanced_event_selector[0].field_selector[2].starts_with).toEqual([
      '${aws_s3_bucket.secondary_documents_bucket.arn}/',
    ]);
    // The ledger's data events in this region are its replica's.
    expect(trail.advanced_event_selector[1].field_selector[2].equals[0]).toMatch(
      /:dynamodb:us-west-2:.*:table\/transactions-dev$/,
    );
  });

  it('encrypts everything in the secondary region with the replica key, which serves its log group and alarms', () => {
    expect(secondary('aws_sns_topic')[0].kms_master_key_id).toBe(replicaKey);
    for (const g of secondary('aws_cloudwatch_log_group')) expect(g.kms_key_id).toBe(replicaKey);
    for (const f of secondary('aws_lambda_function')) expect(f.kms_key_arn).toBe(replicaKey);
    const policy = JSON.parse(resourcesOf(json, 'aws_kms_replica_key')[0].policy);
    const logs = policy.Statement.find((st: any) => st.Sid === 'CloudWatchLogsForRegionLogGroups');
    expect(logs.Principal).toEqual({ Service: 'logs.us-west-2.amazonaws.com' });
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toHaveLength(4);
    for (const arn of logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])
      expect(arn).toMatch(/:logs:us-west-2:/);
  });

  it('replicates documents into the secondary bucket, re-encrypted with the replica key, with RTC', () => {
    expect(synth).toHaveResourceWithProperties(S3BucketReplicationConfigurationA, {
      rule: [
        expect.objectContaining({
          status: 'Enabled',
          source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
          destination: expect.objectContaining({
            encryption_configuration: { replica_kms_key_id: replicaKey },
            replication_time: { status: 'Enabled', time: { minutes: 15 } },
          }),
        }),
      ],
    });
    expect(byAddress(json, 'aws_s3_bucket', 'secondary_documents_bucket').bucket).toMatch(/-us-west-2$/);
    expect(ofBucket(json, 'aws_s3_bucket_versioning', 'secondary_documents_bucket').versioning_configuration).toEqual({
      status: 'Enabled',
    });
    const policy = JSON.parse(
      resourcesOf(json, 'aws_iam_role').find((r) => r.name === 'tap-dr-docs-replication-dev')!.assume_role_policy,
    );
    expect(policy.Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    // Confused deputy: S3 may assume it only to replicate this account's documents bucket.
    expect(policy.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.account.account_id}' },
      ArnLike: { 'aws:SourceArn': DOCS_ARN },
    });
  });

  it('alarms on its own region, including replication back into the primary', () => {
    const alarms = secondary('aws_cloudwatch_metric_alarm');
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual([
      'tap-dr-dev.document-replication-failed-standby',
      'tap-dr-dev.document-replication-latency-standby',
      'tap-dr-dev.dynamodb-throttles-standby',
      'tap-dr-dev.heartbeat-staleness-standby',
      'tap-dr-dev.lambda-errors-standby',
      'tap-dr-dev.lambda-throttles-standby',
      'tap-dr-dev.region-health-standby',
      'tap-dr-dev.replication-latency-standby',
    ]);
    expect(
      alarms.find((a) => a.namespace === 'AWS/DynamoDB' && a.metric_name === 'ReplicationLatency')!.dimensions
        .ReceivingRegion,
    ).toBe('us-east-1');
    const topic = `\${aws_sns_topic.${Object.entries(json.resource.aws_sns_topic).find(([, t]) => t.provider === 'aws.secondary')![0]}.arn}`;
    for (const a of alarms) expect(a.alarm_actions).toEqual([topic]);
  });

  it('is left out with STANDBY_PROCESSOR=false: only the replica key remains in the secondary region', () => {
    const off = synthStack({ STANDBY_PROCESSOR: 'false' }).json;
    expect(secondaryResourceTypes(off)).toEqual(['aws_dynamodb_table_replica', 'aws_kms_alias', 'aws_kms_replica_key']);
    expect(off.output.StandbyLambdaFunctionArn).toBeUndefined();
    const keyPolicy = JSON.parse(resourcesOf(off, 'aws_kms_replica_key')[0].policy);
    expect(keyPolicy.Statement.map((st: any) => st.Sid)).toEqual(['AccountAdministersKey']);
  });
});
