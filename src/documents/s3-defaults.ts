/**
 * The hardening every tap-dr bucket gets (documents and trail buckets alike), as data: the
 * Terraform HardenedBucket (./hardened-bucket.ts) and CloudFormation's hardenedBucket
 * (src/cloudformation/common.ts) both render it, so neither spells a value of its own.
 */
export const BUCKET_DEFAULTS = {
  versioning: 'Enabled',
  encryption: {
    sseAlgorithm: 'aws:kms',
    // Bucket keys cut KMS request costs per object by ~99%.
    bucketKeyEnabled: true,
  },
  /** All four: no ACL or policy can make a tap-dr bucket public. */
  publicAccessBlock: {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  },
  /** ACLs disabled: the bucket owner owns every object. */
  objectOwnership: 'BucketOwnerEnforced',
  /** One lifecycle rule over every object: old versions expire, stalled uploads are cleaned up. */
  lifecycleRule: {
    id: 'expire-noncurrent-versions',
    status: 'Enabled',
    abortIncompleteMultipartUploadDays: 7,
  },
} as const;
