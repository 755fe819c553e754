import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { bucketArnOf, PolicyDocument } from '../dialect';
import { policyJson, tfDialect } from '../tf-support';
import { BUCKET_DEFAULTS as D } from './s3-defaults';

export interface HardenedBucketProps {
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  /** The partition, for the bucket's ARN. */
  readonly partition: string;
  /** The bucket policy, given the bucket's ARN. */
  readonly policy: (bucketArn: string) => PolicyDocument<string>;
  readonly noncurrentVersionExpirationDays: number;
  /** Current objects expire after this many days; kept forever when absent. */
  readonly expirationDays?: number;
  /** The region's provider; the default (primary) provider when absent. */
  readonly provider?: AwsProvider;
}

/**
 * A private, versioned bucket under our key, hardened as ./s3-defaults.ts says, with the policy
 * it is given (which must refuse plain HTTP).
 * The documents buckets and the trail buckets are both built from it.
 */
export class HardenedBucket extends Construct {
  readonly bucket: S3Bucket;
  /** Replication needs versioning in place on both sides first. */
  readonly versioning: S3BucketVersioningA;
  readonly policy: S3BucketPolicy;
  /** The ARN spelled from the name: policies that use it read in full in a first plan. */
  readonly arnByName: string;

  constructor(scope: Construct, id: string, props: HardenedBucketProps) {
    super(scope, id);
    const { provider } = props;
    this.arnByName = bucketArnOf(tfDialect, props, props.bucketName) as string;
    this.bucket = new S3Bucket(this, 'bucket', {
      provider,
      bucket: props.bucketName,
    });
    const bucket = this.bucket.id;

    new S3BucketPublicAccessBlock(this, 'public-access-block', { provider, bucket, ...D.publicAccessBlock });
    new S3BucketOwnershipControls(this, 'ownership', {
      provider,
      bucket,
      rule: { objectOwnership: D.objectOwnership },
    });
    this.versioning = new S3BucketVersioningA(this, 'versioning', {
      provider,
      bucket,
      versioningConfiguration: { status: D.versioning },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      provider,
      bucket,
      rule: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: D.encryption.sseAlgorithm,
            kmsMasterKeyId: props.kmsKeyArn,
          },
          bucketKeyEnabled: D.encryption.bucketKeyEnabled,
        },
      ],
    });
    this.policy = new S3BucketPolicy(this, 'policy', {
      provider,
      bucket,
      policy: policyJson(props.policy(this.arnByName)),
    });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket,
      rule: [
        {
          id: D.lifecycleRule.id,
          status: D.lifecycleRule.status,
          // The provider wants a filter: the empty prefix is every object, as CloudFormation's rule without one.
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: D.lifecycleRule.abortIncompleteMultipartUploadDays }],
          ...(props.expirationDays ? { expiration: [{ days: props.expirationDays }] } : {}),
        },
      ],
    });
  }
}
