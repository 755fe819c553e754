/**
 * The contract between the stack and the two small regional functions of the failover
 * design: the replication heartbeat (a scheduled canary) and the `/health` endpoint. Both
 * sides import these names, so a renamed attribute or metric cannot drift. The handler
 * bundle imports this file: it stays dependency-free.
 */

/**
 * Heartbeat items live in the transactions table. Their ids start with '#', which the
 * processor's transactionId check ([\w.:-]) can never produce, and they carry no
 * accountId/createdAt, so the account index (a sparse GSI) never shows them.
 */
export const HEARTBEAT = {
  idPrefix: '#heartbeat#',
  /** When the writing region wrote the beat: epoch milliseconds, a DynamoDB number. */
  beatAttribute: 'beatAtMs',
  /** The region that wrote the beat (a string), for readers and operators. */
  regionAttribute: 'region',
  /**
   * Custom metric: the staleness of the peer region's data as seen in this region's replica:
   * the age of the peer's newest beat beyond one beat interval (never below 0). Healthy, it is
   * bounded by the replication lag plus the schedule's jitter, not by the beat interval, so an
   * RPO target of seconds does not flap (docs/RECOVERY-BOUNDS.md).
   */
  namespace: 'TapDr/Replication',
  metricName: 'HeartbeatStalenessSeconds',
  /** Dimensions: replication from SourceRegion (the writer) into ReceivingRegion (the reader). */
  sourceDimension: 'SourceRegion',
  receivingDimension: 'ReceivingRegion',
  /** How often each region beats: EventBridge's finest schedule. */
  intervalSeconds: 60,
  /** EventBridge schedule of the canary: every intervalSeconds. */
  schedule: 'rate(1 minute)',
} as const;

/**
 * RPO_TARGET_SECONDS, the one source of its bounds and default (configuration, both
 * deliverables, the handlers and the docs read them here). Below 10 s the healthy replication
 * lag plus EventBridge's jitter (several seconds, AWS says) could breach it.
 */
export const RPO_TARGET_SECONDS = { min: 10, max: 3600, default: 60 } as const;

/** A beat may start this late within its minute (EventBridge: "within that minute", plus seconds). */
export const SCHEDULE_JITTER_SECONDS = 5;

/** The heartbeat item id of a region. */
export function heartbeatId(region: string): string {
  return `${HEARTBEAT.idPrefix}${region}`;
}

/** Environment of the heartbeat canary and the health function (never AWS_REGION: Lambda reserves it). */
export const REGIONAL_ENV = {
  tableName: 'DYNAMODB_TABLE_NAME',
  /** The other region: whose heartbeat this region reads. Empty: there is no peer to watch. */
  peerRegion: 'PEER_REGION',
  /** The RPO target in seconds: /health reports replication stale beyond it. */
  rpoTargetSeconds: 'RPO_TARGET_SECONDS',
  /** Seconds between beats (HEARTBEAT.intervalSeconds; a drill on the emulator beats faster). */
  beatIntervalSeconds: 'HEARTBEAT_INTERVAL_SECONDS',
  /** This region's key: /health checks that it is enabled. */
  kmsKeyArn: 'KMS_KEY_ARN',
  /** This region's documents bucket: /health checks it answers with its KMS default encryption. */
  bucketName: 'S3_BUCKET_NAME',
  callTimeoutMs: 'AWS_CALL_TIMEOUT_MS',
} as const;

/** Exported handler names in the one bundle (index.js): Lambda's `handler` setting is `index.<name>`. */
export const HANDLERS = {
  processor: 'handler',
  heartbeat: 'heartbeat',
  health: 'health',
} as const;
