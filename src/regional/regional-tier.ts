import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { AlertTopic } from '../alerts/alert-topic';
import { AuditTrail } from '../documents/audit-trail';
import { TapConfig } from '../config';
import { AlarmId, alarmSpecs } from '../alarms';
import { Env } from '../dialect';
import { documentsBucketPolicy } from '../documents/spec';
import { HEARTBEAT_SCHEDULE, REGIONAL_FUNCTIONS, regionalVariables, TIER, TierRole } from './spec';
import { HEARTBEAT } from '../heartbeat-contract';
import { RegionalApi } from './regional-api';
import { RegionalFunction } from './regional-function';
import { DrAlarms } from '../alerts/dr-alarms';
import { HardenedBucket } from '../documents/hardened-bucket';
import { names, NameParts } from '../naming';
import { tfDialect } from '../tf-support';
import { TransactionProcessor } from '../processor/transaction-processor';
import { RecoveryWatch } from '../watch/recovery-watch';
import { alertTopicPolicy, processorArnOf, watchScope } from '../watch/spec';

export type { TierRole } from './spec';

export interface RegionalTierProps {
  readonly role: TierRole;
  readonly config: TapConfig;
  readonly names: NameParts;
  /** Partition/account, this tier's region, and the other region as `peerRegion`. */
  readonly env: Env<string>;
  /** This region's provider; the default (primary) provider when absent. */
  readonly provider?: AwsProvider;
  /** This region's customer-managed key. */
  readonly keyArn: string;
  /** The global table's name and its ARN in this region. */
  readonly tableName: string;
  readonly tableArn: string;
  readonly archive: { readonly zipFile: string; readonly codeSha256: string };
  /** The other region runs a tier too: read its heartbeat and alarm on staleness. */
  readonly watchesPeer: boolean;
  /** This region's documents replicate out by this rule (source, destination bucket, rule id). */
  readonly documentReplication?: { readonly destinationBucket: string; readonly ruleId: string };
}

/**
 * Everything one region runs to accept transactions: the documents bucket and its access
 * trail, the alert topic, the processor and its alarms, all under the region's own key.
 * The same construct serves the primary and the warm standby, so the two cannot drift.
 */
export class RegionalTier extends Construct {
  /** RegionalTierProps.tableArn, for what else acts on the table in this region. */
  readonly tableArn: string;
  readonly documents: HardenedBucket;
  readonly trail: AuditTrail;
  readonly topic: SnsTopic;
  readonly processor: LambdaFunction;
  readonly health: LambdaFunction;
  readonly heartbeat: LambdaFunction;
  readonly api: RegionalApi;
  readonly alarms: Readonly<Partial<Record<AlarmId, CloudwatchMetricAlarm>>>;

  constructor(scope: Construct, id: string, props: RegionalTierProps) {
    super(scope, id);
    const { config, provider, keyArn } = props;
    this.tableArn = props.tableArn;
    this.documents = this.documentsBucket(props);
    this.trail = new AuditTrail(this, 'audit-trail', {
      provider,
      names: props.names,
      env: props.env,
      documentsBucketArn: this.documents.bucket.arn,
      tableArn: props.tableArn,
      processorArn: processorArnOf(tfDialect, props.env, props.names),
      kmsKeyArn: keyArn,
      retentionDays: config.logRetentionDays,
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
    });
    this.topic = new AlertTopic(this, 'alerts', {
      provider,
      topicName: names.alertTopic(props.names),
      kmsKeyArn: keyArn,
      alertEmail: config.alertEmail,
      policy: alertTopicPolicy(tfDialect, props.env, props.names),
    }).topic;
    const processor = this.transactionProcessor(props);
    this.processor = processor.function;
    const regional = this.regionalFunctions(props);
    this.heartbeat = regional.heartbeat;
    this.health = regional.health;
    this.api = new RegionalApi(this, 'api', {
      provider,
      names: props.names,
      processor: this.processor,
      health: this.health,
      keyArn,
      settings: config,
    });
    this.alarms = this.regionAlarms(props);
    new RecoveryWatch(this, 'watch', {
      provider,
      names: props.names,
      scope: watchScope(tfDialect, props.env, props.names, {
        tableName: props.tableName,
        documentsBucketName: this.documents.bucket.bucket,
        keyArn,
      }),
      topicArn: this.topic.arn,
    });
  }

  /** Private, versioned, under the region's key, and refusing any put under another key. */
  private documentsBucket(props: RegionalTierProps): HardenedBucket {
    const { config, env, keyArn } = props;
    return new HardenedBucket(this, 'documents', {
      provider: props.provider,
      partition: env.partition as string,
      bucketName: names.documentsBucket({ ...props.names, account: env.account, region: env.region as string }),
      kmsKeyArn: keyArn,
      policy: (arn) => documentsBucketPolicy(tfDialect, env, props.names, arn, keyArn),
      noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
    });
  }

  private transactionProcessor(props: RegionalTierProps): TransactionProcessor {
    const { config, keyArn } = props;
    const tier = TIER[props.role];
    return new TransactionProcessor(this, 'processor', {
      provider: props.provider,
      names: props.names,
      env: props.env,
      roleName: tier.processorRole(props.names),
      tableName: props.tableName,
      tableArn: props.tableArn,
      bucketName: this.documents.bucket.bucket,
      bucketArn: this.documents.arnByName,
      keyArn,
      topicArn: this.topic.arn,
      archive: props.archive,
      settings: config,
    });
  }

  /** src/alarms.ts's specs for this region, every one notifying this region's topic. */
  private regionAlarms(props: RegionalTierProps) {
    const replication = props.documentReplication;
    return new DrAlarms(this, 'alarms', {
      provider: props.provider,
      names: props.names,
      nameQualifier: TIER[props.role].alarmQualifier,
      specs: alarmSpecs({
        rpoTargetSeconds: props.config.rpoTargetSeconds,
        watchesPeer: props.watchesPeer,
        replicatesDocuments: replication !== undefined,
      }),
      scope: {
        tableName: props.tableName,
        functionName: this.processor.functionName,
        heartbeatFunctionName: this.heartbeat.functionName,
        region: props.env.region as string,
        peerRegion: props.env.peerRegion as string,
        ...(replication ? { documentReplication: { sourceBucket: this.documents.bucket.bucket, ...replication } } : {}),
      },
      topicArn: this.topic.arn,
    }).byLogicalId;
  }

  /** The heartbeat canary (every minute, from EventBridge) and the /health function. */
  private regionalFunctions(props: RegionalTierProps) {
    const { config, env, provider, keyArn } = props;
    const refs = {
      tableName: props.tableName,
      peerRegion: props.watchesPeer ? (env.peerRegion as string) : '',
      keyArn,
      bucketName: this.documents.bucket.bucket,
      rpoTargetSeconds: config.rpoTargetSeconds,
    };
    const build = (what: keyof typeof REGIONAL_FUNCTIONS) => {
      const f = REGIONAL_FUNCTIONS[what];
      return new RegionalFunction(this, what, {
        provider,
        environment: regionalVariables(what, refs),
        keyArn,
        archive: props.archive,
        settings: config,
        functionName: f.functionName(props.names),
        description: f.description,
        handler: f.handler,
        roleName: names.regionalRole(props.names, what, props.role === 'standby'),
        policy: f.policy(tfDialect, env, props.names, {
          tableArn: props.tableArn,
          keyArn,
          bucketArn: this.documents.arnByName,
        }),
      }).function;
    };
    const heartbeat = build('heartbeat');
    const rule = new CloudwatchEventRule(this, 'heartbeat-schedule', {
      provider,
      name: names.heartbeatRule(props.names),
      description: HEARTBEAT_SCHEDULE.description,
      scheduleExpression: HEARTBEAT.schedule,
    });
    new CloudwatchEventTarget(this, 'heartbeat-target', { provider, rule: rule.name, arn: heartbeat.arn });
    // The next minute's run is the retry: a retried old beat would only muddle the metric.
    new LambdaFunctionEventInvokeConfig(this, 'heartbeat-no-retries', {
      provider,
      functionName: heartbeat.functionName,
      maximumRetryAttempts: HEARTBEAT_SCHEDULE.maximumRetryAttempts,
    });
    new LambdaPermission(this, 'heartbeat-permission', {
      provider,
      statementId: 'AllowHeartbeatSchedule',
      action: 'lambda:InvokeFunction',
      functionName: heartbeat.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });
    return { heartbeat, health: build('health') };
  }
}
