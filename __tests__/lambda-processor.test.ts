import * as fs from 'fs';
import * as path from 'path';
import type { AwsPort } from '../lambda/aws';
import { readProcessorEnv } from '../lambda/env';
import {
  callerIdentity,
  createProcessor,
  decide,
  fromItem,
  MAX_BODY_CHARS,
  ProcessorDeps,
  toItem,
  unwrap,
} from '../lambda/processor';
import { validate, ValidationError } from '../lambda/validate';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DOCUMENT_PREFIX,
  MAX_AWS_CALLS,
  MAX_CALL_TIMEOUT_MS,
  PROCESSOR_ENV,
  processorTimeoutSeconds,
  REGIONAL_MAX_SEQUENTIAL_CALLS,
  regionalTimeoutSeconds,
} from '../src/contract';
import { API, regionalFunction } from '../src/regional/spec';
import { processor as processorSpec } from '../src/processor/spec';

const goodEnv = {
  [PROCESSOR_ENV.tableName]: 'transactions-dev',
  [PROCESSOR_ENV.bucketName]: 'tap-docs-dev-123456789012-us-east-1',
  [PROCESSOR_ENV.documentsKmsKeyArn]: 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
  AWS_REGION: 'us-east-1',
};

const event = { transactionId: 't-1', accountId: 'a-1', amount: '1.00', currency: 'EUR', type: 'credit' };
const withDoc = { ...event, document: { contentType: 'application/pdf', content: 'JVBERi0=' } };
const KEY_ARN = 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** An AwsPort whose calls fail or succeed as a test says, recording each call (no AWS involved). */
function port(behaviour: Partial<Record<keyof AwsPort, (input: any) => Promise<any>>>) {
  const calls: Array<[keyof AwsPort, any]> = [];
  const aws = {} as AwsPort;
  for (const name of ['putItem', 'transactWriteItems', 'putObject', 'headObject', 'getObjectBytes'] as const) {
    aws[name] = async (input: any) => {
      calls.push([name, input]);
      const b = behaviour[name];
      return b ? b(input) : {};
    };
  }
  return { aws, calls };
}

const processor = (aws: AwsPort, logs: string[] = [], random = () => 0.5, more: Partial<ProcessorDeps> = {}) =>
  createProcessor({
    aws,
    tableName: 'transactions-test',
    bucketName: 'docs',
    kmsKeyArn: KEY_ARN,
    region: 'us-west-2',
    callTimeoutMs: 1000,
    now: () => new Date('2026-11-24T00:00:00Z'),
    log: (l) => logs.push(l),
    sleep: async () => undefined,
    random,
    ...more,
  });

const conditionFailed = (item: any) => () =>
  Promise.reject(Object.assign(new Error('cond'), { name: 'ConditionalCheckFailedException', Item: item }));
const cancelled =
  (...reasons: Array<{ Code: string; Item?: any }>) =>
  () =>
    Promise.reject(
      Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: reasons }),
    );
const s3Error = (status: number, name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
/** The committed item a successful run writes for this event. */
async function committed(e: object) {
  const { aws, calls } = port({});
  await processor(aws)(e, 'r0');
  return calls.filter(([n]) => n === 'putItem').at(-1)![1].Item;
}

describe('idempotency decision', () => {
  it('replays only a committed record with the same fingerprint; anything else is a conflict', () => {
    expect(decide({ fingerprint: { S: 'abc' }, status: { S: 'committed' } }, 'abc')).toBe('replay');
    // A pending item at the record's own key is a claim of the earlier design: never resumed.
    expect(decide({ fingerprint: { S: 'abc' }, status: { S: 'pending' } }, 'abc')).toBe('conflict');
    expect(decide({ fingerprint: { S: 'abc' }, status: { S: 'pending' } }, 'abd')).toBe('conflict');
    expect(decide({ fingerprint: { S: 'abc' } }, 'abd')).toBe('conflict');
    expect(decide({}, 'abc')).toBe('conflict');
  });
});

describe('items', () => {
  const base = {
    ...validate(event).transaction,
    entryPoint: 'direct' as const,
    createdAt: '2026-01-01T00:00:00.000Z',
    processedRegion: 'r',
    requestId: 'q',
  };

  it('marshal each attribute by name: strings to S, amountMinor to N, metadata as one opaque attribute', () => {
    const item = toItem({ ...base, metadata: { channel: 'web' } });
    expect(item).toMatchObject({
      amount: { S: '1.00' },
      amountMinor: { N: '100' },
      amountExponent: { N: '2' },
      schemaVersion: { N: '2' },
      entryPoint: { S: 'direct' },
      metadata: { S: '{"channel":"web"}' },
      status: { S: 'committed' },
    });
    expect(fromItem(item)).toMatchObject({ amount: '1.00', amountMinor: '100', metadata: { channel: 'web' } });
    expect(fromItem(item)).not.toHaveProperty('fingerprint');
    expect(fromItem(item)).not.toHaveProperty('status');
    expect(fromItem(item)).not.toHaveProperty('schemaVersion');
  });

  it('reads a record written before amountExponent existed as amount x 100 (schema version 1)', () => {
    const legacy = { transactionId: { S: 't' }, amount: { S: '1500.00' }, amountMinor: { N: '150000' } };
    expect(fromItem(legacy)).toMatchObject({ amountMinor: '150000', amountExponent: 2 });
  });

  it('stores metadata whose keys collide with record attributes as data, exactly (item 4)', () => {
    const metadata = JSON.parse(
      '{"amountMinor":"007","fingerprint":"f","status":"pending","transactionId":"x","documentKey":"k","__proto__":"p","constructor":"c"}',
    );
    const t = validate({ ...event, metadata }).transaction;
    const item = toItem({ ...base, ...t });
    expect(item.amountMinor).toEqual({ N: '100' });
    expect(item.fingerprint).toEqual({ S: t.fingerprint });
    expect(item.status).toEqual({ S: 'committed' });
    expect(item.transactionId).toEqual({ S: 't-1' });
    expect(item).not.toHaveProperty('documentKey');
    const back = fromItem(item).metadata as Record<string, string>;
    expect(Object.keys(back)).toEqual(Object.keys(metadata));
    expect(Object.hasOwn(back, '__proto__') && back['__proto__']).toBe('p');
    expect(back.amountMinor).toBe('007');
  });
});

describe('event unwrapping', () => {
  const wrapped = (body: unknown, extra: object = {}) => ({ requestContext: {}, body, ...extra });
  const bodyError = (e: unknown) => {
    try {
      unwrap(e);
    } catch (err) {
      return (err as ValidationError).field;
    }
    return 'accepted';
  };

  it('passes direct invocations through and unwraps API Gateway / function URL bodies', () => {
    expect(unwrap(event)).toEqual({ input: event, numbers: 'parsed', caller: { entryPoint: 'direct' } });
    expect(unwrap(wrapped(JSON.stringify(event))).input).toEqual(event);
    expect(
      unwrap(wrapped(Buffer.from(JSON.stringify(event)).toString('base64'), { isBase64Encoded: true })).input,
    ).toEqual(event);
  });

  it.each([
    ['not JSON', wrapped('{')],
    ['"null"', wrapped('null')],
    ['a JSON array', wrapped('[]')],
    ['a JSON string', wrapped('"x"')],
    ['a GET without a body', { requestContext: { http: { method: 'GET' } }, rawPath: '/', headers: {} }],
    ['a REST API GET (body null)', { resource: '/', httpMethod: 'GET', requestContext: {}, body: null }],
    ['an object body', wrapped({ ...event })],
    [
      'invalid UTF-8 in a base64 body',
      wrapped(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), { isBase64Encoded: true }),
    ],
    ['nesting too deep to parse', wrapped('['.repeat(1e6))],
  ])('names body for %s (item 9)', (_why, e) => {
    expect(bodyError(e)).toBe('body');
  });

  it('says whether JSON parsing rounded a number in the raw body (item 2)', () => {
    const raw = (amount: string) => unwrap(wrapped(`{"amount":${amount}}`)).numbers === 'exact';
    for (const exact of ['10.5', '10.50', '1.05e1', '90000000000000.0', '0', '-0', '1e21', '123456789012345'])
      expect(raw(exact)).toBe(true);
    for (const rounded of ['90000000000000.01', '0.10000000000000001', '9007199254740993', '1e400', '1e-400'])
      expect(raw(rounded)).toBe(false);
    // Digits inside strings are not numbers.
    expect(unwrap(wrapped('{"a":"90000000000000.01","b":"\\"0.10000000000000001"}')).numbers).toBe('exact');
  });
});

describe('processor with an injected client', () => {
  it('makes no AWS call for an invalid event', async () => {
    const { aws, calls } = port({});
    const res = await processor(aws)({ ...event, amount: 'ten' }, 'r');
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      error: 'ValidationError',
      field: 'amount',
      message: expect.stringMatching(/^expected a positive decimal/),
    });
    expect(calls).toEqual([]);
  });

  it('refuses a wrapped JSON number that parsing rounded, and accepts the same amount as a string (item 2)', async () => {
    const body = (amount: string) => ({
      requestContext: {},
      body: `{"transactionId":"t-1","accountId":"a-1","amount":${amount},"currency":"USD","type":"debit"}`,
    });
    const rounded = await processor(port({}).aws)(body('90000000000000.01'), 'r');
    expect([rounded.statusCode, JSON.parse(rounded.body).field]).toEqual([400, 'amount']);
    const text = await processor(port({}).aws)(body('"90000000000000.01"'), 'r');
    expect([text.statusCode, JSON.parse(text.body).amountMinor]).toEqual([201, '9000000000000001']);
  });

  it('writes one conditional PutItem for a transaction without a document', async () => {
    const { aws, calls } = port({});
    const res = await processor(aws)(event, 'req-9');
    expect(res.statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['putItem']);
    expect(calls[0][1]).toMatchObject({
      TableName: 'transactions-test',
      ConditionExpression: 'attribute_not_exists(transactionId)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      Item: expect.objectContaining({
        processedRegion: { S: 'us-west-2' },
        createdAt: { S: '2026-11-24T00:00:00.000Z' },
        requestId: { S: 'req-9' },
      }),
    });
  });

  it('with a document: claims in an item of its own, puts the document under the stack key, then writes the record once', async () => {
    const { aws, calls } = port({});
    expect((await processor(aws)(withDoc, 'req-1')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['transactWriteItems', 'putObject', 'putItem']);
    const [[, tx], [, put], [, commit]] = calls;
    const [check, claim] = tx.TransactItems;
    expect(check.ConditionCheck).toMatchObject({
      Key: { transactionId: { S: 't-1' } },
      ConditionExpression: 'attribute_not_exists(transactionId)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(claim.Put.Item.transactionId).toEqual({ S: 't-1#claim' });
    expect(claim.Put.ConditionExpression).toBe('attribute_not_exists(transactionId) OR fingerprint = :fingerprint');
    expect(Object.keys(claim.Put.Item).sort()).toEqual([
      'documentKey',
      'fingerprint',
      'requestId',
      'status',
      'transactionId',
    ]);
    expect(put).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
      BucketKeyEnabled: true,
      IfNoneMatch: '*',
    });
    expect(put.Key).toMatch(new RegExp(`^${DOCUMENT_PREFIX}a-1/t-1/[0-9a-f]{64}$`));
    // The record: its own key, written only if absent, never over anything.
    expect(commit.ConditionExpression).toBe('attribute_not_exists(transactionId)');
    expect(commit.Item).toMatchObject({
      transactionId: { S: 't-1' },
      status: { S: 'committed' },
      accountId: { S: 'a-1' },
      documentKey: { S: put.Key },
    });
  });

  it('refuses a conflicting document against a record (with or without a document) or another claim, writing nothing', async () => {
    for (const stored of [await committed(withDoc), await committed(event)]) {
      const { aws, calls } = port({
        transactWriteItems: cancelled({ Code: 'ConditionalCheckFailed', Item: stored }, { Code: 'None' }),
      });
      const res = await processor(aws)({ ...withDoc, amount: '2.00' }, 'r');
      expect([res.statusCode, JSON.parse(res.body)]).toEqual([409, { error: 'Conflict', message: expect.any(String) }]);
      expect(calls.map(([n]) => n)).toEqual(['transactWriteItems']);
    }
    const claimed = port({ transactWriteItems: cancelled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }) });
    expect((await processor(claimed.aws)(withDoc, 'r')).statusCode).toBe(409);
    expect(claimed.calls.map(([n]) => n)).toEqual(['transactWriteItems']);
  });

  it('replays its own record from the failed check, before any upload', async () => {
    const record = await committed(withDoc);
    const { aws, calls } = port({
      transactWriteItems: cancelled({ Code: 'ConditionalCheckFailed', Item: record }, { Code: 'None' }),
    });
    const res = await processor(aws)(withDoc, 'r3');
    expect([res.statusCode, JSON.parse(res.body).replayed]).toEqual([200, true]);
    expect(calls.map(([n]) => n)).toEqual(['transactWriteItems']);
  });

  it('replays when a concurrent retry of the same request wrote the record first', async () => {
    const record = await committed(withDoc);
    const { aws } = port({ putItem: conditionFailed(record) });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(200);
  });

  it('retries a transaction conflict (concurrent copies) with backoff, inside the deadline', async () => {
    const answers = [cancelled({ Code: 'None' }, { Code: 'TransactionConflict' }), async () => ({})];
    const { aws, calls } = port({ transactWriteItems: () => answers.shift()!() });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['transactWriteItems', 'transactWriteItems', 'putObject', 'putItem']);
  });

  it('backs off on S3 409 ConditionalRequestConflict, many times if need be, then settles on a matching 412 (item 4)', async () => {
    const answers = [...Array(6).fill(s3Error(409, 'ConditionalRequestConflict')), s3Error(412, 'PreconditionFailed')];
    const checksum = Buffer.from(validate(withDoc).document!.sha256, 'hex').toString('base64');
    const { aws, calls } = port({
      putObject: () => Promise.reject(answers.shift()),
      headObject: async () => ({ ChecksumSHA256: checksum }),
    });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual([
      'transactWriteItems',
      ...Array(7).fill('putObject'),
      'headObject',
      'putItem',
    ]);
    expect(calls.find(([n]) => n === 'headObject')![1]).toMatchObject({
      ChecksumMode: 'ENABLED',
      Key: calls[1][1].Key,
    });
  });

  it('gives up on 409 once the next attempt would start after one call deadline', async () => {
    let clock = 0;
    const realNow = Date.now;
    Date.now = () => clock;
    try {
      const { aws, calls } = port({
        putObject: () => {
          clock += 300;
          return Promise.reject(s3Error(409, 'ConditionalRequestConflict'));
        },
      });
      await expect(processor(aws, [], () => 0.99)(withDoc, 'r')).rejects.toThrow('ConditionalRequestConflict');
      const puts = calls.filter(([n]) => n === 'putObject').length;
      expect(puts).toBeGreaterThan(1);
      expect(puts).toBeLessThanOrEqual(4); // 1000 ms deadline, 300 ms a call
      expect(calls.map(([n]) => n)).not.toContain('putItem');
    } finally {
      Date.now = realNow;
    }
  });

  it('trusts a 412 only when the stored object has this document’s SHA-256 (item 8)', async () => {
    const { aws, calls } = port({
      putObject: () => Promise.reject(s3Error(412, 'PreconditionFailed')),
      headObject: async () => ({ ChecksumSHA256: Buffer.alloc(32).toString('base64') }),
    });
    await expect(processor(aws)(withDoc, 'r')).rejects.toThrow(/SHA-256 is not this document's/);
    expect(calls.map(([n]) => n)).toEqual(['transactWriteItems', 'putObject', 'headObject']);
  });

  it('hashes the stored bytes after a 412 when S3 keeps no checksum (a replica), and trusts only a match', async () => {
    const bytes = validate(withDoc).document!.body;
    for (const [stored, settles] of [
      [Buffer.from('someone else'), false],
      [bytes, true],
    ] as const) {
      const { aws, calls } = port({
        putObject: () => Promise.reject(s3Error(412, 'PreconditionFailed')),
        headObject: async () => ({}),
        getObjectBytes: async () => new Uint8Array(stored),
      });
      const run = processor(aws)(withDoc, 'r');
      if (settles) expect((await run).statusCode).toBe(201);
      else await expect(run).rejects.toThrow(/SHA-256 is not this document's/);
      expect(calls.map(([n]) => n).slice(0, 4)).toEqual([
        'transactWriteItems',
        'putObject',
        'headObject',
        'getObjectBytes',
      ]);
    }
  });

  it("backs off when the record's PutItem meets a copy of this request inside its claim transaction", async () => {
    const conflict = Object.assign(new Error('conflict'), { name: 'TransactionConflictException' });
    const answers = [() => Promise.reject(conflict), async () => ({})];
    const { aws, calls } = port({ putItem: () => answers.shift()!() });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['transactWriteItems', 'putObject', 'putItem', 'putItem']);
  });

  it('rethrows an unexpected failure, logs it, and publishes nothing (the Errors alarm is the pager)', async () => {
    const logs: string[] = [];
    const { aws, calls } = port({
      putItem: () => Promise.reject(Object.assign(new Error('boom'), { name: 'InternalServerError' })),
    });
    await expect(processor(aws, logs)(event, 'req-1')).rejects.toThrow('boom');
    expect(calls.map(([n]) => n)).toEqual(['putItem']);
    expect(JSON.parse(logs[0])).toMatchObject({
      level: 'error',
      msg: 'failed',
      transactionId: 't-1',
      requestId: 'req-1',
    });
  });

  it('settles a lost race from the item returned with the failed condition', async () => {
    const stored = await committed(event);
    expect((await processor(port({ putItem: conditionFailed(stored) }).aws)(event, 'r2')).statusCode).toBe(200);
    const other = { ...stored, fingerprint: { S: 'someone-else' } };
    expect((await processor(port({ putItem: conditionFailed(other) }).aws)(event, 'r3')).statusCode).toBe(409);
  });

  it('never writes the record when the document upload fails; only the claim item exists', async () => {
    const { aws, calls } = port({ putObject: () => Promise.reject(new Error('s3 down')) });
    await expect(processor(aws)(withDoc, 'r')).rejects.toThrow('s3 down');
    expect(calls.map(([n]) => n)).toEqual(['transactWriteItems', 'putObject']);
  });

  it('caps an unknown field name in the response and the log line (item 9)', async () => {
    const logs: string[] = [];
    const name = 'x'.repeat(100_000);
    const res = await processor(port({}).aws, logs)({ ...event, [name]: 1 }, 'r');
    expect(JSON.parse(res.body).field).toBe(`${'x'.repeat(64)}…`);
    expect(res.body.length).toBeLessThan(500);
    expect(logs[0].length).toBeLessThan(300);
  });
});

describe("the function's environment, checked once at cold start (item 10)", () => {
  const good = {
    [PROCESSOR_ENV.tableName]: 'transactions-dev',
    [PROCESSOR_ENV.bucketName]: 'tap-docs-dev-123456789012-us-east-1',
    [PROCESSOR_ENV.documentsKmsKeyArn]: 'arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
    [PROCESSOR_ENV.callTimeoutMs]: '3000',
    AWS_REGION: 'us-east-1',
  };

  it('reads a valid environment; the call timeout defaults to the contract value', () => {
    expect(readProcessorEnv(good)).toMatchObject({
      tableName: 'transactions-dev',
      callTimeoutMs: 3000,
      region: 'us-east-1',
    });
    const { [PROCESSOR_ENV.callTimeoutMs]: _omitted, ...noTimeout } = good;
    expect(readProcessorEnv(noTimeout).callTimeoutMs).toBe(DEFAULT_CALL_TIMEOUT_MS);
  });

  it.each([
    '2.5',
    '0',
    '-1',
    '1e3',
    '',
    ' 3000',
    '0x10',
    String(MAX_CALL_TIMEOUT_MS + 1),
    '30000',
    '99999999999',
    'NaN',
  ])('refuses AWS_CALL_TIMEOUT_MS=%p', (v) => {
    expect(() => readProcessorEnv({ ...good, [PROCESSOR_ENV.callTimeoutMs]: v })).toThrow(
      new RegExp(
        `AWS_CALL_TIMEOUT_MS=.* is invalid: expected a whole number of milliseconds from 1 to ${MAX_CALL_TIMEOUT_MS}`,
      ),
    );
  });

  it('names every missing or malformed variable at once', () => {
    const env = {
      ...good,
      [PROCESSOR_ENV.documentsKmsKeyArn]: 'alias/transaction-encryption-dev',
      [PROCESSOR_ENV.tableName]: undefined,
    };
    expect(() => readProcessorEnv(env)).toThrow(
      /^Invalid transaction-processor environment: DYNAMODB_TABLE_NAME is not set: expected a DynamoDB table name; DOCUMENTS_KMS_KEY_ARN="alias\/transaction-encryption-dev" is invalid: expected a KMS key ARN/,
    );
  });
});

describe('the contract with the stack', () => {
  it('lambda/ takes env-var names and the document prefix from src/contract.ts instead of spelling them', () => {
    const dir = path.join(__dirname, '..', 'lambda');
    const spelled = [...Object.values(PROCESSOR_ENV), DOCUMENT_PREFIX, String(DEFAULT_CALL_TIMEOUT_MS)];
    for (const file of fs.readdirSync(dir)) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8').replace(/^\s*(\/\/|\*|\/\*\*).*$/gm, '');
      for (const s of spelled) expect([file, source.includes(`'${s}'`) || source.includes(s)]).toEqual([file, false]);
    }
  });
});

describe('the caller is recorded and the idempotency key is no window onto another caller (item 6)', () => {
  const ALICE = 'arn:aws:iam::123456789012:user/alice';
  const http = (body: object, userArn?: string, requestId = 'api-1') => ({
    requestContext: { requestId, ...(userArn ? { authorizer: { iam: { userArn } } } : {}) },
    body: JSON.stringify(body),
  });
  /** A table of one item per key, with PutItem's condition: enough to replay and conflict for real. */
  function table() {
    const items = new Map<string, any>();
    return port({
      putItem: async (i) => {
        const old = items.get(i.Item.transactionId.S);
        if (old) return conditionFailed(old)();
        items.set(i.Item.transactionId.S, i.Item);
        return {};
      },
    });
  }

  it('records the principal, the API request id and the entry point; a direct invocation is marked direct', async () => {
    const viaApi = await committed(http(event, ALICE, 'api-req-7'));
    expect(viaApi).toMatchObject({
      principal: { S: ALICE },
      apiRequestId: { S: 'api-req-7' },
      entryPoint: { S: 'http' },
    });
    const direct = await committed(event);
    expect(direct.entryPoint).toEqual({ S: 'direct' });
    expect(direct).not.toHaveProperty('principal');
  });

  it("answers another principal's replay of an id with 409 and nothing of the record", async () => {
    const { aws } = table();
    const p = processor(aws);
    expect((await p(http(event, ALICE), 'r1')).statusCode).toBe(201);
    expect((await p(http(event, ALICE, 'api-2'), 'r2')).statusCode).toBe(200);
    for (const other of ['arn:aws:iam::123456789012:user/mallory', undefined]) {
      const res = await p(http(event, other, 'api-3'), 'r3');
      expect([res.statusCode, Object.keys(JSON.parse(res.body)).sort()]).toEqual([409, ['error', 'message']]);
      expect(res.body).not.toContain('alice');
    }
    expect((await p(event, 'r4')).statusCode).toBe(409); // direct is another caller too
  });

  it("binds an assumed role's retries together whatever the session name, and tells roles apart", () => {
    const role = (r: string, s: string) =>
      callerIdentity({ entryPoint: 'http', principal: `arn:aws:sts::123456789012:assumed-role/${r}/${s}` });
    expect(role('payments', 'session-1')).toBe(role('payments', 'session-2'));
    expect(role('payments', 's')).not.toBe(role('other', 's'));
  });

  it.each([
    ['a non-string userArn', { authorizer: { iam: { userArn: { S: 'x' } } } }],
    ['an over-long userArn', { authorizer: { iam: { userArn: `arn:${'x'.repeat(5000)}` } } }],
    ['a userArn with a newline', { authorizer: { iam: { userArn: 'arn:aws:iam::1:user/a\nb' } } }],
    ['an authorizer that is an array', { authorizer: [] }],
  ])('ignores %s instead of storing it', async (_why, requestContext) => {
    const item = await committed({ requestContext, body: JSON.stringify(event) });
    expect(item).not.toHaveProperty('principal');
  });
});

describe('direct invocation: the runtime parsed the numbers (item 7)', () => {
  it('refuses a number amount with a message saying to send a string, and writes nothing', async () => {
    const { aws, calls } = port({});
    // eslint-disable-next-line no-loss-of-precision -- the rounded number of the report
    for (const amount of [0.3, 0.30000000000000001, 10]) {
      const res = await processor(aws)({ ...event, amount }, 'r');
      expect([res.statusCode, JSON.parse(res.body).field]).toEqual([400, 'amount']);
      expect(JSON.parse(res.body).message).toMatch(/decimal string/);
    }
    expect(calls).toEqual([]);
    expect((await processor(aws)({ ...event, amount: '0.30' }, 'r')).statusCode).toBe(201);
  });
});

describe('duplicate keys in the raw body are refused, naming the field (item 3)', () => {
  const wrapped = (body: string, base64 = false) => ({
    requestContext: {},
    isBase64Encoded: base64,
    body: base64 ? Buffer.from(body).toString('base64') : body,
  });
  const fields = '"transactionId":"t-1","accountId":"a-1","amount":"1.00","currency":"EUR","type":"credit"';
  it.each([
    ['amount', `{${fields},"amount":"1000.00"}`],
    ['transactionId', `{${fields},"transactionId":"t-2"}`],
    ['currency', `{${fields},"\\u0063urrency":"JPY"}`],
    ['type', `{${fields},"typ\\u0065":"refund"}`],
    ['accountId', `{"accountId":"x",${fields}}`],
    ['metadata.k', `{${fields},"metadata":{"k":"a","\\u006b":"b"}}`],
    ['document.content', `{${fields},"document":{"contentType":"a/b","content":"AA==","content":"AQ=="}}`],
    ['metadata.k', `{${fields},"metadata":{"k":"a","k":"a"}}`],
  ])('names %s', async (field, body) => {
    for (const base64 of [false, true]) {
      const { aws, calls } = port({});
      const res = await processor(aws)(wrapped(body, base64), 'r');
      expect([res.statusCode, JSON.parse(res.body).field]).toEqual([400, field]);
      expect(calls).toEqual([]);
    }
  });

  it('refuses oversized and over-deep bodies before parsing', async () => {
    const deep = `{${fields},"metadata":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}`;
    const big = `{${fields},"metadata":{"k":"${'x'.repeat(MAX_BODY_CHARS)}"}}`;
    for (const body of [deep, big]) {
      const res = await processor(port({}).aws)(wrapped(body), 'r');
      expect([res.statusCode, JSON.parse(res.body).field]).toEqual([400, 'body']);
    }
  });

  it('accepts the same key in different objects, and keys that only look alike', async () => {
    const body = `{${fields},"metadata":{"type":"x","Type":"y","ka":"z"}}`;
    expect((await processor(port({}).aws)(wrapped(body), 'r')).statusCode).toBe(201);
  });
});

describe('one source for the call deadline and the function timeout (item 9)', () => {
  it('spends at most MAX_AWS_CALLS call deadlines in the worst case, measured on the real processor', async () => {
    // Every call takes just under one deadline, and every step takes its slowest path: a
    // transaction conflict, a 409 then a 412 with no stored checksum, a conflicting record PutItem.
    const T = 1000;
    let clock = 0;
    const realNow = Date.now;
    Date.now = () => clock;
    const slow =
      (...answers: Array<() => Promise<any>>) =>
      () => {
        clock += T - 1;
        return answers.length > 1 ? answers.shift()!() : answers[0]();
      };
    const bytes = validate(withDoc).document!.body;
    try {
      const { aws } = port({
        transactWriteItems: slow(cancelled({ Code: 'None' }, { Code: 'TransactionConflict' }), async () => ({})),
        putObject: slow(
          () => Promise.reject(s3Error(409, 'ConditionalRequestConflict')),
          () => Promise.reject(s3Error(412, 'PreconditionFailed')),
        ),
        headObject: slow(async () => ({})),
        getObjectBytes: slow(async () => new Uint8Array(bytes)),
        putItem: slow(
          () => Promise.reject(Object.assign(new Error('c'), { name: 'TransactionConflictException' })),
          async () => ({}),
        ),
      });
      expect((await processor(aws, [], () => 0)(withDoc, 'r')).statusCode).toBe(201);
      expect(clock).toBeGreaterThan((MAX_AWS_CALLS - 1) * T);
      expect(clock).toBeLessThanOrEqual(MAX_AWS_CALLS * T);
    } finally {
      Date.now = realNow;
    }
  });

  it("keeps the processor's whole worst case inside the HTTP API's 29 s integration timeout", () => {
    expect(processorTimeoutSeconds() * 1000).toBeLessThanOrEqual(API.integrationTimeoutMs);
    expect(API.integrationTimeoutMs).toBeLessThanOrEqual(30_000); // AWS's hard limit for HTTP APIs
  });

  it('fits every call of an invocation at every accepted AWS_CALL_TIMEOUT_MS inside the function timeout', () => {
    for (let ms = 1; ms <= MAX_CALL_TIMEOUT_MS; ms++) {
      expect(readProcessorEnv({ ...goodEnv, [PROCESSOR_ENV.callTimeoutMs]: String(ms) }).callTimeoutMs).toBe(ms);
      if (MAX_AWS_CALLS * ms >= processorSpec.timeoutSeconds * 1000) throw new Error(`${ms} ms does not fit`);
    }
    expect(() =>
      readProcessorEnv({ ...goodEnv, [PROCESSOR_ENV.callTimeoutMs]: String(MAX_CALL_TIMEOUT_MS + 1) }),
    ).toThrow();
    expect(processorSpec.timeoutSeconds).toBe(processorTimeoutSeconds());
  });

  it('does the same for the heartbeat and /health functions, which share the accepted range', () => {
    for (let ms = 1; ms <= MAX_CALL_TIMEOUT_MS; ms++)
      if (REGIONAL_MAX_SEQUENTIAL_CALLS * ms >= regionalFunction.timeoutSeconds * 1000) throw new Error(`${ms} ms`);
    expect(regionalFunction.timeoutSeconds).toBe(regionalTimeoutSeconds());
  });
});

describe("dr:check's canary namespace: only DR_CHECK_PRINCIPALS, over the API, and never in the account index", () => {
  const CHECK_ROLE = 'arn:aws:iam::123456789012:role/ops/tap-dr-check';
  const session = (role: string, name = 'run-1') => `arn:aws:sts::123456789012:assumed-role/${role}/${name}`;
  const canary = { ...withDoc, transactionId: 'dr-check.20261203T170000Z-1a2b', accountId: 'dr-check' };
  const http = (body: object, userArn?: string) => ({
    requestContext: { requestId: 'api-1', ...(userArn ? { authorizer: { iam: { userArn } } } : {}) },
    body: JSON.stringify(body),
  });
  const withPrincipals = (aws: AwsPort, drCheckPrincipals: string[]) =>
    processor(aws, [], undefined, { drCheckPrincipals });

  it('writes a canary from a session of a DR_CHECK_PRINCIPALS role, its account outside the index key', async () => {
    const { aws, calls } = port({});
    const res = await withPrincipals(aws, [CHECK_ROLE])(http(canary, session('tap-dr-check')), 'r');
    expect(res.statusCode).toBe(201);
    const item = calls.filter(([n]) => n === 'putItem').at(-1)![1].Item;
    expect(item).not.toHaveProperty('accountId');
    expect(item.canaryAccountId).toEqual({ S: 'dr-check' });
    expect(JSON.parse(res.body).accountId).toBe('dr-check');
    expect(fromItem(item).accountId).toBe('dr-check');
    expect(calls.find(([n]) => n === 'putObject')![1].Key).toMatch(/^documents\/dr-check\/dr-check\./);
  });

  it.each([
    ['another role', [CHECK_ROLE], http(canary, session('payments'))],
    [
      'a role of the same name in another account',
      [CHECK_ROLE],
      http(canary, session('tap-dr-check').replace('123456789012', '999999999999')),
    ],
    ['an IAM user', [CHECK_ROLE], http(canary, 'arn:aws:iam::123456789012:user/tap-dr-check')],
    ['no principal', [CHECK_ROLE], http(canary)],
    ['a direct invocation', [CHECK_ROLE], canary],
    ['the right role when DR_CHECK_PRINCIPALS is unset', [], http(canary, session('tap-dr-check'))],
  ])('answers 403 to %s, writing nothing', async (_who, principals, e) => {
    const { aws, calls } = port({});
    const res = await withPrincipals(aws, principals)(e, 'r');
    expect([res.statusCode, JSON.parse(res.body).error]).toEqual([403, 'Forbidden']);
    expect(calls).toEqual([]);
  });

  it.each([
    ['accountId', { accountId: 'DR-CHECK' }],
    ['accountId', { accountId: 'Dr-Check', transactionId: 'dr-check.x' }],
    ['transactionId', { transactionId: 't-1' }],
    ['transactionId', { transactionId: 'DR-CHECK.x' }],
    ['transactionId', { accountId: 'a-1' }],
    ['transactionId', { accountId: 'a-1', transactionId: 'Dr-Check.x' }],
  ])('refuses a half of the namespace with a 400 naming %s, from anyone, writing nothing', async (field, change) => {
    const { aws, calls } = port({});
    const res = await withPrincipals(aws, [CHECK_ROLE])(http({ ...canary, ...change }, session('tap-dr-check')), 'r');
    expect([res.statusCode, JSON.parse(res.body).field]).toEqual([400, field]);
    expect(calls).toEqual([]);
  });

  it('reads DR_CHECK_PRINCIPALS as role ARNs, refusing anything else at cold start', () => {
    expect(readProcessorEnv({ ...goodEnv }).drCheckPrincipals).toEqual([]);
    expect(
      readProcessorEnv({ ...goodEnv, DR_CHECK_PRINCIPALS: `${CHECK_ROLE},${CHECK_ROLE}2` }).drCheckPrincipals,
    ).toEqual([CHECK_ROLE, `${CHECK_ROLE}2`]);
    for (const bad of ['', '*', 'arn:aws:iam::123456789012:root', `${CHECK_ROLE},`, 'arn:aws:iam::123456789012:user/x'])
      expect(() => readProcessorEnv({ ...goodEnv, DR_CHECK_PRINCIPALS: bad })).toThrow(
        /DR_CHECK_PRINCIPALS=.*IAM role ARNs/,
      );
  });
});
