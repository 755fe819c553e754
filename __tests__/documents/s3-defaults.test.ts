/** The bucket hardening as data (src/documents/s3-defaults.ts), and every bucket of both deliverables rendering it. */
import { BUCKET_DEFAULTS } from '../../src/documents/s3-defaults';
import { templatesFor } from '../helpers/cfn';
import { ofBucket, resourcesOf, synthStack } from '../helpers/synth';

const { json: tf } = synthStack();
const { primary, secondary } = templatesFor({ STANDBY_PROCESSOR: 'true' });

describe('the data', () => {
  it('is private, versioned, SSE-KMS with a bucket key, ACLs off, old versions and stalled uploads expiring', () => {
    expect(BUCKET_DEFAULTS).toEqual({
      versioning: 'Enabled',
      encryption: { sseAlgorithm: 'aws:kms', bucketKeyEnabled: true },
      publicAccessBlock: {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      objectOwnership: 'BucketOwnerEnforced',
      lifecycleRule: { id: 'expire-noncurrent-versions', status: 'Enabled', abortIncompleteMultipartUploadDays: 7 },
    });
  });
});

describe('Terraform renders it on every bucket', () => {
  const buckets = Object.keys(tf.resource.aws_s3_bucket);
  it.each(buckets)('%s', (address) => {
    const of = (type: string) => ofBucket(tf, type, address);
    const sse = of('aws_s3_bucket_server_side_encryption_configuration').rule[0];
    const rule = of('aws_s3_bucket_lifecycle_configuration').rule[0];
    const { bucket: _b, provider: _p, ...pab } = of('aws_s3_bucket_public_access_block');
    expect({
      versioning: of('aws_s3_bucket_versioning').versioning_configuration.status,
      encryption: {
        sseAlgorithm: sse.apply_server_side_encryption_by_default.sse_algorithm,
        bucketKeyEnabled: sse.bucket_key_enabled,
      },
      publicAccessBlock: {
        blockPublicAcls: pab.block_public_acls,
        blockPublicPolicy: pab.block_public_policy,
        ignorePublicAcls: pab.ignore_public_acls,
        restrictPublicBuckets: pab.restrict_public_buckets,
      },
      objectOwnership: of('aws_s3_bucket_ownership_controls').rule.object_ownership,
      lifecycleRule: {
        id: rule.id,
        status: rule.status,
        abortIncompleteMultipartUploadDays: rule.abort_incomplete_multipart_upload[0].days_after_initiation,
      },
    }).toEqual(BUCKET_DEFAULTS);
    expect(Object.keys(pab).sort()).toEqual(
      ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets'].sort(),
    );
  });

  it('covers every bucket (documents and trail, both regions)', () => {
    expect(buckets).toHaveLength(4);
    expect(resourcesOf(tf, 'aws_s3_bucket_public_access_block')).toHaveLength(4);
  });
});

describe('CloudFormation renders it on every bucket', () => {
  const buckets = [primary, secondary].flatMap((t) =>
    Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket'),
  );
  it.each(buckets)('%s', (_id, r) => {
    const p = r.Properties as Record<string, any>;
    const sse = p.BucketEncryption.ServerSideEncryptionConfiguration[0];
    const rule = p.LifecycleConfiguration.Rules[0];
    const pab = p.PublicAccessBlockConfiguration;
    expect({
      versioning: p.VersioningConfiguration.Status,
      encryption: {
        sseAlgorithm: sse.ServerSideEncryptionByDefault.SSEAlgorithm,
        bucketKeyEnabled: sse.BucketKeyEnabled,
      },
      publicAccessBlock: {
        blockPublicAcls: pab.BlockPublicAcls,
        blockPublicPolicy: pab.BlockPublicPolicy,
        ignorePublicAcls: pab.IgnorePublicAcls,
        restrictPublicBuckets: pab.RestrictPublicBuckets,
      },
      objectOwnership: p.OwnershipControls.Rules[0].ObjectOwnership,
      lifecycleRule: {
        id: rule.Id,
        status: rule.Status,
        abortIncompleteMultipartUploadDays: rule.AbortIncompleteMultipartUpload.DaysAfterInitiation,
      },
    }).toEqual(BUCKET_DEFAULTS);
    expect(Object.keys(pab)).toHaveLength(4);
  });

  it('covers every bucket', () => expect(buckets).toHaveLength(4));
});
