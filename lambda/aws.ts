/**
 * The processor's only door to AWS: five calls, each with a hard deadline. SDK clients
 * are created once per container, on first use, so requiring the bundle stays cheap and
 * S3 loads only when a document needs it.
 */
import type { PutItemCommandInput, TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import type { GetObjectCommandInput, HeadObjectCommandInput, PutObjectCommandInput } from '@aws-sdk/client-s3';

export interface AwsPort {
  putItem(input: PutItemCommandInput): Promise<unknown>;
  transactWriteItems(input: TransactWriteItemsCommandInput): Promise<unknown>;
  putObject(input: PutObjectCommandInput): Promise<unknown>;
  headObject(input: HeadObjectCommandInput): Promise<unknown>;
  /** The object's bytes (documents are at most 1 MiB). */
  getObjectBytes(input: GetObjectCommandInput): Promise<Uint8Array>;
}

/** `timeoutMs` bounds every call, retries included, so a hung dependency fails fast. */
export function createAwsPort(
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
  /** Client settings over the runtime's (tests: one region's endpoint of a two-region emulator). */
  clientConfig: object = {},
): AwsPort {
  const config = {
    // Bounds each attempt; the abort signal below bounds the whole call.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
    maxAttempts: 2,
    // AWS_ENDPOINT_URL (read by the SDK itself) points at a local emulator in tests;
    // S3 then needs path-style addressing (no bucket subdomains on 127.0.0.1).
    forcePathStyle: !!env.AWS_ENDPOINT_URL,
    ...clientConfig,
  };
  // Required on first use, not at the top: the SDK is provided by the runtime. Kept with its
  // client, so later calls pay neither the require() lookup nor a client construction.
  const loaded = new Map<
    string,
    { sdk: Record<string, any>; client: { send: (command: unknown, options?: object) => Promise<unknown> } }
  >();
  const load = (service: string, client: string) => {
    const sdk = require(`@aws-sdk/client-${service}`);
    return { sdk, client: new sdk[client](config) };
  };
  const call =
    (service: string, client: string, command: string) =>
    (input: object): Promise<any> => {
      if (!loaded.has(service)) loaded.set(service, load(service, client));
      const { sdk, client: c } = loaded.get(service)!;
      return c.send(new sdk[command](input), { abortSignal: AbortSignal.timeout(timeoutMs) });
    };
  const getObject = call('s3', 'S3Client', 'GetObjectCommand');
  return {
    putItem: call('dynamodb', 'DynamoDBClient', 'PutItemCommand'),
    transactWriteItems: call('dynamodb', 'DynamoDBClient', 'TransactWriteItemsCommand'),
    putObject: call('s3', 'S3Client', 'PutObjectCommand'),
    headObject: call('s3', 'S3Client', 'HeadObjectCommand'),
    getObjectBytes: async (input) => (await getObject(input)).Body.transformToByteArray(),
  };
}
