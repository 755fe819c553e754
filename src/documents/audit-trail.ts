import { Construct } from 'constructs';
import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Env } from '../dialect';
import { trailBucketPolicy } from './spec';
import { HardenedBucket } from './hardened-bucket';
import { TRAIL_DEFAULTS } from './cloudtrail-defaults';
import { names, NameParts } from '../naming';
import { tfDialect } from '../tf-support';

export interface AuditTrailProps {
  readonly names: NameParts;
  /** Partition/account and the region the trail runs in. */
  readonly env: Env<string>;
  readonly provider?: AwsProvider;
  /** The documents bucket whose object-level reads and writes are recorded. */
  readonly documentsBucketArn: string;
  /** The region's customer-managed key: it encrypts the log files and the bucket. */
  readonly kmsKeyArn: string;
  /** How long log files are kept (the stack's log retention, 365 days by default). */
  readonly retentionDays: number;
  readonly noncurrentVersionExpirationDays: number;
}

/**
 * Who read or wrote which payment document, and when: a single-region CloudTrail trail
 * per region with S3 data events for that region's documents bucket, log-file integrity
 * validation, and log files under our key in a hardened bucket of their own. A region
 * keeps its own trail, so losing one region does not lose the other's audit trail.
 * Management events are left to the account's organization trail.
 */
export class AuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: HardenedBucket;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { provider, env } = props;
    this.bucket = new HardenedBucket(this, 'bucket', {
      provider,
      partition: env.partition as string,
      bucketName: names.trailBucket({ ...props.names, account: env.account, region: env.region as string }),
      kmsKeyArn: props.kmsKeyArn,
      policy: (arn) => trailBucketPolicy(tfDialect, env, props.names, arn),
      expirationDays: props.retentionDays,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
    });
    this.trail = new Cloudtrail(this, 'trail', {
      provider,
      name: names.auditTrail(props.names),
      s3BucketName: this.bucket.bucket.id,
      kmsKeyId: props.kmsKeyArn,
      ...TRAIL_DEFAULTS,
      eventSelector: [
        {
          readWriteType: 'All',
          includeManagementEvents: false,
          dataResource: [{ type: 'AWS::S3::Object', values: [`${props.documentsBucketArn}/`] }],
        },
      ],
      // CloudTrail checks at creation that it may write to the bucket.
      dependsOn: [this.bucket.policy],
    });
  }
}
