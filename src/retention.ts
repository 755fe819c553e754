/**
 * What RETAIN_ON_DELETE does, said once. Components build stateful resources without it; one pass
 * per deliverable applies it by kind: RetainOnDelete (src/retention-aspect.ts, a cdktf Aspect) and
 * retainStateful (src/cloudformation/retention.ts, over the finished template).
 * No cdktf imports: the CloudFormation emitter loads this.
 */

/** The kinds of resource whose data outlives a deploy, by their type in each deliverable. */
export const STATEFUL_KINDS = {
  key: { terraform: ['aws_kms_key', 'aws_kms_replica_key'], cloudformation: ['AWS::KMS::Key'] },
  table: {
    terraform: ['aws_dynamodb_table', 'aws_dynamodb_table_replica'],
    cloudformation: ['AWS::DynamoDB::GlobalTable'],
  },
  bucket: { terraform: ['aws_s3_bucket'], cloudformation: ['AWS::S3::Bucket'] },
  logGroup: { terraform: ['aws_cloudwatch_log_group'], cloudformation: ['AWS::Logs::LogGroup'] },
} as const;

export type StatefulKind = keyof typeof STATEFUL_KINDS;

/** The kind of a resource type in `deliverable`, or undefined when it holds no data. */
export function statefulKind(deliverable: 'terraform' | 'cloudformation', type: string): StatefulKind | undefined {
  return (Object.keys(STATEFUL_KINDS) as StatefulKind[]).find((k) =>
    (STATEFUL_KINDS[k][deliverable] as readonly string[]).includes(type),
  );
}

/** What the switch sets on stateful resources. */
export interface Retention {
  /** Terraform prevent_destroy; CloudFormation DeletionPolicy and UpdateReplacePolicy Retain. */
  readonly keep: boolean;
  /** KMS waiting period: the 7-day minimum keeps test stacks cheap; retained stacks get the 30-day maximum. */
  readonly kmsDeletionWindowDays: number;
  /** DynamoDB deletion protection, on the table and its replica. */
  readonly deletionProtection: boolean;
  /** Test stacks must be destroyable even with versioned objects in their buckets. */
  readonly forceDestroy: boolean;
}

export function retention(retainOnDelete: boolean): Retention {
  return {
    keep: retainOnDelete,
    kmsDeletionWindowDays: retainOnDelete ? 30 : 7,
    deletionProtection: retainOnDelete,
    forceDestroy: !retainOnDelete,
  };
}
