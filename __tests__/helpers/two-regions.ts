/**
 * The transaction processor in two regions of the emulated AWS (emulator/), over one
 * global table, each region with its own documents bucket and key, and a fault injector on each
 * region's AwsPort. Built on the emulator as it is (emulator/emulator.ts); nothing new in it.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsPort, createAwsPort } from '../../lambda/aws';
import { createProcessor } from '../../lambda/processor';
import { table, tableKeySchema } from '../../src/design';
import type { Emulator } from '../../emulator/emulator';

const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
type Call = keyof AwsPort;

/**
 * Fails chosen calls of a port: `crashAt(n)` makes its n-th call (1-based, counted across all
 * four operations) throw, as a process dying between two steps would leave things; `failEvery`
 * makes every call of one operation throw.
 */
export class FaultyPort {
  readonly port: AwsPort;
  readonly calls: Call[] = [];
  private crashOn?: number;
  private failing = new Set<Call>();
  constructor(inner: AwsPort) {
    const port = {} as AwsPort;
    for (const name of ['putItem', 'transactWriteItems', 'putObject', 'headObject'] as const) {
      port[name] = async (input: any) => {
        this.calls.push(name);
        if (this.calls.length === this.crashOn || this.failing.has(name))
          throw Object.assign(new Error(`injected crash at call ${this.calls.length} (${name})`), { name: 'Injected' });
        return (inner[name] as (i: any) => Promise<unknown>)(input);
      };
    }
    this.port = port;
  }
  crashAt(n: number | undefined): this {
    this.crashOn = n === undefined ? undefined : this.calls.length + n;
    return this;
  }
  failEvery(call: Call): this {
    this.failing.add(call);
    return this;
  }
  heal(): this {
    this.crashOn = undefined;
    this.failing.clear();
    return this;
  }
}

export interface RegionSide {
  readonly region: string;
  readonly dynamodb: DynamoDBClient;
  readonly faults: FaultyPort;
  readonly process: (event: unknown, requestId: string) => ReturnType<ReturnType<typeof createProcessor>>;
  /** The item at this key in this region's replica (strongly consistent within the region). */
  get(key: string): Promise<Record<string, AttributeValue> | undefined>;
  /** What the account index lists for an account in this region. */
  listAccount(accountId: string): Promise<Array<Record<string, AttributeValue>>>;
}

let made = 0;

/** One global table across the emulator's two regions, and a processor in each. */
export async function twoRegionProcessors(emu: Emulator): Promise<RegionSide[]> {
  const [primary, standby] = emu.regions;
  const tableName = `transactions-finality-${++made}`;
  const clients = (region: string) => {
    const config = { region, endpoint: emu.endpointFor(region), credentials: CREDENTIALS };
    return {
      config,
      dynamodb: new DynamoDBClient(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
      kms: new KMSClient(config),
    };
  };
  const p = clients(primary);
  await p.dynamodb.send(
    new CreateTableCommand({ TableName: tableName, BillingMode: table.billingMode, ...tableKeySchema() }),
  );
  await waitUntilTableExists({ client: p.dynamodb, maxWaitTime: 30 }, { TableName: tableName });
  await p.dynamodb.send(
    new UpdateTableCommand({ TableName: tableName, ReplicaUpdates: [{ Create: { RegionName: standby } }] }),
  );

  return Promise.all(
    [primary, standby].map(async (region) => {
      const c = region === primary ? p : clients(region);
      const keyArn = (await c.kms.send(new CreateKeyCommand({ Description: `finality ${region}` }))).KeyMetadata!.Arn!;
      const bucketName = `docs-finality-${made}-${region}`;
      await c.s3.send(
        new CreateBucketCommand({
          Bucket: bucketName,
          ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as any } }),
        }),
      );
      const faults = new FaultyPort(createAwsPort(2000, {}, { ...c.config, forcePathStyle: true }));
      const process = createProcessor({
        aws: faults.port,
        tableName,
        bucketName,
        kmsKeyArn: keyArn,
        region,
        callTimeoutMs: 2000,
        log: () => undefined,
      });
      return {
        region,
        dynamodb: c.dynamodb,
        faults,
        process,
        get: async (key: string) =>
          (
            await c.dynamodb.send(
              new GetItemCommand({ TableName: tableName, Key: { transactionId: { S: key } }, ConsistentRead: true }),
            )
          ).Item,
        listAccount: async (accountId: string) =>
          (
            await c.dynamodb.send(
              new QueryCommand({
                TableName: tableName,
                IndexName: table.gsi.name,
                KeyConditionExpression: '#a = :a',
                ExpressionAttributeNames: { '#a': table.gsi.partitionKey },
                ExpressionAttributeValues: { ':a': { S: accountId } },
              }),
            )
          ).Items ?? [],
      };
    }),
  );
}
