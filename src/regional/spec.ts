/** The regional tier's entry point: the heartbeat and /health functions, and the HTTP API. */
import { regionalTimeoutSeconds } from '../contract';
import { Dialect, Env, ownLogGroup, PolicyDocument, xrayTracing } from '../dialect';
import { HANDLERS, HEARTBEAT, heartbeatId, REGIONAL_ENV } from '../heartbeat-contract';
import { dynamodbKeyStatement, functionEnvironmentKey } from '../keys/spec';
import { names, NameParts } from '../naming';

/** The heartbeat canary and /health: small, quick, and bounded well inside a health checker's timeout. */
/** /health must answer inside Route 53's 2 s, cold starts included: 1 s per call, 256 MB. The
 *  timeout fits every accepted AWS_CALL_TIMEOUT_MS (src/contract.ts, the one source). */
export const regionalFunction = {
  memorySize: 256,
  timeoutSeconds: regionalTimeoutSeconds(),
  callTimeoutMs: 1000,
} as const;

/** The two small functions of every regional tier, by what they are for. */
export const REGIONAL_FUNCTIONS = {
  heartbeat: {
    handler: HANDLERS.heartbeat,
    functionName: names.heartbeatFunction,
    description: "Replication heartbeat: writes this region's beat, publishes the age of the other region's",
    policy: heartbeatPolicy,
    /** What lambda/regional-env.ts readHeartbeatEnv reads, and all the function is given. */
    environment: ['tableName', 'peerRegion', 'callTimeoutMs', 'beatIntervalSeconds'],
  },
  health: {
    handler: HANDLERS.health,
    functionName: names.healthFunction,
    description:
      'GET /health: table reachable, key enabled, documents bucket usable, replication within the RPO target',
    policy: healthPolicy,
    /** What lambda/regional-env.ts readHealthEnv reads. */
    environment: [
      'tableName',
      'bucketName',
      'peerRegion',
      'rpoTargetSeconds',
      'kmsKeyArn',
      'callTimeoutMs',
      'beatIntervalSeconds',
    ],
  },
} as const;

/** One function's environment: only what its handler reads. An empty peer region: nothing to watch (no standby tier). */
export function regionalVariables<T>(
  what: keyof typeof REGIONAL_FUNCTIONS,
  r: {
    tableName: string | T;
    peerRegion: string | T;
    keyArn: string | T;
    bucketName: string | T;
    rpoTargetSeconds: number;
  },
): Record<string, string | T> {
  const all: Record<keyof typeof REGIONAL_ENV, string | T> = {
    tableName: r.tableName,
    bucketName: r.bucketName,
    peerRegion: r.peerRegion,
    rpoTargetSeconds: String(r.rpoTargetSeconds),
    kmsKeyArn: r.keyArn,
    callTimeoutMs: String(regionalFunction.callTimeoutMs),
    beatIntervalSeconds: String(HEARTBEAT.intervalSeconds),
  };
  return Object.fromEntries(REGIONAL_FUNCTIONS[what].environment.map((k) => [REGIONAL_ENV[k], all[k]]));
}

/** Each region's HTTP API: what it routes where, and how it is protected. */
export const API = {
  description: 'tap-dr regional entry point: POST /transactions (IAM auth) and GET /health',
  protocolType: 'HTTP',
  /** Lambda proxy integrations: the function sees the whole request. */
  integrationType: 'AWS_PROXY',
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

export { apiAccessLogFormat, HEALTH_ROUTE_THROTTLE, STAGE_DEFAULTS } from './apigateway-defaults';

/** Only the named heartbeat items: DynamoDB's LeadingKeys condition pins the partition key. */
function heartbeatItems<T>(d: Dialect<T>, ...regions: Array<string | T>) {
  return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': regions.map((r) => d.join(heartbeatId(''), r)) } };
}

export interface RegionalRefs<T> {
  readonly tableArn: string | T;
  readonly keyArn: string | T;
  /** This region's documents bucket (/health reads its encryption configuration, nothing in it). */
  readonly bucketArn: string | T;
}

/** The canary: write this region's beat, read the peer's, publish one metric. Nothing else:
 *  it cannot write the peer's beat, which could make a stalled replication look fresh. */
export function heartbeatPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: RegionalRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteOwnBeat',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem'],
        Resource: r.tableArn,
        Condition: heartbeatItems(d, e.region),
      },
      {
        Sid: 'ReadPeerBeat',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem'],
        Resource: r.tableArn,
        Condition: heartbeatItems(d, e.peerRegion),
      },
      dynamodbKeyStatement(d, e, 'RegionKeyThroughDynamoDB', r.keyArn, e.region, names.table(p)),
      functionEnvironmentKey(d, e, r.keyArn, names.heartbeatFunction(p)),
      {
        // PutMetricData has no resource-level permissions; the namespace condition is its scope.
        Sid: 'StalenessMetricOnly',
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricData'],
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': HEARTBEAT.namespace } },
      },
      ownLogGroup(d, e, names.functionLogGroup(names.heartbeatFunction(p))),
      xrayTracing(),
    ],
  };
}

/** /health: read the two beats, check the key is enabled and the documents bucket answers with its
 *  encryption configuration; it can read no transaction and no document. */
export function healthPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: RegionalRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadBeats',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem'],
        Resource: r.tableArn,
        Condition: heartbeatItems(d, e.peerRegion, e.region),
      },
      dynamodbKeyStatement(d, e, 'RegionKeyThroughDynamoDB', r.keyArn, e.region, names.table(p)),
      functionEnvironmentKey(d, e, r.keyArn, names.healthFunction(p)),
      { Sid: 'RegionKeyState', Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: r.keyArn },
      {
        // GetBucketEncryption: the bucket exists, answers in this region and still encrypts with KMS.
        // A bucket-level read of configuration only: no object, no listing.
        Sid: 'DocumentsBucketState',
        Effect: 'Allow',
        Action: ['s3:GetEncryptionConfiguration'],
        Resource: r.bucketArn,
      },
      ownLogGroup(d, e, names.functionLogGroup(names.healthFunction(p))),
      xrayTracing(),
    ],
  };
}

/** Which of the two regions a tier serves; it decides names, addresses and alarm qualifiers. */
export type TierRole = 'primary' | 'standby';

/** Per tier: IAM names (IAM is global, so the standby's differ), alarm-name qualifier, and the replication rule its documents bucket sends out. */
export const TIER: Readonly<
  Record<
    TierRole,
    {
      processorRole(p: NameParts): string;
      replicationRole(p: NameParts): string;
      alarmQualifier: string;
      replicationRuleId: string;
    }
  >
> = {
  primary: {
    processorRole: names.processorRole,
    replicationRole: names.documentReplicationRole,
    alarmQualifier: '',
    replicationRuleId: 'documents-to-secondary',
  },
  standby: {
    processorRole: names.standbyProcessorRole,
    replicationRole: names.documentFailbackRole,
    alarmQualifier: '-standby',
    replicationRuleId: 'documents-to-primary',
  },
};

/** The heartbeat's EventBridge rule; the next minute's run is the retry, so none is configured. */
export const HEARTBEAT_SCHEDULE = {
  description: 'Every minute: the replication heartbeat',
  maximumRetryAttempts: 0,
} as const;
