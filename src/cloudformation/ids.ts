/**
 * Every logical id, parameter and condition the templates use, as types: a misspelt id is a
 * compile error, not a dangling Ref found by cfn-lint.
 *
 * The primary tier keeps the seed's logical ids (TransactionDocumentsBucket, AlertSNSTopic, ...);
 * the standby tier's are the same ids prefixed with `Standby`, so both tiers can sit in one
 * account's view (and one security model) without colliding.
 */
import type { AlarmId } from '../alarms';
import type { TierRole } from '../regional/regional-tier';
import type { WatchId } from '../watch/spec';

/** The resources of one regional tier, by component. */
const PRIMARY_TIER = {
  documentsBucket: 'TransactionDocumentsBucket',
  documentsBucketPolicy: 'TransactionDocumentsBucketPolicy',
  replicationRole: 'DocumentReplicationRole',
  trailBucket: 'DocumentsTrailBucket',
  trailBucketPolicy: 'DocumentsTrailBucketPolicy',
  trail: 'DocumentsTrail',
  topic: 'AlertSNSTopic',
  topicPolicy: 'AlertSNSTopicPolicy',
  processorRole: 'LambdaExecutionRole',
  processorLogGroup: 'TransactionProcessorLogGroup',
  processor: 'TransactionProcessorFunction',
  heartbeatFunction: 'HeartbeatFunction',
  heartbeatLogGroup: 'HeartbeatFunctionLogGroup',
  heartbeatRole: 'HeartbeatFunctionRole',
  heartbeatSchedule: 'HeartbeatSchedule',
  heartbeatPermission: 'HeartbeatPermission',
  heartbeatRetries: 'HeartbeatNoRetries',
  healthFunction: 'HealthFunction',
  healthLogGroup: 'HealthFunctionLogGroup',
  healthRole: 'HealthFunctionRole',
  api: 'TransactionsApi',
  apiLogGroup: 'ApiAccessLogGroup',
  apiStage: 'ApiDefaultStage',
  transactionsIntegration: 'ApiTransactionsIntegration',
  transactionsRoute: 'ApiTransactionsRoute',
  transactionsPermission: 'ApiTransactionsPermission',
  healthIntegration: 'ApiHealthIntegration',
  healthRoute: 'ApiHealthRoute',
  healthPermission: 'ApiHealthPermission',
} as const;

/** The recovery-control watch's rules (src/watch/spec.ts), one per control. */
const WATCH_RULES = {
  'table-replication': 'WatchTableReplicationRule',
  'document-replication': 'WatchDocumentReplicationRule',
  'pitr-off': 'WatchPitrOffRule',
  'trail-off': 'WatchTrailOffRule',
  'alarms-off': 'WatchAlarmsOffRule',
  'key-off': 'WatchKeyOffRule',
} as const satisfies Record<WatchId, string>;

export type TierComponent = keyof typeof PRIMARY_TIER;
type PrimaryTierId = (typeof PRIMARY_TIER)[TierComponent] | AlarmId | (typeof WATCH_RULES)[WatchId];
export type TierLogicalId = PrimaryTierId | `Standby${PrimaryTierId}`;

/** One tier's ids: a component's id, an alarm's, and a watch rule's. */
export interface TierIds extends Readonly<Record<TierComponent, TierLogicalId>> {
  alarm(id: AlarmId): TierLogicalId;
  watch(id: WatchId): TierLogicalId;
}

const standby = <T extends PrimaryTierId>(id: T): `Standby${T}` => `Standby${id}`;

export const TIER_IDS: Readonly<Record<TierRole, TierIds>> = {
  primary: { ...PRIMARY_TIER, alarm: (id) => id, watch: (id) => WATCH_RULES[id] },
  standby: {
    ...(Object.fromEntries(Object.entries(PRIMARY_TIER).map(([k, id]) => [k, standby(id)])) as Record<
      TierComponent,
      TierLogicalId
    >),
    alarm: (id) => standby(id),
    watch: (id) => standby(WATCH_RULES[id]),
  },
};

/** Resources outside the regional tier: the keys, the global table, the cross-region role. */
export type GlobalId =
  | 'TransactionKMSKey'
  | 'TransactionKMSAlias'
  | 'SecondaryKMSKey'
  | 'SecondaryKMSAlias'
  | 'TransactionDynamoDBTable'
  | 'CrossRegionAssumeRole';

export type LogicalId = GlobalId | TierLogicalId;

/** Template parameters. Where one template takes another's output, the names match that output. */
export const P = {
  suffix: 'EnvironmentSuffix',
  alertEmail: 'AlertEmail',
  trustedPrincipals: 'CrossRegionTrustedPrincipals',
  // TapStack.json: the secondary region and what TapStack-secondary.json exports.
  secondaryRegion: 'SecondaryRegion',
  secondaryKeyArn: 'SecondaryKMSKeyArn',
  secondaryBucketName: 'SecondaryS3BucketName',
  // TapStack-secondary.json: its switch, the primary region and what TapStack.json exports.
  standbyTier: 'StandbyTier',
  primaryRegion: 'PrimaryRegion',
  primaryKeyArn: 'PrimaryKMSKeyArn',
  primaryBucketName: 'PrimaryS3BucketName',
} as const;
export type ParameterId = (typeof P)[keyof typeof P];

export const C = {
  hasAlertEmail: 'HasAlertEmail',
  hasTrustedPrincipals: 'HasCrossRegionTrustedPrincipals',
  /** TapStack.json: the standby tier's outputs were given, so replicate to it and watch its heartbeat. */
  replicatesToStandby: 'ReplicatesToStandby',
  /** TapStack-secondary.json: the standby tier is deployed. */
  standbyTier: 'StandbyTierEnabled',
  /** The primary's outputs were given: replicate back to it (failback) and watch its heartbeat. */
  hasPrimaryOutputs: 'HasPrimaryOutputs',
  failsBackToPrimary: 'FailsBackToPrimary',
} as const;
export type ConditionId = (typeof C)[keyof typeof C];
