/** The keys component's spec: which log groups a region's key serves, the key policy. */
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
        Condition: alarmsToTopic(d, e, p),
      },
      watchRulesUseKey(d, e, p),
    ],
  };
}

/** ARNs of this environment's alarms in the region (a pattern: alarm names end in what they watch). */
export const alarmArnPattern = <T>(d: Dialect<T>, e: Env<T>, p: NameParts) =>
  regionalArn(d, e, 'cloudwatch', e.region, `alarm:${names.alarmPattern(p)}`);

/** ARNs of this environment's watch rules in the region. */
export const watchRuleArnPattern = <T>(d: Dialect<T>, e: Env<T>, p: NameParts) =>
  regionalArn(d, e, 'events', e.region, `rule/${names.watchRulePattern(p)}`);

/** The region's alert topic's ARN, from its name, so a first plan shows the policy in full. */
export const alertTopicArn = <T>(d: Dialect<T>, e: Env<T>, p: NameParts) =>
  regionalArn(d, e, 'sns', e.region, names.alertTopic(p));

/** This stack's alarms, for the region's alert topic only: SNS sends the topic's ARN as the encryption
 *  context (aws:sns:topicArn, SNS Developer Guide, "Key management"). No kms:ViaService: SNS's page for
 *  CloudWatch alarms on an encrypted topic documents none for the service principal. */
function alarmsToTopic<T>(d: Dialect<T>, e: Env<T>, p: NameParts): NonNullable<PolicyStatement<T>['Condition']> {
  return publishesToTopic(d, e, p, alarmArnPattern(d, e, p));
}

/** The recovery-control watch (src/watch/spec.ts): its rules publish to the same encrypted topic. */
function watchRulesUseKey<T>(d: Dialect<T>, e: Env<T>, p: NameParts): PolicyStatement<T> {
  return {
    Sid: 'WatchRulesPublishToEncryptedTopic',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: publishesToTopic(d, e, p, watchRuleArnPattern(d, e, p)),
  };
}

/** From this account's sources only, and in the region's alert topic's encryption context. */
function publishesToTopic<T>(
  d: Dialect<T>,
  e: Env<T>,
  p: NameParts,
  sourceArn: string | T,
): NonNullable<PolicyStatement<T>['Condition']> {
  const { StringEquals, ArnLike } = fromThisAccount(e, sourceArn)!;
  return {
    StringEquals: {
      ...StringEquals,
      'kms:EncryptionContext:aws:sns:topicArn': alertTopicArn(d, e, p),
    },
    ArnLike,
  };
}

/** What each region's key is for, as its description says. */
export const KEY_DESCRIPTIONS = {
  primary: (p: NameParts) => `tap-dr ${p.suffix}: transactions, documents, logs and alerts (primary)`,
  secondary: (p: NameParts) => `tap-dr ${p.suffix}: transactions replica and standby (secondary)`,
} as const;

/*
 * Encryption contexts, as each service documents the context it sends with every KMS call it makes
 * on a caller's behalf; a grant conditioned on it cannot be used for anything else with the key.
 *  - DynamoDB: aws:dynamodb:tableName and aws:dynamodb:subscriberId (the account), KMS Developer
 *    Guide, "How Amazon DynamoDB uses AWS KMS", Encryption context. A global table's replica has
 *    the table's name in its own region.
 *  - S3 SSE-KMS: aws:s3:arn, the object's ARN, or the bucket's ARN with an S3 Bucket Key (S3 User
 *    Guide, "Using server-side encryption with AWS KMS keys", Encryption context; our buckets and
 *    every put name a bucket key).
 *  - CloudWatch Logs: aws:logs:arn, the log group's ARN (CloudWatch Logs User Guide, "Encrypt log
 *    data in CloudWatch Logs using AWS KMS").
 *  - Lambda environment variables: aws:lambda:FunctionArn, the function's ARN (Lambda Developer
 *    Guide, "Securing Lambda environment variables" and the Decrypt event in "Data encryption at
 *    rest for AWS Lambda").
 */

/**
 * Using a key for the stack's table, through DynamoDB in `region` only: DynamoDB decrypts the
 * table key (generated once, at table creation) with the caller's credentials, in the table's
 * encryption context; reading and writing need Decrypt and nothing else.
 */
export function dynamodbKeyStatement<T>(
  d: Dialect<T>,
  e: Env<T>,
  sid: string,
  keyArn: string | T,
  region: string | T,
  tableName: string,
): PolicyStatement<T> {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: keyArn,
    Condition: dynamodbKeyCondition(d, e, region, tableName),
  };
}

/** Through DynamoDB in `region`, for the stack's table only. */
function dynamodbKeyCondition<T>(
  d: Dialect<T>,
  e: Env<T>,
  region: string | T,
  tableName: string,
): NonNullable<PolicyStatement<T>['Condition']> {
  return {
    StringEquals: {
      'kms:ViaService': d.join('dynamodb.', region, '.amazonaws.com'),
      // Joined: in CloudFormation a name from src/naming.ts is a ${EnvironmentSuffix} substitution.
      'kms:EncryptionContext:aws:dynamodb:tableName': d.join(tableName),
      'kms:EncryptionContext:aws:dynamodb:subscriberId': e.account,
    },
  };
}

/** Decrypting one function's own environment (the functions use the region's key for it). */
export function functionEnvironmentKey<T>(
  d: Dialect<T>,
  e: Env<T>,
  keyArn: string | T,
  functionName: string,
): PolicyStatement<T> {
  return {
    Sid: 'FunctionEnvironment',
    Effect: 'Allow',
    Action: ['kms:Decrypt'],
    Resource: keyArn,
    Condition: {
      StringEquals: {
        'kms:EncryptionContext:aws:lambda:FunctionArn': regionalArn(
          d,
          e,
          'lambda',
          e.region,
          `function:${functionName}`,
        ),
      },
    },
  };
}

/**
 * A role policy in two: the statements on a key, and the rest. A key's ARN holds a random key id,
 * known only once the key exists, so a policy naming it is "(known after apply)" in a first plan;
 * split, every other statement reads in full (issue 19, docs/SECURITY.md). Key statements are those
 * whose only resource is one of `keyArns` (compared as rendered, so for either dialect).
 */
export function splitKeyStatements<T>(
  doc: PolicyDocument<T>,
  keyArns: ReadonlyArray<string | T>,
): { rest: PolicyDocument<T>; keys: PolicyDocument<T> } {
  const rendered = new Set(keyArns.map((k) => JSON.stringify(k)));
  const onKey = (s: PolicyStatement<T>) => rendered.has(JSON.stringify(s.Resource));
  return {
    rest: { Version: doc.Version, Statement: doc.Statement.filter((s) => !onKey(s)) },
    keys: { Version: doc.Version, Statement: doc.Statement.filter(onKey) },
  };
}

/** A role's key-statement policy is named after its main policy, with this suffix. */
export const KEY_POLICY_SUFFIX = '-keys';

/** A role's inline policies as CloudFormation and Terraform both render them: `name`, then `name`-keys. */
export function rolePolicyParts<T>(
  name: string | T,
  d: Dialect<T>,
  doc: PolicyDocument<T>,
  keyArns: ReadonlyArray<string | T>,
): Array<{ PolicyName: string | T; PolicyDocument: PolicyDocument<T> }> {
  const { rest, keys } = splitKeyStatements(doc, keyArns);
  return [
    { PolicyName: name, PolicyDocument: rest },
    ...(keys.Statement.length
      ? [
          {
            PolicyName: typeof name === 'string' ? `${name}${KEY_POLICY_SUFFIX}` : d.join(name, KEY_POLICY_SUFFIX),
            PolicyDocument: keys,
          },
        ]
      : []),
  ];
}
