import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { AlertTopic } from './alert-topic';
import { TapConfig } from './config';
import { CrossRegionRole } from './cross-region-role';
import { DocumentReplication } from './document-replication';
import { Env, OutputId, outputs, StandbyOutputId, standbyOutputs, standardTags, tableArnIn } from './design';
import { DocumentsBucket } from './documents-bucket';
import { DrAlarms } from './dr-alarms';
import { names, NameParts } from './naming';
import { configureStateBackend } from './state-backend';
import { TransactionKeys } from './transaction-keys';
import { TransactionProcessor } from './transaction-processor';
import { TransactionTable } from './transaction-table';
import { tfDialect } from './tf-support';

export interface TapStackProps {
  readonly config: TapConfig;
  /** The built transaction-processor package (see src/lambda-bundle.ts). */
  readonly lambdaArchive: { readonly zipFile: string; readonly codeSha256: string };
}

export const SECONDARY_PROVIDER_ALIAS = 'secondary';

/** What the processor in either region runs with: the same package and settings. */
function processorSettings(config: TapConfig, props: TapStackProps) {
  return {
    archive: props.lambdaArchive,
    logRetentionDays: config.logRetentionDays,
    retainOnDelete: config.retainOnDelete,
    reservedConcurrency: config.lambdaReservedConcurrency,
  };
}

/**
 * The whole disaster-recovery stack in one Terraform state: the default provider targets
 * the primary region, the aliased provider the secondary one.
 */
export class TapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: TapStackProps) {
    super(scope, id);
    const { config } = props;
    const p: NameParts = { suffix: config.environmentSuffix };
    // Every resource carries them, through the providers' default_tags.
    const defaultTags = [{ tags: standardTags(config, config.environmentSuffix, 'cdktf') }];

    new AwsProvider(this, 'aws', { region: config.primaryRegion, defaultTags });
    const secondary = new AwsProvider(this, 'aws-secondary', {
      alias: SECONDARY_PROVIDER_ALIAS,
      region: config.secondaryRegion,
      defaultTags,
    });
    configureStateBackend(this, config.stateBackend, id);

    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const env: Env<string> = {
      partition: new DataAwsPartition(this, 'partition').partition,
      account,
      region: config.primaryRegion,
      secondaryRegion: config.secondaryRegion,
    };

    const keys = new TransactionKeys(this, 'keys', {
      names: p,
      env,
      secondaryProvider: secondary,
      retainOnDelete: config.retainOnDelete,
      standby: config.standbyProcessor,
    });
    const table = new TransactionTable(this, 'transactions', {
      names: p,
      secondaryRegion: config.secondaryRegion,
      primaryKeyArn: keys.primaryKey.arn,
      secondaryKeyArn: keys.secondaryKey.arn,
      retainOnDelete: config.retainOnDelete,
    }).table;
    const documents = new DocumentsBucket(this, 'documents', {
      bucketName: names.documentsBucket({ ...p, account, region: config.primaryRegion }),
      kmsKeyArn: keys.primaryKey.arn,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      retainOnDelete: config.retainOnDelete,
    });
    const bucket = documents.bucket;
    const topic = new AlertTopic(this, 'alerts', {
      topicName: names.alertTopic(p),
      kmsKeyArn: keys.primaryKey.arn,
      alertEmail: config.alertEmail,
    }).topic;
    const processor = new TransactionProcessor(this, 'processor', {
      names: p,
      env,
      roleName: names.processorRole(p),
      tableName: table.name,
      tableArn: table.arn,
      bucketName: bucket.bucket,
      bucketArn: bucket.arn,
      keyArn: keys.primaryKey.arn,
      topicArn: topic.arn,
      ...processorSettings(config, props),
    }).function;
    const alarms = new DrAlarms(this, 'alarms', {
      names: p,
      tableName: table.name,
      functionName: processor.functionName,
      replicaRegion: config.secondaryRegion,
      topicArn: topic.arn,
    }).byLogicalId;
    const crossRegion = new CrossRegionRole(this, 'cross-region', {
      names: p,
      env,
      externalId: config.crossRegionExternalId,
      primaryKeyArn: keys.primaryKey.arn,
      secondaryKeyArn: keys.secondaryKey.arn,
    }).role;

    const values: Record<OutputId, string> = {
      KMSKeyId: keys.primaryKey.keyId,
      KMSKeyArn: keys.primaryKey.arn,
      DynamoDBTableName: table.name,
      DynamoDBTableArn: table.arn,
      S3BucketName: bucket.bucket,
      S3BucketArn: bucket.arn,
      LambdaFunctionName: processor.functionName,
      LambdaFunctionArn: processor.arn,
      SNSTopicArn: topic.arn,
      DynamoDBThrottleAlarmName: alarms.DynamoDBThrottleAlarm.alarmName,
      LambdaErrorAlarmName: alarms.LambdaErrorAlarm.alarmName,
      LambdaThrottleAlarmName: alarms.LambdaThrottleAlarm.alarmName,
      CrossRegionRoleArn: crossRegion.arn,
      SecondaryKMSKeyArn: keys.secondaryKey.arn,
      ReplicationLatencyAlarmName: alarms.ReplicationLatencyAlarm.alarmName,
    };
    for (const o of outputs) {
      new TerraformOutput(this, o.id, { value: values[o.id], description: o.description });
    }

    if (config.standbyProcessor) {
      const standby = this.standbyRegion(config, p, env, secondary, props, keys, table.name, documents);
      for (const o of standbyOutputs) {
        new TerraformOutput(this, o.id, { value: standby[o.id], description: o.description });
      }
    }
  }

  /**
   * The secondary region's warm standby: the same processor, writing to the table's local
   * replica, documents into a replicated bucket of its own and alerts to its own topic, all
   * under the replica key. If the primary region fails, callers switch to this function;
   * nothing has to be created during the outage.
   */
  private standbyRegion(
    config: TapConfig,
    p: NameParts,
    primaryEnv: Env<string>,
    provider: AwsProvider,
    props: TapStackProps,
    keys: TransactionKeys,
    tableName: string,
    primaryDocuments: DocumentsBucket,
  ): Record<StandbyOutputId, string> {
    const env: Env<string> = { ...primaryEnv, region: config.secondaryRegion, secondaryRegion: config.primaryRegion };
    const keyArn = keys.secondaryKey.arn;
    const documents = new DocumentsBucket(this, 'standby-documents', {
      provider,
      bucketName: names.documentsBucket({ ...p, account: env.account, region: config.secondaryRegion }),
      kmsKeyArn: keyArn,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      retainOnDelete: config.retainOnDelete,
    });
    new DocumentReplication(this, 'document-replication', {
      roleName: names.documentReplicationRole(p),
      env: primaryEnv,
      source: {
        bucketId: primaryDocuments.bucket.id,
        bucketArn: primaryDocuments.bucket.arn,
        keyArn: keys.primaryKey.arn,
        versioning: primaryDocuments.versioning,
      },
      destination: { bucketArn: documents.bucket.arn, keyArn, versioning: documents.versioning },
    });
    const topic = new AlertTopic(this, 'standby-alerts', {
      provider,
      topicName: names.alertTopic(p),
      kmsKeyArn: keyArn,
      alertEmail: config.alertEmail,
    }).topic;
    const tableArn = tableArnIn(tfDialect, env, config.secondaryRegion, tableName);
    const fn = new TransactionProcessor(this, 'standby-processor', {
      provider,
      names: p,
      env,
      roleName: names.standbyProcessorRole(p),
      tableName,
      tableArn,
      bucketName: documents.bucket.bucket,
      bucketArn: documents.bucket.arn,
      keyArn,
      topicArn: topic.arn,
      ...processorSettings(config, props),
    }).function;
    new DrAlarms(this, 'standby-alarms', {
      provider,
      names: p,
      nameQualifier: '-standby',
      tableName,
      functionName: fn.functionName,
      replicaRegion: config.primaryRegion,
      topicArn: topic.arn,
    });
    return {
      StandbyLambdaFunctionArn: fn.arn,
      SecondaryS3BucketName: documents.bucket.bucket,
      SecondarySNSTopicArn: topic.arn,
    };
  }
}
