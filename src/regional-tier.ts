import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { AlertTopic } from './alert-topic';
import { AuditTrail } from './audit-trail';
import { TapConfig } from './config';
import { documentsBucketPolicy, Env } from './design';
import { DrAlarms } from './dr-alarms';
import { HardenedBucket } from './hardened-bucket';
import { names, NameParts } from './naming';
import { tfDialect } from './tf-support';
import { TransactionProcessor } from './transaction-processor';

/** Which of the two regions a tier serves; it decides names, addresses and alarm qualifiers. */
export type TierRole = 'primary' | 'standby';

const TIER = {
  primary: { roleName: names.processorRole, addressPrefix: '', alarmQualifier: '' },
  standby: { roleName: names.standbyProcessorRole, addressPrefix: 'standby_', alarmQualifier: '-standby' },
} as const;

export interface RegionalTierProps {
  readonly role: TierRole;
  readonly config: TapConfig;
  readonly names: NameParts;
  /** Partition/account, this tier's region, and the other region as `secondaryRegion`. */
  readonly env: Env<string>;
  /** This region's provider; the default (primary) provider when absent. */
  readonly provider?: AwsProvider;
  /** This region's customer-managed key. */
  readonly keyArn: string;
  /** The global table's name and its ARN in this region. */
  readonly tableName: string;
  readonly tableArn: string;
  readonly archive: { readonly zipFile: string; readonly codeSha256: string };
}

/**
 * Everything one region runs to accept transactions: the documents bucket and its access
 * trail, the alert topic, the processor and its alarms, all under the region's own key.
 * The same construct serves the primary and the warm standby, so the two cannot drift.
 */
export class RegionalTier extends Construct {
  readonly documents: HardenedBucket;
  readonly trail: AuditTrail;
  readonly topic: SnsTopic;
  readonly processor: LambdaFunction;
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: RegionalTierProps) {
    super(scope, id);
    const { config, env, provider, keyArn } = props;
    const tier = TIER[props.role];
    const region = env.region as string;
    const common = {
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      retainOnDelete: config.retainOnDelete,
    };
    this.documents = new HardenedBucket(this, 'documents', {
      provider,
      address: `${tier.addressPrefix}documents`,
      bucketName: names.documentsBucket({ ...props.names, account: env.account, region }),
      kmsKeyArn: keyArn,
      policy: (arn) => documentsBucketPolicy(tfDialect, arn, keyArn),
      ...common,
    });
    this.trail = new AuditTrail(this, 'audit-trail', {
      provider,
      names: props.names,
      env,
      bucketAddress: `${tier.addressPrefix}audit_trail`,
      documentsBucketArn: this.documents.bucket.arn,
      kmsKeyArn: keyArn,
      retentionDays: config.logRetentionDays,
      ...common,
    });
    this.topic = new AlertTopic(this, 'alerts', {
      provider,
      topicName: names.alertTopic(props.names),
      kmsKeyArn: keyArn,
      alertEmail: config.alertEmail,
    }).topic;
    this.processor = new TransactionProcessor(this, 'processor', {
      provider,
      names: props.names,
      env,
      roleName: tier.roleName(props.names),
      tableName: props.tableName,
      tableArn: props.tableArn,
      bucketName: this.documents.bucket.bucket,
      bucketArn: this.documents.bucket.arn,
      keyArn,
      topicArn: this.topic.arn,
      archive: props.archive,
      logRetentionDays: config.logRetentionDays,
      retainOnDelete: config.retainOnDelete,
      reservedConcurrency: config.lambdaReservedConcurrency,
      logGroupAddress: `${tier.addressPrefix}processor_logs`,
      codeSigningProfileVersionArn: config.codeSigningProfileVersionArn,
    }).function;
    this.alarms = new DrAlarms(this, 'alarms', {
      provider,
      names: props.names,
      nameQualifier: tier.alarmQualifier,
      tableName: props.tableName,
      functionName: this.processor.functionName,
      replicaRegion: env.secondaryRegion as string,
      topicArn: this.topic.arn,
    }).byLogicalId;
  }
}
