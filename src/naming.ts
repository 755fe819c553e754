/**
 * Every physical name tap-dr creates, in one place, used by both the Terraform stack
 * and the CloudFormation templates so the two deliverables cannot drift.
 *
 * The functions take plain strings. The Terraform side passes the literal suffix and
 * tokens for the account; the CloudFormation side passes "${EnvironmentSuffix}" and
 * "${AWS::AccountId}" and wraps the result in Fn::Sub.
 *
 * Names are injective across environments: two suffixes never give one name in the same
 * scope (S3: global; IAM: the account; the rest: a region), and no policy pattern of one
 * environment matches another's names. A suffix is [a-z0-9-], so wherever text follows it
 * that another suffix could also spell (`dev` + `-standby` = `dev-standby`), a character no
 * suffix contains (`.`) separates them. __tests__/naming.test.ts proves it over many pairs.
 */

export interface NameParts {
  /** The environment suffix (or a placeholder for it). */
  readonly suffix: string;
}

export interface AccountRegionParts extends NameParts {
  readonly account: string;
  readonly region: string;
}

export const PROJECT = 'tap-dr';

/** Ends a name after the suffix where more text follows; no suffix contains it. */
export const SUFFIX_END = '.';

export const names = {
  stack: (p: NameParts) => `${PROJECT}-${p.suffix}`,
  /** The seed's fix 7: the alias carries the suffix so deployments don't collide. The
   *  replica key gets the same alias in its own region, so code can address "the key" anywhere. */
  kmsAlias: (p: NameParts) => `alias/transaction-encryption-${p.suffix}`,
  table: (p: NameParts) => `transactions-${p.suffix}`,
  /** Short enough for S3's 63-character limit with a 20-character suffix and any region. */
  documentsBucket: (p: AccountRegionParts) => `tap-docs-${p.suffix}-${p.account}-${p.region}`,
  /** The region's document-access trail (CloudTrail data events) and the bucket it writes to. */
  auditTrail: (p: NameParts) => `${PROJECT}-documents-${p.suffix}`,
  trailBucket: (p: AccountRegionParts) => `tap-trail-${p.suffix}-${p.account}-${p.region}`,
  processorFunction: (p: NameParts) => `transaction-processor-${p.suffix}`,
  processorLogGroup: (p: NameParts) => names.functionLogGroup(names.processorFunction(p)),
  processorRole: (p: NameParts) => `${PROJECT}-processor-${p.suffix}`,
  /** IAM is global: the secondary region's processor needs a role name of its own. */
  standbyProcessorRole: (p: NameParts) => `${PROJECT}-processor-${p.suffix}${SUFFIX_END}standby`,
  documentReplicationRole: (p: NameParts) => `${PROJECT}-docs-replication-${p.suffix}`,
  /** Standby documents back into the primary bucket, so failing back loses nothing. */
  documentFailbackRole: (p: NameParts) => `${PROJECT}-docs-failback-${p.suffix}`,
  heartbeatFunction: (p: NameParts) => `${PROJECT}-heartbeat-${p.suffix}`,
  healthFunction: (p: NameParts) => `${PROJECT}-health-${p.suffix}`,
  /** Lambda writes to /aws/lambda/<function>; the stack creates the group first, encrypted. */
  functionLogGroup: (functionName: string) => `/aws/lambda/${functionName}`,
  /** IAM is global: each region's copy of a role needs its own name. */
  regionalRole: (p: NameParts, what: 'heartbeat' | 'health', standby: boolean) =>
    `${PROJECT}-${what}-${p.suffix}${standby ? `${SUFFIX_END}standby` : ''}`,
  api: (p: NameParts) => `${PROJECT}-${p.suffix}`,
  apiAccessLogGroup: (p: NameParts) => `/aws/apigateway/${PROJECT}-${p.suffix}`,
  heartbeatRule: (p: NameParts) => `${PROJECT}-heartbeat-${p.suffix}`,
  fisRole: (p: NameParts) => `${PROJECT}-fis-drill-${p.suffix}`,
  crossRegionRole: (p: NameParts) => `${PROJECT}-cross-region-${p.suffix}`,
  alertTopic: (p: NameParts) => `${PROJECT}-alerts-${p.suffix}`,
  alarm: (p: NameParts, what: string, qualifier = '') => `${PROJECT}-${p.suffix}${SUFFIX_END}${what}${qualifier}`,
  /** Every alarm of this environment and no other's: what key policies may name. */
  alarmPattern: (p: NameParts) => `${PROJECT}-${p.suffix}${SUFFIX_END}*`,
  /** EventBridge rules that watch this environment's recovery controls (src/watch/spec.ts). */
  watchRule: (p: NameParts, what: string) => `${PROJECT}-${p.suffix}${SUFFIX_END}watch-${what}`,
  /** Every watch rule of this environment and no other's: what the topic and key policies name. */
  watchRulePattern: (p: NameParts) => `${PROJECT}-${p.suffix}${SUFFIX_END}watch-*`,
  /** CloudFormation export names: unique per region and suffix (output names start uppercase). */
  cfnExport: (p: NameParts, output: string) => `${PROJECT}-${p.suffix}-${output}`,
  /** CloudFormation stack names (letters, digits, hyphens only): hence no suffix may end in `-secondary`. */
  cfnStack: (p: NameParts, template: 'primary' | 'secondary') =>
    `${PROJECT}-${p.suffix}${template === 'secondary' ? '-secondary' : ''}`,
};

/** S3's bucket-name limit; tap-stack.test.ts checks the longest suffix in the longest region fits. */
export const MAX_BUCKET_NAME_LENGTH = 63;
