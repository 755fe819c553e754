/**
 * One regional tier as a CloudFormation fragment: documents bucket and its access trail,
 * alert topic, processor, heartbeat canary, /health, HTTP API and alarms, all under the
 * region's key. TapStack.json renders it for the primary, TapStack-secondary.json for the
 * standby: one tier, switched by role, as src/regional/regional-tier.ts is for Terraform.
 */
import { bucketArnOf } from '../dialect';
import {
  documentReplicationPolicy,
  documentsBucketPolicy,
  processor,
  processorPolicy,
  processorVariables,
  serviceTrustPolicy,
  trailBucketPolicy,
} from '../design';
import { names } from '../naming';
import { cfnNames, hardenedBucket, lambdaCode, logGroup, regionAccount, tags } from './common';
import { C } from './ids';
import { CfnResource, cfnDialect, fnIf, Fragment, getAtt, NO_VALUE, pascalKeys, ref, sub, subText } from './intrinsics';
import { TRAIL_DEFAULTS } from '../documents/cloudtrail-defaults';
import { REPLICATION } from '../documents/spec';
import { TIER } from '../regional/spec';
import { rolePolicyParts } from '../keys/spec';
import { TierContext } from './tier-context';
import { apiFragment, regionalFunctions } from './tier-functions';
import { alarmsFragment } from './tier-alarms';
import { watchFragment } from './tier-watch';
import { processorArnOf, trailEventSelectors } from '../watch/spec';

/** Everything one region runs to accept transactions. */
export function regionalTier(ctx: TierContext): Fragment {
  return {
    ...documents(ctx),
    ...auditTrail(ctx),
    ...alertTopic(ctx),
    ...processorFragment(ctx),
    ...regionalFunctions(ctx),
    ...apiFragment(ctx),
    ...alarmsFragment(ctx),
    ...watchFragment(ctx),
  };
}

const documentsBucketName = () => names.documentsBucket({ ...cfnNames, ...regionAccount });

/** The documents bucket, its policy, and its replication into the peer's bucket (once the peer is known). */
function documents(ctx: TierContext): Fragment {
  const { config, ids, keyArn } = ctx;
  const bucket = hardenedBucket(config, documentsBucketName(), keyArn);
  bucket.Properties.ReplicationConfiguration = fnIf(ctx.peer.condition, replicationConfiguration(ctx), NO_VALUE);
  return {
    [ids.documentsBucket]: bucket,
    [ids.documentsBucketPolicy]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(ids.documentsBucket),
        PolicyDocument: documentsBucketPolicy(
          cfnDialect,
          ctx.env,
          cfnNames,
          getAtt(ids.documentsBucket, 'Arn'),
          keyArn,
        ),
      },
    },
    [ids.replicationRole]: replicationRole(ctx),
  };
}

/** One rule, as src/documents/document-replication.ts writes it: re-encrypted with the peer's key, with RTC. */
function replicationConfiguration(ctx: TierContext) {
  const f = REPLICATION;
  return {
    Role: getAtt(ctx.ids.replicationRole, 'Arn'),
    Rules: [
      {
        Id: TIER[ctx.role].replicationRuleId,
        Status: 'Enabled',
        Priority: f.priority,
        Filter: { Prefix: f.prefix },
        DeleteMarkerReplication: { Status: f.deleteMarkerReplication },
        SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: f.sseKmsEncryptedObjects } },
        Destination: {
          Bucket: bucketArnOf(cfnDialect, ctx.env, ctx.peer.bucketName),
          StorageClass: f.storageClass,
          EncryptionConfiguration: { ReplicaKmsKeyID: ctx.peer.keyArn },
          ReplicationTime: { Status: 'Enabled', Time: { Minutes: f.rtcMinutes } },
          Metrics: { Status: 'Enabled', EventThreshold: { Minutes: f.rtcMinutes } },
        },
      },
    ],
  };
}

/** S3's replication role. The source bucket's ARN is built from its name: a GetAtt would be a
 *  cycle (the bucket names this role in its ReplicationConfiguration). */
function replicationRole(ctx: TierContext): CfnResource {
  const { env, peer } = ctx;
  const sourceBucketArn = bucketArnOf(cfnDialect, env, documentsBucketName());
  return {
    Type: 'AWS::IAM::Role',
    Condition: peer.condition,
    Properties: {
      RoleName: sub(TIER[ctx.role].replicationRole(cfnNames)),
      Description: sub(REPLICATION.description(subText(env.region), subText(env.peerRegion))),
      AssumeRolePolicyDocument: serviceTrustPolicy('s3.amazonaws.com', { e: env, sourceArn: sourceBucketArn }),
      Policies: rolePolicyParts(
        REPLICATION.policyName,
        cfnDialect,
        documentReplicationPolicy(cfnDialect, env, {
          sourceBucketArn,
          sourceKeyArn: ctx.keyArn,
          destinationBucketArn: bucketArnOf(cfnDialect, env, peer.bucketName),
          destinationKeyArn: peer.keyArn,
        }),
        [ctx.keyArn, peer.keyArn],
      ),
      Tags: tags(ctx.config),
    },
  };
}

/** The region's document-access trail, as src/documents/audit-trail.ts builds it. */
function auditTrail(ctx: TierContext): Fragment {
  const { config, ids, keyArn } = ctx;
  return {
    [ids.trailBucket]: hardenedBucket(
      config,
      names.trailBucket({ ...cfnNames, ...regionAccount }),
      keyArn,
      config.logRetentionDays,
    ),
    [ids.trailBucketPolicy]: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref(ids.trailBucket),
        PolicyDocument: trailBucketPolicy(cfnDialect, ctx.env, cfnNames, getAtt(ids.trailBucket, 'Arn')),
      },
    },
    [ids.trail]: {
      Type: 'AWS::CloudTrail::Trail',
      DependsOn: [ids.trailBucketPolicy],
      Properties: {
        TrailName: sub(names.auditTrail(cfnNames)),
        // Required here; Terraform's enable_logging defaults to true.
        IsLogging: true,
        S3BucketName: ref(ids.trailBucket),
        KMSKeyId: keyArn,
        ...pascalKeys(TRAIL_DEFAULTS),
        AdvancedEventSelectors: trailEventSelectors(cfnDialect, {
          documentsBucketArn: getAtt(ids.documentsBucket, 'Arn'),
          tableArn: ctx.table.arn,
          processorArn: processorArnOf(cfnDialect, ctx.env, cfnNames),
        }).map((selector) => ({
          Name: selector.name,
          FieldSelectors: selector.fieldSelectors.map((f) => ({
            Field: f.field,
            ...(f.equals ? { Equals: f.equals } : {}),
            ...(f.startsWith ? { StartsWith: f.startsWith } : {}),
          })),
        })),
        Tags: tags(config),
      },
    },
  };
}

function alertTopic(ctx: TierContext): Fragment {
  return {
    [ctx.ids.topic]: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: sub(names.alertTopic(cfnNames)),
        KmsMasterKeyId: ctx.keyArn,
        Subscription: fnIf(C.hasAlertEmail, [{ Protocol: 'email', Endpoint: ref('AlertEmail') }], NO_VALUE),
        Tags: tags(ctx.config),
      },
    },
  };
}

/** The processor's least-privilege role: its permissions are the spec's processorPolicy. */
function processorRole(ctx: TierContext) {
  const { config, ids, keyArn } = ctx;
  const topicArn = ref(ids.topic);
  const bucketArn = getAtt(ids.documentsBucket, 'Arn');
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: sub(TIER[ctx.role].processorRole(cfnNames)),
      Description: processor.roleDescription,
      AssumeRolePolicyDocument: serviceTrustPolicy('lambda.amazonaws.com'),
      Policies: rolePolicyParts(
        processor.policyName,
        cfnDialect,
        processorPolicy(cfnDialect, ctx.env, cfnNames, { tableArn: ctx.table.arn, bucketArn, keyArn, topicArn }),
        [keyArn],
      ),
      Tags: tags(config),
    },
  };
}

/** The processor, its least-privilege role, its log group and (when configured) code signing. */
function processorFragment(ctx: TierContext): Fragment {
  const { config, ids, keyArn } = ctx;
  const topicArn = ref(ids.topic);
  return {
    [ids.processorRole]: processorRole(ctx),
    // Processing logs are an audit trail: stateful like the data they describe.
    [ids.processorLogGroup]: logGroup(config, names.processorLogGroup(cfnNames), keyArn),
    [ids.processor]: {
      Type: 'AWS::Lambda::Function',
      // The log group must exist (encrypted, with retention) before the first invocation writes to it.
      DependsOn: [ids.processorLogGroup],
      Properties: {
        FunctionName: sub(names.processorFunction(cfnNames)),
        Description: processor.description,
        Runtime: processor.runtime,
        Handler: processor.handler,
        Code: lambdaCode(ctx.handlerCode),
        Role: getAtt(ids.processorRole, 'Arn'),
        MemorySize: processor.memorySize,
        Timeout: processor.timeoutSeconds,
        KmsKeyArn: keyArn,
        TracingConfig: { Mode: processor.tracingMode },
        // Seed fix 4: never AWS_REGION (reserved by Lambda).
        Environment: {
          Variables: processorVariables({
            tableName: ctx.table.name,
            bucketName: ref(ids.documentsBucket),
            topicArn,
            keyArn,
            drCheckPrincipals: config.drCheckPrincipals,
          }),
        },
        // Seed fix 6: no reservation unless configured.
        ...(config.lambdaReservedConcurrency !== undefined
          ? { ReservedConcurrentExecutions: config.lambdaReservedConcurrency }
          : {}),
        Tags: tags(config),
      },
    },
  };
}
