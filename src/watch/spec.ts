/**
 * The recovery-control watch (issue 21): what each region's trail records, which CloudTrail
 * management events raise an alert, and who may publish to the alert topic. Deliverable-neutral:
 * src/watch/recovery-watch.ts renders it for Terraform, src/cloudformation/tier-watch.ts for
 * CloudFormation. No cdktf imports.
 *
 * EventBridge receives "AWS API Call via CloudTrail" events only for calls a trail with logging on
 * records in that region (EventBridge user guide, "Events from AWS services" / "AWS service events
 * delivered via AWS CloudTrail"). The account's organization trail may already do so, but nothing
 * here can rely on it: each region's own trail records write management events, and the watch reads
 * them. Read-only management events are left out (they would only add cost).
 */
import { Dialect, Env, fromThisAccount, PolicyDocument, regionalArn } from '../dialect';
import { alarmArnPattern, alertTopicArn, trailArn, watchRuleArnPattern } from '../keys/spec';
import { names, NameParts } from '../naming';

/** One advanced event selector, in CloudTrail's API shape (both deliverables spell it the same). */
export interface EventSelector<T> {
  readonly name: string;
  readonly fieldSelectors: ReadonlyArray<{
    readonly field: string;
    readonly equals?: ReadonlyArray<string | T>;
    readonly startsWith?: ReadonlyArray<string | T>;
  }>;
}

/** What the region's trail covers: this region's copies of the ledger, its documents and its processor. */
export interface TrailScope<T> {
  readonly documentsBucketArn: string | T;
  /** The global table's ARN in this region (its replica, in the standby region). */
  readonly tableArn: string | T;
  readonly processorArn: string | T;
}

/** The region's processor, by name: the trail is created before the function, and a first plan shows it. */
export const processorArnOf = <T>(d: Dialect<T>, e: Env<T>, p: NameParts) =>
  regionalArn(d, e, 'lambda', e.region, `function:${names.processorFunction(p)}`);

const data = (type: string) => [
  { field: 'eventCategory', equals: ['Data'] },
  { field: 'resources.type', equals: [type] },
];

/**
 * Every read and write of a document, of a ledger item (PCI DSS 10.2), and every invocation of the
 * processor, as data events; and the region's write management events, which the watch needs.
 * One trail, one bucket, one key: the same retention as the document trail had.
 */
export function trailEventSelectors<T>(d: Dialect<T>, s: TrailScope<T>): EventSelector<T>[] {
  return [
    {
      name: 'Documents: every object read and write',
      fieldSelectors: [
        ...data('AWS::S3::Object'),
        { field: 'resources.ARN', startsWith: [d.join(s.documentsBucketArn, '/')] },
      ],
    },
    {
      name: 'Ledger: every item read and write of the transactions table',
      fieldSelectors: [...data('AWS::DynamoDB::Table'), { field: 'resources.ARN', equals: [s.tableArn] }],
    },
    {
      name: 'Processor: every invocation',
      fieldSelectors: [...data('AWS::Lambda::Function'), { field: 'resources.ARN', equals: [s.processorArn] }],
    },
    {
      name: 'Management writes: what the recovery-control watch reads',
      fieldSelectors: [
        { field: 'eventCategory', equals: ['Management'] },
        { field: 'readOnly', equals: ['false'] },
      ],
    },
  ];
}

/** What the region's watch rules scope their patterns to: this region's copies of the controls. */
export interface WatchScope<T> {
  readonly tableName: string | T;
  readonly documentsBucketName: string | T;
  readonly trailName: string | T;
  readonly trailArn: string | T;
  /** Every alarm of this environment starts with it (names.alarm). */
  readonly alarmNamePrefix: string | T;
  /** This region's key (the replica key in the standby region). */
  readonly keyArn: string | T;
}

/** An EventBridge event pattern: values are JSON values, or one of the content filters we use. */
export type EventPattern<T> = { [field: string]: EventPattern<T> | ReadonlyArray<PatternValue<T>> };
export type PatternValue<T> = string | T | boolean | { prefix: string | T } | { exists: boolean };

export const WATCH_IDS = [
  'table-replication',
  'document-replication',
  'pitr-off',
  'trail-off',
  'alarms-off',
  'key-off',
] as const;
export type WatchId = (typeof WATCH_IDS)[number];

export interface WatchSpec<T> {
  readonly id: WatchId;
  /** The rule's description: what the alert says happened. */
  readonly description: string;
  readonly pattern: EventPattern<T>;
}

/** A CloudTrail-delivered API call of `source`, named `eventNames`, with `detail` narrowing it to ours. */
function apiCall<T>(
  source: string,
  eventSource: string,
  eventNames: string[],
  detail: EventPattern<T>,
): EventPattern<T> {
  return {
    source: [source],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { eventSource: [eventSource], eventName: eventNames, ...detail },
  };
}

/**
 * The controls recovery depends on, and the calls that switch one off. Each pattern is held to
 * this region's copy of the control, so another stack's changes raise nothing. Sample events in
 * AWS's documented shape: __tests__/fixtures/watch-events.ts; docs/RUNBOOK.md says what to do.
 */
export function watchSpecs<T>(s: WatchScope<T>): WatchSpec<T>[] {
  return [
    {
      id: 'table-replication',
      // UpdateTable carries replica additions and removals (global tables 2019.11.21), stream and
      // deletion-protection changes: any of them on the ledger can end replication.
      description: 'The transactions table was updated (replicas, stream, deletion protection) or deleted',
      pattern: apiCall('aws.dynamodb', 'dynamodb.amazonaws.com', ['UpdateTable', 'DeleteTable'], {
        requestParameters: { tableName: [s.tableName] },
      }),
    },
    {
      id: 'document-replication',
      description: "The documents bucket's replication configuration was replaced or deleted",
      pattern: apiCall('aws.s3', 's3.amazonaws.com', ['PutBucketReplication', 'DeleteBucketReplication'], {
        requestParameters: { bucketName: [s.documentsBucketName] },
      }),
    },
    {
      id: 'pitr-off',
      description: 'Point-in-time recovery of the transactions table was turned off',
      pattern: apiCall('aws.dynamodb', 'dynamodb.amazonaws.com', ['UpdateContinuousBackups'], {
        requestParameters: {
          tableName: [s.tableName],
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: [false] },
        },
      }),
    },
    {
      id: 'trail-off',
      // The trail may be named by name or by ARN (CloudTrail API reference, StopLogging/DeleteTrail).
      description: "The region's audit trail was stopped or deleted",
      pattern: apiCall('aws.cloudtrail', 'cloudtrail.amazonaws.com', ['StopLogging', 'DeleteTrail'], {
        requestParameters: { name: [s.trailName, s.trailArn] },
      }),
    },
    {
      id: 'alarms-off',
      description: 'An alarm of this stack was deleted or its actions disabled',
      pattern: apiCall('aws.cloudwatch', 'monitoring.amazonaws.com', ['DeleteAlarms', 'DisableAlarmActions'], {
        requestParameters: { alarmNames: [{ prefix: s.alarmNamePrefix }] },
      }),
    },
    {
      id: 'key-off',
      // KMS records the key's ARN in the event's resources, whatever id or alias the caller gave.
      description: "The region's key was disabled or scheduled for deletion",
      pattern: apiCall('aws.kms', 'kms.amazonaws.com', ['DisableKey', 'ScheduleKeyDeletion'], {
        resources: { ARN: [s.keyArn] },
      }),
    },
  ];
}

/** The prefix every alarm of this environment starts with (names.alarm). */
export const alarmNamePrefix = (p: NameParts) => names.alarm(p, '');

/**
 * This region's watch scope: the trail and alarm names from src/naming.ts (`name` wraps a name
 * for the dialect: CloudFormation's carry `${EnvironmentSuffix}`), the rest as the renderer has them.
 */
export function watchScope<T>(
  d: Dialect<T>,
  e: Env<T>,
  p: NameParts,
  r: { tableName: string | T; documentsBucketName: string | T; keyArn: string | T },
  name: (n: string) => string | T = (n) => n,
): WatchScope<T> {
  return {
    ...r,
    trailName: name(names.auditTrail(p)),
    trailArn: trailArn(d, e, p),
    alarmNamePrefix: name(alarmNamePrefix(p)),
  };
}

/**
 * The alert topic's policy: CloudWatch may publish for this stack's alarms, EventBridge for this
 * stack's watch rules, each held to this account (aws:SourceAccount, aws:SourceArn; the SNS and
 * EventBridge guides' confused-deputy conditions). Nothing else is granted here: the account's
 * principals are governed by their IAM policies (same account), and the topic's key by its policy.
 */
export function alertTopicPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts): PolicyDocument<T> {
  const topicArn = alertTopicArn(d, e, p);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['sns:Publish'],
        Resource: topicArn,
        Condition: fromThisAccount(e, alarmArnPattern(d, e, p)),
      },
      {
        Sid: 'WatchRulesPublish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['sns:Publish'],
        Resource: topicArn,
        Condition: fromThisAccount(e, watchRuleArnPattern(d, e, p)),
      },
    ],
  };
}
