/**
 * The heartbeat canary's and /health's door to AWS: five calls, each under a hard deadline
 * (retries included), so a hung dependency fails fast. As in aws.ts, each SDK module is
 * required on first use (the runtime provides it) and its client is created once.
 */
import type { GetItemCommandInput, GetItemCommandOutput, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { DescribeKeyCommandOutput } from '@aws-sdk/client-kms';

/** PutMetricData's input, as far as the canary uses it (typed here: the bundle does not ship the SDK). */
export interface MetricDataInput {
  Namespace: string;
  MetricData: Array<{
    MetricName: string;
    Dimensions: Array<{ Name: string; Value: string }>;
    Value: number;
    Unit: 'Seconds';
    Timestamp: Date;
  }>;
}

export interface RegionalPort {
  getItem(input: GetItemCommandInput): Promise<GetItemCommandOutput>;
  putItem(input: PutItemCommandInput): Promise<unknown>;
  describeKey(input: { KeyId: string }): Promise<DescribeKeyCommandOutput>;
  putMetricData(input: MetricDataInput): Promise<unknown>;
  /** The bucket's default encryption (typed here: only the fields /health reads). */
  getBucketEncryption(input: { Bucket: string }): Promise<{
    ServerSideEncryptionConfiguration?: {
      Rules?: Array<{ ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string } }>;
    };
  }>;
}

export function createRegionalPort(timeoutMs: number): RegionalPort {
  const config = {
    // Bounds each attempt; the abort signal below bounds the whole call.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
    maxAttempts: 2,
    // A local emulator in tests (AWS_ENDPOINT_URL, read by the SDK): no bucket subdomains on 127.0.0.1.
    forcePathStyle: !!process.env.AWS_ENDPOINT_URL,
  };
  const clients = new Map<
    string,
    { sdk: Record<string, any>; client: { send: (command: unknown, options?: object) => Promise<unknown> } }
  >();
  const call =
    (service: string, client: string, command: string) =>
    (input: object): Promise<any> => {
      if (!clients.has(service)) {
        const sdk = require(`@aws-sdk/client-${service}`);
        clients.set(service, { sdk, client: new sdk[client](config) });
      }
      const { sdk, client: c } = clients.get(service)!;
      return c.send(new sdk[command](input), { abortSignal: AbortSignal.timeout(timeoutMs) });
    };
  return {
    getItem: call('dynamodb', 'DynamoDBClient', 'GetItemCommand'),
    putItem: call('dynamodb', 'DynamoDBClient', 'PutItemCommand'),
    describeKey: call('kms', 'KMSClient', 'DescribeKeyCommand'),
    putMetricData: call('cloudwatch', 'CloudWatchClient', 'PutMetricDataCommand'),
    getBucketEncryption: call('s3', 'S3Client', 'GetBucketEncryptionCommand'),
  };
}
