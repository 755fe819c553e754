/** What the seed document promised: its 13 outputs and its 12 resources (logical id -> type). */
export const SEED_OUTPUTS = [
  'KMSKeyId',
  'KMSKeyArn',
  'DynamoDBTableName',
  'DynamoDBTableArn',
  'S3BucketName',
  'S3BucketArn',
  'LambdaFunctionName',
  'LambdaFunctionArn',
  'SNSTopicArn',
  'DynamoDBThrottleAlarmName',
  'LambdaErrorAlarmName',
  'LambdaThrottleAlarmName',
  'CrossRegionRoleArn',
];

export const SEED_RESOURCES: Record<string, string> = {
  TransactionKMSKey: 'AWS::KMS::Key',
  TransactionKMSAlias: 'AWS::KMS::Alias',
  TransactionDynamoDBTable: 'AWS::DynamoDB::GlobalTable',
  TransactionDocumentsBucket: 'AWS::S3::Bucket',
  LambdaExecutionRole: 'AWS::IAM::Role',
  CrossRegionAssumeRole: 'AWS::IAM::Role',
  TransactionProcessorFunction: 'AWS::Lambda::Function',
  TransactionProcessorLogGroup: 'AWS::Logs::LogGroup',
  AlertSNSTopic: 'AWS::SNS::Topic',
  DynamoDBThrottleAlarm: 'AWS::CloudWatch::Alarm',
  LambdaErrorAlarm: 'AWS::CloudWatch::Alarm',
  LambdaThrottleAlarm: 'AWS::CloudWatch::Alarm',
};
