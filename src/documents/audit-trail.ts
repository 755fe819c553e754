import { Construct } from 'constructs';
import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Env } from '../dialect';
import { trailBucketPolicy } from './spec';
import { HardenedBucket } from './hardened-bucket';
import { TRAIL_DEFAULTS } from './cloudtrail-defaults';
import { names, NameParts } from '../naming';
import { tfDialect } from '../tf-support';
import { trailEventSelectors } from '../watch/spec';

export interface AuditTrailProps {
  readonly names: NameParts;
  /** Partition/account and the region the trail runs in. */
  readonly env: Env<string>;
  readonly provider?: AwsProvider;
  /** The documents bucket whose object-level reads and writes are recorded. */
  readonly documentsBucketArn: string;
  /** The ledger in this region (the global table, or its replica) and the processor: their data events too. */
  readonly tableArn: string;
  readonly processorArn: string;
  /** The region's customer-managed key: it encrypts the log files and the bucket. */
  readonly kmsKeyArn: string;
  /** How long log files are kept (the stack's log retention, 365 days by default). */
  readonly retentionDays: number;
  readonly noncurrentVersionExpirationDays: number;
}

/**
 * Who read or wrote which payment document or ledger item, who invoked the processor, and who
 * changed what in the region: a single-region CloudTrail trail per region with data events for
 * that region's documents bucket, table and processor (advanced event selectors, src/watch/spec.ts)
 * and the region's write management events, which the recovery-control watch reads (EventBridge
 * receives CloudTrail's API-call events only where a trail records them). Log-file integrity
 * validation, and log files under our key in a hardened bucket of their own. A region keeps its
 * own trail, so losing one region does not lose the other's audit trail.
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
      advancedEventSelector: trailEventSelectors(tfDialect, {
        documentsBucketArn: props.documentsBucketArn,
        tableArn: props.tableArn,
        processorArn: props.processorArn,
      }).map((selector) => ({
        name: selector.name,
        fieldSelector: selector.fieldSelectors.map((f) => ({
          field: f.field,
          ...(f.equals ? { equalTo: [...f.equals] } : {}),
          ...(f.startsWith ? { startsWith: [...f.startsWith] } : {}),
        })),
      })),
      // CloudTrail checks at creation that it may write to the bucket.
      dependsOn: [this.bucket.policy],
    });
  }
}
