/** RETAIN_ON_DELETE for the Terraform stack: the one place it touches resources (src/retention.ts says what). */
import { IConstruct } from 'constructs';
import { IAspect, TerraformResource } from 'cdktf';
import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { DynamodbTableReplicaA } from '@cdktf/provider-aws/lib/dynamodb-table-replica';
import type { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import type { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { retention, Retention, statefulKind } from './retention';

/** Visits every resource at synth; stateful ones (by their type's kind) get the switch's settings. */
export class RetainOnDelete implements IAspect {
  private readonly r: Retention;

  constructor(retainOnDelete: boolean) {
    this.r = retention(retainOnDelete);
  }

  visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node)) return;
    const resource = node as TerraformResource;
    const kind = statefulKind('terraform', resource.terraformResourceType);
    if (!kind) return;
    if (this.r.keep) resource.lifecycle = { preventDestroy: true, ...resource.lifecycle };
    // By kind, as the CloudFormation pass does: each kind's types share the attribute.
    if (kind === 'key') (node as KmsKey | KmsReplicaKey).deletionWindowInDays = this.r.kmsDeletionWindowDays;
    if (kind === 'table')
      (node as DynamodbTable | DynamodbTableReplicaA).deletionProtectionEnabled = this.r.deletionProtection;
    if (kind === 'bucket') (node as S3Bucket).forceDestroy = this.r.forceDestroy;
  }
}
