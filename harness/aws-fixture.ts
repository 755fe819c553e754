import { MAX_CALL_TIMEOUT_MS } from '../src/contract';
import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  waitUntilTableExists,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { processorVariables, table, tableKeySchema } from '../src/design';
import { names } from '../src/naming';

export const REGION = 'us-east-1';
/** moto's account. */
export const ACCOUNT = '123456789012';

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
  /** The stack's key: the table and bucket default use it, and the processor names it on PutObject. */
  readonly keyArn: string;
  readonly kms: KMSClient;
  readonly tableName: string;
  readonly bucketName: string;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  /** The environment the deployed function gets (same variable names as the stack sets). */
  readonly lambdaEnv: Record<string, string>;
}

/** The documents bucket as the stack hardens it: versioned, SSE-KMS under the stack key with a bucket key. */
export async function createDocumentsBucket(
  s3: S3Client,
  suffix: string,
  keyArn: string,
  region: string = REGION,
): Promise<string> {
  const bucketName = names.documentsBucket({ suffix, account: ACCOUNT, region });
  // S3 refuses a location constraint naming us-east-1, and requires one for every other region.
  const location =
    region === 'us-east-1'
      ? {}
      : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
  await s3.send(new CreateBucketCommand({ Bucket: bucketName, ...location }));
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
  return bucketName;
}

/** The stack's resources, created through the SDK the way the stack defines them. */
export async function createFixture(endpoint: string, suffix: string): Promise<Fixture> {
  const config = { endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
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

  const bucketName = await createDocumentsBucket(s3, suffix, keyArn);

  return {
    keyArn,
    kms,
    tableName,
    bucketName,
    dynamodb,
    s3,
    // The deployed variables, with the longest per-call deadline the contract allows: the emulator
    // answers one call at a time, and under a loaded CI machine 2 s was not always enough.
    lambdaEnv: {
      ...processorVariables({ tableName, bucketName, keyArn }),
      AWS_CALL_TIMEOUT_MS: String(MAX_CALL_TIMEOUT_MS),
    },
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
