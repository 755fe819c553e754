import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  GetItemCommand,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeKeyCommand,
  EncryptCommand,
  DecryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { RegionClients, xmlValues } from '../../emulator/aws';
import { StateResource } from '../../harness/terraform';

/**
 * What exists in each region, asked of the emulator through the AWS APIs. Terraform's state only
 * says what to look for: every managed resource of a known type is looked up in its own region
 * and compared with the values Terraform meant to set. Types without a check here are returned,
 * so a new resource shows up in the test output instead of silently passing.
 */

const json = (s: string) => JSON.parse(s);
const sameJson = (a: string | undefined, b: string | undefined) => expectEqual(a && json(a), b && json(b));

/** JSON with object keys sorted: equal values compare equal whatever order the API returns. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );

function expectEqual(actual: unknown, expected: unknown, what = ''): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function expectTrue(cond: unknown, what: string): void {
  if (!cond) throw new Error(what);
}

type Checker = (r: StateResource, clients: (region: string) => RegionClients, all: StateResource[]) => Promise<void>;

const byType: Record<string, Checker> = {
  async aws_kms_key(r, c) {
    const { kms } = c(r.region);
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: r.values.key_id }))).KeyMetadata!;
    expectEqual(md.KeyState, 'Enabled', `${r.address} state`);
    expectEqual(md.MultiRegion, r.values.multi_region, `${r.address} multi-Region`);
    if (md.MultiRegion)
      expectEqual(md.MultiRegionConfiguration?.MultiRegionKeyType, 'PRIMARY', `${r.address} key type`);
    expectEqual(md.Description, r.values.description, `${r.address} description`);
    sameJson(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: r.values.key_id, PolicyName: 'default' }))).Policy,
      r.values.policy,
    );
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: r.values.key_id }));
    expectEqual(rotation.KeyRotationEnabled, r.values.enable_key_rotation, `${r.address} rotation`);
  },
  async aws_kms_replica_key(r, c, all) {
    const { kms } = c(r.region);
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: r.values.key_id }))).KeyMetadata!;
    expectEqual(md.KeyState, 'Enabled', `${r.address} state`);
    expectEqual(md.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA', `${r.address} key type`);
    expectEqual(md.MultiRegionConfiguration?.PrimaryKey?.Arn, r.values.primary_key_arn, `${r.address} primary`);
    expectEqual(md.Description, r.values.description, `${r.address} description`);
    sameJson(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: r.values.key_id, PolicyName: 'default' }))).Policy,
      r.values.policy,
    );
    // Same key material: what the primary encrypts, the replica decrypts in its own region.
    const primary = all.find((k) => k.type === 'aws_kms_key' && k.values.arn === r.values.primary_key_arn)!;
    const blob = (
      await c(primary.region).kms.send(
        new EncryptCommand({ KeyId: primary.values.arn, Plaintext: Buffer.from('tap-dr') }),
      )
    ).CiphertextBlob!;
    const plain = await kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: r.values.arn }));
    expectEqual(Buffer.from(plain.Plaintext!).toString(), 'tap-dr', `${r.address} decrypts the primary's ciphertext`);
  },
  async aws_kms_alias(r, c) {
    const aliases = (await c(r.region).kms.send(new ListAliasesCommand({}))).Aliases ?? [];
    const alias = aliases.find((a) => a.AliasName === r.values.name);
    expectTrue(alias, `${r.address}: no alias ${r.values.name} in ${r.region}`);
    expectEqual(alias!.TargetKeyId, r.values.target_key_id, `${r.address} target`);
  },
  async aws_dynamodb_table(r, c) {
    const name = r.values.name;
    const table = (await c(r.region).dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!;
    expectEqual(table.TableStatus, 'ACTIVE', `${r.address} status`);
    expectEqual(
      table.SSEDescription?.KMSMasterKeyArn,
      r.values.server_side_encryption[0].kms_key_arn,
      `${r.address} key`,
    );
    expectEqual(
      !!table.DeletionProtectionEnabled,
      !!r.values.deletion_protection_enabled,
      `${r.address} deletion protection`,
    );
    expectEqual(table.StreamSpecification?.StreamViewType, r.values.stream_view_type, `${r.address} stream`);
    const pitr = async (region: string) =>
      (await c(region).dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name })))
        .ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    if (r.values.point_in_time_recovery?.[0]?.enabled)
      expectEqual(await pitr(r.region), 'ENABLED', `${r.address} PITR`);
    for (const replica of r.values.replica ?? []) {
      const listed = (table.Replicas ?? []).find((x) => x.RegionName === replica.region_name);
      expectTrue(
        listed,
        `${r.address}: replica ${replica.region_name} not listed in ${JSON.stringify(table.Replicas)}`,
      );
      expectEqual(listed!.ReplicaStatus, 'ACTIVE', `${r.address} replica status`);
      expectEqual(listed!.KMSMasterKeyId, replica.kms_key_arn, `${r.address} replica key (as listed)`);
      const there = (await c(replica.region_name).dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!;
      expectEqual(there.SSEDescription?.KMSMasterKeyArn, replica.kms_key_arn, `${r.address} replica's own key`);
      if (replica.point_in_time_recovery)
        expectEqual(await pitr(replica.region_name), 'ENABLED', `${r.address} replica PITR`);
    }
  },
  async aws_s3_bucket(r, c) {
    await c(r.region).s3.send(new HeadBucketCommand({ Bucket: r.values.bucket }));
  },
  async aws_s3_bucket_versioning(r, c) {
    const v = await c(r.region).s3.send(new GetBucketVersioningCommand({ Bucket: r.values.bucket }));
    expectEqual(v.Status, r.values.versioning_configuration[0].status, `${r.address}`);
  },
  async aws_s3_bucket_server_side_encryption_configuration(r, c) {
    const e = await c(r.region).s3.send(new GetBucketEncryptionCommand({ Bucket: r.values.bucket }));
    const rule = e.ServerSideEncryptionConfiguration!.Rules![0];
    const want = r.values.rule[0].apply_server_side_encryption_by_default[0];
    expectEqual(rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, want.sse_algorithm, `${r.address} algorithm`);
    expectEqual(rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID, want.kms_master_key_id, `${r.address} key`);
  },
  async aws_s3_bucket_policy(r, c) {
    sameJson(
      (await c(r.region).s3.send(new GetBucketPolicyCommand({ Bucket: r.values.bucket }))).Policy,
      r.values.policy,
    );
  },
  async aws_s3_bucket_public_access_block(r, c) {
    const p = (await c(r.region).s3.send(new GetPublicAccessBlockCommand({ Bucket: r.values.bucket })))
      .PublicAccessBlockConfiguration!;
    expectEqual(
      [p.BlockPublicAcls, p.BlockPublicPolicy, p.IgnorePublicAcls, p.RestrictPublicBuckets],
      [
        r.values.block_public_acls,
        r.values.block_public_policy,
        r.values.ignore_public_acls,
        r.values.restrict_public_buckets,
      ],
      r.address,
    );
  },
  async aws_s3_bucket_lifecycle_configuration(r, c) {
    const l = await c(r.region).s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: r.values.bucket }));
    expectEqual((l.Rules ?? []).map((x) => x.ID).sort(), r.values.rule.map((x: any) => x.id).sort(), r.address);
  },
  async aws_s3_bucket_replication_configuration(r, c) {
    const rc = (await c(r.region).s3.send(new GetBucketReplicationCommand({ Bucket: r.values.bucket })))
      .ReplicationConfiguration!;
    expectEqual(rc.Role, r.values.role, `${r.address} role`);
    for (const want of r.values.rule) {
      const got = rc.Rules!.find((x) => x.ID === want.id)!;
      expectTrue(got, `${r.address}: no rule ${want.id}`);
      expectEqual(got.Destination?.Bucket, want.destination[0].bucket, `${r.address} destination`);
      expectEqual(
        got.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID,
        want.destination[0].encryption_configuration?.[0]?.replica_kms_key_id,
        `${r.address} replica key`,
      );
      expectEqual(
        got.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status,
        want.source_selection_criteria?.[0]?.sse_kms_encrypted_objects?.[0]?.status,
        `${r.address} SSE-KMS objects`,
      );
    }
  },
  async aws_lambda_function(r, c) {
    const res = await c(r.region).rest(
      'lambda',
      'GET',
      `/2015-03-31/functions/${r.values.function_name}/configuration`,
    );
    expectEqual(res.status, 200, `${r.address} exists`);
    const f = res.json;
    expectEqual(f.Role, r.values.role, `${r.address} role`);
    expectEqual(f.KMSKeyArn ?? null, r.values.kms_key_arn || null, `${r.address} key`);
    expectEqual(f.Environment?.Variables ?? {}, r.values.environment?.[0]?.variables ?? {}, `${r.address} environment`);
    expectEqual(
      [f.Runtime, f.Handler, f.CodeSha256],
      [r.values.runtime, r.values.handler, r.values.source_code_hash],
      `${r.address} code`,
    );
  },
  async aws_iam_role(r, c) {
    const xml = await c(r.region).query('iam', { Action: 'GetRole', RoleName: r.values.name, Version: '2010-05-08' });
    expectEqual(xmlValues(xml, 'Arn')[0], r.values.arn, r.address);
  },
  async aws_iam_role_policy(r, c) {
    const [role, name] = [r.values.role, r.values.name];
    await c(r.region).query('iam', {
      Action: 'GetRolePolicy',
      RoleName: role,
      PolicyName: name,
      Version: '2010-05-08',
    });
  },
  async aws_iam_role_policy_attachment(r, c) {
    const xml = await c(r.region).query('iam', {
      Action: 'ListAttachedRolePolicies',
      RoleName: r.values.role,
      Version: '2010-05-08',
    });
    expectTrue(
      xmlValues(xml, 'PolicyArn').includes(r.values.policy_arn),
      `${r.address}: ${r.values.policy_arn} not attached`,
    );
  },
  async aws_sns_topic(r, c) {
    const a = (await c(r.region).sns.send(new GetTopicAttributesCommand({ TopicArn: r.values.arn }))).Attributes!;
    expectEqual(a.KmsMasterKeyId ?? '', r.values.kms_master_key_id ?? '', `${r.address} key`);
  },
  async aws_cloudwatch_metric_alarm(r, c) {
    const xml = await c(r.region).query('monitoring', {
      Action: 'DescribeAlarms',
      'AlarmNames.member.1': r.values.alarm_name,
      Version: '2010-08-01',
    });
    expectEqual(xmlValues(xml, 'AlarmName'), [r.values.alarm_name], r.address);
    for (const action of r.values.alarm_actions ?? [])
      expectTrue(xml.includes(action), `${r.address}: no action ${action}`);
  },
  async aws_cloudwatch_log_group(r, c) {
    const out = await c(r.region).json('logs', 'Logs_20140328.DescribeLogGroups', {
      logGroupNamePrefix: r.values.name,
    });
    const g = out.logGroups.find((x: any) => x.logGroupName === r.values.name);
    expectTrue(g, `${r.address}: no log group ${r.values.name}`);
    if (r.values.retention_in_days)
      expectEqual(g.retentionInDays, r.values.retention_in_days, `${r.address} retention`);
  },
};

/** Checks every resource in state against the emulator; returns the types nothing here checks. */
export async function checkDeployed(
  resources: StateResource[],
  clients: (region: string) => RegionClients,
): Promise<string[]> {
  const unchecked = new Set<string>();
  const failures: string[] = [];
  await Promise.all(
    resources.map(async (r) => {
      const check = byType[r.type];
      if (!check) return void unchecked.add(r.type);
      try {
        await check(r, clients, resources);
      } catch (e) {
        failures.push(`${r.address} (${r.region}): ${(e as Error).message}`);
      }
    }),
  );
  if (failures.length) throw new Error(`deployed resources differ from the configuration:\n  ${failures.join('\n  ')}`);
  return [...unchecked].sort();
}

/** Everything still present in a region, per service (customer-managed keys count until they are pending deletion). */
export async function leftovers(c: RegionClients): Promise<Record<string, string[]>> {
  const keys = (await c.kms.send(new ListKeysCommand({}))).Keys ?? [];
  // AWS-managed keys (alias/aws/*) are created by services on first use and are never the stack's.
  const awsManaged = new Set(
    ((await c.kms.send(new ListAliasesCommand({}))).Aliases ?? [])
      .filter((a) => a.AliasName!.startsWith('alias/aws/'))
      .map((a) => a.TargetKeyId),
  );
  const liveKeys: string[] = [];
  for (const k of keys.filter((x) => !awsManaged.has(x.KeyId))) {
    const md = (await c.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    if (md.KeyManager === 'CUSTOMER' && md.KeyState !== 'PendingDeletion')
      liveKeys.push(`${md.KeyId} (${md.KeyState})`);
  }
  const aliases = ((await c.kms.send(new ListAliasesCommand({}))).Aliases ?? [])
    .map((a) => a.AliasName!)
    .filter((a) => !a.startsWith('alias/aws/'));
  const tables = (await c.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
  const buckets = ((await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);
  const functions = ((await c.rest('lambda', 'GET', '/2015-03-31/functions/')).json?.Functions ?? []).map(
    (f: any) => f.FunctionName,
  );
  const topics = ((await c.sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn!);
  const alarms = xmlValues(
    await c.query('monitoring', { Action: 'DescribeAlarms', Version: '2010-08-01' }),
    'AlarmName',
  );
  const logGroups = ((await c.json('logs', 'Logs_20140328.DescribeLogGroups', {})).logGroups ?? []).map(
    (g: any) => g.logGroupName,
  );
  const roles = xmlValues(await c.query('iam', { Action: 'ListRoles', Version: '2010-05-08' }), 'RoleName');
  return {
    kmsKeys: liveKeys,
    kmsAliases: aliases,
    dynamodbTables: tables,
    s3Buckets: buckets,
    lambdaFunctions: functions,
    snsTopics: topics,
    cloudwatchAlarms: alarms,
    logGroups,
    iamRoles: roles,
  };
}

/** Days until each pending-deletion customer key is deleted (the KMS waiting period in effect). */
export async function pendingDeletionDays(c: RegionClients): Promise<number[]> {
  const keys = (await c.kms.send(new ListKeysCommand({}))).Keys ?? [];
  const days: number[] = [];
  for (const k of keys) {
    const md = (await c.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
    if (md.KeyState === 'PendingDeletion' && md.DeletionDate)
      days.push(Math.round((md.DeletionDate.getTime() - Date.now()) / 86_400_000));
  }
  return days;
}

export { GetItemCommand };
