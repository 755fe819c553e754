/**
 * TapStack-secondary.json: the secondary region's key and, under the StandbyTier switch, the
 * same regional tier the primary runs (src/cloudformation/tier.ts), rendered for the standby.
 *
 * Deployed twice: first (key and standby tier) before TapStack.json, whose table replica and
 * document replication need them; then again with TapStack.json's outputs, which turns on the
 * standby-to-primary (failback) replication and the watch on the primary's heartbeat.
 */
import { REGION_PATTERN, TapConfig } from '../config';
import { StandbyOutputId, standbyOutputs, tableArnIn } from '../design';
import { names } from '../naming';
import {
  alertEmailParameter,
  cfnEnv,
  cfnNames,
  exportName,
  keyWithAlias,
  KMS_KEY_ARN_PATTERN,
  OPTIONAL_BUCKET_NAME_PATTERN,
  suffixParameter,
  TEMPLATE_FILES,
} from './common';
import { C, P, ParameterId, TIER_IDS } from './ids';
import { CfnOutput, CfnValue, cfnDialect, getAtt, isSet, ref, sub, Template, underCondition } from './intrinsics';
import { KEY_DESCRIPTIONS } from '../keys/spec';
import { regionalTier } from './tier';

const env = cfnEnv(P.primaryRegion);
const ids = TIER_IDS.standby;

export function buildSecondaryTemplate(config: TapConfig, handlerCode: string): Template {
  const tableName = sub(names.table(cfnNames));
  const keyArn = getAtt('SecondaryKMSKey', 'Arn');
  const tier = regionalTier({
    config,
    role: 'standby',
    ids,
    handlerCode,
    env,
    keyArn,
    // The replica is created by TapStack.json's global table: same name, this region.
    table: { name: tableName, arn: tableArnIn(cfnDialect, env, env.region, tableName) },
    peer: { condition: C.failsBackToPrimary, bucketName: ref(P.primaryBucketName), keyArn: ref(P.primaryKeyArn) },
  });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `tap-dr secondary region (${config.secondaryRegion}): the key of the transactions replica and, with ${P.standbyTier}=true, the warm standby tier. Deploy before ${TEMPLATE_FILES.primary}, then update with its outputs.`,
    Parameters: parameters(config),
    Rules: rules(),
    Conditions: {
      [C.hasAlertEmail]: isSet(P.alertEmail),
      [C.standbyTier]: { 'Fn::Equals': [ref(P.standbyTier), 'true'] },
      [C.hasPrimaryOutputs]: { 'Fn::And': [isSet(P.primaryKeyArn), isSet(P.primaryBucketName)] },
      [C.failsBackToPrimary]: { 'Fn::And': [{ Condition: C.standbyTier }, { Condition: C.hasPrimaryOutputs }] },
    },
    Resources: {
      ...keyWithAlias(
        { key: 'SecondaryKMSKey', alias: 'SecondaryKMSAlias' },
        sub(KEY_DESCRIPTIONS.secondary(cfnNames)),
        env,
      ),
      ...underCondition(C.standbyTier, tier),
    } as Template['Resources'],
    Outputs: secondaryOutputs(),
  };
}

function rules(): Template['Rules'] {
  const empty = (p: ParameterId) => ({ 'Fn::Equals': [ref(p), ''] });
  const given = (p: ParameterId) => ({ 'Fn::Not': [empty(p)] });
  return {
    PrimaryRegionDiffersFromSecondary: {
      Assertions: [
        {
          Assert: { 'Fn::Not': [{ 'Fn::Equals': [ref(P.primaryRegion), ref('AWS::Region')] }] },
          AssertDescription: 'PrimaryRegion must differ from the region the stack is deployed to',
        },
      ],
    },
    // One without the other would leave failback silently off.
    PrimaryOutputsTogether: {
      Assertions: [
        {
          Assert: {
            'Fn::Or': [
              { 'Fn::And': [empty(P.primaryKeyArn), empty(P.primaryBucketName)] },
              { 'Fn::And': [given(P.primaryKeyArn), given(P.primaryBucketName)] },
            ],
          },
          AssertDescription: 'Give both PrimaryKMSKeyArn and PrimaryS3BucketName (TapStack.json outputs), or neither',
        },
      ],
    },
  };
}

function parameters(config: TapConfig): Template['Parameters'] {
  const fromPrimary = (output: string) =>
    `${output} output of ${TEMPLATE_FILES.primary}: the standby replicates documents back into the primary (failback). Empty until the primary is deployed`;
  return {
    [P.suffix]: suffixParameter(config),
    [P.standbyTier]: {
      Type: 'String',
      Description:
        'true: the warm standby tier (processor, documents, trail, topic, heartbeat, /health, API, alarms); false: only the key',
      Default: String(config.standbyProcessor),
      AllowedValues: ['true', 'false'],
    },
    [P.primaryRegion]: {
      Type: 'String',
      Description: 'Region of TapStack.json: the standby watches its heartbeat and replicates documents back into it',
      Default: config.primaryRegion,
      AllowedPattern: REGION_PATTERN,
      ConstraintDescription: 'must be an AWS region name such as us-east-1',
    },
    [P.primaryKeyArn]: {
      Type: 'String',
      Description: fromPrimary('KMSKeyArn'),
      Default: '',
      AllowedPattern: `^$|${KMS_KEY_ARN_PATTERN}`,
      ConstraintDescription: 'must be empty or the ARN of a KMS key in the primary region',
    },
    [P.primaryBucketName]: {
      Type: 'String',
      Description: fromPrimary('S3BucketName'),
      Default: '',
      AllowedPattern: OPTIONAL_BUCKET_NAME_PATTERN,
      ConstraintDescription: 'must be empty or an S3 bucket name',
    },
    [P.alertEmail]: alertEmailParameter(config),
  };
}

function secondaryOutputs(): Record<string, CfnOutput> {
  const standby: Record<StandbyOutputId, CfnValue> = {
    StandbyLambdaFunctionArn: getAtt(ids.processor, 'Arn'),
    StandbyApiEndpoint: getAtt(ids.api, 'ApiEndpoint'),
    SecondaryS3BucketName: ref(ids.documentsBucket),
    SecondarySNSTopicArn: ref(ids.topic),
  };
  return {
    SecondaryKMSKeyArn: {
      Description: `ARN of the secondary-region key: pass it to ${TEMPLATE_FILES.primary} as SecondaryKMSKeyArn`,
      Value: getAtt('SecondaryKMSKey', 'Arn'),
      Export: exportName('SecondaryKMSKeyArn'),
    },
    ...Object.fromEntries(
      standbyOutputs.map((o) => [
        o.id,
        { Description: o.description, Value: standby[o.id], Export: exportName(o.id), Condition: C.standbyTier },
      ]),
    ),
  };
}
