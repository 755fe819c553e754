import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { processorVariables, table, tableKeySchema } from '../src/design';
import { names } from '../src/naming';

export const REGION = 'us-east-1';
/** moto's account. */
const ACCOUNT = '123456789012';

/** Credentials and endpoint for everything in this process: only the emulator is ever reached. */
export function useEmulator(endpoint: string): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
}

export interface Fixture {
  /** The stack's key: the table, bucket default and topic use it, and the processor names it on PutObject. */
  readonly keyArn: string;
  readonly kms: KMSClient;
  readonly tableName: string;
  readonly bucketName: string;
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  /** The environment the deployed function gets (same variable names as the stack sets). */
  readonly lambdaEnv: Record<string, string>;
}

/** The stack's resources, created through the SDK the way the stack defines them. */
export async function createFixture(endpoint: string, suffix: string): Promise<Fixture> {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const kms = new KMSClient(config);

  const keyArn = (await kms.send(new CreateKeyCommand({ Description: `tap-dr test ${suffix}` }))).KeyMetadata!.Arn!;
  const tableName = names.table({ suffix });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: table.billingMode,
      ...tableKeySchema(),
      StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType },
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: tableName });

  const bucketName = names.documentsBucket({ suffix, account: ACCOUNT, region: REGION });
  await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucketName, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucketName,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );

  const topicArn = (
    await sns.send(
      new CreateTopicCommand({ Name: names.alertTopic({ suffix }), Attributes: { KmsMasterKeyId: keyArn } }),
    )
  ).TopicArn!;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `alerts-${suffix}` }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );

  return {
    keyArn,
    kms,
    tableName,
    bucketName,
    topicArn,
    queueUrl,
    dynamodb,
    s3,
    sns,
    sqs,
    // The deployed variables, with the tests' own per-call deadline.
    lambdaEnv: { ...processorVariables({ tableName, bucketName, topicArn, keyArn }), AWS_CALL_TIMEOUT_MS: '2000' },
  };
}

export async function scanAll(f: Fixture): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await f.dynamodb.send(
      new ScanCommand({ TableName: f.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Alert messages published to the topic, as delivered to the subscribed queue. */
export async function drainAlerts(f: Fixture): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (;;) {
    const r = await f.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: f.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!r.Messages?.length) return out;
    out.push(...r.Messages.map((m) => JSON.parse(m.Body!)));
    // Received is not gone: undeleted messages come back after the visibility timeout (30 s),
    // and a slow test would read an old probe as a new alert.
    await f.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: f.queueUrl,
        Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

/**
 * Alerts published since the last drain, checked to be a working channel: a probe is published
 * last and must arrive, so "no alerts" can never pass just because delivery is broken.
 */
export async function alertsSinceDrain(f: Fixture): Promise<Array<Record<string, unknown>>> {
  const probe = `probe-${Date.now()}-${Math.random()}`;
  await f.sns.send(new PublishCommand({ TopicArn: f.topicArn, Message: JSON.stringify({ probe }) }));
  const seen: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 50; i++) {
    seen.push(...(await drainAlerts(f)));
    if (seen.some((m) => m.probe === probe)) return seen.filter((m) => m.probe !== probe);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the alert probe never arrived: the topic-to-queue channel is broken');
}
