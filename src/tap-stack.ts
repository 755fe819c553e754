import { Construct, Node } from 'constructs';
import { Aspects, TerraformElement, TerraformOutput, TerraformResource, TerraformStack } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TapConfig } from './config';
import { CrossRegionRole } from './access/cross-region-role';
import { DocumentReplication } from './documents/document-replication';
import { Env, standardTags } from './dialect';
import { dnsFailoverOutputs, OutputId, outputs, StandbyOutputId, standbyOutputs } from './outputs';
import { tableArnIn } from './table/spec';
import { names, NameParts } from './naming';
import { configureStateBackend } from './state-backend';
import { TransactionKeys } from './keys/transaction-keys';
import { DnsFailover } from './failover/dns-failover';
import { FisDrill } from './failover/fis-drill';
import { RegionalTier } from './regional/regional-tier';
import { RetainOnDelete } from './retention-aspect';
import { TIER, TierRole } from './regional/spec';
import { REPLICATION } from './documents/spec';
import { TransactionTable } from './table/transaction-table';
import { movedFromEarlierAddresses, resourceAddress, tfDialect } from './tf-support';

export interface TapStackProps {
  readonly config: TapConfig;
  /** The built transaction-processor package (see src/lambda-bundle.ts). */
  readonly lambdaArchive: { readonly zipFile: string; readonly codeSha256: string };
}

export const SECONDARY_PROVIDER_ALIAS = 'secondary';

/** S3-native state locking (use_lockfile) arrived in Terraform 1.10. */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10';

/** What the stack's steps share: the configuration, names, both regions and the data tier. */
interface Context {
  readonly config: TapConfig;
  readonly p: NameParts;
  readonly account: string;
  readonly env: Env<string>;
  readonly standbyEnv: Env<string>;
  readonly secondary: AwsProvider;
  readonly keys: TransactionKeys;
  readonly table: { readonly name: string; readonly arn: string; readonly replicaArn: string };
  readonly archive: TapStackProps['lambdaArchive'];
}

/**
 * The whole disaster-recovery stack in one Terraform state: the default provider targets
 * the primary region, the aliased provider the secondary one. Each region runs the same
 * RegionalTier; the standby one only when STANDBY_PROCESSOR is on.
 */
export class TapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: TapStackProps) {
    super(scope, id);
    const c = this.foundation(id, props);
    const primary = this.tier(c, 'primary', c.env, c.keys.primaryKey.arn);
    this.primaryOutputs(c, primary, this.crossRegionRole(c));
    if (c.config.standbyProcessor) {
      const standby = this.tier(c, 'standby', c.standbyEnv, c.keys.secondaryKey.arn, c.secondary);
      this.documentReplication(c, primary, standby);
      this.failoverOptions(c, primary, standby);
      this.standbyOutputs(standby);
    }
    movedFromEarlierAddresses(this);
    // RETAIN_ON_DELETE, applied to every stateful resource by kind: components never see it.
    Aspects.of(this).add(new RetainOnDelete(c.config.retainOnDelete));
  }

  /** Every resource's Terraform address follows one readable rule (src/tf-support.ts, addressOf);
   *  everything else keeps cdktf's id (outputs keep their names). */
  protected allocateLogicalId(element: TerraformElement | Node): string {
    return TerraformResource.isTerraformResource(element)
      ? resourceAddress(element, this)
      : super.allocateLogicalId(element);
  }

  /** Providers, state, and the data tier both regions share: keys and the global table. */
  private foundation(id: string, props: TapStackProps): Context {
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
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);
    configureStateBackend(this, config.stateBackend, id);

    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const env: Env<string> = {
      partition: new DataAwsPartition(this, 'partition').partition,
      account,
      region: config.primaryRegion,
      peerRegion: config.secondaryRegion,
    };
    const standbyEnv: Env<string> = { ...env, region: config.secondaryRegion, peerRegion: config.primaryRegion };
    const keys = new TransactionKeys(this, 'keys', {
      names: p,
      env,
      secondaryProvider: secondary,
      standby: config.standbyProcessor,
    });
    const transactions = new TransactionTable(this, 'transactions', {
      names: p,
      secondaryProvider: secondary,
      primaryKeyArn: keys.primaryKey.arn,
      secondaryKeyArn: keys.secondaryKey.arn,
    });
    const table = { name: transactions.table.name, arn: transactions.table.arn, replicaArn: transactions.replica.arn };
    return { config, p, account, env, standbyEnv, secondary, keys, table, archive: props.lambdaArchive };
  }

  /** One region's tier; its documents replicate into the other region's bucket (named up front). */
  private tier(c: Context, role: TierRole, tierEnv: Env<string>, keyArn: string, provider?: AwsProvider): RegionalTier {
    const { config, p, table } = c;
    return new RegionalTier(this, role, {
      role,
      config,
      names: p,
      env: tierEnv,
      provider,
      keyArn,
      tableName: table.name,
      // Spelled from the name in both regions (a replica has the table's name), so the policies
      // that use it read in full in a first plan.
      tableArn: tableArnIn(tfDialect, tierEnv, tierEnv.region, names.table(p)),
      archive: c.archive,
      watchesPeer: config.standbyProcessor,
      documentReplication: config.standbyProcessor
        ? {
            ruleId: TIER[role].replicationRuleId,
            destinationBucket: names.documentsBucket({
              ...p,
              account: c.account,
              region: tierEnv.peerRegion as string,
            }),
          }
        : undefined,
    });
  }

  /** Only when CROSS_REGION_TRUSTED_PRINCIPALS names someone: no role trusts the account by default. */
  private crossRegionRole(c: Context) {
    if (c.config.crossRegionTrustedPrincipals.length === 0) return undefined;
    return new CrossRegionRole(this, 'cross-region', {
      names: c.p,
      env: c.env,
      trustedPrincipals: c.config.crossRegionTrustedPrincipals,
      primaryKeyArn: c.keys.primaryKey.arn,
      secondaryKeyArn: c.keys.secondaryKey.arn,
    }).role;
  }

  private primaryOutputs(c: Context, primary: RegionalTier, crossRegion?: { arn: string }): void {
    const { keys, table } = c;
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
      DynamoDBThrottleAlarmName: primary.alarms.DynamoDBThrottleAlarm!.alarmName,
      LambdaErrorAlarmName: primary.alarms.LambdaErrorAlarm!.alarmName,
      LambdaThrottleAlarmName: primary.alarms.LambdaThrottleAlarm!.alarmName,
      CrossRegionRoleArn: crossRegion?.arn,
      SecondaryKMSKeyArn: keys.secondaryKey.arn,
      ReplicationLatencyAlarmName: primary.alarms.ReplicationLatencyAlarm!.alarmName,
      PrimaryApiEndpoint: primary.api.stage.invokeUrl,
      // What dr:check measures against: the configured target, not one derived from an alarm.
      RpoTargetSeconds: String(c.config.rpoTargetSeconds),
      DrCheckPrincipals: c.config.drCheckPrincipals.join(',') || undefined,
    };
    for (const o of outputs) {
      const value = values[o.id];
      if (value !== undefined) new TerraformOutput(this, o.id, { value, description: o.description });
    }
  }

  /** Documents both ways: out for failover, back so that failing back loses nothing. */
  private documentReplication(c: Context, primary: RegionalTier, standby: RegionalTier): void {
    const { keys, p } = c;
    const replicate = (
      id: string,
      from: RegionalTier,
      to: RegionalTier,
      keyArns: [string, string],
      e: Env<string>,
      provider?: AwsProvider,
    ) =>
      new DocumentReplication(this, id, {
        provider,
        env: e,
        roleName: TIER[from === primary ? 'primary' : 'standby'].replicationRole(p),
        ruleId: TIER[from === primary ? 'primary' : 'standby'].replicationRuleId,
        description: REPLICATION.description(e.region as string, e.peerRegion as string),
        source: {
          bucketId: from.documents.bucket.id,
          bucketArn: from.documents.arnByName,
          keyArn: keyArns[0],
          versioning: from.documents.versioning,
        },
        destination: {
          bucketArn: to.documents.bucket.arn,
          arnByName: to.documents.arnByName,
          keyArn: keyArns[1],
          versioning: to.documents.versioning,
        },
      });
    replicate('document-replication', primary, standby, [keys.primaryKey.arn, keys.secondaryKey.arn], c.env);
    replicate(
      'document-failback',
      standby,
      primary,
      [keys.secondaryKey.arn, keys.primaryKey.arn],
      c.standbyEnv,
      c.secondary,
    );
  }

  /** DNS failover and the FIS drill, each only when configured. */
  private failoverOptions(c: Context, primary: RegionalTier, standby: RegionalTier): void {
    const { config } = c;
    if (config.dnsFailover) {
      const dns = new DnsFailover(this, 'dns-failover', {
        ...config.dnsFailover,
        primary: { api: primary.api, healthAlarm: primary.alarms.RegionHealthAlarm!, region: c.env.region as string },
        standby: { api: standby.api, provider: c.secondary },
      });
      const [o] = dnsFailoverOutputs;
      new TerraformOutput(this, o.id, { value: dns.healthCheck.id, description: o.description });
    }
    if (config.fisDrill) {
      new FisDrill(this, 'fis-drill', {
        names: c.p,
        env: c.standbyEnv,
        provider: c.secondary,
        replicaArn: c.table.replicaArn,
        replicaArnByName: standby.tableArn,
        stopAlarmArn: standby.alarms.HeartbeatStalenessAlarm!.arn,
        pauseMinutes: config.fisDrill.pauseMinutes,
      });
    }
  }

  private standbyOutputs(standby: RegionalTier): void {
    const values: Record<StandbyOutputId, string> = {
      StandbyLambdaFunctionArn: standby.processor.arn,
      SecondaryS3BucketName: standby.documents.bucket.bucket,
      SecondarySNSTopicArn: standby.topic.arn,
      StandbyApiEndpoint: standby.api.stage.invokeUrl,
    };
    for (const o of standbyOutputs)
      new TerraformOutput(this, o.id, { value: values[o.id], description: o.description });
  }
}
