/**
 * The shipped handler bundle against a real local AWS emulator (moto_server): no mocks of
 * AWS calls. Faults are injected only by wrapping a real client call, or by freezing the
 * emulator process.
 */
import { createHash } from 'crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { createAwsPort } from '../lambda/aws';
import { createProcessor, Response } from '../lambda/processor';
import { createFixture, drainAlerts, Fixture, scanAll, useEmulator } from './helpers/aws-fixture';
import { Moto, startMoto } from './helpers/moto';
import { testBundle } from './helpers/synth';

type Handler = (event: unknown, context?: { awsRequestId?: string }) => Promise<Response>;

let moto: Moto;
let f: Fixture;
let handler: Handler;
let fixtures = 0;
/** Everything the handler logged (console.log is what Lambda ships to CloudWatch Logs). */
const logLines: string[] = [];

/** Loads the built bundle afresh with the function's environment, as Lambda would. */
function loadBundle(env: Record<string, string>): Handler {
  Object.assign(process.env, env);
  let mod: { handler: Handler } | undefined;
  jest.isolateModules(() => {
    mod = require(testBundle().file);
  });
  return mod!.handler;
}

const txn = (id: string, extra: Record<string, unknown> = {}) => ({
  transactionId: id,
  accountId: 'acct-1',
  amount: '10.5',
  currency: 'USD',
  type: 'debit',
  ...extra,
});
const doc = (text: string) => ({ contentType: 'text/plain', content: Buffer.from(text).toString('base64') });
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const body = (r: Response) => JSON.parse(r.body);
const getItem = async (id: string) =>
  (await f.dynamodb.send(new GetItemCommand({ TableName: f.tableName, Key: { transactionId: { S: id } }, ConsistentRead: true })))
    .Item;
const objectBody = async (key: string) =>
  Buffer.from(await (await f.s3.send(new GetObjectCommand({ Bucket: f.bucketName, Key: key }))).Body!.transformToByteArray());
const versionsOf = async (prefix: string) =>
  (await f.s3.send(new ListObjectVersionsCommand({ Bucket: f.bucketName, Prefix: prefix }))).Versions ?? [];

beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logLines.push(line));
  moto = await startMoto();
  useEmulator(moto.endpoint);
  f = await createFixture(moto.endpoint, `int${++fixtures}`);
  handler = loadBundle(f.lambdaEnv);
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe('happy path', () => {
  it('records a valid transaction once, with exact amounts and the processing region', async () => {
    const res = await handler(txn('t-happy', { metadata: { channel: 'web' } }), { awsRequestId: 'req-1' });
    expect(res.statusCode).toBe(201);
    expect(body(res)).toMatchObject({ transactionId: 't-happy', amount: '10.50', amountMinor: '1050', processedRegion: 'us-east-1' });
    const item = await getItem('t-happy');
    expect(item).toMatchObject({
      transactionId: { S: 't-happy' },
      accountId: { S: 'acct-1' },
      amount: { S: '10.50' },
      amountMinor: { N: '1050' },
      currency: { S: 'USD' },
      type: { S: 'debit' },
      processedRegion: { S: 'us-east-1' },
      requestId: { S: 'req-1' },
      metadata: { M: { channel: { S: 'web' } } },
    });
    expect(item!.createdAt.S).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('accepts the same transaction wrapped in an API Gateway / function URL body', async () => {
    const event = { requestContext: {}, isBase64Encoded: true, body: Buffer.from(JSON.stringify(txn('t-wrapped'))).toString('base64') };
    const res = await handler(event);
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(await getItem('t-wrapped')).toBeDefined();
  });
});

describe('idempotency', () => {
  it('replays a retry with the same content without writing again', async () => {
    const first = await handler(txn('t-retry', { timestamp: '2026-01-02T03:04:05+01:00' }), { awsRequestId: 'first' });
    const retry = await handler(txn('t-retry', { timestamp: '2026-01-02T02:04:05Z', amount: 10.5 }), { awsRequestId: 'second' });
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(200);
    expect(body(retry)).toEqual({ ...body(first), replayed: true });
    expect((await getItem('t-retry'))!.requestId).toEqual({ S: 'first' });
  });

  it('refuses the same id with different content (409) and keeps the original', async () => {
    await handler(txn('t-conflict'));
    const res = await handler(txn('t-conflict', { amount: '10.51' }));
    expect(res.statusCode).toBe(409);
    expect(body(res).error).toBe('Conflict');
    expect((await getItem('t-conflict'))!.amount).toEqual({ S: '10.50' });
  });

  it('refuses a conflicting document before writing it', async () => {
    await handler(txn('t-doc-conflict', { document: doc('original') }));
    const res = await handler(txn('t-doc-conflict', { document: doc('forged') }));
    expect(res.statusCode).toBe(409);
    expect(await versionsOf('documents/acct-1/t-doc-conflict/')).toHaveLength(1);
  });
});

describe('validation', () => {
  const cases: Array<[string, unknown]> = [
    ['event', 'not an object'],
    ['event', null],
    ['extra', { ...txn('v-1'), extra: 1 }],
    ['transactionId', txn('has space')],
    ['transactionId', txn('x'.repeat(65))],
    ['accountId', txn('v-2', { accountId: '' })],
    ['amount', txn('v-3', { amount: '0' })],
    ['amount', txn('v-4', { amount: '-5' })],
    ['amount', txn('v-5', { amount: '1.005' })],
    ['amount', txn('v-6', { amount: 0.1 + 0.2 })],
    ['amount', txn('v-7', { amount: '1e3' })],
    ['amount', txn('v-8', { amount: ['10'] })],
    ['amount', txn('v-9', { amount: '1234567890123456' })],
    ['currency', txn('v-10', { currency: 'usd' })],
    ['currency', txn('v-11', { currency: 'XXX' })],
    ['type', txn('v-12', { type: 'withdrawal' })],
    ['timestamp', txn('v-13', { timestamp: '2026-01-02 03:04:05' })],
    ['timestamp', txn('v-14', { timestamp: '2026-02-30T00:00:00Z' })],
    ['timestamp', txn('v-20', { timestamp: '2026-01-01T24:00:00Z' })],
    ['timestamp', txn('v-21', { timestamp: '2026-13-01T00:00:00Z' })],
    ['timestamp', txn('v-22', { timestamp: '2026-01-01T00:00:00+99:99' })],
    ['metadata', txn('v-15', { metadata: { note: 5 } })],
    ['metadata', txn('v-16', { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) })],
    ['document', txn('v-17', { document: { contentType: 'text/plain', content: 'not base64!' } })],
    ['document', txn('v-18', { document: { contentType: 'text/plain', content: 'aGk=', name: 'x' } })],
    ['document', txn('v-19', { document: { contentType: 'text', content: 'aGk=' } })],
    ['body', { requestContext: {}, body: '{not json' }],
  ];

  it.each(cases)('rejects a bad %s with 400 naming it', async (field, event) => {
    const res = await handler(event);
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({ error: 'ValidationError', field });
  });

  it('wrote nothing for any rejected event', async () => {
    const ids = new Set((await scanAll(f)).map((i) => i.transactionId.S));
    for (let n = 1; n <= 22; n++) expect(ids.has(`v-${n}`)).toBe(false);
    expect(await versionsOf('documents/acct-1/v-')).toEqual([]);
  });
});

describe('documents', () => {
  it('stores the document SSE-KMS under a content-addressed key the record points at', async () => {
    const res = await handler(txn('t-doc', { document: doc('receipt #1') }));
    expect(res.statusCode).toBe(201);
    const key = `documents/acct-1/t-doc/${sha256('receipt #1')}`;
    expect(body(res)).toMatchObject({ documentKey: key, documentSha256: sha256('receipt #1'), documentContentType: 'text/plain' });
    expect((await objectBody(key)).toString()).toBe('receipt #1');
    const head = await f.s3.send(new HeadObjectCommand({ Bucket: f.bucketName, Key: key }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.ContentType).toBe('text/plain');
  });

  it('a retry with the document writes no second object version', async () => {
    await handler(txn('t-doc-retry', { document: doc('same') }));
    expect((await handler(txn('t-doc-retry', { document: doc('same') }))).statusCode).toBe(200);
    expect(await versionsOf('documents/acct-1/t-doc-retry/')).toHaveLength(1);
  });
});

describe('failures', () => {
  it('alerts the topic and rethrows on an unexpected failure', async () => {
    await drainAlerts(f);
    const broken = loadBundle({ ...f.lambdaEnv, DYNAMODB_TABLE_NAME: 'no-such-table' });
    await expect(broken(txn('t-alert'), { awsRequestId: 'req-alert' })).rejects.toThrow(/not found|ResourceNotFound/i);
    const alerts = await drainAlerts(f);
    expect(alerts).toEqual([
      expect.objectContaining({ transactionId: 't-alert', requestId: 'req-alert', error: 'ResourceNotFoundException', region: 'us-east-1' }),
    ]);
    loadBundle(f.lambdaEnv);
  });

  /** The real processor and real clients, with one call made to fail once. */
  function faulty(step: 'putObject' | 'putItem') {
    const aws = createAwsPort(2000);
    let armed = true;
    const original = aws[step];
    aws[step] = async (input: any) => {
      if (armed) {
        armed = false;
        throw Object.assign(new Error(`injected ${step} failure`), { name: 'InjectedFault' });
      }
      return original(input);
    };
    return createProcessor({
      aws,
      tableName: f.tableName,
      bucketName: f.bucketName,
      topicArn: f.topicArn,
      region: 'us-east-1',
      log: () => undefined,
    });
  }

  it.each(['putObject', 'putItem'] as const)(
    'a failure at %s leaves no record, and the retry lands once with its document',
    async (step) => {
      const id = `t-fault-${step}`;
      const processTxn = faulty(step);
      await expect(processTxn(txn(id, { document: doc(`doc for ${step}`) }), 'r1')).rejects.toThrow('injected');
      expect(await getItem(id)).toBeUndefined();

      const retry = await processTxn(txn(id, { document: doc(`doc for ${step}`) }), 'r2');
      expect(retry.statusCode).toBe(201);
      const item = await getItem(id);
      expect((await objectBody(item!.documentKey.S!)).toString()).toBe(`doc for ${step}`);
      expect(await versionsOf(`documents/acct-1/${id}/`)).toHaveLength(1);
    },
  );
});

describe('a hung dependency (emulator frozen with SIGSTOP)', () => {
  it('fails within the configured bound, then the retries land exactly once after SIGCONT', async () => {
    const hung = loadBundle({ ...f.lambdaEnv, AWS_CALL_TIMEOUT_MS: '400' });
    const ids = ['t-hang-1', 't-hang-2', 't-hang-3'];
    // Warm the clients so the freeze hits requests, not module loading.
    expect((await hung(txn('t-hang-warm'))).statusCode).toBe(201);
    moto.freeze();
    try {
      const started = Date.now();
      const results = await Promise.allSettled(ids.map((id) => hung(txn(id, { document: doc(id) }))));
      const elapsed = Date.now() - started;
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      // GetItem (400 ms) fails, then the alert publish (400 ms) fails: far below the 15 s Lambda timeout.
      expect(elapsed).toBeLessThan(2500);
    } finally {
      moto.thaw();
    }
    const retried = await Promise.all(ids.map((id) => hung(txn(id, { document: doc(id) }))));
    for (const r of retried) expect([200, 201]).toContain(r.statusCode);
    const stored = (await scanAll(f)).filter((i) => ids.includes(i.transactionId.S!));
    expect(stored.map((i) => i.transactionId.S).sort()).toEqual(ids);
    for (const id of ids) expect(await versionsOf(`documents/acct-1/${id}/`)).toHaveLength(1);
    loadBundle(f.lambdaEnv);
  }, 30_000);
});

describe('load: 1,000 transactions at concurrency 16, half of them duplicates', () => {
  it('stores exactly the unique ones, none twice, each document matching its record', async () => {
    const unique = Array.from({ length: 500 }, (_, i) =>
      txn(`load-${i}`, { accountId: `acct-${i % 7}`, amount: `${i + 1}.${String(i % 100).padStart(2, '0')}`, document: doc(`load doc ${i}`) }),
    );
    // Each duplicate follows soon after its original, so many race it.
    const events = unique.flatMap((e, i) => (i % 2 ? [e] : [e, e])).concat(unique.filter((_, i) => i % 2).map((e) => ({ ...e })));
    expect(events).toHaveLength(1000);
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < events.length) {
          const e = events[next++];
          statuses.push((await handler(e)).statusCode);
        }
      }),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(500);
    expect(statuses.filter((s) => s === 200)).toHaveLength(500);

    const items = (await scanAll(f)).filter((i) => i.transactionId.S!.startsWith('load-'));
    expect(items).toHaveLength(500);
    expect(new Set(items.map((i) => i.transactionId.S)).size).toBe(500);
    for (const item of items) {
      const n = Number(item.transactionId.S!.slice(5));
      const content = await objectBody(item.documentKey.S!);
      expect(content.toString()).toBe(`load doc ${n}`);
      expect(sha256(content)).toBe(item.documentSha256.S);
      expect(item.amount.S).toBe(`${n + 1}.${String(n % 100).padStart(2, '0')}`);
    }
    expect(await versionsOf('documents/')).toHaveLength(
      (await scanAll(f)).filter((i) => i.documentKey).length,
    );
  }, 180_000);
});

describe('logging', () => {
  it('writes structured JSON lines with the transaction and request ids, never a document or amount', () => {
    expect(logLines.length).toBeGreaterThan(1000);
    for (const line of logLines) {
      const entry = JSON.parse(line);
      expect(entry).toEqual(expect.objectContaining({ level: expect.any(String), msg: expect.any(String), requestId: expect.any(String) }));
      if (entry.msg === 'processed') expect(entry.transactionId).toEqual(expect.any(String));
      expect(line).not.toMatch(/receipt #1|load doc|cmVjZWlwdCAjMQ|"amount":/);
    }
    expect(logLines.some((l) => JSON.parse(l).msg === 'rejected')).toBe(true);
    expect(logLines.some((l) => JSON.parse(l).msg === 'failed')).toBe(true);
  });
});
