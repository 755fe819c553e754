import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { documentReplicationPolicy, Env, serviceTrustPolicy } from './design';
import { policyJson, tfDialect } from './tf-support';

export interface DocumentReplicationProps {
  readonly roleName: string;
  readonly env: Env<string>;
  readonly source: { readonly bucketId: string; readonly bucketArn: string; readonly keyArn: string; readonly versioning: S3BucketVersioningA };
  readonly destination: { readonly bucketArn: string; readonly keyArn: string; readonly versioning: S3BucketVersioningA };
}

/**
 * Cross-region replication of the documents bucket, re-encrypted with the secondary
 * region's key, with S3 Replication Time Control: 99.99% of objects within 15 minutes,
 * and metrics that show when replication falls behind. In one Terraform stack both buckets
 * exist before the rule, so the seed's chicken-and-egg (its fix 5) does not arise.
 */
export class DocumentReplication extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: DocumentReplicationProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'S3 replication of tap-dr transaction documents into the secondary region',
      assumeRolePolicy: policyJson(serviceTrustPolicy('s3.amazonaws.com', { e: props.env, sourceArn: props.source.bucketArn })),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'document-replication',
      role: this.role.id,
      policy: policyJson(
        documentReplicationPolicy(tfDialect, props.env, {
          sourceBucketArn: props.source.bucketArn,
          sourceKeyArn: props.source.keyArn,
          destinationBucketArn: props.destination.bucketArn,
          destinationKeyArn: props.destination.keyArn,
        }),
      ),
    });
    new S3BucketReplicationConfigurationA(this, 'rule', {
      bucket: props.source.bucketId,
      role: this.role.arn,
      rule: [
        {
          id: 'documents-to-secondary',
          status: 'Enabled',
          priority: 1,
          filter: { prefix: '' },
          deleteMarkerReplication: { status: 'Disabled' },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: props.destination.bucketArn,
            storageClass: 'STANDARD',
            encryptionConfiguration: { replicaKmsKeyId: props.destination.keyArn },
            replicationTime: { status: 'Enabled', time: { minutes: 15 } },
            metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
          },
        },
      ],
      dependsOn: [policy, props.source.versioning, props.destination.versioning],
    });
  }
}
