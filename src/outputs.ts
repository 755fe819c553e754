/** The stack's outputs, the same ids and descriptions in both deliverables. */

/** The seed's 13 outputs (same ids in both deliverables), plus the ones this project adds. */
export const outputs = [
  { id: 'KMSKeyId', description: 'Id of the customer-managed KMS key (primary region)' },
  { id: 'KMSKeyArn', description: 'ARN of the customer-managed KMS key (primary region)' },
  { id: 'DynamoDBTableName', description: 'Name of the transactions global table' },
  { id: 'DynamoDBTableArn', description: 'ARN of the transactions global table (primary region)' },
  { id: 'S3BucketName', description: 'Name of the transaction documents bucket' },
  { id: 'S3BucketArn', description: 'ARN of the transaction documents bucket' },
  { id: 'LambdaFunctionName', description: 'Name of the transaction processor function' },
  { id: 'LambdaFunctionArn', description: 'ARN of the transaction processor function' },
  { id: 'SNSTopicArn', description: 'ARN of the operational alert topic' },
  { id: 'DynamoDBThrottleAlarmName', description: 'Name of the DynamoDB throttling alarm' },
  { id: 'LambdaErrorAlarmName', description: 'Name of the Lambda error alarm' },
  { id: 'LambdaThrottleAlarmName', description: 'Name of the Lambda throttling alarm' },
  {
    id: 'CrossRegionRoleArn',
    description: 'ARN of the cross-region role (only when CROSS_REGION_TRUSTED_PRINCIPALS names someone)',
  },
  { id: 'SecondaryKMSKeyArn', description: 'ARN of the customer-managed key encrypting the secondary-region replica' },
  { id: 'ReplicationLatencyAlarmName', description: 'Name of the replication latency (RPO) alarm' },
  {
    id: 'PrimaryApiEndpoint',
    description: 'HTTPS entry point of the primary region: POST /transactions (SigV4) and GET /health',
  },
  {
    id: 'RpoTargetSeconds',
    description: 'The RPO target this deployment was configured with (RPO_TARGET_SECONDS), in seconds',
  },
  {
    id: 'DrCheckPrincipals',
    description:
      'Roles the processors accept dr:check canaries from (DR_CHECK_PRINCIPALS), comma-separated; only when it names someone',
  },
] as const;

export type OutputId = (typeof outputs)[number]['id'];

/** Outputs of the secondary region's standby tier (TapStack-secondary.json exports them too). */
export const standbyOutputs = [
  { id: 'StandbyLambdaFunctionArn', description: 'ARN of the standby transaction processor in the secondary region' },
  {
    id: 'StandbyApiEndpoint',
    description: 'HTTPS entry point of the secondary region: POST /transactions (SigV4) and GET /health',
  },
  { id: 'SecondaryS3BucketName', description: 'Name of the replicated documents bucket in the secondary region' },
  { id: 'SecondarySNSTopicArn', description: 'ARN of the alert topic in the secondary region' },
] as const;

export type StandbyOutputId = (typeof standbyOutputs)[number]['id'];

/** Only with DNS failover: what `npm run dr:check` reads the deployed health check by. */
export const dnsFailoverOutputs = [
  {
    id: 'DnsHealthCheckId',
    description: "Id of the Route 53 health check on the primary region's region-health alarm (DNS failover only)",
  },
] as const;
