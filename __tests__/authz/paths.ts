/**
 * The calls AWS services make: on the functions' behalf (the KMS calls behind a DynamoDB, S3 or
 * Lambda call) and on their own (CloudWatch Logs, alarms, replication, CloudTrail, the scheduler,
 * API Gateway, FIS), each built from the request shape AWS documents, with the page it comes from.
 * The policy engine fills in no request context: without these, no KMS statement would ever be
 * evaluated.
 *
 * Adding a path is one entry of SERVICE_PATHS: a name, the AWS page, and the calls it makes in a
 * deliverable (from `world.facts`).
 */
import { CorpusCall } from '../../scripts/record-calls';
import { Call } from './engine';
import { ACCOUNT, keyArn, REGIONS, tierOfArn, TRUSTED_PRINCIPALS, World } from './world';

const region = (arn: string) => arn.split(':')[3];
const bucketOf = (objectArn: string) => objectArn.split('/')[0];

export const FORWARDED_SOURCES = {
  dynamodb: 'https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-encryption-context',
  s3: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context',
  s3BucketKey:
    'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html#bucket-key-kms-encryption-context',
} as const;

/**
 * The KMS calls a service makes with the caller's credentials for one recorded call:
 * - DynamoDB decrypts the table key (cached for a while, so any call may need it) under the
 *   table's key, with the context {aws:dynamodb:tableName, aws:dynamodb:subscriberId} and
 *   kms:ViaService dynamodb.<region>.amazonaws.com (FORWARDED_SOURCES.dynamodb).
 * - S3 calls GenerateDataKey for an SSE-KMS PutObject and Decrypt for a GetObject (HeadObject
 *   reads metadata only), with kms:ViaService s3.<region>.amazonaws.com; with an S3 Bucket Key
 *   (the processor sends BucketKeyEnabled, lambda/processor.ts) the context is the bucket's ARN
 *   (FORWARDED_SOURCES.s3, s3BucketKey).
 */
export function forwardedCalls(c: CorpusCall, principal: string): Call[] {
  const name = (what: string) => `${c.function}/${c.tier} ${c.operation} -> ${what}`;
  if (c.action?.startsWith('dynamodb:') && c.resource) {
    const [, table] = c.resource.split(':table/');
    const r = region(c.resource);
    return [
      {
        name: name('DynamoDB decrypts the table key'),
        principal,
        action: 'kms:Decrypt',
        resource: keyArn(tierOfArn(c.resource)),
        context: {
          'kms:ViaService': `dynamodb.${r}.amazonaws.com`,
          'kms:EncryptionContext:aws:dynamodb:tableName': table.split('/')[0],
          'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT,
        },
      },
    ];
  }
  const s3Kms =
    c.action === 's3:PutObject' ? 'kms:GenerateDataKey' : c.operation === 's3:GET object' ? 'kms:Decrypt' : undefined;
  if (s3Kms && c.resource) {
    const bucket = bucketOf(c.resource);
    const named = c.context['s3:x-amz-server-side-encryption-aws-kms-key-id'];
    const tier = bucket.endsWith(REGIONS.primary) ? 'primary' : 'secondary';
    return [
      {
        name: name(`S3 ${s3Kms === 'kms:Decrypt' ? 'decrypts' : 'encrypts'} the document`),
        principal,
        action: s3Kms,
        resource: typeof named === 'string' ? named : keyArn(tier),
        context: { 'kms:ViaService': `s3.${REGIONS[tier]}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': bucket },
      },
    ];
  }
  return [];
}

export interface ServicePath {
  readonly name: string;
  /** The AWS page the request shape comes from. */
  readonly source: string;
  calls(world: World): Call[];
}

const lambdaRuntime: ServicePath[] = [
  {
    name: 'Lambda assumes each function role',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html',
    calls: (w) =>
      w.facts.functions.map((f) => ({
        name: `lambda.amazonaws.com assumes ${f.fn}/${f.tier}'s role`,
        principal: 'lambda.amazonaws.com',
        action: 'sts:AssumeRole',
        resource: f.role,
        context: {},
      })),
  },
  {
    name: "Lambda writes each function's logs with its execution role",
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html',
    calls: (w) =>
      w.facts.functions.flatMap((f) =>
        ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({
          name: `${f.fn}/${f.tier} ${action}`,
          principal: f.role,
          action,
          resource: `arn:aws:logs:${region(f.arn)}:${ACCOUNT}:log-group:/aws/lambda/${f.arn.split(':function:')[1]}:log-stream:2026/01/01/[$LATEST]0123`,
          context: {},
        })),
      ),
  },
  {
    name: 'Lambda sends the traces of an actively traced function with its execution role',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html',
    calls: (w) =>
      w.facts.functions
        .filter((f) => f.tracing)
        .flatMap((f) =>
          ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) => ({
            name: `${f.fn}/${f.tier} ${action}`,
            principal: f.role,
            action,
            resource: '*',
            context: {},
          })),
        ),
  },
  {
    name: "Lambda decrypts a function's environment under its key, with the function's execution role",
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html',
    calls: (w) =>
      w.facts.functions
        .filter((f) => f.envKey)
        .map((f) => ({
          name: `${f.fn}/${f.tier} environment`,
          principal: f.role,
          action: 'kms:Decrypt',
          resource: f.envKey!,
          context: {
            'kms:ViaService': `lambda.${region(f.arn)}.amazonaws.com`,
            'kms:EncryptionContext:aws:lambda:FunctionArn': f.arn,
          },
        })),
  },
];

const logsAndAlarms: ServicePath[] = [
  {
    name: 'CloudWatch Logs encrypts and decrypts each log group under its key',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
    calls: (w) =>
      w.facts.logGroups.flatMap((g) =>
        ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
          name: `${g.arn} ${action}`,
          principal: `logs.${region(g.arn)}.amazonaws.com`,
          action,
          resource: g.key,
          context: { 'kms:EncryptionContext:aws:logs:arn': g.arn },
        })),
      ),
  },
  {
    name: 'CloudWatch alarms publish to the encrypted alert topic',
    source: 'https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services',
    calls: (w) =>
      w.facts.alarms.flatMap((a) =>
        a.actions.flatMap((topicArn) => {
          const topic = w.facts.topics.find((t) => t.arn === topicArn);
          const context = { 'aws:SourceArn': a.arn, 'aws:SourceAccount': ACCOUNT, 'aws:SourceOwner': ACCOUNT };
          // SNS asks KMS on the publisher's behalf in the topic's encryption context (aws:sns:topicArn).
          const kms = ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
            name: `${a.arn} -> ${action}`,
            principal: 'cloudwatch.amazonaws.com',
            action,
            resource: topic?.key ?? `no topic ${topicArn}`,
            context: { ...context, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
          }));
          return [
            {
              name: `${a.arn} -> sns:Publish`,
              principal: 'cloudwatch.amazonaws.com',
              action: 'sns:Publish',
              resource: topicArn,
              context,
            },
            ...kms,
          ];
        }),
      ),
  },
];

const replicationAndTrails: ServicePath[] = [
  {
    name: 'S3 replicates documents in both directions: the role, both buckets and both keys',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html',
    calls: (w) =>
      w.facts.replications.flatMap((r) => {
        const obj = (b: string) => `${b}/documents/acct-1/t-1/0123`;
        const as = (action: string, resource: string, context = {}) => ({
          name: `${r.source} -> ${r.destination} ${action}`,
          principal: r.role,
          action,
          resource,
          context,
        });
        const s3Context = (bucket: string) => ({
          'kms:ViaService': `s3.${bucket.split('-').slice(-3).join('-')}.amazonaws.com`,
          'kms:EncryptionContext:aws:s3:arn': bucket,
        });
        return [
          {
            name: `s3.amazonaws.com assumes ${r.role}`,
            principal: 's3.amazonaws.com',
            action: 'sts:AssumeRole',
            resource: r.role,
            context: { 'aws:SourceArn': r.source, 'aws:SourceAccount': ACCOUNT },
          },
          as('s3:GetReplicationConfiguration', r.source),
          as('s3:ListBucket', r.source),
          ...['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'].map((a) =>
            as(a, obj(r.source)),
          ),
          ...['s3:ReplicateObject', 's3:ReplicateTags'].map((a) => as(a, obj(r.destination))),
          as('kms:Decrypt', r.sourceKey, s3Context(r.source)),
          as('kms:GenerateDataKey', r.destinationKey, s3Context(r.destination)),
          as('kms:Encrypt', r.destinationKey, s3Context(r.destination)),
        ];
      }),
  },
  {
    name: 'CloudTrail writes its log files to its bucket under its key',
    source: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html',
    calls: (w) =>
      w.facts.trails.flatMap((t) => {
        const context = { 'aws:SourceArn': t.arn, 'aws:SourceAccount': ACCOUNT };
        const as = (action: string, resource: string, extra = {}) => ({
          name: `${t.arn} ${action}`,
          principal: 'cloudtrail.amazonaws.com',
          action,
          resource,
          context: { ...context, ...extra },
        });
        return [
          as('s3:GetBucketAcl', t.bucket),
          as('s3:PutObject', `${t.bucket}/AWSLogs/${ACCOUNT}/CloudTrail/${region(t.arn)}/2026/01/01/log.json.gz`, {
            's3:x-amz-acl': 'bucket-owner-full-control',
          }),
          // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
          as('kms:GenerateDataKey', t.key, { 'kms:EncryptionContext:aws:cloudtrail:arn': t.arn }),
          as('kms:DescribeKey', t.key),
        ];
      }),
  },
];

const invokers: ServicePath[] = [
  {
    name: 'The EventBridge schedule invokes the heartbeat',
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions',
    calls: (w) =>
      w.facts.schedules
        .filter((s) => s.function.startsWith('arn:aws:lambda:'))
        .map((s) => ({
          name: `${s.rule} invokes ${s.function}`,
          principal: 'events.amazonaws.com',
          action: 'lambda:InvokeFunction',
          resource: s.function,
          context: { 'aws:SourceArn': s.rule, 'aws:SourceAccount': ACCOUNT },
        })),
  },
  {
    name: 'EventBridge recovery-control rules publish to the encrypted alert topic',
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions',
    calls: (w) =>
      w.facts.schedules
        .filter((s) => s.function.startsWith('arn:aws:sns:'))
        .flatMap((s) => {
          const key = w.facts.topics.find((t) => t.arn === s.function)?.key ?? `no topic ${s.function}`;
          const context = { 'aws:SourceArn': s.rule, 'aws:SourceAccount': ACCOUNT, 'aws:SourceOwner': ACCOUNT };
          // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
          return [
            {
              name: `${s.rule} -> sns:Publish`,
              principal: 'events.amazonaws.com',
              action: 'sns:Publish',
              resource: s.function,
              context,
            },
            // SNS asks KMS in the topic's encryption context (aws:sns:topicArn).
            ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
              name: `${s.rule} -> ${action}`,
              principal: 'events.amazonaws.com',
              action,
              resource: key,
              context: { ...context, 'kms:EncryptionContext:aws:sns:topicArn': s.function },
            })),
          ];
        }),
  },
  {
    name: 'API Gateway invokes the processor (POST /transactions) and /health (GET /health)',
    source: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-integration.html',
    calls: (w) =>
      w.facts.apis.flatMap((api) =>
        (
          [
            ['processor', 'POST/transactions'],
            ['health', 'GET/health'],
          ] as const
        ).flatMap(([fn, route]) =>
          w.facts.functions
            .filter((f) => f.fn === fn && f.tier === api.tier)
            .map((f) => ({
              name: `${route} in ${api.tier} invokes ${f.arn}`,
              principal: 'apigateway.amazonaws.com',
              action: 'lambda:InvokeFunction',
              resource: f.arn,
              context: { 'aws:SourceArn': `${api.executeApi}/$default/${route}`, 'aws:SourceAccount': ACCOUNT },
            })),
        ),
      ),
  },
  {
    name: "FIS pauses the table's global-table replication",
    source: 'https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#dynamodb-actions-reference',
    calls: (w) =>
      w.facts.experiments.flatMap((e) => [
        {
          name: `fis.amazonaws.com assumes ${e.role}`,
          principal: 'fis.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: e.role,
          context: {
            'aws:SourceArn': `arn:aws:fis:${REGIONS.secondary}:${ACCOUNT}:experiment/EXP1a2b3c4d5e6f7`,
            'aws:SourceAccount': ACCOUNT,
          },
        },
        ...e.tables.flatMap((table) =>
          [
            'dynamodb:DescribeTable',
            'dynamodb:GetResourcePolicy',
            'dynamodb:PutResourcePolicy',
            'dynamodb:DeleteResourcePolicy',
          ].map((action) => ({ name: `FIS ${action}`, principal: e.role, action, resource: table, context: {} })),
        ),
      ]),
  },
  {
    name: 'Failover automation (CROSS_REGION_TRUSTED_PRINCIPALS) reads the ledger and invokes the processors in both regions',
    source:
      'README.md (CROSS_REGION_TRUSTED_PRINCIPALS); https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html#dynamodb-encryption-context',
    calls: (w) => {
      const role = w.roles.crossRegion;
      if (!role) return [];
      const table = (r: string) => `arn:aws:dynamodb:${r}:${ACCOUNT}:table/transactions-dev`;
      return [
        ...TRUSTED_PRINCIPALS.map((p) => ({
          name: `${p} assumes the cross-region role`,
          principal: p,
          action: 'sts:AssumeRole',
          resource: role,
          context: {},
        })),
        ...Object.entries(REGIONS).flatMap(([tier, r]) => [
          ...['dynamodb:DescribeTable', 'dynamodb:GetItem'].map((action) => ({
            name: `cross-region ${action} in ${r}`,
            principal: role,
            action,
            resource: table(r),
            context: {},
          })),
          {
            name: `cross-region Query in ${r}`,
            principal: role,
            action: 'dynamodb:Query',
            resource: `${table(r)}/index/account-created-index`,
            context: {},
          },
          {
            name: `cross-region invokes the processor in ${r}`,
            principal: role,
            action: 'lambda:InvokeFunction',
            resource: `arn:aws:lambda:${r}:${ACCOUNT}:function:transaction-processor-dev`,
            context: {},
          },
          {
            // DynamoDB decrypts the table key with the caller's credentials (no DescribeKey: that is
            // table creation's, and the table is not the automation's to create).
            name: `cross-region kms:Decrypt through DynamoDB in ${r}`,
            principal: role,
            action: 'kms:Decrypt',
            resource: keyArn(tier as 'primary' | 'secondary'),
            context: {
              'kms:ViaService': `dynamodb.${r}.amazonaws.com`,
              'kms:EncryptionContext:aws:dynamodb:tableName': 'transactions-dev',
              'kms:EncryptionContext:aws:dynamodb:subscriberId': ACCOUNT,
            },
          },
        ]),
      ];
    },
  },
];

/** Every documented service path. (EventBridge -> SNS/KMS for recovery-control alerts: one more entry here.) */
export const SERVICE_PATHS: ServicePath[] = [...lambdaRuntime, ...logsAndAlarms, ...replicationAndTrails, ...invokers];
