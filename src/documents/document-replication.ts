import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Env, serviceTrustPolicy } from '../dialect';
import { splitRolePolicy } from '../keys/role-policies';
import { documentReplicationPolicy, REPLICATION } from './spec';
import { policyJson, tfDialect } from '../tf-support';

export interface DocumentReplicationProps {
  readonly roleName: string;
  /** The source bucket's region as `region`, the destination's as `peerRegion`. */
  readonly env: Env<string>;
  /** The source bucket's region's provider; the default (primary) provider when absent. */
  readonly provider?: AwsProvider;
  readonly ruleId: string;
  readonly description: string;
  readonly source: {
    readonly bucketId: string;
    /** Spelled from its name, for the trust and permission policies (see HardenedBucket.arnByName). */
    readonly bucketArn: string;
    readonly keyArn: string;
    readonly versioning: S3BucketVersioningA;
  };
  readonly destination: {
    /** A reference: S3 checks the destination when the rule is created. */
    readonly bucketArn: string;
    /** The same, spelled from the name, for the permission policy. */
    readonly arnByName: string;
    readonly keyArn: string;
    readonly versioning: S3BucketVersioningA;
  };
}

/**
 * Cross-region replication of a documents bucket into the other region's, re-encrypted with
 * the destination region's key, with S3 Replication Time Control: 99.99% of objects within
 * 15 minutes, and metrics that show when replication falls behind. The stack runs one in
 * each direction: primary to standby for failover, standby back to primary for failback.
 * S3 never replicates a replica again, so the two rules cannot loop. In one Terraform stack
 * both buckets exist before the rules, so the seed's chicken-and-egg (its fix 5) does not arise.
 */
export class DocumentReplication extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: DocumentReplicationProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: policyJson(
        serviceTrustPolicy('s3.amazonaws.com', { e: props.env, sourceArn: props.source.bucketArn }),
      ),
    });
    const policies = splitRolePolicy(this, {
      name: REPLICATION.policyName,
      role: this.role.id,
      policy: documentReplicationPolicy(tfDialect, props.env, {
        sourceBucketArn: props.source.bucketArn,
        sourceKeyArn: props.source.keyArn,
        destinationBucketArn: props.destination.arnByName,
        destinationKeyArn: props.destination.keyArn,
      }),
      keyArns: [props.source.keyArn, props.destination.keyArn],
    });
    new S3BucketReplicationConfigurationA(this, 'rule', {
      provider: props.provider,
      bucket: props.source.bucketId,
      role: this.role.arn,
      rule: [
        {
          id: props.ruleId,
          status: 'Enabled',
          priority: REPLICATION.priority,
          filter: { prefix: REPLICATION.prefix },
          deleteMarkerReplication: { status: REPLICATION.deleteMarkerReplication },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: REPLICATION.sseKmsEncryptedObjects } },
          destination: {
            bucket: props.destination.bucketArn,
            storageClass: REPLICATION.storageClass,
            encryptionConfiguration: { replicaKmsKeyId: props.destination.keyArn },
            replicationTime: { status: 'Enabled', time: { minutes: REPLICATION.rtcMinutes } },
            metrics: { status: 'Enabled', eventThreshold: { minutes: REPLICATION.rtcMinutes } },
          },
        },
      ],
      dependsOn: [...policies, props.source.versioning, props.destination.versioning],
    });
  }
}
