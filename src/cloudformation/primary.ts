/** TapStack.json: the primary region's key, the global table, the cross-region role and the primary tier. */
import { REGION_PATTERN, ROLE_ARN_DESCRIPTION, ROLE_ARN_PATTERN, TapConfig } from '../config';
import {
  CROSS_REGION_ROLE_DESCRIPTION,
  crossRegionPolicy,
  crossRegionTrustPolicy,
  OutputId,
  outputs,
  table,
  tableKeySchema,
} from '../design';
import { names } from '../naming';
import {
  alertEmailParameter,
  cfnEnv,
  cfnNames,
  exportName,
  keyWithAlias,
  KMS_KEY_ARN_PATTERN,
  OPTIONAL_BUCKET_NAME_PATTERN,
  DISPOSABLE,
  suffixParameter,
  tags,
  TEMPLATE_FILES,
} from './common';
import { C, P, TIER_IDS } from './ids';
import { CfnExpr, CfnOutput, CfnValue, cfnDialect, Fragment, getAtt, isSet, ref, sub, Template } from './intrinsics';
import { CROSS_REGION_ROLE } from '../access/spec';
import { KEY_DESCRIPTIONS, rolePolicyParts } from '../keys/spec';
import { regionalTier } from './tier';

const env = cfnEnv(P.secondaryRegion);
const keyArn = getAtt('TransactionKMSKey', 'Arn');
const ids = TIER_IDS.primary;

/** The seed's 12 resources (same logical ids) and 13 outputs, made true, plus the primary tier. */
export function buildPrimaryTemplate(config: TapConfig, handlerCode: string): Template {
  const resources: Fragment = {
    ...keyWithAlias(
      { key: 'TransactionKMSKey', alias: 'TransactionKMSAlias' },
      sub(KEY_DESCRIPTIONS.primary(cfnNames)),
      env,
    ),
    TransactionDynamoDBTable: globalTable(config),
    CrossRegionAssumeRole: crossRegionRole(config),
    ...regionalTier({
      config,
      role: 'primary',
      ids,
      handlerCode,
      env,
      keyArn,
      table: { name: ref('TransactionDynamoDBTable'), arn: getAtt('TransactionDynamoDBTable', 'Arn') },
      // The standby tier's bucket, once TapStack-secondary.json has deployed it; its key is the replica's.
      peer: {
        condition: C.replicatesToStandby,
        bucketName: ref(P.secondaryBucketName),
        keyArn: ref(P.secondaryKeyArn),
      },
    }),
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tap-dr primary region: multi-region disaster recovery for payment transactions (replica in the ${P.secondaryRegion} parameter's region). Deploy ${TEMPLATE_FILES.secondary} in that region first.`,
    Metadata: {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Environment' }, Parameters: [P.suffix, P.alertEmail] },
          {
            Label: { default: 'Disaster recovery' },
            Parameters: [P.secondaryRegion, P.secondaryKeyArn, P.secondaryBucketName, P.trustedPrincipals],
          },
        ],
      },
    },
    Parameters: parameters(config),
    Rules: primaryRules(),
    Conditions: {
      [C.hasAlertEmail]: isSet(P.alertEmail),
      [C.hasTrustedPrincipals]: { 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', ref(P.trustedPrincipals)] }, ''] }] },
      [C.replicatesToStandby]: isSet(P.secondaryBucketName),
    },
    Resources: resources as Template['Resources'],
    Outputs: primaryOutputs(config),
  };
}

/** What CloudFormation checks before it changes anything: the principals and the region pair. */
function primaryRules(): Template['Rules'] {
  return {
    // CloudFormation rules cannot join a list, so "empty, or no empty member" is spelled with
    // the list functions rules have.
    TrustedPrincipalsAreAllRoleArns: {
      Assertions: [
        {
          Assert: {
            'Fn::Or': [
              { 'Fn::EachMemberEquals': [ref(P.trustedPrincipals), ''] },
              { 'Fn::Not': [{ 'Fn::Contains': [ref(P.trustedPrincipals), ''] }] },
            ],
          },
          AssertDescription: `${P.trustedPrincipals} must be empty or a list of role ARNs with no empty member`,
        },
      ],
    },
    SecondaryRegionDiffersFromPrimary: {
      Assertions: [
        {
          Assert: { 'Fn::Not': [{ 'Fn::Equals': [ref(P.secondaryRegion), ref('AWS::Region')] }] },
          AssertDescription: 'SecondaryRegion must differ from the region the stack is deployed to',
        },
      ],
    },
  };
}

/** Seed fix 3: no KMSMasterKeyId at table level; each replica names its own region's key. */
function globalTable(config: TapConfig) {
  const replica = (region: CfnValue, kmsKeyId: CfnValue) => ({
    Region: region,
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { KMSMasterKeyId: kmsKeyId },
    // Laid out here, in AWS's order; retainStateful (./retention.ts) sets it.
    DeletionProtectionEnabled: DISPOSABLE.deletionProtection,
    Tags: tags(config),
  });
  return {
    Type: 'AWS::DynamoDB::GlobalTable',
    Properties: {
      TableName: sub(names.table(cfnNames)),
      BillingMode: table.billingMode,
      ...tableKeySchema(),
      StreamSpecification: { StreamViewType: table.streamViewType },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [replica(ref('AWS::Region'), keyArn), replica(ref(P.secondaryRegion), ref(P.secondaryKeyArn))],
    },
  };
}

/** Only when someone is named: nothing trusts the account root by default. */
function crossRegionRole(config: TapConfig) {
  return {
    Type: 'AWS::IAM::Role',
    Condition: C.hasTrustedPrincipals,
    Properties: {
      RoleName: sub(names.crossRegionRole(cfnNames)),
      Description: CROSS_REGION_ROLE_DESCRIPTION,
      AssumeRolePolicyDocument: crossRegionTrustPolicy<CfnExpr>(ref(P.trustedPrincipals)),
      MaxSessionDuration: CROSS_REGION_ROLE.maxSessionDuration,
      Policies: rolePolicyParts(
        CROSS_REGION_ROLE.policyName,
        cfnDialect,
        crossRegionPolicy(cfnDialect, env, cfnNames, {
          primaryKeyArn: keyArn,
          secondaryKeyArn: ref(P.secondaryKeyArn),
        }),
        [keyArn, ref(P.secondaryKeyArn)],
      ),
      Tags: tags(config),
    },
  };
}

function parameters(config: TapConfig): Template['Parameters'] {
  return {
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
      AllowedPattern: KMS_KEY_ARN_PATTERN,
      ConstraintDescription: 'must be the ARN of a KMS key in the secondary region',
    },
    [P.secondaryBucketName]: {
      Type: 'String',
      Description: `SecondaryS3BucketName output of ${TEMPLATE_FILES.secondary} (its standby tier): documents replicate into it. Empty: no replication yet`,
      Default: '',
      AllowedPattern: OPTIONAL_BUCKET_NAME_PATTERN,
      ConstraintDescription: 'must be empty or an S3 bucket name',
    },
    [P.alertEmail]: alertEmailParameter(config),
    [P.trustedPrincipals]: {
      Type: 'CommaDelimitedList',
      Description: `Roles that may assume the cross-region role (${ROLE_ARN_DESCRIPTION}); empty: no role is created`,
      Default: config.crossRegionTrustedPrincipals.join(','),
      // Checked on each member of the list: the configuration's role-ARN rule, or empty (no role);
      // never "*" or an account root (the rule below refuses an empty member among ARNs).
      AllowedPattern: `^(|${ROLE_ARN_PATTERN.slice(1, -1)})$`,
      ConstraintDescription: `must be empty or ${ROLE_ARN_DESCRIPTION}, comma-separated`,
    },
  };
}

function primaryOutputs(config: TapConfig): Record<string, CfnOutput> {
  const values: Record<OutputId, CfnValue> = {
    KMSKeyId: ref('TransactionKMSKey'),
    KMSKeyArn: keyArn,
    DynamoDBTableName: ref('TransactionDynamoDBTable'),
    DynamoDBTableArn: getAtt('TransactionDynamoDBTable', 'Arn'),
    S3BucketName: ref(ids.documentsBucket),
    S3BucketArn: getAtt(ids.documentsBucket, 'Arn'),
    LambdaFunctionName: ref(ids.processor),
    LambdaFunctionArn: getAtt(ids.processor, 'Arn'),
    SNSTopicArn: ref(ids.topic),
    DynamoDBThrottleAlarmName: ref(ids.alarm('DynamoDBThrottleAlarm')),
    LambdaErrorAlarmName: ref(ids.alarm('LambdaErrorAlarm')),
    LambdaThrottleAlarmName: ref(ids.alarm('LambdaThrottleAlarm')),
    CrossRegionRoleArn: getAtt('CrossRegionAssumeRole', 'Arn'),
    SecondaryKMSKeyArn: ref(P.secondaryKeyArn),
    ReplicationLatencyAlarmName: ref(ids.alarm('ReplicationLatencyAlarm')),
    PrimaryApiEndpoint: getAtt(ids.api, 'ApiEndpoint'),
    RpoTargetSeconds: String(config.rpoTargetSeconds),
    DrCheckPrincipals: config.drCheckPrincipals.join(','),
  };
  return Object.fromEntries(
    // A literal, as RpoTargetSeconds: both say what the template was rendered with. None when empty.
    outputs
      .filter((o) => values[o.id] !== '')
      .map((o) => [
        o.id,
        {
          Description: o.description,
          Value: values[o.id],
          Export: exportName(o.id),
          ...(o.id === 'CrossRegionRoleArn' ? { Condition: C.hasTrustedPrincipals } : {}),
        },
      ]),
  );
}
