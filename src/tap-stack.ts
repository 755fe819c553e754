import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TapConfig } from './config';
import { CrossRegionRole } from './cross-region-role';
import { DocumentReplication } from './document-replication';
import { Env, OutputId, outputs, StandbyOutputId, standbyOutputs, standardTags, tableArnIn } from './design';
import { names, NameParts } from './naming';
import { configureStateBackend } from './state-backend';
import { TransactionKeys } from './transaction-keys';
import { RegionalTier, TierRole } from './regional-tier';
import { TransactionTable } from './transaction-table';
import { tfDialect } from './tf-support';

export interface TapStackProps {
  readonly config: TapConfig;
  /** The built transaction-processor package (see src/lambda-bundle.ts). */
  readonly lambdaArchive: { readonly zipFile: string; readonly codeSha256: string };
}

export const SECONDARY_PROVIDER_ALIAS = 'secondary';

/** S3-native state locking (use_lockfile) arrived in Terraform 1.10. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10';

/**
 * The whole disaster-recovery stack in one Terraform state: the default provider targets
 * the primary region, the aliased provider the secondary one. Each region runs the same
 * RegionalTier; the standby one only when STANDBY_PROCESSOR is on.
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
    // S3-native state locking (use_lockfile) needs Terraform 1.10.
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
    configureStateBackend(this, config.stateBackend, id);

    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const env: Env<string> = {
      partition: new DataAwsPartition(this, 'partition').partition,
      account,
      region: config.primaryRegion,
      secondaryRegion: config.secondaryRegion,
    };
    const standbyEnv: Env<string> = { ...env, region: config.secondaryRegion, secondaryRegion: config.primaryRegion };

    const keys = new TransactionKeys(this, 'keys', {
      names: p,
      env,
      secondaryProvider: secondary,
      retainOnDelete: config.retainOnDelete,
      standby: config.standbyProcessor,
    });
    const table = new TransactionTable(this, 'transactions', {
      names: p,
      secondaryProvider: secondary,
      primaryKeyArn: keys.primaryKey.arn,
      secondaryKeyArn: keys.secondaryKey.arn,
      retainOnDelete: config.retainOnDelete,
    }).table;
    const tier = (role: TierRole, tierEnv: Env<string>, keyArn: string, provider?: AwsProvider) =>
      new RegionalTier(this, role, {
        role,
        config,
        names: p,
        env: tierEnv,
        provider,
        keyArn,
        tableName: table.name,
        // The replica's ARN is known only by construction: same name, its own region.
        tableArn: role === 'primary' ? table.arn : tableArnIn(tfDialect, tierEnv, tierEnv.region, table.name),
        archive: props.lambdaArchive,
      });
    const primary = tier('primary', env, keys.primaryKey.arn);
    const crossRegion =
      config.crossRegionTrustedPrincipals.length > 0
        ? new CrossRegionRole(this, 'cross-region', {
            names: p,
            env,
            trustedPrincipals: config.crossRegionTrustedPrincipals,
            primaryKeyArn: keys.primaryKey.arn,
            secondaryKeyArn: keys.secondaryKey.arn,
          }).role
        : undefined;

    const values: Record<OutputId, string | undefined> = {
      KMSKeyId: keys.primaryKey.keyId,
      KMSKeyArn: keys.primaryKey.arn,
      DynamoDBTableName: table.name,
      DynamoDBTableArn: table.arn,
      S3BucketName: primary.documents.bucket.bucket,
      S3BucketArn: primary.documents.bucket.arn,
      LambdaFunctionName: primary.processor.functionName,
      LambdaFunctionArn: primary.processor.arn,
      SNSTopicArn: primary.topic.arn,
      DynamoDBThrottleAlarmName: primary.alarms.DynamoDBThrottleAlarm.alarmName,
      LambdaErrorAlarmName: primary.alarms.LambdaErrorAlarm.alarmName,
      LambdaThrottleAlarmName: primary.alarms.LambdaThrottleAlarm.alarmName,
      // Only when CROSS_REGION_TRUSTED_PRINCIPALS names someone: no role trusts the account by default.
      CrossRegionRoleArn: crossRegion?.arn,
      SecondaryKMSKeyArn: keys.secondaryKey.arn,
      ReplicationLatencyAlarmName: primary.alarms.ReplicationLatencyAlarm.alarmName,
    };
    for (const o of outputs) {
      const value = values[o.id];
      if (value !== undefined) new TerraformOutput(this, o.id, { value, description: o.description });
    }

    if (config.standbyProcessor) {
      const standby = tier('standby', standbyEnv, keys.secondaryKey.arn, secondary);
      new DocumentReplication(this, 'document-replication', {
        roleName: names.documentReplicationRole(p),
        env,
        source: {
          bucketId: primary.documents.bucket.id,
          bucketArn: primary.documents.bucket.arn,
          keyArn: keys.primaryKey.arn,
          versioning: primary.documents.versioning,
        },
        destination: {
          bucketArn: standby.documents.bucket.arn,
          keyArn: keys.secondaryKey.arn,
          versioning: standby.documents.versioning,
        },
      });
      const standbyValues: Record<StandbyOutputId, string> = {
        StandbyLambdaFunctionArn: standby.processor.arn,
        SecondaryS3BucketName: standby.documents.bucket.bucket,
        SecondarySNSTopicArn: standby.topic.arn,
      };
      for (const o of standbyOutputs) {
        new TerraformOutput(this, o.id, { value: standbyValues[o.id], description: o.description });
      }
    }
  }
}
