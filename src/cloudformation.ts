/**
 * The CloudFormation deliverable: TapStack.json (primary region) and TapStack-secondary.json
 * (the secondary region's customer-managed key), emitted from the same configuration,
 * naming and design modules as the Terraform stack.
 *
 * This module must never import cdktf or the provider: emitting the templates alone is
 * meant to be fast (see `npm run bench`).
 *
 * Why two templates: a global table replica can only be encrypted with a key in the
 * replica's own region, and one CloudFormation stack creates resources in one region.
 * Without a KMSMasterKeyId per replica, the seed's replicas silently fell back to the
 * AWS-managed key. So the secondary key is deployed first, and its ARN is a parameter of
 * the primary template.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  ALERT_EMAIL_PATTERN,
  ENVIRONMENT_SUFFIX_DESCRIPTION,
  ENVIRONMENT_SUFFIX_PATTERN,
  REGION_PATTERN,
  ROLE_ARN_DESCRIPTION,
  TapConfig,
} from './config';
import {
  alarmDimensions,
  AlarmSpec,
  alarmSpecs,
  CROSS_REGION_ROLE_DESCRIPTION,
  crossRegionPolicy,
  crossRegionTrustPolicy,
  Dialect,
  documentsBucketPolicy,
  Env,
  OutputId,
  outputs,
  keyPolicy,
  kmsDeletionWindowDays,
  processor,
  processorPolicy,
  processorVariables,
  serviceTrustPolicy,
  standardTags,
  table,
  tableKeySchema,
  trailBucketPolicy,
  API,
  apiAccessLogFormat,
  REGIONAL_FUNCTIONS,
  regionalFunction,
  regionalVariables,
} from './design';
import { HEARTBEAT } from './heartbeat-contract';
import { names, NameParts } from './naming';

/** The CloudFormation intrinsics this emitter produces. */
export type CfnExpr =
  | { Ref: string }
  | { 'Fn::GetAtt': [string, string] }
  | { 'Fn::Sub': string }
  | { 'Fn::If': [string, unknown, unknown] };
export type CfnValue = string | CfnExpr;

export type Template = {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata?: Record<string, unknown>;
  Parameters: Record<string, Record<string, unknown>>;
  Rules?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, { Description: string; Value: CfnValue; Export: { Name: CfnValue }; Condition?: string }>;
};

export interface CfnResource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: 'Retain' | 'Delete';
  UpdateReplacePolicy?: 'Retain' | 'Delete';
}

export const TEMPLATE_FILES = { primary: 'TapStack.json', secondary: 'TapStack-secondary.json' } as const;

/** CloudFormation's limit for inline Lambda code (Code.ZipFile). */
export const ZIPFILE_MAX_CHARS = 4096;

/** Where a bundle too large to inline is written, next to the templates, for `aws cloudformation package`. */
export const PACKAGED_CODE_DIR = 'lambda';

/**
 * The function's Code: the bundle inline when it fits Code.ZipFile (one-command deploy),
 * else a local directory that `aws cloudformation package` zips, uploads and rewrites to
 * S3Bucket/S3Key. Either way it is the very bundle the Terraform asset ships.
 */
export function lambdaCode(handlerCode: string): { ZipFile: string } | string {
  return handlerCode.length <= ZIPFILE_MAX_CHARS ? { ZipFile: handlerCode } : PACKAGED_CODE_DIR;
}

export const ref = (name: string): CfnExpr => ({ Ref: name });
export const getAtt = (resource: string, attribute: string): CfnExpr => ({ 'Fn::GetAtt': [resource, attribute] });

/** A string with ${...} placeholders becomes Fn::Sub; a plain string stays a string. */
export function sub(s: string): CfnValue {
  return s.includes('${') ? { 'Fn::Sub': s } : s;
}

/** Expressions as Fn::Sub text: Ref X -> ${X}, GetAtt [R, A] -> ${R.A}. */
function subText(part: CfnValue): string {
  if (typeof part === 'string') return part;
  if ('Ref' in part) return `\${${part.Ref}}`;
  if ('Fn::GetAtt' in part) return `\${${part['Fn::GetAtt'].join('.')}}`;
  if ('Fn::Sub' in part) return part['Fn::Sub'];
  throw new Error(`cannot join ${JSON.stringify(part)}`);
}

/** Joins into a single readable Fn::Sub rather than nested Fn::Join. */
export const cfnDialect: Dialect<CfnExpr> = { join: (...parts) => sub(parts.map(subText).join('')) };

const P = {
  suffix: 'EnvironmentSuffix',
  secondaryRegion: 'SecondaryRegion',
  secondaryKeyArn: 'SecondaryKMSKeyArn',
  alertEmail: 'AlertEmail',
  trustedPrincipals: 'CrossRegionTrustedPrincipals',
} as const;

const HAS_TRUSTED_PRINCIPALS = 'HasCrossRegionTrustedPrincipals';

/** Names as CloudFormation sees them: the suffix is the EnvironmentSuffix parameter. */
const cfnNames: NameParts = { suffix: `\${${P.suffix}}` };

const cfnEnv: Env<CfnExpr> = {
  partition: ref('AWS::Partition'),
  account: ref('AWS::AccountId'),
  region: ref('AWS::Region'),
  secondaryRegion: ref(P.secondaryRegion),
};

function suffixParameter(config: TapConfig) {
  return {
    Type: 'String',
    Description: 'Environment suffix carried by every physical name',
    Default: config.environmentSuffix,
    AllowedPattern: ENVIRONMENT_SUFFIX_PATTERN,
    ConstraintDescription: `must be ${ENVIRONMENT_SUFFIX_DESCRIPTION}`,
    MinLength: 1,
    MaxLength: 20,
  };
}

/** Stateful resources always state their policy (cfn-lint I3011): Delete by default so test
 *  stacks tear down (seed fix 1), Retain when the environment retains data on delete. */
function retained(config: TapConfig, resource: CfnResource): CfnResource {
  const policy = config.retainOnDelete ? 'Retain' : 'Delete';
  return { ...resource, DeletionPolicy: policy, UpdateReplacePolicy: policy };
}

/** A rotating customer-managed key and its suffixed alias (seed fix 7), as two resources. */
function keyWithAlias(
  config: TapConfig,
  ids: { key: string; alias: string },
  description: string,
  servesProcessor: boolean,
): Record<string, CfnResource> {
  return {
    [ids.key]: retained(config, {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: description,
        EnableKeyRotation: true,
        PendingWindowInDays: kmsDeletionWindowDays(config.retainOnDelete),
        KeyPolicy: keyPolicy(cfnDialect, cfnEnv, cfnNames, servesProcessor),
      },
    }),
    [ids.alias]: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: sub(names.kmsAlias(cfnNames)), TargetKeyId: ref(ids.key) },
    },
  };
}

function tags(config: TapConfig): Array<{ Key: string; Value: CfnValue }> {
  return Object.entries(standardTags(config, ref(P.suffix), 'cloudformation')).map(([Key, Value]) => ({ Key, Value }));
}

function alarmResource(spec: AlarmSpec): CfnResource {
  const dims = Object.entries(
    alarmDimensions(spec, {
      tableName: ref('TransactionDynamoDBTable'),
      functionName: ref('TransactionProcessorFunction'),
      region: ref('AWS::Region'),
      peerRegion: ref(P.secondaryRegion),
    }),
  ).map(([Name, Value]) => ({ Name, Value }));
  const metric = spec.expression
    ? {
        Metrics: [
          { Id: 'total', Expression: spec.expression, Label: spec.description, ReturnData: true },
          ...spec.metrics.map((m) => ({
            Id: m.id,
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: spec.namespace, MetricName: m.metricName, Dimensions: dims },
              Period: spec.period,
              Stat: m.stat,
            },
          })),
        ],
      }
    : {
        Namespace: spec.namespace,
        MetricName: spec.metrics[0].metricName,
        Statistic: spec.metrics[0].stat,
        Period: spec.period,
        Dimensions: dims,
      };
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: sub(names.alarm(cfnNames, spec.nameSuffix)),
      AlarmDescription: spec.description,
      ComparisonOperator: spec.comparisonOperator,
      EvaluationPeriods: spec.evaluationPeriods,
      ...(spec.datapointsToAlarm ? { DatapointsToAlarm: spec.datapointsToAlarm } : {}),
      Threshold: spec.threshold,
      TreatMissingData: spec.treatMissingData,
      AlarmActions: [ref('AlertSNSTopic')],
      OKActions: [ref('AlertSNSTopic')],
      ...metric,
    },
  };
}

/** The same hardening as src/hardened-bucket.ts: private, versioned, SSE-KMS with a bucket key. */
function hardenedBucket(config: TapConfig, bucketName: string, keyArn: CfnValue, expirationDays?: number): CfnResource {
  return retained(config, {
    Type: 'AWS::S3::Bucket',
    Properties: {
      BucketName: sub(bucketName),
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-noncurrent-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: config.noncurrentVersionExpirationDays },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            ...(expirationDays ? { ExpirationInDays: expirationDays } : {}),
          },
        ],
      },
      Tags: tags(config),
    },
  });
}

const regionAccount = { account: '${AWS::AccountId}', region: '${AWS::Region}' };

/** The region's document-access trail, as src/audit-trail.ts builds it. */
function auditTrail(config: TapConfig, documentsBucket: string, keyArn: CfnValue): Record<string, CfnResource> {
  return {
    DocumentsTrailBucket: hardenedBucket(
      config,
      names.trailBucket({ ...cfnNames, ...regionAccount }),
      keyArn,
      config.logRetentionDays,
    ),
    DocumentsTrailBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref('DocumentsTrailBucket'),
        PolicyDocument: trailBucketPolicy(cfnDialect, cfnEnv, cfnNames, getAtt('DocumentsTrailBucket', 'Arn')),
      },
    },
    DocumentsTrail: {
      Type: 'AWS::CloudTrail::Trail',
      DependsOn: ['DocumentsTrailBucketPolicy'],
      Properties: {
        TrailName: sub(names.auditTrail(cfnNames)),
        IsLogging: true,
        S3BucketName: ref('DocumentsTrailBucket'),
        KMSKeyId: keyArn,
        EnableLogFileValidation: true,
        IsMultiRegionTrail: false,
        IncludeGlobalServiceEvents: false,
        EventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: false,
            DataResources: [{ Type: 'AWS::S3::Object', Values: [cfnDialect.join(getAtt(documentsBucket, 'Arn'), '/')] }],
          },
        ],
        Tags: tags(config),
      },
    },
  };
}

/** Lambda code signing, when a signing profile is configured: unsigned packages are refused. */
function codeSigning(config: TapConfig): Record<string, CfnResource> {
  if (!config.codeSigningProfileVersionArn) return {};
  return {
    ProcessorCodeSigningConfig: {
      Type: 'AWS::Lambda::CodeSigningConfig',
      Properties: {
        Description: 'Only packages signed by the configured AWS Signer profile deploy',
        AllowedPublishers: { SigningProfileVersionArns: [config.codeSigningProfileVersionArn] },
        CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
      },
    },
  };
}

/** The heartbeat canary and /health, as src/regional-tier.ts builds them; this template has no peer to watch. */
function regionalFunctionsCfn(config: TapConfig, handlerCode: string, keyArn: CfnValue): Record<string, CfnResource> {
  const out: Record<string, CfnResource> = {};
  const ids = { heartbeat: 'HeartbeatFunction', health: 'HealthFunction' } as const;
  for (const what of ['heartbeat', 'health'] as const) {
    const f = REGIONAL_FUNCTIONS[what];
    const id = ids[what];
    out[`${id}LogGroup`] = retained(config, {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: sub(names.functionLogGroup(f.functionName(cfnNames))), RetentionInDays: config.logRetentionDays, KmsKeyId: keyArn },
    });
    out[`${id}Role`] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(names.regionalRole(cfnNames, what, false)),
        Description: f.description,
        AssumeRolePolicyDocument: serviceTrustPolicy('lambda.amazonaws.com'),
        Policies: [{ PolicyName: sub(f.functionName(cfnNames)), PolicyDocument: f.policy(cfnDialect, cfnEnv, cfnNames, { tableArn: getAtt('TransactionDynamoDBTable', 'Arn'), keyArn }) }],
        Tags: tags(config),
      },
    };
    out[id] = {
      Type: 'AWS::Lambda::Function',
      DependsOn: [`${id}LogGroup`],
      Properties: {
        FunctionName: sub(f.functionName(cfnNames)),
        Description: f.description,
        Runtime: processor.runtime,
        Handler: `index.${f.handler}`,
        Code: lambdaCode(handlerCode),
        Role: getAtt(`${id}Role`, 'Arn'),
        MemorySize: regionalFunction.memorySize,
        Timeout: regionalFunction.timeoutSeconds,
        KmsKeyArn: keyArn,
        TracingConfig: { Mode: processor.tracingMode },
        Environment: {
          Variables: regionalVariables({ tableName: ref('TransactionDynamoDBTable'), peerRegion: '', keyArn, rpoTargetSeconds: config.rpoTargetSeconds }),
        },
        ...(config.codeSigningProfileVersionArn ? { CodeSigningConfigArn: ref('ProcessorCodeSigningConfig') } : {}),
        Tags: tags(config),
      },
    };
  }
  out.HeartbeatSchedule = {
    Type: 'AWS::Events::Rule',
    Properties: {
      Name: sub(names.heartbeatRule(cfnNames)),
      Description: 'Every minute: the replication heartbeat',
      ScheduleExpression: HEARTBEAT.schedule,
      Targets: [{ Id: 'heartbeat', Arn: getAtt('HeartbeatFunction', 'Arn') }],
    },
  };
  out.HeartbeatPermission = {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      Action: 'lambda:InvokeFunction',
      FunctionName: ref('HeartbeatFunction'),
      Principal: 'events.amazonaws.com',
      SourceArn: getAtt('HeartbeatSchedule', 'Arn'),
    },
  };
  return out;
}

/** The region's HTTP API, as src/regional-api.ts builds it. */
function regionalApiCfn(config: TapConfig, keyArn: CfnValue): Record<string, CfnResource> {
  const out: Record<string, CfnResource> = {
    TransactionsApi: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: sub(names.api(cfnNames)), ProtocolType: 'HTTP', Description: API.description } },
    ApiAccessLogGroup: retained(config, {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: sub(names.apiAccessLogGroup(cfnNames)), RetentionInDays: config.logRetentionDays, KmsKeyId: keyArn },
    }),
    ApiDefaultStage: {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: {
        ApiId: ref('TransactionsApi'),
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
          DetailedMetricsEnabled: true,
        },
        AccessLogSettings: { DestinationArn: getAtt('ApiAccessLogGroup', 'Arn'), Format: apiAccessLogFormat() },
      },
    },
  };
  const fnIds = { processor: 'TransactionProcessorFunction', health: 'HealthFunction' } as const;
  for (const route of API.routes) {
    const id = route.id === 'transactions' ? 'ApiTransactions' : 'ApiHealth';
    const fn = fnIds[route.target];
    out[`${id}Integration`] = {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: ref('TransactionsApi'),
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: getAtt(fn, 'Arn'),
        PayloadFormatVersion: API.payloadFormatVersion,
        TimeoutInMillis: API.integrationTimeoutMs,
      },
    };
    out[`${id}Route`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: ref('TransactionsApi'),
        RouteKey: route.routeKey,
        AuthorizationType: route.authorization,
        Target: cfnDialect.join('integrations/', ref(`${id}Integration`)),
      },
    };
    out[`${id}Permission`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: ref(fn),
        Principal: 'apigateway.amazonaws.com',
        SourceArn: cfnDialect.join('arn:', ref('AWS::Partition'), ':execute-api:', ref('AWS::Region'), ':', ref('AWS::AccountId'), ':', ref('TransactionsApi'), `/*/${route.routeKey.replace(' ', '')}`),
      },
    };
  }
  return out;
}

/** The secondary-region template: the customer-managed key the table's replica uses. Deploy it first. */
export function buildSecondaryTemplate(config: TapConfig): Template {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tap-dr secondary region (${config.secondaryRegion}): customer-managed key for the transactions replica. Deploy before ${TEMPLATE_FILES.primary}.`,
    Parameters: { [P.suffix]: suffixParameter(config) },
    Resources: keyWithAlias(
      config,
      { key: 'SecondaryKMSKey', alias: 'SecondaryKMSAlias' },
      'tap-dr: transactions replica (secondary region)',
      false,
    ),
    Outputs: {
      SecondaryKMSKeyArn: {
        Description: 'ARN of the secondary-region key: pass it to TapStack.json as SecondaryKMSKeyArn',
        Value: getAtt('SecondaryKMSKey', 'Arn'),
        Export: { Name: sub(names.cfnExport(cfnNames, 'SecondaryKMSKeyArn')) },
      },
    },
  };
}

/** The primary-region template: the seed's 12 resources (same logical ids) and 13 outputs, made true. */
export function buildPrimaryTemplate(config: TapConfig, handlerCode: string): Template {
  const keyArn = getAtt('TransactionKMSKey', 'Arn');
  const tableArn = getAtt('TransactionDynamoDBTable', 'Arn');
  const bucketArn = getAtt('TransactionDocumentsBucket', 'Arn');
  const topicArn = ref('AlertSNSTopic');

  const replica = (region: CfnValue, kmsKeyId: CfnValue) => ({
    Region: region,
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { KMSMasterKeyId: kmsKeyId },
    DeletionProtectionEnabled: config.retainOnDelete,
    Tags: tags(config),
  });

  const resources: Record<string, CfnResource> = {
    ...keyWithAlias(
      config,
      { key: 'TransactionKMSKey', alias: 'TransactionKMSAlias' },
      'tap-dr: transactions, documents, logs and alerts (primary region)',
      true,
    ),
    TransactionDynamoDBTable: retained(config, {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        TableName: sub(names.table(cfnNames)),
        BillingMode: table.billingMode,
        ...tableKeySchema(),
        StreamSpecification: { StreamViewType: table.streamViewType },
        // Seed fix 3: no KMSMasterKeyId at table level; each replica names its own region's key below.
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [replica(ref('AWS::Region'), keyArn), replica(ref(P.secondaryRegion), ref(P.secondaryKeyArn))],
      },
    }),
    TransactionDocumentsBucket: hardenedBucket(config, names.documentsBucket({ ...cfnNames, ...regionAccount }), keyArn),
    TransactionDocumentsBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: ref('TransactionDocumentsBucket'),
        PolicyDocument: documentsBucketPolicy(cfnDialect, bucketArn, keyArn),
      },
    },
    LambdaExecutionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: sub(names.processorRole(cfnNames)),
        Description: 'Least-privilege execution role of the tap-dr transaction processor',
        AssumeRolePolicyDocument: serviceTrustPolicy('lambda.amazonaws.com'),
        Policies: [
          {
            PolicyName: 'transaction-processor',
            PolicyDocument: processorPolicy(cfnDialect, cfnEnv, cfnNames, {
              tableArn,
              bucketArn,
              keyArn,
              topicArn,
            }),
          },
        ],
        Tags: tags(config),
      },
    },
    CrossRegionAssumeRole: {
      Type: 'AWS::IAM::Role',
      // Only when someone is named: nothing trusts the account root by default.
      Condition: HAS_TRUSTED_PRINCIPALS,
      Properties: {
        RoleName: sub(names.crossRegionRole(cfnNames)),
        Description: CROSS_REGION_ROLE_DESCRIPTION,
        AssumeRolePolicyDocument: crossRegionTrustPolicy<CfnExpr>(ref(P.trustedPrincipals)),
        MaxSessionDuration: 3600,
        Policies: [
          {
            PolicyName: 'cross-region-access',
            PolicyDocument: crossRegionPolicy(cfnDialect, cfnEnv, cfnNames, {
              primaryKeyArn: keyArn,
              secondaryKeyArn: ref(P.secondaryKeyArn),
            }),
          },
        ],
        Tags: tags(config),
      },
    },
    // Processing logs are an audit trail: stateful like the data they describe.
    TransactionProcessorLogGroup: retained(config, {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: sub(names.processorLogGroup(cfnNames)),
        RetentionInDays: config.logRetentionDays,
        KmsKeyId: keyArn,
      },
    }),
    TransactionProcessorFunction: {
      Type: 'AWS::Lambda::Function',
      // The log group must exist (encrypted, with retention) before the first invocation writes to it.
      DependsOn: ['TransactionProcessorLogGroup'],
      Properties: {
        FunctionName: sub(names.processorFunction(cfnNames)),
        Description: 'Validates and records payment transactions in the global table',
        Runtime: processor.runtime,
        Handler: processor.handler,
        Code: lambdaCode(handlerCode),
        Role: getAtt('LambdaExecutionRole', 'Arn'),
        MemorySize: processor.memorySize,
        Timeout: processor.timeoutSeconds,
        KmsKeyArn: keyArn,
        TracingConfig: { Mode: processor.tracingMode },
        Environment: {
          // Seed fix 4: never AWS_REGION (reserved by Lambda).
          Variables: processorVariables({
            tableName: ref('TransactionDynamoDBTable'),
            bucketName: ref('TransactionDocumentsBucket'),
            topicArn,
            keyArn,
          }),
        },
        // Seed fix 6: no reservation unless configured.
        ...(config.lambdaReservedConcurrency !== undefined
          ? { ReservedConcurrentExecutions: config.lambdaReservedConcurrency }
          : {}),
        ...(config.codeSigningProfileVersionArn ? { CodeSigningConfigArn: ref('ProcessorCodeSigningConfig') } : {}),
        Tags: tags(config),
      },
    },
    AlertSNSTopic: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: sub(names.alertTopic(cfnNames)),
        KmsMasterKeyId: keyArn,
        Subscription: {
          'Fn::If': ['HasAlertEmail', [{ Protocol: 'email', Endpoint: ref(P.alertEmail) }], ref('AWS::NoValue')],
        },
        Tags: tags(config),
      },
    },
  };
  Object.assign(
    resources,
    auditTrail(config, 'TransactionDocumentsBucket', keyArn),
    codeSigning(config),
    regionalFunctionsCfn(config, handlerCode, keyArn),
    regionalApiCfn(config, keyArn),
  );
  // This template's region has no standby peer writing heartbeats and replicates no documents.
  for (const spec of alarmSpecs({ rpoTargetSeconds: config.rpoTargetSeconds, watchesPeer: false, replicatesDocuments: false })) {
    resources[spec.logicalId] = alarmResource(spec);
  }

  const values: Record<OutputId, CfnValue> = {
    KMSKeyId: ref('TransactionKMSKey'),
    KMSKeyArn: keyArn,
    DynamoDBTableName: ref('TransactionDynamoDBTable'),
    DynamoDBTableArn: tableArn,
    S3BucketName: ref('TransactionDocumentsBucket'),
    S3BucketArn: bucketArn,
    LambdaFunctionName: ref('TransactionProcessorFunction'),
    LambdaFunctionArn: getAtt('TransactionProcessorFunction', 'Arn'),
    SNSTopicArn: topicArn,
    DynamoDBThrottleAlarmName: ref('DynamoDBThrottleAlarm'),
    LambdaErrorAlarmName: ref('LambdaErrorAlarm'),
    LambdaThrottleAlarmName: ref('LambdaThrottleAlarm'),
    CrossRegionRoleArn: getAtt('CrossRegionAssumeRole', 'Arn'),
    SecondaryKMSKeyArn: ref(P.secondaryKeyArn),
    ReplicationLatencyAlarmName: ref('ReplicationLatencyAlarm'),
    PrimaryApiEndpoint: getAtt('TransactionsApi', 'ApiEndpoint'),
  };

  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tap-dr primary region: multi-region disaster recovery for payment transactions (replica in the ${P.secondaryRegion} parameter's region). Deploy ${TEMPLATE_FILES.secondary} in that region first.`,
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Environment' }, Parameters: [P.suffix, P.alertEmail] },
          { Label: { default: 'Disaster recovery' }, Parameters: [P.secondaryRegion, P.secondaryKeyArn, P.trustedPrincipals] },
        ],
      },
    },
    Parameters: {
      [P.suffix]: suffixParameter(config),
      [P.secondaryRegion]: {
        Type: 'String',
        Description: 'Region of the global table replica; must differ from the region this stack deploys to',
        Default: config.secondaryRegion,
        AllowedPattern: REGION_PATTERN,
        ConstraintDescription: 'must be an AWS region name such as us-west-2',
      },
      [P.secondaryKeyArn]: {
        Type: 'String',
        Description: `SecondaryKMSKeyArn output of ${TEMPLATE_FILES.secondary} deployed in the secondary region`,
        AllowedPattern: '^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[a-zA-Z0-9-]+$',
        ConstraintDescription: 'must be the ARN of a KMS key in the secondary region',
      },
      [P.alertEmail]: {
        Type: 'String',
        Description: 'Optional on-call email subscribed to the alert topic (empty: none)',
        Default: config.alertEmail ?? '',
        AllowedPattern: `^$|${ALERT_EMAIL_PATTERN}`,
        ConstraintDescription: 'must be empty or an email address',
      },
      [P.trustedPrincipals]: {
        Type: 'CommaDelimitedList',
        Description: `Roles that may assume the cross-region role (${ROLE_ARN_DESCRIPTION}); empty: no role is created`,
        Default: config.crossRegionTrustedPrincipals.join(','),
      },
    },
    Rules: {
      SecondaryRegionDiffersFromPrimary: {
        Assertions: [
          {
            Assert: { 'Fn::Not': [{ 'Fn::Equals': [ref(P.secondaryRegion), ref('AWS::Region')] }] },
            AssertDescription: 'SecondaryRegion must differ from the region the stack is deployed to',
          },
        ],
      },
    },
    Conditions: {
      HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [ref(P.alertEmail), ''] }] },
      [HAS_TRUSTED_PRINCIPALS]: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', ref(P.trustedPrincipals)] }, ''] }] },
    },
    Resources: resources,
    Outputs: Object.fromEntries(
      outputs.map((o) => [
        o.id,
        {
          Description: o.description,
          Value: values[o.id],
          Export: { Name: sub(names.cfnExport(cfnNames, o.id)) },
          ...(o.id === 'CrossRegionRoleArn' ? { Condition: HAS_TRUSTED_PRINCIPALS } : {}),
        },
      ]),
    ),
  };
}

export interface CloudFormationTemplates {
  readonly primary: Template;
  readonly secondary: Template;
}

export function buildCloudFormationTemplates(config: TapConfig, handlerCode: string): CloudFormationTemplates {
  return { primary: buildPrimaryTemplate(config, handlerCode), secondary: buildSecondaryTemplate(config) };
}

/**
 * Writes both templates into `dir` (and the bundle under lambda/ when it is packaged rather
 * than inlined); returns the paths written. Builds fully before writing anything.
 */
export function writeCloudFormationTemplates(config: TapConfig, handlerCode: string, dir: string): string[] {
  const templates = buildCloudFormationTemplates(config, handlerCode);
  fs.mkdirSync(dir, { recursive: true });
  const written = (Object.keys(TEMPLATE_FILES) as Array<keyof typeof TEMPLATE_FILES>).map((k) => {
    const file = path.join(dir, TEMPLATE_FILES[k]);
    fs.writeFileSync(file, `${JSON.stringify(templates[k], null, 2)}\n`);
    return file;
  });
  const codeDir = path.join(dir, PACKAGED_CODE_DIR);
  // Only index.js may be in the packaged directory: `package` zips all of it.
  fs.rmSync(codeDir, { recursive: true, force: true });
  if (typeof lambdaCode(handlerCode) == 'string') {
    fs.mkdirSync(codeDir);
    fs.writeFileSync(path.join(codeDir, 'index.js'), handlerCode);
    written.push(path.join(codeDir, 'index.js'));
  }
  return written;
}
