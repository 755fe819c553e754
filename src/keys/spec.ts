/** The keys component's spec: deletion window, which log groups a region's key serves, the key policy. */
import {
  accountRoot,
  Dialect,
  Env,
  fromThisAccount,
  logGroupArnOf,
  PolicyDocument,
  PolicyStatement,
  regionalArn,
} from '../dialect';
import { names, NameParts } from '../naming';

/** KMS waiting period: the 7-day minimum keeps test stacks cheap; retained stacks get the 30-day maximum. */
export function kmsDeletionWindowDays(retainOnDelete: boolean): number {
  return retainOnDelete ? 30 : 7;
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
        // Decrypt: the trail bucket uses an S3 Bucket Key, and CloudTrail's documentation requires
        // kms:Decrypt to create or update a trail then.
        Sid: 'CloudTrailDescribesKeyAndChecksBucketKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['kms:DescribeKey', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': trail } },
      },
      {
        Sid: 'CloudWatchLogsForRegionLogGroups',
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
        Condition: fromThisAccount(e, regionalArn(d, e, 'cloudwatch', e.region, `alarm:${names.alarmPattern(p)}`)),
      },
      watchRulesUseKey(d, e, p),
    ],
  };
}

/** The recovery-control watch (src/watch/spec.ts): its rules publish to the same encrypted topic. */
function watchRulesUseKey<T>(d: Dialect<T>, e: Env<T>, p: NameParts): PolicyStatement<T> {
  return {
    Sid: 'WatchRulesPublishToEncryptedTopic',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: fromThisAccount(e, regionalArn(d, e, 'events', e.region, `rule/${names.watchRulePattern(p)}`)),
  };
}

/** What each region's key is for, as its description says. */
export const KEY_DESCRIPTIONS = {
  primary: (p: NameParts) => `tap-dr ${p.suffix}: transactions, documents, logs and alerts (primary)`,
  secondary: (p: NameParts) => `tap-dr ${p.suffix}: transactions replica and standby (secondary)`,
} as const;
