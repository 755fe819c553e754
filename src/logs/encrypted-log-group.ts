import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';

export interface EncryptedLogGroupProps {
  readonly provider?: AwsProvider;
  readonly name: string;
  readonly retentionInDays: number;
  /** The region's key. */
  readonly kmsKeyId: string;
}

/**
 * A log group under the region's key, created up front (not by Lambda or API Gateway on first
 * write) so it is encrypted and kept as long as configured. The processor's, the regional
 * functions' and the API's access logs are all built here; RetainOnDelete keeps them by kind.
 */
export function encryptedLogGroup(scope: Construct, id: string, props: EncryptedLogGroupProps): CloudwatchLogGroup {
  return new CloudwatchLogGroup(scope, id, {
    provider: props.provider,
    name: props.name,
    retentionInDays: props.retentionInDays,
    kmsKeyId: props.kmsKeyId,
  });
}
