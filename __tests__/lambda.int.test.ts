/**
 * The shipped handler bundle against a real local AWS emulator (moto_server): no mocks of
 * AWS calls. Faults are injected only by wrapping a real client call, or by freezing the
 * emulator process.
 */
import { createHash } from 'crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { createAwsPort } from '../lambda/aws';
import { MAX_CALL_TIMEOUT_MS } from '../src/contract';
import { createProcessor, Response } from '../lambda/processor';
import { createFixture, Fixture, scanAll, useEmulator } from '../harness/aws-fixture';
import { Moto, startMoto } from '../emulator/moto';
import { testBundle } from '../harness/bundle';
import { names } from '../src/naming';
import { TIER_IDS } from '../src/cloudformation/ids';
import { synthStack } from './helpers/synth';
import { templatesFor } from './helpers/cfn';

type Handler = (event: unknown, context?: { awsRequestId?: string }) => Promise<Response>;

let moto: Moto;
let f: Fixture;
let handler: Handler;
let fixtures = 0;
/** Everything the handler logged (console.log is what Lambda ships to CloudWatch Logs). */
const logLines: string[] = [];

/**
 * Loads the built bundle afresh with the function's environment, as Lambda would. The handler
 * reads its environment once, at load, so the variables are restored afterwards: no test
 * leaves its settings behind for the next.
 */
function loadBundle(env: Record<string, string>): Handler {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let handler: Handler | undefined;
  try {
    jest.isolateModules(() => {
      // Exports are built on first access (lambda/index.ts), so read it while the environment is set.
      handler = require(testBundle().file).handler;
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return handler!;
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
/** The processor over a port the test has tampered with, against this file's fixture. */
const processorOver = (aws: ReturnType<typeof createAwsPort>) =>
  createProcessor({
    aws,
    tableName: f.tableName,
    bucketName: f.bucketName,
    kmsKeyArn: f.keyArn,
    region: 'us-east-1',
    callTimeoutMs: MAX_CALL_TIMEOUT_MS,
    log: () => undefined,
  });
const getItem = async (id: string, on: Fixture = f) =>
  (
    await on.dynamodb.send(
      new GetItemCommand({ TableName: on.tableName, Key: { transactionId: { S: id } }, ConsistentRead: true }),
    )
  ).Item;
const objectBody = async (key: string, on: Fixture = f) =>
  Buffer.from(
    await (await on.s3.send(new GetObjectCommand({ Bucket: on.bucketName, Key: key }))).Body!.transformToByteArray(),
  );
/** Every version under the prefix (paged: a bucket can hold more than one page). */
async function versionsOf(prefix: string, on: Fixture = f) {
  const versions = [];
  let page: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const r = await on.s3.send(new ListObjectVersionsCommand({ Bucket: on.bucketName, Prefix: prefix, ...page }));
    versions.push(...(r.Versions ?? []));
    if (!r.IsTruncated) return versions;
    page = { KeyMarker: r.NextKeyMarker, VersionIdMarker: r.NextVersionIdMarker };
  }
}

beforeAll(async () => {
  jest.spyOn(console, 'log').mockImplementation((line: string) => void logLines.push(line));
  moto = await startMoto();
  useEmulator(moto.endpoint);
  f = await createFixture(moto.endpoint, `int${++fixtures}`);
  handler = loadBundle(f.lambdaEnv);
}, 60_000);

afterAll(async () => {
  await moto?.stop();
}, 30_000);

describe('happy path', () => {
  it('records a valid transaction once, with exact amounts and the processing region', async () => {
    const res = await handler(txn('t-happy', { metadata: { channel: 'web' } }), { awsRequestId: 'req-1' });
    expect(res.statusCode).toBe(201);
    expect(body(res)).toMatchObject({
      transactionId: 't-happy',
      amount: '10.50',
      amountMinor: '1050',
      processedRegion: 'us-east-1',
    });
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
      metadata: { S: '{"channel":"web"}' },
      status: { S: 'committed' },
    });
    expect(item!.createdAt.S).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('accepts the same transaction wrapped in an API Gateway / function URL body', async () => {
    const event = {
      requestContext: {},
      isBase64Encoded: true,
      body: Buffer.from(JSON.stringify(txn('t-wrapped'))).toString('base64'),
    };
    const res = await handler(event);
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(await getItem('t-wrapped')).toBeDefined();
  });
});

describe('idempotency', () => {
  it('replays a retry with the same content without writing again', async () => {
    const first = await handler(txn('t-retry', { timestamp: '2026-01-02T03:04:05+01:00' }), { awsRequestId: 'first' });
    const retry = await handler(txn('t-retry', { timestamp: '2026-01-02T02:04:05Z', amount: '10.50' }), {
      awsRequestId: 'second',
    });
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
    for (const [, event] of cases) await handler(event);
    const rejectedIds = cases
      .map(([, e]) => (e as { transactionId?: unknown })?.transactionId)
      .filter((id) => /^v-\d+$/.test(String(id)));
    expect(rejectedIds).toHaveLength(22);
    // The same scan sees a write: a valid twin of a rejected event is stored.
    expect((await handler(txn('v-control'))).statusCode).toBe(201);
    const ids = new Set((await scanAll(f)).map((i) => i.transactionId.S));
    expect(ids.has('v-control')).toBe(true);
    for (const id of rejectedIds) expect(ids.has(id as string)).toBe(false);
  });
});

describe('documents', () => {
  it('stores the document SSE-KMS under a content-addressed key the record points at', async () => {
    const res = await handler(txn('t-doc', { document: doc('receipt #1') }));
    expect(res.statusCode).toBe(201);
    const key = `documents/acct-1/t-doc/${sha256('receipt #1')}`;
    expect(body(res)).toMatchObject({
      documentKey: key,
      documentSha256: sha256('receipt #1'),
      documentContentType: 'text/plain',
    });
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
  it('rethrows an unexpected failure (the Errors alarm pages)', async () => {
    const broken = loadBundle({ ...f.lambdaEnv, DYNAMODB_TABLE_NAME: 'no-such-table' });
    await expect(broken(txn('t-alert'), { awsRequestId: 'req-alert' })).rejects.toThrow(/not found|ResourceNotFound/i);
    loadBundle(f.lambdaEnv);
  });

  // The processor publishes no alert of its own (the Errors alarm is the pager), so nothing of the
  // alert topic may reach it: a topic in its environment or an SNS grant in its role would be dead
  // weight, or a second pager. Read off what both deliverables deploy, both tiers.
  it('has no SNS topic in its environment or its role, in either region, in both deliverables', () => {
    // An SNS action or ARN, a reference to a topic resource, or the alert topic's name or logical id.
    const topic = new RegExp(`sns:|aws_sns_|${names.alertTopic({ suffix: '' })}|${TIER_IDS.primary.topic}`, 'i');
    const { json } = synthStack();
    const processors = Object.values(json.resource.aws_lambda_function).filter(
      (fn) => fn.function_name === names.processorFunction({ suffix: 'dev' }),
    );
    const terraform = processors.map((fn) => {
      const role = /^\$\{aws_iam_role\.(\w+)\.arn\}$/.exec(fn.role)![1];
      const policies = Object.values(json.resource.aws_iam_role_policy).filter((p) =>
        [`\${aws_iam_role.${role}.id}`, `\${aws_iam_role.${role}.name}`].includes(p.role),
      );
      const attached = Object.values(json.resource.aws_iam_role_policy_attachment ?? {}).filter((a) =>
        String(a.role).includes(`aws_iam_role.${role}.`),
      );
      return { environment: fn.environment, role: json.resource.aws_iam_role[role], policies, attached };
    });
    const cfn = templatesFor();
    const cloudformation = [
      [cfn.primary, TIER_IDS.primary],
      [cfn.secondary, TIER_IDS.standby],
    ].map(([t, ids]: any) => ({
      environment: t.Resources[ids.processor].Properties.Environment,
      role: t.Resources[ids.processorRole],
      policies: Object.values<any>(t.Resources).filter(
        (r) =>
          /^AWS::IAM::(Managed)?Policy$/.test(r.Type) && JSON.stringify(r.Properties.Roles).includes(ids.processorRole),
      ),
    }));
    expect(processors).toHaveLength(2);
    for (const deployed of [...terraform, ...cloudformation]) {
      // Not vacuous: each has its table variable and a policy granting the table.
      expect(JSON.stringify(deployed)).toMatch(/DYNAMODB_TABLE_NAME[\s\S]*dynamodb:PutItem/);
      expect(JSON.stringify(deployed)).not.toMatch(topic);
    }
  });

  /** The real processor and real clients, with one call made to fail once. */
  function faulty(step: 'transactWriteItems' | 'putObject' | 'putItem') {
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
    return processorOver(aws);
  }

  it.each(['transactWriteItems', 'putObject', 'putItem'] as const)(
    'a failure at %s leaves no record (at most a claim item of its own), and the retry lands once with its document',
    async (step) => {
      const id = `t-fault-${step}`;
      const processTxn = faulty(step);
      await expect(processTxn(txn(id, { document: doc(`doc for ${step}`) }), 'r1')).rejects.toThrow('injected');
      expect(await getItem(id)).toBeUndefined();
      const claim = await getItem(`${id}#claim`);
      if (step === 'transactWriteItems') expect(claim).toBeUndefined();
      else
        expect([claim?.status, claim?.accountId, claim?.createdAt]).toEqual([{ S: 'pending' }, undefined, undefined]);

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
      // The claim (400 ms, perhaps once more inside its backoff window) fails: far below the Lambda timeout.
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
  // A table of its own, so the other tests' tables stay small: moto deep-copies the whole table on
  // every TransactWriteItems (its rollback), so a claim costs ~0.2 ms per stored item here, not on
  // AWS (and its stream records with it). For the same reason one in ten carries a document (the claim path) and the
  // deadline is the largest accepted one.
  let lf: Fixture;
  let loadHandler: Handler;
  beforeAll(async () => {
    lf = await createFixture(moto.endpoint, `load${++fixtures}`);
    loadHandler = loadBundle({ ...lf.lambdaEnv, AWS_CALL_TIMEOUT_MS: String(MAX_CALL_TIMEOUT_MS) });
  }, 60_000);

  it('stores exactly the unique ones, none twice, each document matching its record', async () => {
    const unique = Array.from({ length: 500 }, (_, i) =>
      txn(`load-${i}`, {
        accountId: `acct-${i % 7}`,
        amount: `${i + 1}.${String(i % 100).padStart(2, '0')}`,
        ...(i % 10 === 0 ? { document: doc(`load doc ${i}`) } : {}),
      }),
    );
    // Each duplicate follows soon after its original, so many race it.
    const events = unique
      .flatMap((e, i) => (i % 2 ? [e] : [e, e]))
      .concat(unique.filter((_, i) => i % 2).map((e) => ({ ...e })));
    expect(events).toHaveLength(1000);
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < events.length) {
          const e = events[next++];
          statuses.push((await loadHandler(e)).statusCode);
        }
      }),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(500);
    expect(statuses.filter((s) => s === 200)).toHaveLength(500);

    const items = (await scanAll(lf)).filter((i) => /^load-\d+$/.test(i.transactionId.S!));
    expect(items).toHaveLength(500);
    expect(new Set(items.map((i) => i.transactionId.S)).size).toBe(500);
    expect(items.filter((i) => i.documentKey)).toHaveLength(50);
    for (const item of items) {
      const n = Number(item.transactionId.S!.slice(5));
      expect(!!item.documentKey).toBe(n % 10 === 0);
      if (!item.documentKey) continue;
      const content = await objectBody(item.documentKey.S!, lf);
      expect(content.toString()).toBe(`load doc ${n}`);
      expect(sha256(content)).toBe(item.documentSha256.S);
      expect(item.amount.S).toBe(`${n + 1}.${String(n % 100).padStart(2, '0')}`);
    }
    const loadVersions = (await versionsOf('documents/', lf)).filter((v) => /\/load-\d+\//.test(v.Key!));
    expect(loadVersions.map((v) => v.Key).sort()).toEqual(
      items
        .filter((i) => i.documentKey)
        .map((i) => i.documentKey.S)
        .sort(),
    );
  }, 180_000);
});

describe('documents are encrypted with the stack key (item 6)', () => {
  // moto reports the bucket's default key when PutObject names none; real S3 uses aws/s3 instead
  // (PutObject reference). So the processor gets a key that is NOT the bucket default: only a
  // PutObject that names it can leave an object under it.
  it('names DOCUMENTS_KMS_KEY_ARN on every PutObject, whatever the bucket default', async () => {
    const other = (await f.kms.send(new CreateKeyCommand({ Description: 'not the bucket default' }))).KeyMetadata!.Arn!;
    const keyed = loadBundle({ ...f.lambdaEnv, DOCUMENTS_KMS_KEY_ARN: other });
    const res = await keyed(txn('t-kms', { document: doc('encrypted under our key') }));
    expect(res.statusCode).toBe(201);
    const head = await f.s3.send(new HeadObjectCommand({ Bucket: f.bucketName, Key: body(res).documentKey }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId, head.BucketKeyEnabled]).toEqual(['aws:kms', other, true]);
  });
});

describe('racing requests for one transactionId (item 5)', () => {
  it("20 different documents at once: one 201, nineteen 409, and only the winner's document in the bucket", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => handler(txn('t-race', { document: doc(`contender ${i}`) }))),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const winner = body(results.find((r) => r.statusCode === 201)!);
    const versions = await versionsOf('documents/acct-1/t-race/');
    expect(versions.map((v) => v.Key)).toEqual([winner.documentKey]);
    expect((await getItem('t-race'))!.documentKey).toEqual({ S: winner.documentKey });
  });

  it('20 copies of one request at once: one 201, nineteen replays, one object version', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => handler(txn('t-race-same', { document: doc('same') }))),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array(19).fill(200), 201]);
    expect(await versionsOf('documents/acct-1/t-race-same/')).toHaveLength(1);
    expect((await getItem('t-race-same'))!.status).toEqual({ S: 'committed' });
  });
});

describe("S3's 409 ConditionalRequestConflict (item 7)", () => {
  // moto serves requests one at a time and never answers 409, so the race is staged: the
  // "other" writer's PutObject lands, and ours gets the 409 AWS documents for If-None-Match.
  it('retries the upload and settles as the idempotency contract says', async () => {
    const aws = createAwsPort(2000);
    const real = aws.putObject;
    let raced = false;
    aws.putObject = async (input: PutObjectCommandInput) => {
      if (raced) return real(input);
      raced = true;
      await real(input);
      throw Object.assign(new Error('A conflicting operation occurred'), {
        name: 'ConditionalRequestConflict',
        $metadata: { httpStatusCode: 409 },
      });
    };
    const processTxn = processorOver(aws);
    expect((await processTxn(txn('t-409', { document: doc('raced') }), 'r')).statusCode).toBe(201);
    expect(await versionsOf('documents/acct-1/t-409/')).toHaveLength(1);
  });

  /**
   * A proxy in front of S3 that answers 409 to a conditional PUT while another one of the same key
   * is in flight (what AWS documents for concurrent If-None-Match writes), for as long as it is.
   */
  function conflictingS3(holdMs: number) {
    const aws = createAwsPort(2000);
    const real = aws.putObject;
    const inFlight = new Set<string>();
    aws.putObject = async (input: PutObjectCommandInput) => {
      if (inFlight.has(input.Key!))
        throw Object.assign(new Error('A conflicting operation occurred'), {
          name: 'ConditionalRequestConflict',
          $metadata: { httpStatusCode: 409 },
        });
      inFlight.add(input.Key!);
      try {
        await new Promise((r) => setTimeout(r, holdMs));
        return await real(input);
      } finally {
        inFlight.delete(input.Key!);
      }
    };
    return processorOver(aws);
  }

  it('10 identical concurrent requests with a document through a 409-answering proxy: one 201, nine replays, no error', async () => {
    const processTxn = conflictingS3(100);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => processTxn(txn('t-409-storm', { document: doc('storm') }), `r${i}`)),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.statusCode : String(r.reason))).sort()).toEqual([
      ...Array(9).fill(200),
      201,
    ]);
    expect(await versionsOf('documents/acct-1/t-409-storm/')).toHaveLength(1);
  });

  it('trusts a 412 only after HeadObject shows the stored object has this document’s SHA-256', async () => {
    const key = `documents/acct-1/t-412-forged/${sha256('genuine')}`;
    // Another object already sits at the content-addressed key (a forgery, or a corrupted copy).
    await f.s3.send(
      new PutObjectCommand({ Bucket: f.bucketName, Key: key, Body: 'forged', ChecksumAlgorithm: 'SHA256' }),
    );
    await expect(handler(txn('t-412-forged', { document: doc('genuine') }))).rejects.toThrow(
      /SHA-256 is not this document's/,
    );
    expect(await getItem('t-412-forged')).toBeUndefined();
    // The genuine object there: a 412 that is this very document settles as stored.
    const ok = `documents/acct-1/t-412-ok/${sha256('genuine')}`;
    await f.s3.send(
      new PutObjectCommand({ Bucket: f.bucketName, Key: ok, Body: 'genuine', ChecksumAlgorithm: 'SHA256' }),
    );
    expect((await handler(txn('t-412-ok', { document: doc('genuine') }))).statusCode).toBe(201);
  });
});

describe('the caller is recorded (item 6)', () => {
  const viaApi = (event: object, userArn: string, requestId: string) => ({
    requestContext: { requestId, authorizer: { iam: { userArn } } },
    body: JSON.stringify(event),
  });
  it('stores the principal and the API request id; another principal replaying the id gets 409 and nothing of it', async () => {
    const alice = 'arn:aws:iam::123456789012:user/alice';
    expect((await handler(viaApi(txn('t-caller'), alice, 'api-1'))).statusCode).toBe(201);
    expect(await getItem('t-caller')).toMatchObject({
      principal: { S: alice },
      apiRequestId: { S: 'api-1' },
      entryPoint: { S: 'http' },
      schemaVersion: { N: '2' },
      amountExponent: { N: '2' },
    });
    expect((await handler(viaApi(txn('t-caller'), alice, 'api-2'))).statusCode).toBe(200);
    const other = await handler(viaApi(txn('t-caller'), 'arn:aws:iam::123456789012:user/mallory', 'api-3'));
    expect([other.statusCode, Object.keys(body(other)).sort()]).toEqual([409, ['error', 'message']]);
  });
});

describe('metadata is stored as data (item 4)', () => {
  it('keeps keys named like record attributes, and "007" exactly', async () => {
    const metadata = {
      amountMinor: '007',
      fingerprint: 'forged',
      status: 'pending',
      documentKey: 'documents/elsewhere',
      createdAt: '0',
      accountId: 'acct-9',
    };
    const first = await handler(txn('t-meta', { metadata, document: doc('meta doc') }));
    expect(first.statusCode).toBe(201);
    const item = (await getItem('t-meta'))!;
    expect(item).toMatchObject({
      amountMinor: { N: '1050' },
      accountId: { S: 'acct-1' },
      status: { S: 'committed' },
      metadata: { S: JSON.stringify(metadata) },
    });
    expect(item.documentKey.S).toMatch(/^documents\/acct-1\/t-meta\//);
    const replay = await handler(txn('t-meta', { metadata: { ...metadata }, document: doc('meta doc') }));
    expect([replay.statusCode, body(replay).metadata]).toEqual([200, metadata]);
    expect(body(first).metadata).toEqual(metadata);
  });
});

describe("the function's environment (item 10)", () => {
  it.each([
    ['AWS_CALL_TIMEOUT_MS', '2.5'],
    ['AWS_CALL_TIMEOUT_MS', '0'],
    ['DOCUMENTS_KMS_KEY_ARN', ''],
    ['S3_BUCKET_NAME', 'Not A Bucket'],
  ])('refuses to start with %s=%p, naming it', (name, value) => {
    expect(() => loadBundle({ ...f.lambdaEnv, [name]: value })).toThrow(
      new RegExp(`^Invalid transaction-processor environment: ${name}=`),
    );
  });
});

describe('a hostile set: 400 naming the field, and nothing written anywhere', () => {
  let h: Fixture;
  let hostile: Handler;
  beforeAll(async () => {
    h = await createFixture(moto.endpoint, `hostile${++fixtures}`);
    hostile = loadBundle(h.lambdaEnv);
  }, 60_000);

  /** Every case carries a valid document, so a processor that let it through would write to the bucket. */
  const valid = (id: string) => ({ ...txn(id), metadata: { channel: 'web' }, document: doc(`hostile ${id}`) });
  const raw = (id: string, edit: (json: string) => string) => ({
    requestContext: {},
    body: edit(JSON.stringify(valid(id))),
  });
  const direct = (id: string, extra: object) => ({ ...valid(id), ...extra });
  const ids = Array.from({ length: 60 }, (_, i) => `h-${i}`);
  const at = (i: number) => ids[i];
  const hostileCases: Array<[field: string, event: unknown]> = [
    // 1. prototype names
    ...['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'].map((name, i): [string, unknown] => [
      name,
      raw(at(i), (j) => j.replace(/}$/, `,"${name}":{"x":1}}`)),
    ]),
    ['currency', direct(at(5), { currency: 'constructor' })],
    ['type', direct(at(6), { type: '__proto__' })],
    // 2. numbers that parsing rounded
    ['amount', raw(at(7), (j) => j.replace('"amount":"10.5"', '"amount":90000000000000.01'))],
    ['amount', raw(at(8), (j) => j.replace('"amount":"10.5"', '"amount":0.10000000000000001'))],
    ['amount', raw(at(9), (j) => j.replace('"amount":"10.5"', '"amount":9007199254740993'))],
    // eslint-disable-next-line no-loss-of-precision -- the inexact number is the point
    ['amount', direct(at(10), { amount: 90000000000000.01 })],
    ['amount', direct(at(11), { amount: 1234567890.123456 })],
    // 3. wrong types anywhere
    ['document', direct(at(12), { document: { contentType: 'text/plain', content: 5 } })],
    ['document', direct(at(13), { document: { contentType: 'text/plain', content: true } })],
    ['document', direct(at(14), { document: { contentType: 'text/plain', content: ['aGk='] } })],
    ['document', direct(at(15), { document: { contentType: ['text/plain'], content: 'aGk=' } })],
    ['document', direct(at(16), { document: { contentType: { a: 1 }, content: 'aGk=' } })],
    ['metadata', direct(at(17), { metadata: { channel: 7 } })],
    ['metadata', direct(at(18), { metadata: { channel: ['web'] } })],
    ['metadata', direct(at(19), { metadata: { channel: null } })],
    ['timestamp', direct(at(20), { timestamp: ['2026-01-01T00:00:00Z'] })],
    ['accountId', direct(at(21), { accountId: ['acct-1'] })],
    ['amount', direct(at(22), { amount: { toString: '10.5' } })],
    // 8. timestamps outside the sortable range
    ['timestamp', direct(at(23), { timestamp: '0000-01-01T00:00:00+01:00' })],
    ['timestamp', direct(at(24), { timestamp: '9999-12-31T23:59:59-01:00' })],
    ['timestamp', direct(at(25), { timestamp: '1969-12-31T23:59:59Z' })],
    // 9. wrapper bodies, lone surrogates, unbounded names
    ['body', { requestContext: {}, body: 'null' }],
    ['body', { requestContext: { http: { method: 'GET' } }, rawPath: '/', transactionId: at(27) }],
    ['body', { resource: '/', httpMethod: 'GET', requestContext: {}, body: null }],
    [
      'body',
      { requestContext: {}, isBase64Encoded: true, body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64') },
    ],
    ['metadata', direct(at(30), { metadata: { note: 'x\ud800y' } })],
    ['metadata', raw(at(31), (j) => j.replace('"web"', '"\\udc00"'))],
    ['transactionId', direct(at(32), { transactionId: 'h-\ud800' })],
    [`${'n'.repeat(64)}…`, direct(at(33), { ['n'.repeat(10_000)]: 1 })],
    // ids that are dot segments of the document key
    ['transactionId', direct(at(34), { transactionId: '..' })],
    ['accountId', direct(at(35), { accountId: '.' })],
  ];

  it.each(hostileCases)('refuses a bad %s with 400 naming it', async (field, event) => {
    const res = await hostile(event, { awsRequestId: 'hostile' });
    expect([res.statusCode, body(res).field]).toEqual([400, field]);
  });

  it('wrote no record, claim or document for any of them, and the same checks see a write', async () => {
    expect(hostileCases.length).toBeGreaterThanOrEqual(36);
    expect(await scanAll(h)).toEqual([]);
    expect(await versionsOf('', h)).toEqual([]);
    // Valid twins under the same ids all land as new: no hostile event left a claim behind,
    // and the scan and listing above would have seen a write.
    const twins = await Promise.all(ids.slice(0, 36).map((id) => hostile(valid(id))));
    expect(twins.map((r) => r.statusCode)).toEqual(Array(36).fill(201));
    const records = (await scanAll(h)).filter((i) => !i.transactionId.S!.endsWith('#claim'));
    expect(records.map((i) => i.transactionId.S).sort()).toEqual(ids.slice(0, 36).sort());
    expect(await versionsOf('', h)).toHaveLength(36);
  });
});

describe('logging', () => {
  it('writes structured JSON lines with the transaction and request ids, never a document or amount', async () => {
    const from = logLines.length;
    await handler(txn('t-log', { document: doc('receipt #1') }), { awsRequestId: 'req-log' });
    await handler(txn('t-log-bad', { amount: 'ten' }), { awsRequestId: 'req-log-bad' });
    const broken = loadBundle({ ...f.lambdaEnv, DYNAMODB_TABLE_NAME: 'no-such-table' });
    await expect(broken(txn('t-log-fail'), { awsRequestId: 'req-log-fail' })).rejects.toThrow();
    const lines = logLines.slice(from);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      const entry = JSON.parse(line);
      expect(entry).toEqual(
        expect.objectContaining({ level: expect.any(String), msg: expect.any(String), requestId: expect.any(String) }),
      );
      if (entry.msg === 'processed') expect(entry.transactionId).toEqual(expect.any(String));
      expect(line).not.toMatch(/receipt #1|cmVjZWlwdCAjMQ|"amount":|10\.5/);
    }
    expect(lines.map((l) => JSON.parse(l)).map(({ msg, requestId }) => [msg, requestId])).toEqual(
      expect.arrayContaining([
        ['processed', 'req-log'],
        ['rejected', 'req-log-bad'],
        ['failed', 'req-log-fail'],
      ]),
    );
  });
});
