/** Building blocks every fragment shares: names, tags, removal policy, hardened buckets, code. */
import { ALERT_EMAIL_PATTERN, ENVIRONMENT_SUFFIX_DESCRIPTION, ENVIRONMENT_SUFFIX_PATTERN, TapConfig } from '../config';
import { keyPolicy, standardTags } from '../design';
import { retention } from '../retention';
import { BUCKET_DEFAULTS as D } from '../documents/s3-defaults';
import { names, NameParts } from '../naming';
import type { Env } from '../design';
import { CfnExpr, CfnResource, CfnValue, cfnDialect, Fragment, pascalKeys, ref, sub } from './intrinsics';
import { GlobalId, P, ParameterId } from './ids';

export const TEMPLATE_FILES = { primary: 'TapStack.json', secondary: 'TapStack-secondary.json' } as const;

/** Names as CloudFormation sees them: the suffix is the EnvironmentSuffix parameter. */
export const cfnNames: NameParts = { suffix: `\${${P.suffix}}` };

/** The account and region placeholders of names that carry them (buckets). */
export const regionAccount = { account: '${AWS::AccountId}', region: '${AWS::Region}' };

/** This template's region, and the other region as the named parameter. */
export function cfnEnv(peerRegion: ParameterId): Env<CfnExpr> {
  return {
    partition: ref('AWS::Partition'),
    account: ref('AWS::AccountId'),
    region: ref('AWS::Region'),
    peerRegion: ref(peerRegion),
  };
}

/** The switch's values for a disposable stack: where the template lays a property out that retainStateful sets. */
export const DISPOSABLE = retention(false);

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

export function suffixParameter(config: TapConfig) {
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

/** Where one template takes a key or bucket the other exports. */
export const KMS_KEY_ARN_PATTERN = '^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/[a-zA-Z0-9-]+$';
export const OPTIONAL_BUCKET_NAME_PATTERN = '^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$';

/** The on-call address: both regions' topics subscribe it. */
export function alertEmailParameter(config: TapConfig) {
  return {
    Type: 'String',
    Description: 'Optional on-call email subscribed to the alert topic (empty: none)',
    Default: config.alertEmail ?? '',
    AllowedPattern: `^$|${ALERT_EMAIL_PATTERN}`,
    ConstraintDescription: 'must be empty or an email address',
  };
}

export function tags(config: TapConfig): Array<{ Key: string; Value: CfnValue }> {
  return Object.entries(standardTags(config, ref(P.suffix), 'cloudformation')).map(([Key, Value]) => ({ Key, Value }));
}

/** A rotating customer-managed key and its suffixed alias (seed fix 7), as two resources. */
export function keyWithAlias(
  ids: { key: GlobalId; alias: GlobalId },
  description: CfnValue,
  env: Env<CfnExpr>,
): Fragment {
  return {
    [ids.key]: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: description,
        EnableKeyRotation: true,
        // Laid out here, in AWS's order; retainStateful (./retention.ts) sets it.
        PendingWindowInDays: DISPOSABLE.kmsDeletionWindowDays,
        // Both keys serve a tier (the standby's only once it is switched on): logs, trail, alarms.
        KeyPolicy: keyPolicy(cfnDialect, env, cfnNames, true),
      },
    },
    [ids.alias]: {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: sub(names.kmsAlias(cfnNames)), TargetKeyId: ref(ids.key) },
    },
  };
}

/** A bucket hardened as src/documents/s3-defaults.ts says (as src/documents/hardened-bucket.ts renders it for Terraform). */
export function hardenedBucket(
  config: TapConfig,
  bucketName: string,
  keyArn: CfnValue,
  expirationDays?: number,
): CfnResource {
  return {
    Type: 'AWS::S3::Bucket',
    Properties: {
      BucketName: sub(bucketName),
      VersioningConfiguration: { Status: D.versioning },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: { SSEAlgorithm: D.encryption.sseAlgorithm, KMSMasterKeyID: keyArn },
            BucketKeyEnabled: D.encryption.bucketKeyEnabled,
          },
        ],
      },
      PublicAccessBlockConfiguration: pascalKeys(D.publicAccessBlock),
      OwnershipControls: { Rules: [{ ObjectOwnership: D.objectOwnership }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: D.lifecycleRule.id,
            Status: D.lifecycleRule.status,
            NoncurrentVersionExpiration: { NoncurrentDays: config.noncurrentVersionExpirationDays },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: D.lifecycleRule.abortIncompleteMultipartUploadDays },
            ...(expirationDays ? { ExpirationInDays: expirationDays } : {}),
          },
        ],
      },
      Tags: tags(config),
    },
  };
}

/** A log group under the region's key, for the tier's functions and its API (retained by kind). */
export function logGroup(config: TapConfig, logGroupName: string, keyArn: CfnValue): CfnResource {
  return {
    Type: 'AWS::Logs::LogGroup',
    Properties: { LogGroupName: sub(logGroupName), RetentionInDays: config.logRetentionDays, KmsKeyId: keyArn },
  };
}

/** An export name that carries the suffix: unique per region and environment. */
export function exportName(output: string) {
  return { Name: sub(names.cfnExport(cfnNames, output)) };
}
