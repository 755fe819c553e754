/**
 * What each region measures: the alarm specifications, independent of how they are
 * rendered (src/alerts/dr-alarms.ts for Terraform, alarmResource() in src/cloudformation/tier-alarms.ts).
 * No cdktf imports: the CloudFormation emitter loads this.
 */
import { HEARTBEAT, SCHEDULE_JITTER_SECONDS } from './heartbeat-contract';

export type AlarmId =
  | 'DynamoDBThrottleAlarm'
  | 'LambdaErrorAlarm'
  | 'LambdaThrottleAlarm'
  | 'ReplicationLatencyAlarm'
  | 'HeartbeatStalenessAlarm'
  | 'DocumentReplicationFailedAlarm'
  | 'DocumentReplicationLatencyAlarm'
  | 'RegionHealthAlarm';

export interface MetricSpec {
  readonly id: string;
  readonly metricName: string;
  readonly stat: string;
}

export interface AlarmSpec {
  /** CloudFormation logical id, and the Terraform construct id. */
  readonly logicalId: AlarmId;
  readonly nameSuffix: string;
  readonly description: string;
  readonly namespace: string;
  /** Either one metric, or several combined by `expression` (metric math). */
  readonly metrics: readonly MetricSpec[];
  readonly expression?: string;
  readonly period: number;
  readonly evaluationPeriods: number;
  /** M of the N evaluation periods that must breach; all of them when absent. */
  readonly datapointsToAlarm?: number;
  readonly threshold: number;
  readonly comparisonOperator: string;
  /** Explicit, so "no traffic" never reads as INSUFFICIENT_DATA on a pager. */
  readonly treatMissingData: 'notBreaching' | 'breaching' | 'ignore' | 'missing';
  /** Which resource the dimensions point at. */
  readonly target: 'table' | 'tableReplication' | 'function' | 'heartbeat' | 'documentReplication' | 'canary';
  /** Why missing data is treated as it is: a reviewer reads the choice next to its reason. */
  readonly missingDataReason: string;
}

/** What a region's alarms watch: its names, and the other region. */
export interface AlarmScope<T> {
  readonly tableName: string | T;
  readonly functionName: string | T;
  /** The region's heartbeat canary. */
  readonly heartbeatFunctionName: string | T;
  readonly region: string | T;
  readonly peerRegion: string | T;
  /** The replication rule this region's documents bucket sends out, if any. */
  readonly documentReplication?: {
    readonly sourceBucket: string | T;
    readonly destinationBucket: string | T;
    readonly ruleId: string;
  };
}

export interface AlarmOptions {
  readonly rpoTargetSeconds: number;
  /** The peer region writes heartbeats this region can read (the standby tier exists). */
  readonly watchesPeer: boolean;
  /** This region's documents bucket replicates to the other region. */
  readonly replicatesDocuments: boolean;
}

const perMinute = { period: 60, evaluationPeriods: 1 } as const;
const anyAtAll = { threshold: 1, comparisonOperator: 'GreaterThanOrEqualToThreshold' } as const;
/** Traffic counts: AWS publishes them only while there is traffic. */
const quietWhenIdle = {
  treatMissingData: 'notBreaching',
  missingDataReason: 'AWS publishes this count only while there is traffic: no data is a quiet minute, not a failure',
} as const;

const BASE: readonly AlarmSpec[] = [
  {
    logicalId: 'DynamoDBThrottleAlarm',
    nameSuffix: 'dynamodb-throttles',
    description: 'DynamoDB read or write requests to the transactions table are being throttled',
    namespace: 'AWS/DynamoDB',
    metrics: [
      { id: 'reads', metricName: 'ReadThrottleEvents', stat: 'Sum' },
      { id: 'writes', metricName: 'WriteThrottleEvents', stat: 'Sum' },
    ],
    // FILL: a table with read throttles but no write datapoints must still alarm.
    expression: 'FILL(reads, 0) + FILL(writes, 0)',
    ...perMinute,
    ...anyAtAll,
    ...quietWhenIdle,
    target: 'table',
  },
  {
    logicalId: 'LambdaErrorAlarm',
    nameSuffix: 'lambda-errors',
    description: 'The transaction processor raised unhandled errors',
    namespace: 'AWS/Lambda',
    metrics: [{ id: 'errors', metricName: 'Errors', stat: 'Sum' }],
    ...perMinute,
    ...anyAtAll,
    ...quietWhenIdle,
    target: 'function',
  },
  {
    logicalId: 'LambdaThrottleAlarm',
    nameSuffix: 'lambda-throttles',
    description: 'Invocations of the transaction processor are being throttled',
    namespace: 'AWS/Lambda',
    metrics: [{ id: 'throttles', metricName: 'Throttles', stat: 'Sum' }],
    ...perMinute,
    ...anyAtAll,
    ...quietWhenIdle,
    target: 'function',
  },
];

function replicationLatency(rpoTargetSeconds: number): AlarmSpec {
  return {
    // Global tables publish ReplicationLatency only while items replicate. AWS: alarms on
    // AWS/DynamoDB metrics "always ignore missing data even if you choose a different option",
    // so this alarm cannot catch silence, and says so ('ignore'); the heartbeat staleness alarm,
    // whose missing data is breaching, is the one that does.
    logicalId: 'ReplicationLatencyAlarm',
    nameSuffix: 'replication-latency',
    description: `Table replication into the other region lags by more than the ${rpoTargetSeconds} s RPO target`,
    namespace: 'AWS/DynamoDB',
    metrics: [{ id: 'latency', metricName: 'ReplicationLatency', stat: 'Maximum' }],
    // A minute can hold no beat (see the heartbeat alarm), so 2 of 3 minutes must breach.
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: rpoTargetSeconds * 1000,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'ignore',
    missingDataReason:
      'AWS/DynamoDB alarms always ignore missing data; the heartbeat staleness alarm (missing data breaching) and the table-replication watch alert are what catch silence',
    target: 'tableReplication',
  };
}

function heartbeatStaleness(rpoTargetSeconds: number): AlarmSpec {
  return {
    // The RPO guard that cannot go silent: the canary publishes nothing when the peer's
    // beat is missing, and missing data is breaching.
    logicalId: 'HeartbeatStalenessAlarm',
    nameSuffix: 'heartbeat-staleness',
    description: `Replication from the other region is stale by more than the ${rpoTargetSeconds} s RPO target (its heartbeat's age beyond one beat interval, read from this region's replica), or the heartbeat is missing`,
    namespace: HEARTBEAT.namespace,
    metrics: [{ id: 'staleness', metricName: HEARTBEAT.metricName, stat: 'Maximum' }],
    // EventBridge fires "every minute" at no fixed second, so a minute can hold no beat even
    // when all is well: 2 of 3 minutes must breach. Detection stays under 3 minutes.
    period: 60,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: rpoTargetSeconds,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'breaching',
    missingDataReason: 'the canary publishes nothing when the peer beat is missing: silence is a replication failure',
    target: 'heartbeat',
  };
}

/**
 * The longest after a replication stall at t0 until the staleness alarm is in ALARM, for RPO
 * target T, beat interval I, jitter J and the alarm's M datapoints of period P:
 *   the staleness (newest beat's age - I) exceeds T by t0 + T + I + J;
 *   the next beat publishes it within I;
 *   M breaching periods of P each bring the alarm to ALARM.
 * => T + 2I + J + M x P (docs/RECOVERY-BOUNDS.md). A healthy staleness is at most lag + J.
 */
export function stalenessDetectionBoundSeconds(
  rpoTargetSeconds: number,
  intervalSeconds: number = HEARTBEAT.intervalSeconds,
): number {
  const a = heartbeatStaleness(rpoTargetSeconds);
  return (
    rpoTargetSeconds +
    2 * intervalSeconds +
    SCHEDULE_JITTER_SECONDS +
    (a.datapointsToAlarm ?? a.evaluationPeriods) * a.period
  );
}

/**
 * This region can write its own ledger under its own key, as seen from inside the region: the
 * heartbeat canary (EventBridge, every minute) writes the region's beat into the table, so its
 * errors mean the table or the key refuses writes, and its silence means the region cannot even
 * run it. With DNS failover, Route 53's health check follows this alarm (docs/SECURITY.md), so
 * no request from outside can move DNS. Standard resolution and Sum: what Route 53 supports.
 */
export const REGION_HEALTH: AlarmSpec = {
  logicalId: 'RegionHealthAlarm',
  nameSuffix: 'region-health',
  description:
    "This region's heartbeat canary failed or did not run: the region cannot write its own table under its key. With DNS failover, Route 53 answers the standby while this alarm is in ALARM",
  namespace: 'AWS/Lambda',
  metrics: [{ id: 'errors', metricName: 'Errors', stat: 'Sum' }],
  // As for the staleness alarm: a minute can hold no run when all is well, so 2 of 3 must breach.
  period: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 2,
  ...anyAtAll,
  treatMissingData: 'breaching',
  missingDataReason:
    'Lambda publishes Errors (0 or more) for every run, so no data means the canary did not run: the region is not healthy',
  target: 'canary',
};

/** S3 Replication Time Control's promise: 99.99% of objects within 15 minutes. */
export const RTC_MINUTES = 15;

const DOCUMENT_REPLICATION: readonly AlarmSpec[] = [
  {
    logicalId: 'DocumentReplicationFailedAlarm',
    nameSuffix: 'document-replication-failed',
    description: 'Documents failed to replicate into the other region',
    namespace: 'AWS/S3',
    metrics: [{ id: 'failed', metricName: 'OperationsFailedReplication', stat: 'Sum' }],
    ...perMinute,
    ...anyAtAll,
    treatMissingData: 'notBreaching',
    missingDataReason:
      'S3 publishes replication metrics only while objects replicate, so no data is also a quiet hour; the rule being replaced or deleted, the way this alarm would go silent, raises the document-replication watch alert instead (src/watch/spec.ts)',
    target: 'documentReplication',
  },
  {
    logicalId: 'DocumentReplicationLatencyAlarm',
    nameSuffix: 'document-replication-latency',
    description: `Document replication into the other region takes longer than RTC's ${RTC_MINUTES} minutes`,
    namespace: 'AWS/S3',
    metrics: [{ id: 'latency', metricName: 'ReplicationLatency', stat: 'Maximum' }],
    ...perMinute,
    threshold: RTC_MINUTES * 60,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    missingDataReason:
      'as DocumentReplicationFailedAlarm: no data while nothing replicates; a replaced or deleted rule raises the document-replication watch alert',
    target: 'documentReplication',
  },
];

/** The alarms one region runs, all notifying that region's topic. */
export function alarmSpecs(o: AlarmOptions): AlarmSpec[] {
  return [
    ...BASE,
    REGION_HEALTH,
    replicationLatency(o.rpoTargetSeconds),
    ...(o.watchesPeer ? [heartbeatStaleness(o.rpoTargetSeconds)] : []),
    ...(o.replicatesDocuments ? DOCUMENT_REPLICATION : []),
  ];
}

/** What an alarm's metrics are dimensioned by, in the region that watches them. */
export function alarmDimensions<T>(spec: AlarmSpec, s: AlarmScope<T>): Record<string, string | T> {
  switch (spec.target) {
    case 'function':
      return { FunctionName: s.functionName };
    case 'canary':
      return { FunctionName: s.heartbeatFunctionName };
    case 'table':
      return { TableName: s.tableName };
    case 'tableReplication':
      return { TableName: s.tableName, ReceivingRegion: s.peerRegion };
    case 'heartbeat':
      return { [HEARTBEAT.sourceDimension]: s.peerRegion, [HEARTBEAT.receivingDimension]: s.region };
    case 'documentReplication': {
      const r = s.documentReplication;
      if (!r) throw new Error(`${spec.logicalId} needs the region's replication rule`);
      return { SourceBucket: r.sourceBucket, DestinationBucket: r.destinationBucket, RuleId: r.ruleId };
    }
  }
}
