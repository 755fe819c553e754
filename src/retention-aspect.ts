/** RETAIN_ON_DELETE for the Terraform stack: the one place it touches resources (src/retention.ts says what). */
import { IConstruct } from 'constructs';
import { IAspect, TerraformResource } from 'cdktf';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { DynamodbTableReplicaA } from '@cdktf/provider-aws/lib/dynamodb-table-replica';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
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
    if (!statefulKind('terraform', resource.terraformResourceType)) return;
    if (this.r.keep) resource.lifecycle = { preventDestroy: true, ...resource.lifecycle };
    if (node instanceof KmsKey || node instanceof KmsReplicaKey) {
      node.deletionWindowInDays = this.r.kmsDeletionWindowDays;
    } else if (node instanceof DynamodbTable || node instanceof DynamodbTableReplicaA) {
      node.deletionProtectionEnabled = this.r.deletionProtection;
    } else if (node instanceof S3Bucket) {
      node.forceDestroy = this.r.forceDestroy;
    }
  }
}
