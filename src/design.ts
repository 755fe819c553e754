/**
 * Deliverable-neutral design decisions: schemas, function settings, alarm definitions,
 * outputs and IAM policy statements. The Terraform stack and the CloudFormation emitter
 * both render these, so a threshold or an action list changes in exactly one place.
 *
 * No cdktf imports here (the CloudFormation emitter must not load cdktf).
 */
import type { TapConfig } from './config';
import { DEFAULT_CALL_TIMEOUT_MS, DOCUMENT_PREFIX, MAX_AWS_CALLS, PROCESSOR_ENV } from './contract';
import { HANDLERS, HEARTBEAT, heartbeatId, REGIONAL_ENV } from './heartbeat-contract';
import { names, NameParts, PROJECT } from './naming';
export { alarmDimensions, alarmSpecs } from './alarms';
export type { AlarmId, AlarmScope, AlarmSpec } from './alarms';

/** Tags on every resource: the configured extra tags, then the ones tap-dr owns (they win). */
export function standardTags<T>(config: TapConfig, environment: string | T, managedBy: string): Record<string, string | T> {
  return { ...config.extraTags, Project: PROJECT, Environment: environment, ManagedBy: managedBy };
}

/** KMS waiting period: the 7-day minimum keeps test stacks cheap; retained stacks get the 30-day maximum. */
export function kmsDeletionWindowDays(retainOnDelete: boolean): number {
  return retainOnDelete ? 30 : 7;
}

export const table = {
  partitionKey: 'transactionId',
  gsi: { name: 'account-created-index', partitionKey: 'accountId', sortKey: 'createdAt' },
  /** Replication needs both images (the seed's global table requirement). */
  streamViewType: 'NEW_AND_OLD_IMAGES',
  billingMode: 'PAY_PER_REQUEST',
} as const;

/** Attributes, key schema and index in the shape both the DynamoDB API and CloudFormation use. */
export function tableKeySchema() {
  return {
    AttributeDefinitions: [
      { AttributeName: table.partitionKey, AttributeType: 'S' as const },
      { AttributeName: table.gsi.partitionKey, AttributeType: 'S' as const },
      { AttributeName: table.gsi.sortKey, AttributeType: 'S' as const },
    ],
    KeySchema: [{ AttributeName: table.partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: table.gsi.name,
        KeySchema: [
          { AttributeName: table.gsi.partitionKey, KeyType: 'HASH' as const },
          { AttributeName: table.gsi.sortKey, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}

export const processor = {
  runtime: 'nodejs22.x',
  handler: `index.${HANDLERS.processor}`,
  memorySize: 256,
  callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  /** Every AWS call of one invocation at its deadline, plus headroom, so a hung dependency
   *  is reported by the handler (alert, error) rather than cut off by a Lambda timeout. */
  timeoutSeconds: Math.ceil((MAX_AWS_CALLS * DEFAULT_CALL_TIMEOUT_MS) / 1000) + 5,
  tracingMode: 'Active',
  /** Object keys the processor writes under; the role is scoped to this prefix. */
  documentPrefix: DOCUMENT_PREFIX,
} as const;

/** The processor's environment, keyed by the contract's variable names (src/contract.ts). */
export function processorVariables<T>(r: { tableName: T; bucketName: T; topicArn: T; keyArn: T }): Record<string, string | T> {
  return {
    [PROCESSOR_ENV.tableName]: r.tableName,
    [PROCESSOR_ENV.bucketName]: r.bucketName,
    [PROCESSOR_ENV.topicArn]: r.topicArn,
    [PROCESSOR_ENV.documentsKmsKeyArn]: r.keyArn,
    [PROCESSOR_ENV.callTimeoutMs]: String(processor.callTimeoutMs),
  };
}

/** The heartbeat canary and /health: small, quick, and bounded well inside a health checker's timeout. */
/** /health must answer inside Route 53's 2 s, cold starts included: 1 s per call, 256 MB. */
export const regionalFunction = { memorySize: 256, timeoutSeconds: 10, callTimeoutMs: 1000 } as const;

/** The two small functions of every regional tier, by what they are for. */
export const REGIONAL_FUNCTIONS = {
  heartbeat: {
    handler: HANDLERS.heartbeat,
    functionName: names.heartbeatFunction,
    description: "Replication heartbeat: writes this region's beat, publishes the age of the other region's",
    policy: heartbeatPolicy,
  },
  health: {
    handler: HANDLERS.health,
    functionName: names.healthFunction,
    description: 'GET /health: table reachable, key enabled, replication within the RPO target',
    policy: healthPolicy,
  },
} as const;

/** Their environment. An empty peer region: nothing to watch (no standby tier). */
export function regionalVariables<T>(r: { tableName: string | T; peerRegion: string | T; keyArn: string | T; rpoTargetSeconds: number }): Record<string, string | T> {
  return {
    [REGIONAL_ENV.tableName]: r.tableName,
    [REGIONAL_ENV.peerRegion]: r.peerRegion,
    [REGIONAL_ENV.rpoTargetSeconds]: String(r.rpoTargetSeconds),
    [REGIONAL_ENV.kmsKeyArn]: r.keyArn,
    [REGIONAL_ENV.callTimeoutMs]: String(regionalFunction.callTimeoutMs),
  };
}

/** Each region's HTTP API: what it routes where, and how it is protected. */
export const API = {
  description: 'tap-dr regional entry point: POST /transactions (IAM auth) and GET /health',
  payloadFormatVersion: '2.0',
  /** Above the processor's own worst case would be pointless: HTTP APIs cap integrations at 30 s. */
  integrationTimeoutMs: 29_000,
  permissionPrefix: 'AllowApiGateway-',
  routes: [
    { id: 'transactions', routeKey: 'POST /transactions', authorization: 'AWS_IAM', target: 'processor' },
    // Unauthenticated so Route 53 health checkers can reach it; it returns no data.
    { id: 'health', routeKey: 'GET /health', authorization: 'NONE', target: 'health' },
  ],
} as const;

/** One JSON line per request: who, what, when and how it ended; no bodies. */
export function apiAccessLogFormat(): string {
  return JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.caller',
    userArn: '$context.identity.userArn',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
  });
}

/**
 * Route 53 failover between the regional APIs. Worst case, a dead primary is noticed after
 * `requestIntervalSeconds x failureThreshold` and resolvers forget the old answer after the
 * record's TTL (an alias to an API Gateway domain answers with a 60 s TTL).
 */
export const DNS_FAILOVER = {
  requestIntervalSeconds: 10,
  failureThreshold: 3,
  aliasTtlSeconds: 60,
  healthPath: '/health',
} as const;

/** The longest a client can keep resolving to a dead primary, in seconds. */
export function worstCaseDnsFailoverSeconds(h: { requestIntervalSeconds: number; failureThreshold: number; aliasTtlSeconds: number } = DNS_FAILOVER): number {
  return h.requestIntervalSeconds * h.failureThreshold + h.aliasTtlSeconds;
}

/** The FIS drill: pause replication into the standby replica until its staleness alarm fires. */
export const FIS_DRILL = {
  actionId: 'aws:dynamodb:global-table-pause-replication',
  targetResourceType: 'aws:dynamodb:global-table',
  description: 'tap-dr drill: pause global-table replication into the standby region until the heartbeat staleness alarm fires',
} as const;

/** FIS's role for the drill: the pause action's documented permissions, on this table only. */
export function fisDrillPolicy<T>(tableArn: string | T): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PauseReplicationOfThisTable',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeTable', 'dynamodb:GetResourcePolicy', 'dynamodb:PutResourcePolicy', 'dynamodb:DeleteResourcePolicy'],
        Resource: tableArn,
      },
    ],
  };
}

/** The seed's 13 outputs (same ids in both deliverables), plus the two this project adds. */
export const outputs = [
  { id: 'KMSKeyId', description: 'Id of the customer-managed KMS key (primary region)' },
  { id: 'KMSKeyArn', description: 'ARN of the customer-managed KMS key (primary region)' },
  { id: 'DynamoDBTableName', description: 'Name of the transactions global table' },
  { id: 'DynamoDBTableArn', description: 'ARN of the transactions global table (primary region)' },
  { id: 'S3BucketName', description: 'Name of the transaction documents bucket' },
  { id: 'S3BucketArn', description: 'ARN of the transaction documents bucket' },
  { id: 'LambdaFunctionName', description: 'Name of the transaction processor function' },
  { id: 'LambdaFunctionArn', description: 'ARN of the transaction processor function' },
  { id: 'SNSTopicArn', description: 'ARN of the operational alert topic' },
  { id: 'DynamoDBThrottleAlarmName', description: 'Name of the DynamoDB throttling alarm' },
  { id: 'LambdaErrorAlarmName', description: 'Name of the Lambda error alarm' },
  { id: 'LambdaThrottleAlarmName', description: 'Name of the Lambda throttling alarm' },
  { id: 'CrossRegionRoleArn', description: 'ARN of the cross-region role (only when CROSS_REGION_TRUSTED_PRINCIPALS names someone)' },
  { id: 'SecondaryKMSKeyArn', description: 'ARN of the customer-managed key encrypting the secondary-region replica' },
  { id: 'ReplicationLatencyAlarmName', description: 'Name of the replication latency (RPO) alarm' },
  { id: 'PrimaryApiEndpoint', description: 'HTTPS entry point of the primary region: POST /transactions (SigV4) and GET /health' },
] as const;

export type OutputId = (typeof outputs)[number]['id'];

/** Terraform-only outputs of the secondary region's standby (the CloudFormation deliverable has no standby). */
export const standbyOutputs = [
  { id: 'StandbyLambdaFunctionArn', description: 'ARN of the standby transaction processor in the secondary region' },
  { id: 'StandbyApiEndpoint', description: 'HTTPS entry point of the secondary region: POST /transactions (SigV4) and GET /health' },
  { id: 'SecondaryS3BucketName', description: 'Name of the replicated documents bucket in the secondary region' },
  { id: 'SecondarySNSTopicArn', description: 'ARN of the alert topic in the secondary region' },
] as const;

export type StandbyOutputId = (typeof standbyOutputs)[number]['id'];

// ---------------------------------------------------------------------------------------
// IAM and KMS policies, written once over an abstract expression type T: a plain string
// with embedded tokens for Terraform, or a CloudFormation intrinsic object.

export interface Dialect<T> {
  /** Concatenates literal strings and expressions into one expression. */
  join(...parts: Array<string | T>): string | T;
}

export interface PolicyStatement<T> {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, string | T | Array<string | T>>;
  Action: string[];
  /** Absent in trust policies, where IAM prohibits it. */
  Resource?: Array<string | T> | string | T;
  Condition?: Record<string, Record<string, string | T | Array<string | T>>>;
}

export interface PolicyDocument<T> {
  Version: '2012-10-17';
  Statement: PolicyStatement<T>[];
}

/** Account, region and partition as expressions of the dialect. */
export interface Env<T> {
  readonly partition: string | T;
  readonly account: string | T;
  readonly region: string | T;
  readonly secondaryRegion: string | T;
}

/** arn:<partition>:<service>:<region>:<account>:<resource>, for ARNs known before the resource exists. */
function regionalArn<T>(d: Dialect<T>, e: Env<T>, service: string, region: string | T, resource: string | T): string | T {
  return d.join('arn:', e.partition, ':', service, ':', region, ':', e.account, ':', resource);
}

/** A global table's ARN in one of its regions: every replica has the same name. */
export function tableArnIn<T>(d: Dialect<T>, e: Env<T>, region: string | T, tableName: string | T): string | T {
  return regionalArn(d, e, 'dynamodb', region, d.join('table/', tableName));
}

/** A log group's ARN, built from its name: Terraform's `arn` lacks the ":*" CloudFormation's GetAtt has. */
function logGroupArnOf<T>(d: Dialect<T>, e: Env<T>, logGroupName: string): string | T {
  return regionalArn(d, e, 'logs', e.region, `log-group:${logGroupName}`);
}

/** Every log group a region's key encrypts: the three functions' and the API's access logs. */
export function regionalLogGroups(p: NameParts): string[] {
  return [
    names.processorLogGroup(p),
    names.functionLogGroup(names.heartbeatFunction(p)),
    names.functionLogGroup(names.healthFunction(p)),
    names.apiAccessLogGroup(p),
  ];
}

function ownLogGroup<T>(d: Dialect<T>, e: Env<T>, logGroupName: string): PolicyStatement<T> {
  return {
    Sid: 'OwnLogGroup',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: d.join(logGroupArnOf(d, e, logGroupName), ':*'),
  };
}

/** Only the named heartbeat items: DynamoDB's LeadingKeys condition pins the partition key. */
function heartbeatItems<T>(d: Dialect<T>, ...regions: Array<string | T>) {
  return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': regions.map((r) => d.join(heartbeatId(''), r)) } };
}

/** The region key, only as DynamoDB uses it on the caller's behalf. */
function keyThroughDynamoDB<T>(d: Dialect<T>, e: Env<T>, keyArn: string | T, actions: string[]): PolicyStatement<T> {
  return {
    Sid: 'RegionKeyThroughDynamoDB',
    Effect: 'Allow',
    Action: actions,
    Resource: keyArn,
    Condition: { StringEquals: { 'kms:ViaService': d.join('dynamodb.', e.region, '.amazonaws.com') } },
  };
}

export interface RegionalRefs<T> {
  readonly tableArn: string | T;
  readonly keyArn: string | T;
}

/** The canary: write this region's beat, read the peer's, publish one metric. Nothing else:
 *  it cannot write the peer's beat, which could make a stalled replication look fresh. */
export function heartbeatPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: RegionalRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'WriteOwnBeat', Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: r.tableArn, Condition: heartbeatItems(d, e.region) },
      { Sid: 'ReadPeerBeat', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: r.tableArn, Condition: heartbeatItems(d, e.secondaryRegion) },
      keyThroughDynamoDB(d, e, r.keyArn, ['kms:Decrypt', 'kms:GenerateDataKey']),
      { Sid: 'FunctionEnvironment', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: r.keyArn },
      {
        // PutMetricData has no resource-level permissions; the namespace condition is its scope.
        Sid: 'StalenessMetricOnly',
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricData'],
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': HEARTBEAT.namespace } },
      },
      ownLogGroup(d, e, names.functionLogGroup(names.heartbeatFunction(p))),
    ],
  };
}

/** /health: read the two beats and check the key is enabled; it can read no transaction. */
export function healthPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: RegionalRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadBeats', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: r.tableArn, Condition: heartbeatItems(d, e.secondaryRegion, e.region) },
      keyThroughDynamoDB(d, e, r.keyArn, ['kms:Decrypt']),
      { Sid: 'FunctionEnvironment', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: r.keyArn },
      { Sid: 'RegionKeyState', Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: r.keyArn },
      ownLogGroup(d, e, names.functionLogGroup(names.healthFunction(p))),
    ],
  };
}

export interface ProcessorRefs<T> {
  readonly tableArn: string | T;
  readonly bucketArn: string | T;
  readonly keyArn: string | T;
  readonly topicArn: string | T;
}

/** Least privilege for the processor: this table and its index, this bucket's document
 *  prefix, this key, this topic and its own log group. */
export function processorPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: ProcessorRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // GetItem for replays, conditional PutItem for new records.
        Sid: 'TransactionsTable',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: r.tableArn,
      },
      {
        Sid: 'TransactionDocuments',
        Effect: 'Allow',
        // Write-only: the processor never reads documents back.
        Action: ['s3:PutObject'],
        Resource: d.join(r.bucketArn, '/', processor.documentPrefix, '*'),
      },
      {
        // The function's environment. Lambda documents no kms:ViaService for it, so unconditioned.
        Sid: 'FunctionEnvironment',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: r.keyArn,
      },
      {
        // SSE-KMS puts under our key, through S3 and for this bucket only (with bucket keys the
        // encryption context is the bucket ARN).
        Sid: 'DocumentsKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey'],
        Resource: r.keyArn,
        Condition: {
          StringEquals: { 'kms:ViaService': d.join('s3.', e.region, '.amazonaws.com'), 'kms:EncryptionContext:aws:s3:arn': r.bucketArn },
        },
      },
      {
        // Writing to the table and publishing to the encrypted topic, through those services only.
        Sid: 'TableAndTopicKeyThroughServices',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey'],
        Resource: r.keyArn,
        Condition: {
          StringEquals: { 'kms:ViaService': [d.join('dynamodb.', e.region, '.amazonaws.com'), d.join('sns.', e.region, '.amazonaws.com')] },
        },
      },
      { Sid: 'Alerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: r.topicArn },
      ownLogGroup(d, e, names.processorLogGroup(p)),
      {
        // X-Ray has no resource-level permissions; these two write-only actions are all tracing needs.
        Sid: 'XRayTracing',
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      },
    ],
  };
}

function accountRoot<T>(d: Dialect<T>, e: Env<T>): string | T {
  return d.join('arn:', e.partition, ':iam::', e.account, ':root');
}

/** Conditions that tie a service principal to this account, and to resources matching `sourceArn`. */
function fromThisAccount<T>(e: Env<T>, sourceArn: string | T): PolicyStatement<T>['Condition'] {
  return { StringEquals: { 'aws:SourceAccount': e.account }, ArnLike: { 'aws:SourceArn': sourceArn } };
}

/** ARN of the region's CloudTrail trail for document access (audit-trail component). */
export function trailArn<T>(d: Dialect<T>, e: Env<T>, p: NameParts): string | T {
  return regionalArn(d, e, 'cloudtrail', e.region, `trail/${names.auditTrail(p)}`);
}

/**
 * Key policy. The account administers the key. CloudTrail may encrypt only the region's
 * document-access trail. Where the region runs a processor (`servesProcessor`): CloudWatch
 * Logs may use the key only for the processor's log group (encryption-context condition),
 * and CloudWatch only for this stack's alarms publishing to the encrypted alert topic.
 */
export function keyPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, servesProcessor: boolean): PolicyDocument<T> {
  const administer: PolicyStatement<T> = {
    Sid: 'AccountAdministersKey',
    Effect: 'Allow',
    Principal: { AWS: accountRoot(d, e) },
    Action: ['kms:*'],
    Resource: '*',
  };
  if (!servesProcessor) return { Version: '2012-10-17', Statement: [administer] };
  const trail = trailArn(d, e, p);
  return {
    Version: '2012-10-17',
    Statement: [
      administer,
      {
        // CloudTrail's documented pair: this trail only, and only its log files' context.
        Sid: 'CloudTrailEncryptsDocumentAccessTrail',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceArn': trail },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trail },
        },
      },
      {
        Sid: 'CloudTrailDescribesKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': trail } },
      },
      {
        Sid: 'CloudWatchLogsForProcessorLogGroup',
        Effect: 'Allow',
        Principal: { Service: d.join('logs.', e.region, '.amazonaws.com') },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': regionalLogGroups(p).map((g) => logGroupArnOf(d, e, g)) },
        },
      },
      {
        // SNS documents these two conditions for CloudWatch alarms publishing to an encrypted topic.
        Sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: fromThisAccount(e, regionalArn(d, e, 'cloudwatch', e.region, `alarm:${names.alarm(p, '*')}`)),
      },
    ],
  };
}

export const CROSS_REGION_ROLE_DESCRIPTION =
  'Failover automation and break-glass operators: read the transactions table in either region, write through the processor';

/** Who may assume the cross-region role: exactly the configured roles, never the account root. */
export function crossRegionTrustPolicy<T>(principals: ReadonlyArray<string | T> | T): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConfiguredPrincipalsOnly',
        Effect: 'Allow',
        Principal: { AWS: (Array.isArray(principals) ? [...principals] : principals) as Array<string | T> },
        Action: ['sts:AssumeRole'],
      },
    ],
  };
}

export interface CrossRegionRefs<T> {
  readonly primaryKeyArn: string | T;
  readonly secondaryKeyArn: string | T;
}

/**
 * What the cross-region role serves: failover automation and break-glass operators. They
 * read the table in either region (verification, reconciliation) and write only through
 * the processor, so every write is validated and idempotent. The keys are usable only
 * through DynamoDB in their own region.
 */
export function crossRegionPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: CrossRegionRefs<T>): PolicyDocument<T> {
  const tables = [e.region, e.secondaryRegion].map((region) => tableArnIn(d, e, region, names.table(p)));
  const keyVia = (sid: string, keyArn: string | T, region: string | T): PolicyStatement<T> => ({
    Sid: sid,
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:DescribeKey'],
    Resource: keyArn,
    Condition: { StringEquals: { 'kms:ViaService': d.join('dynamodb.', region, '.amazonaws.com') } },
  });
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadTransactionsTableInBothRegions',
        Effect: 'Allow',
        Action: ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [...tables, ...tables.map((t) => d.join(t, '/index/', table.gsi.name))],
      },
      {
        // Writes go through the processor in whichever region is up: validated and idempotent.
        Sid: 'ProcessorInBothRegions',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [e.region, e.secondaryRegion].map((region) =>
          regionalArn(d, e, 'lambda', region, `function:${names.processorFunction(p)}`),
        ),
      },
      keyVia('PrimaryKeyThroughDynamoDB', r.primaryKeyArn, e.region),
      keyVia('SecondaryKeyThroughDynamoDB', r.secondaryKeyArn, e.secondaryRegion),
    ],
  };
}

export interface ReplicationRefs<T> {
  readonly sourceBucketArn: string | T;
  readonly sourceKeyArn: string | T;
  readonly destinationBucketArn: string | T;
  readonly destinationKeyArn: string | T;
}

/** S3 replication: read versions from the source, write replicas to the destination,
 *  decrypting with the source region's key and encrypting with the destination's, via S3 only. */
export function documentReplicationPolicy<T>(d: Dialect<T>, e: Env<T>, r: ReplicationRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadSourceConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: r.sourceBucketArn,
      },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: d.join(r.sourceBucketArn, '/*'),
      },
      {
        Sid: 'WriteReplicas',
        Effect: 'Allow',
        Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
        Resource: d.join(r.destinationBucketArn, '/*'),
      },
      {
        Sid: 'DecryptInSourceRegion',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: r.sourceKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': d.join('s3.', e.region, '.amazonaws.com') } },
      },
      {
        Sid: 'EncryptInDestinationRegion',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: r.destinationKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': d.join('s3.', e.secondaryRegion, '.amazonaws.com') } },
      },
    ],
  };
}

/** Trust policy for a service role; `sourceArn` (with this account) guards against a confused deputy. */
export function serviceTrustPolicy<T>(service: string, guard?: { e: Env<T>; sourceArn: string | T }): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ServiceAssumesRole',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: ['sts:AssumeRole'],
        ...(guard ? { Condition: fromThisAccount(guard.e, guard.sourceArn) } : {}),
      },
    ],
  };
}

function denyInsecureTransport<T>(d: Dialect<T>, bucketArn: string | T): PolicyStatement<T> {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['s3:*'],
    Resource: [bucketArn, d.join(bucketArn, '/*')],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/**
 * Documents bucket policy: TLS only, and every object under the stack's key. S3 encrypts a
 * PutObject that says `aws:kms` without a key id under the AWS-managed aws/s3 key, not the
 * bucket default, so such a put is refused, as is any other key or algorithm. A put with
 * no encryption headers gets the bucket default (our key). Replication writes replicas
 * with s3:ReplicateObject, which these statements do not touch.
 */
export function documentsBucketPolicy<T>(d: Dialect<T>, bucketArn: string | T, keyArn: string | T): PolicyDocument<T> {
  const objects = d.join(bucketArn, '/*');
  const denyPut = (Sid: string, Condition: PolicyStatement<T>['Condition']): PolicyStatement<T> => ({
    Sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['s3:PutObject'],
    Resource: objects,
    Condition,
  });
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(d, bucketArn),
      denyPut('DenyOtherEncryption', { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } }),
      denyPut('DenyOtherKmsKey', {
        StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn },
      }),
      denyPut('DenyAwsManagedKey', {
        StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      }),
    ],
  };
}

/** The trail bucket: TLS only; CloudTrail may check the ACL and write only this region's trail's logs. */
export function trailBucketPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, bucketArn: string | T): PolicyDocument<T> {
  const trail = { StringEquals: { 'aws:SourceArn': trailArn(d, e, p) } };
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(d, bucketArn),
      {
        Sid: 'CloudTrailChecksAcl',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:GetBucketAcl'],
        Resource: bucketArn,
        Condition: trail,
      },
      {
        Sid: 'CloudTrailWritesLogs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:PutObject'],
        Resource: d.join(bucketArn, '/AWSLogs/', e.account, '/*'),
        Condition: { StringEquals: { ...trail.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
    ],
  };
}
