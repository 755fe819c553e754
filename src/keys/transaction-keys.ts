import { Construct } from 'constructs';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Env } from '../dialect';
import { KEY_DESCRIPTIONS, keyPolicy } from './spec';
import { names, NameParts } from '../naming';
import { policyJson, tfDialect } from '../tf-support';

export interface TransactionKeysProps {
  readonly names: NameParts;
  /** Partition/account/region of the primary region (tokens are fine). */
  readonly env: Env<string>;
  /** The aliased provider for the secondary region. */
  readonly secondaryProvider: AwsProvider;
  /** The secondary region runs a standby processor, so its key serves logs and alarms too. */
  readonly standby: boolean;
}

/**
 * The customer-managed encryption keys: a multi-region primary key and its replica in the
 * secondary region, so every region's data is encrypted with key material we control and
 * the replica region keeps working if the primary region's KMS is unreachable.
 */
export class TransactionKeys extends Construct {
  readonly primaryKey: KmsKey;
  readonly secondaryKey: KmsReplicaKey;

  constructor(scope: Construct, id: string, props: TransactionKeysProps) {
    super(scope, id);
    this.primaryKey = new KmsKey(this, 'primary', {
      description: KEY_DESCRIPTIONS.primary(props.names),
      multiRegion: true,
      enableKeyRotation: true,
      policy: policyJson(keyPolicy(tfDialect, props.env, props.names, true)),
    });
    new KmsAlias(this, 'primary-alias', {
      name: names.kmsAlias(props.names),
      targetKeyId: this.primaryKey.keyId,
    });

    this.secondaryKey = new KmsReplicaKey(this, 'secondary', {
      provider: props.secondaryProvider,
      description: KEY_DESCRIPTIONS.secondary(props.names),
      primaryKeyArn: this.primaryKey.arn,
      policy: policyJson(
        keyPolicy(tfDialect, { ...props.env, region: props.env.peerRegion }, props.names, props.standby),
      ),
    });
    new KmsAlias(this, 'secondary-alias', {
      provider: props.secondaryProvider,
      name: names.kmsAlias(props.names),
      targetKeyId: this.secondaryKey.keyId,
    });
  }
}
