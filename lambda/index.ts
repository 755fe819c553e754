/**
 * Lambda entry point (handler "index.handler"). Plain CommonJS export, so the esbuild
 * bundle needs no ESM interop wrapper and fits CloudFormation's inline Code.ZipFile.
 */
import { createAwsPort } from './aws';
import { createProcessor } from './processor';

const env = process.env;
const processTransaction = createProcessor({
  aws: createAwsPort(Number(env.AWS_CALL_TIMEOUT_MS) || 3000),
  tableName: env.DYNAMODB_TABLE_NAME!,
  bucketName: env.S3_BUCKET_NAME!,
  topicArn: env.SNS_TOPIC_ARN!,
  region: env.AWS_REGION!,
});

exports.handler = (event: unknown, context?: { awsRequestId?: string }) =>
  processTransaction(event, context?.awsRequestId ?? 'local');
