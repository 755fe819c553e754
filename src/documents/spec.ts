/** The documents component's spec: replication, the documents bucket policy and the trail bucket policy. */
import { DOCUMENT_PREFIX } from '../contract';
import { denyInsecureTransport, Dialect, Env, PolicyDocument, PolicyStatement } from '../dialect';
import { RTC_MINUTES } from '../alarms';
import { trailArn } from '../keys/spec';
import { names, NameParts } from '../naming';

export interface ReplicationRefs<T> {
  readonly sourceBucketArn: string | T;
  readonly sourceKeyArn: string | T;
  readonly destinationBucketArn: string | T;
  readonly destinationKeyArn: string | T;
}

/** S3 replication: read versions from the source, write replicas to the destination,
 *  decrypting with the source region's key and encrypting with the destination's, via S3 only. */
export function documentReplicationPolicy<T>(d: Dialect<T>, e: Env<T>, r: ReplicationRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadSourceConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: r.sourceBucketArn,
      },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        Resource: d.join(r.sourceBucketArn, '/*'),
      },
      {
        Sid: 'WriteReplicas',
        Effect: 'Allow',
        Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
        Resource: d.join(r.destinationBucketArn, '/*'),
      },
      {
        // Both buckets use S3 Bucket Keys, so the encryption context is the bucket's ARN.
        Sid: 'DecryptInSourceRegion',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: r.sourceKeyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': d.join('s3.', e.region, '.amazonaws.com'),
            'kms:EncryptionContext:aws:s3:arn': r.sourceBucketArn,
          },
        },
      },
      {
        // Decrypt too: with Bucket Keys, S3 checks the replica's key with a Decrypt call (S3 guide,
        // "Amazon S3 Bucket Keys and replication").
        Sid: 'EncryptInDestinationRegion',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: r.destinationKeyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': d.join('s3.', e.peerRegion, '.amazonaws.com'),
            'kms:EncryptionContext:aws:s3:arn': r.destinationBucketArn,
          },
        },
      },
    ],
  };
}

/** Every role a function of the stack runs as, in both tiers, as ARNs known from names. */
export function functionRoleArns<T>(d: Dialect<T>, e: Env<T>, p: NameParts): Array<string | T> {
  const roles = [
    names.processorRole(p),
    names.standbyProcessorRole(p),
    ...(['heartbeat', 'health'] as const).flatMap((what) => [false, true].map((s) => names.regionalRole(p, what, s))),
  ];
  return roles.map((role) => d.join('arn:', e.partition, ':iam::', e.account, ':role/', role));
}

/** Bucket settings a function must never change: replication, versioning, lifecycle, this policy. */
export const BUCKET_CONFIGURATION_ACTIONS = [
  's3:PutReplicationConfiguration',
  's3:PutBucketVersioning',
  's3:PutLifecycleConfiguration',
  's3:PutEncryptionConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketObjectLockConfiguration',
] as const;

/**
 * Documents are written once. S3 lets a bucket policy require If-None-Match on a put (the
 * s3:if-none-match condition key, S3 User Guide, "Enforce conditional writes on Amazon S3
 * buckets"): without it a put could replace a stored document, and the original would survive
 * only as a noncurrent version until it expires. The function roles may never delete a version
 * or change the bucket's replication, versioning, lifecycle or policy. A bucket policy rather
 * than S3 Object Lock: docs/SECURITY.md, "Documents written once", says why.
 */
function writtenOnce<T>(d: Dialect<T>, e: Env<T>, p: NameParts, bucketArn: string | T): PolicyStatement<T>[] {
  const byFunctions = { ArnLike: { 'aws:PrincipalArn': functionRoleArns(d, e, p) } };
  const deny = (Sid: string, Action: string[], Resource: string | T, extra = {}): PolicyStatement<T> => ({
    Sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action,
    Resource,
    Condition: { ...byFunctions, ...extra },
  });
  return [
    deny('DocumentsOnlyIfNoneMatch', ['s3:PutObject'], d.join(bucketArn, '/', DOCUMENT_PREFIX, '*'), {
      Null: { 's3:if-none-match': 'true' },
    }),
    deny('FunctionsNeverDelete', ['s3:DeleteObject', 's3:DeleteObjectVersion'], d.join(bucketArn, '/*')),
    deny('FunctionsNeverReconfigure', [...BUCKET_CONFIGURATION_ACTIONS], bucketArn),
  ];
}

/**
 * Documents bucket policy: TLS only, every object under the stack's key, and documents written
 * once (writtenOnce above). S3 encrypts a PutObject that says `aws:kms` without a key id under the
 * AWS-managed aws/s3 key, not the bucket default, so such a put is refused, as is any other key
 * or algorithm. A put with no encryption headers gets the bucket default (our key). Replication
 * writes replicas with s3:ReplicateObject, which these statements do not touch.
 */
export function documentsBucketPolicy<T>(
  d: Dialect<T>,
  e: Env<T>,
  p: NameParts,
  bucketArn: string | T,
  keyArn: string | T,
): PolicyDocument<T> {
  const objects = d.join(bucketArn, '/*');
  const denyPut = (Sid: string, Condition: PolicyStatement<T>['Condition']): PolicyStatement<T> => ({
    Sid,
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['s3:PutObject'],
    Resource: objects,
    Condition,
  });
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(d, bucketArn),
      denyPut('DenyOtherEncryption', { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } }),
      denyPut('DenyOtherKmsKey', {
        StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn },
      }),
      denyPut('DenyAwsManagedKey', {
        StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      }),
      ...writtenOnce(d, e, p, bucketArn),
    ],
  };
}

/** The trail bucket: TLS only; CloudTrail may check the ACL and write only this region's trail's logs. */
export function trailBucketPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, bucketArn: string | T): PolicyDocument<T> {
  const trail = { StringEquals: { 'aws:SourceArn': trailArn(d, e, p) } };
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(d, bucketArn),
      {
        Sid: 'CloudTrailChecksAcl',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:GetBucketAcl'],
        Resource: bucketArn,
        Condition: trail,
      },
      {
        Sid: 'CloudTrailWritesLogs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['s3:PutObject'],
        Resource: d.join(bucketArn, '/AWSLogs/', e.account, '/*'),
        Condition: { StringEquals: { ...trail.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      },
    ],
  };
}

/** Each direction's replication rule: every object, re-encrypted, with Replication Time Control. */
export const REPLICATION = {
  policyName: 'document-replication',
  description: (from: string, into: string) => `S3 replication of tap-dr documents from ${from} into ${into}`,
  priority: 1,
  prefix: '',
  deleteMarkerReplication: 'Disabled',
  sseKmsEncryptedObjects: 'Enabled',
  storageClass: 'STANDARD',
  rtcMinutes: RTC_MINUTES,
} as const;
