/**
 * GET /health against a real moto_server: the handler module as Lambda would build it from
 * its environment. moto keeps regions apart, so the peer's replicated beat is written straight
 * into this region's table.
 */
import { CreateTableCommand, DynamoDBClient, PutItemCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { HEARTBEAT, heartbeatId, REGIONAL_ENV, RPO_TARGET_SECONDS } from '../src/heartbeat-contract';

const DEFAULT_RPO_TARGET_SECONDS = RPO_TARGET_SECONDS.default;
/** Staleness is a beat's age beyond one interval: a beat this old is exactly on time. */
const INTERVAL_MS = HEARTBEAT.intervalSeconds * 1000;
import { table, tableKeySchema } from '../src/design';
import { healthHandler, HealthResponse } from '../lambda/health';
import { REGION, useEmulator } from '../harness/aws-fixture';
import { Moto, startMoto } from '../emulator/moto';

const TABLE = 'tap-dr-health-test';
const BUCKET = 'tap-dr-health-docs';
const PLAIN_BUCKET = 'tap-dr-health-docs-sse-s3';
const PEER = 'us-west-2';
const CALL_TIMEOUT_MS = 1000;
let moto: Moto;
let dynamodb: DynamoDBClient;
let kms: KMSClient;
let keyArn: string;
/** Everything the handler logged (console.log is what Lambda ships to CloudWatch Logs). */
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
  kms = new KMSClient(config);
  keyArn = await createKey();
  await dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: table.billingMode,
      ...tableKeySchema(),
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: TABLE });
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  for (const [bucket, algorithm] of [
    [BUCKET, 'aws:kms'],
    [PLAIN_BUCKET, 'AES256'],
  ] as const) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: algorithm,
                ...(algorithm === 'aws:kms' ? { KMSMasterKeyID: keyArn } : {}),
              },
            },
          ],
        },
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

const createKey = async () =>
  (await kms.send(new CreateKeyCommand({ Description: 'tap-dr health test' }))).KeyMetadata!.Arn!;
// By key id: moto 5.2's DisableKey fails with a 500 when given the ARN (AWS accepts either).
const disable = (arn: string) => kms.send(new DisableKeyCommand({ KeyId: arn.split('/').pop() }));
const health = (extra: Record<string, string> = {}) =>
  healthHandler({
    AWS_REGION: REGION,
    [REGIONAL_ENV.tableName]: TABLE,
    [REGIONAL_ENV.peerRegion]: PEER,
    [REGIONAL_ENV.kmsKeyArn]: keyArn,
    [REGIONAL_ENV.bucketName]: BUCKET,
    [REGIONAL_ENV.callTimeoutMs]: String(CALL_TIMEOUT_MS),
    ...extra,
  });
/** The peer's beat as this region's replica would hold it after replication. */
const replicatedBeat = (ageMs: number, peer = PEER) =>
  dynamodb.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        transactionId: { S: heartbeatId(peer) },
        beatAtMs: { N: String(Date.now() - ageMs) },
        region: { S: peer },
      },
    }),
  );
/** The body is only the verdict: exactly these fields, and nothing that names a resource or an error. */
function expectNoData(body: string) {
  const json = JSON.parse(body);
  expect(Object.keys(json).sort()).toEqual(['checks', 'peerBeatAtMs', 'replicationLagSeconds', 'status']);
  expect(typeof json.peerBeatAtMs === 'number' || json.peerBeatAtMs === null).toBe(true);
  expect(Object.keys(json.checks).sort()).toEqual(['documents', 'key', 'replication', 'table']);
  expect(typeof json.replicationLagSeconds === 'number' || json.replicationLagSeconds === null).toBe(true);
  for (const leak of [
    'arn:',
    keyArn,
    TABLE,
    BUCKET,
    'no-such-table',
    HEARTBEAT.idPrefix,
    HEARTBEAT.beatAttribute,
    PEER,
    REGION,
    'Exception',
    'Disabled',
  ])
    expect(body).not.toContain(leak);
}
async function get(handler: () => Promise<HealthResponse>) {
  const res = await handler();
  expectNoData(res.body);
  return { ...res, json: JSON.parse(res.body) };
}

describe('healthy', () => {
  it("answers 200 with every check ok and the lag when the peer's beat is fresh", async () => {
    await replicatedBeat(INTERVAL_MS + 5_000);
    const started = Date.now();
    const res = await get(health());
    expect(res.statusCode).toBe(200);
    expect(res.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(res.json).toMatchObject({
      status: 'ok',
      checks: { table: 'ok', key: 'ok', documents: 'ok', replication: 'ok' },
    });
    expect(res.json.replicationLagSeconds).toBeGreaterThanOrEqual(5);
    expect(res.json.replicationLagSeconds).toBeLessThanOrEqual(5 + (Date.now() - started) / 1000 + 1);
    // When the peer wrote the beat read here: what the failover client waits for before failing back.
    expect(res.json.peerBeatAtMs).toBeLessThanOrEqual(started - INTERVAL_MS - 5_000);
    expect(res.json.peerBeatAtMs).toBeGreaterThan(started - INTERVAL_MS - 5_000 - 2_000);
  });

  it('calls a beat up to one interval old fresh (staleness 0), even at the smallest RPO target', async () => {
    await replicatedBeat(INTERVAL_MS - 1_000);
    const res = await get(health({ [REGIONAL_ENV.rpoTargetSeconds]: String(RPO_TARGET_SECONDS.min) }));
    expect(res.json).toMatchObject({ status: 'ok', checks: { replication: 'ok' }, replicationLagSeconds: 0 });
  });

  it('answers 200 with replication n/a and no lag when the region has no peer', async () => {
    const res = await get(health({ [REGIONAL_ENV.peerRegion]: '' }));
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({
      status: 'ok',
      checks: { table: 'ok', key: 'ok', documents: 'ok', replication: 'n/a' },
      replicationLagSeconds: null,
      peerBeatAtMs: null,
    });
  });
});

describe('degraded', () => {
  // A lagging peer is reported in the body but never fails this region's health check: Route 53
  // reads only the status code, and must not move traffic to the side that is behind.
  it("stays 200 (it can serve) but says degraded, replication stale, when the peer's beat is older than the RPO target", async () => {
    await replicatedBeat(INTERVAL_MS + (DEFAULT_RPO_TARGET_SECONDS + 30) * 1000);
    const res = await get(health());
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({
      status: 'degraded',
      checks: { table: 'ok', key: 'ok', documents: 'ok', replication: 'stale' },
    });
    expect(res.json.replicationLagSeconds).toBeGreaterThan(DEFAULT_RPO_TARGET_SECONDS + 29);
  });

  it('judges staleness against RPO_TARGET_SECONDS', async () => {
    await replicatedBeat(INTERVAL_MS + 30_000);
    expect((await get(health({ [REGIONAL_ENV.rpoTargetSeconds]: '20' }))).json.checks.replication).toBe('stale');
    expect((await get(health({ [REGIONAL_ENV.rpoTargetSeconds]: '40' }))).json).toMatchObject({
      status: 'ok',
      checks: { replication: 'ok' },
    });
  });

  it('stays 200 but says degraded, replication unknown, when the peer has never beaten here (a fresh deploy)', async () => {
    const res = await get(health({ [REGIONAL_ENV.peerRegion]: 'eu-central-1' }));
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({
      status: 'degraded',
      checks: { table: 'ok', key: 'ok', documents: 'ok', replication: 'unknown' },
      replicationLagSeconds: null,
      peerBeatAtMs: null,
    });
  });

  it("answers 503 with key failed when the region's key is disabled", async () => {
    await replicatedBeat(1_000);
    const disabled = await createKey();
    await disable(disabled);
    const res = await get(health({ [REGIONAL_ENV.kmsKeyArn]: disabled }));
    expect(res.statusCode).toBe(503);
    expect(res.json.checks).toEqual({ table: 'ok', key: 'failed', documents: 'ok', replication: 'ok' });
  });

  it.each([
    ['missing', 'tap-dr-health-no-such-bucket'],
    ['not encrypting with KMS', PLAIN_BUCKET],
  ])('answers 503 with documents failed when the documents bucket is %s', async (_why, bucket) => {
    await replicatedBeat(1_000);
    const res = await get(health({ [REGIONAL_ENV.bucketName]: bucket }));
    expect(res.statusCode).toBe(503);
    expect(res.json).toMatchObject({
      status: 'degraded',
      checks: { table: 'ok', key: 'ok', documents: 'failed', replication: 'ok' },
    });
    expect(res.body).not.toContain(bucket);
    expect(logLines.map((l) => JSON.parse(l).msg)).toContain('documents check failed');
  });

  it("answers 503 with table failed and replication unknown when the table is missing, logging AWS's error", async () => {
    const res = await get(health({ [REGIONAL_ENV.tableName]: 'no-such-table' }));
    expect(res.statusCode).toBe(503);
    expect(res.json).toEqual({
      status: 'degraded',
      checks: { table: 'failed', key: 'ok', documents: 'ok', replication: 'unknown' },
      replicationLagSeconds: null,
      peerBeatAtMs: null,
    });
    const logged = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'table check failed');
    expect(logged.at(-1)).toMatchObject({ level: 'error', error: 'ResourceNotFoundException' });
  });

  it('answers 503 within one call deadline, not hanging, when its dependencies stop answering', async () => {
    await replicatedBeat(1_000);
    const handler = health();
    expect((await get(handler)).statusCode).toBe(200); // clients loaded: the deadline is all that is left to measure
    moto.freeze();
    try {
      const started = Date.now();
      const res = await get(handler);
      expect(Date.now() - started).toBeLessThan(CALL_TIMEOUT_MS + 500);
      expect(res.statusCode).toBe(503);
      // The key's state is reused for KEY_STATE_CACHE_MS (docs/HEALTH.md): only the two live calls fail.
      expect(res.json.checks).toEqual({ table: 'failed', key: 'ok', documents: 'failed', replication: 'unknown' });
    } finally {
      moto.thaw();
    }
  });
});

describe('exposes no data', () => {
  it('returns only the verdict, with no ARNs, names, item fields or AWS error text, healthy or not', async () => {
    await replicatedBeat(1_000);
    const disabled = await createKey();
    await disable(disabled);
    const states = [
      health(),
      health({ [REGIONAL_ENV.tableName]: 'no-such-table', [REGIONAL_ENV.kmsKeyArn]: disabled }),
    ];
    const [ok, failing] = await Promise.all(states.map(get));
    expect([ok.statusCode, failing.statusCode]).toEqual([200, 503]);
    // get() has checked these bodies, and every other body in this file.
  });
});

describe('environment', () => {
  it('refuses to start without a key ARN, naming the variable and the expected form', () => {
    expect(() => health({ [REGIONAL_ENV.kmsKeyArn]: 'alias/tap-dr' })).toThrow(
      /Invalid health environment: KMS_KEY_ARN="alias\/tap-dr" is invalid: expected a KMS key ARN/,
    );
  });

  it('refuses an RPO target that is not a whole number of seconds', () => {
    expect(() => health({ [REGIONAL_ENV.rpoTargetSeconds]: '0' })).toThrow('RPO_TARGET_SECONDS="0" is invalid');
    expect(() => health({ [REGIONAL_ENV.rpoTargetSeconds]: '1m' })).toThrow('RPO_TARGET_SECONDS="1m" is invalid');
    // The same bounds as configuration: one source (RPO_TARGET_SECONDS in src/heartbeat-contract.ts).
    for (const v of [RPO_TARGET_SECONDS.min - 1, RPO_TARGET_SECONDS.max + 1])
      expect(() => health({ [REGIONAL_ENV.rpoTargetSeconds]: String(v) })).toThrow(
        `RPO_TARGET_SECONDS="${v}" is invalid: expected a whole number of seconds from ${RPO_TARGET_SECONDS.min} to ${RPO_TARGET_SECONDS.max}`,
      );
  });

  it('names every bad variable in one error', () => {
    expect(() => healthHandler({})).toThrow(
      /AWS_REGION is not set.*DYNAMODB_TABLE_NAME is not set.*KMS_KEY_ARN is not set/,
    );
  });
});
