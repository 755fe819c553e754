/**
 * The heartbeat canary against a real moto_server: the handler module as Lambda would build
 * it from its environment, the SDK talking HTTP to the emulator. moto keeps regions apart, so
 * the peer's replicated beat is written straight into this region's table.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { HEARTBEAT, heartbeatId, REGIONAL_ENV } from '../src/heartbeat-contract';
import { table, tableKeySchema } from '../src/design';
import { heartbeatHandler } from '../lambda/heartbeat';
import { REGION, useEmulator } from '../harness/aws-fixture';
import { Moto, startMoto } from '../emulator/moto';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { stalenessPoints } from '../dr/observe';

const TABLE = 'tap-dr-heartbeat-test';
const CALL_TIMEOUT_MS = 1000;
let moto: Moto;
let dynamodb: DynamoDBClient;
let cloudwatch: CloudWatchClient;
const logLines: string[] = [];

beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logLines.push(line));
  moto = await startMoto();
  useEmulator(moto.endpoint);
  const config = {
    endpoint: moto.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  dynamodb = new DynamoDBClient(config);
  cloudwatch = new CloudWatchClient(config);
  await dynamodb.send(
    new CreateTableCommand({ TableName: TABLE, BillingMode: table.billingMode, ...tableKeySchema() }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: TABLE });
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

const canary = (peer: string | undefined, extra: Record<string, string> = {}) =>
  heartbeatHandler({
    AWS_REGION: REGION,
    [REGIONAL_ENV.tableName]: TABLE,
    [REGIONAL_ENV.callTimeoutMs]: String(CALL_TIMEOUT_MS),
    ...(peer ? { [REGIONAL_ENV.peerRegion]: peer } : {}),
    ...extra,
  });
const beatItem = async (region: string) =>
  (
    await dynamodb.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { transactionId: { S: heartbeatId(region) } },
        ConsistentRead: true,
      }),
    )
  ).Item;
/** The peer's beat as this region's replica would hold it after replication. */
const replicatedBeat = (peer: string, beatAtMs: number) =>
  dynamodb.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: { transactionId: { S: heartbeatId(peer) }, beatAtMs: { N: String(beatAtMs) }, region: { S: peer } },
    }),
  );
const stalenessMetrics = async (peer: string) =>
  (
    await cloudwatch.send(
      new ListMetricsCommand({
        Namespace: HEARTBEAT.namespace,
        Dimensions: [{ Name: HEARTBEAT.sourceDimension, Value: peer }],
      }),
    )
  ).Metrics ?? [];
async function stalenessValues(peer: string): Promise<number[]> {
  return (await stalenessPoints(cloudwatch, peer, REGION, Date.now() - 10 * 60_000, 60)).map((p) => p.value);
}
const logged = (msg: string) => logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === msg);

describe('own beat', () => {
  it("writes this region's beat with the current time and region, and nothing the account index could show", async () => {
    const before = Date.now();
    await canary(undefined)();
    const item = await beatItem(REGION);
    expect(Object.keys(item!).sort()).toEqual(
      [HEARTBEAT.beatAttribute, table.partitionKey, HEARTBEAT.regionAttribute].sort(),
    );
    expect(item!.region).toEqual({ S: REGION });
    expect(Number(item!.beatAtMs.N)).toBeGreaterThanOrEqual(before);
    expect(Number(item!.beatAtMs.N)).toBeLessThanOrEqual(Date.now());
    const index = await dynamodb.send(new ScanCommand({ TableName: TABLE, IndexName: table.gsi.name }));
    expect((index.Items ?? []).filter((i) => i.transactionId.S!.startsWith(HEARTBEAT.idPrefix))).toEqual([]);
  });

  it('overwrites the beat on every run, so its age measures the last run', async () => {
    await canary(undefined)();
    const first = Number((await beatItem(REGION))!.beatAtMs.N);
    await new Promise((r) => setTimeout(r, 20));
    await canary(undefined)();
    expect(Number((await beatItem(REGION))!.beatAtMs.N)).toBeGreaterThan(first);
  });

  it('fails the run (Lambda records an error) when its own beat cannot be written', async () => {
    await expect(canary(undefined, { [REGIONAL_ENV.tableName]: 'no-such-table' })()).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(logged('beat failed').at(-1)).toMatchObject({ level: 'error', error: 'ResourceNotFoundException' });
  });
});

describe('peer staleness', () => {
  it("publishes the peer's replicated beat's age beyond one beat interval, dimensioned by source and receiving region", async () => {
    const peer = 'us-west-2';
    await replicatedBeat(peer, Date.now() - HEARTBEAT.intervalSeconds * 1000 - 42_000);
    const started = Date.now();
    await canary(peer)();
    const elapsedSeconds = (Date.now() - started) / 1000;

    const metrics = await stalenessMetrics(peer);
    expect(metrics).toHaveLength(1);
    expect(metrics[0].MetricName).toBe(HEARTBEAT.metricName);
    expect(new Map(metrics[0].Dimensions!.map((d) => [d.Name, d.Value]))).toEqual(
      new Map([
        [HEARTBEAT.sourceDimension, peer],
        [HEARTBEAT.receivingDimension, REGION],
      ]),
    );
    const [value] = await stalenessValues(peer);
    expect(value).toBeGreaterThanOrEqual(42);
    expect(value).toBeLessThanOrEqual(42 + elapsedSeconds + 1);
  });

  it('publishes 0, not the age, for a beat up to one interval old: healthy staleness is bounded by the lag, not the interval', async () => {
    const peer = 'ca-central-1';
    await replicatedBeat(peer, Date.now() - (HEARTBEAT.intervalSeconds - 1) * 1000);
    await canary(peer)();
    expect(await stalenessValues(peer)).toEqual([0]);
  });

  it("publishes nothing when the peer's beat is missing, and still succeeds and beats itself", async () => {
    const peer = 'eu-central-1';
    const before = Date.now();
    await expect(canary(peer)()).resolves.toBeUndefined();
    expect(await stalenessMetrics(peer)).toEqual([]);
    expect(Number((await beatItem(REGION))!.beatAtMs.N)).toBeGreaterThanOrEqual(before);
    expect(logged('peer heartbeat missing').at(-1)).toMatchObject({ level: 'warn', peerRegion: peer, found: false });
  });

  it('publishes nothing for a beat from the future, which would otherwise read as fresh until then', async () => {
    const peer = 'ap-south-1';
    await replicatedBeat(peer, Date.now() + 3_600_000);
    await expect(canary(peer)()).resolves.toBeUndefined();
    expect(await stalenessMetrics(peer)).toEqual([]);
    expect(logged('peer heartbeat missing').at(-1)).toMatchObject({ peerRegion: peer, found: true });
  });

  it('fails within its call deadline instead of hanging when the emulator stops answering', async () => {
    const run = canary('us-west-2');
    await run(); // clients loaded: the deadline is all that is left to measure
    moto.freeze();
    try {
      const started = Date.now();
      await expect(run()).rejects.toBeDefined();
      expect(Date.now() - started).toBeLessThan(CALL_TIMEOUT_MS + 1000);
    } finally {
      moto.thaw();
    }
  });
});

describe('environment', () => {
  it('refuses to start without a table or region, naming each variable', () => {
    expect(() => heartbeatHandler({})).toThrow(
      /Invalid heartbeat environment: .*AWS_REGION is not set.*DYNAMODB_TABLE_NAME is not set/,
    );
  });

  it('refuses a peer that is not another region, and a fractional call deadline', () => {
    expect(() => canary(REGION)).toThrow(`PEER_REGION="${REGION}" is invalid`);
    expect(() => canary('mars')).toThrow('PEER_REGION="mars" is invalid');
    expect(() => canary(undefined, { AWS_CALL_TIMEOUT_MS: '2.5' })).toThrow('AWS_CALL_TIMEOUT_MS="2.5" is invalid');
  });

  it('treats an empty PEER_REGION as no peer (a single-region deployment)', () => {
    expect(() => canary(undefined, { [REGIONAL_ENV.peerRegion]: '' })).not.toThrow();
  });
});
