import * as fs from 'fs';
import * as path from 'path';
import type { AwsPort } from '../lambda/aws';
import { readProcessorEnv } from '../lambda/env';
import { createProcessor, decide, fromItem, toItem, unwrap } from '../lambda/processor';
import { validate, ValidationError } from '../lambda/validate';
import { DEFAULT_CALL_TIMEOUT_MS, DOCUMENT_PREFIX, PROCESSOR_ENV } from '../src/contract';

const event = { transactionId: 't-1', accountId: 'a-1', amount: '1.00', currency: 'EUR', type: 'credit' };
const withDoc = { ...event, document: { contentType: 'application/pdf', content: 'JVBERi0=' } };
const KEY_ARN = 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** An AwsPort whose calls fail or succeed as a test says, recording each call (no AWS involved). */
function port(behaviour: Partial<Record<keyof AwsPort, (input: any) => Promise<any>>>) {
  const calls: Array<[keyof AwsPort, any]> = [];
  const aws = {} as AwsPort;
  for (const name of ['putItem', 'putObject', 'publish'] as const) {
    aws[name] = async (input: any) => {
      calls.push([name, input]);
      const b = behaviour[name];
      return b ? b(input) : {};
    };
  }
  return { aws, calls };
}

const processor = (aws: AwsPort, logs: string[] = []) =>
  createProcessor({
    aws,
    tableName: 'transactions-test',
    bucketName: 'docs',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    kmsKeyArn: KEY_ARN,
    region: 'us-west-2',
    now: () => new Date('2026-11-24T00:00:00Z'),
    log: (l) => logs.push(l),
  });

const conditionFailed = (item: any) => () =>
  Promise.reject(Object.assign(new Error('cond'), { name: 'ConditionalCheckFailedException', Item: item }));
const s3Error = (status: number, name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
/** The committed item a successful run writes for this event. */
async function committed(e: object) {
  const { aws, calls } = port({});
  await processor(aws)(e, 'r0');
  return calls.filter(([n]) => n === 'putItem').at(-1)![1].Item;
}

describe('idempotency decision', () => {
  it('is new without a stored item; same fingerprint: replay a record, resume a pending claim; else conflict', () => {
    expect(decide(undefined, 'abc')).toBe('new');
    expect(decide({ fingerprint: { S: 'abc' }, status: { S: 'committed' } }, 'abc')).toBe('replay');
    expect(decide({ fingerprint: { S: 'abc' }, status: { S: 'pending' } }, 'abc')).toBe('resume');
    expect(decide({ fingerprint: { S: 'abc' }, status: { S: 'pending' } }, 'abd')).toBe('conflict');
    expect(decide({ fingerprint: { S: 'abc' } }, 'abd')).toBe('conflict');
    expect(decide({}, 'abc')).toBe('conflict');
  });
});

describe('items', () => {
  const base = {
    ...validate(event).transaction,
    createdAt: '2026-01-01T00:00:00.000Z',
    processedRegion: 'r',
    requestId: 'q',
  };

  it('marshal each attribute by name: strings to S, amountMinor to N, metadata as one opaque attribute', () => {
    const item = toItem({ ...base, metadata: { channel: 'web' } });
    expect(item).toMatchObject({
      amount: { S: '1.00' },
      amountMinor: { N: '100' },
      metadata: { S: '{"channel":"web"}' },
      status: { S: 'committed' },
    });
    expect(fromItem(item)).toMatchObject({ amount: '1.00', amountMinor: '100', metadata: { channel: 'web' } });
    expect(fromItem(item)).not.toHaveProperty('fingerprint');
    expect(fromItem(item)).not.toHaveProperty('status');
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
    expect(unwrap(event)).toEqual({ input: event, exactNumbers: true });
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
    const raw = (amount: string) => unwrap(wrapped(`{"amount":${amount}}`)).exactNumbers;
    for (const exact of ['10.5', '10.50', '1.05e1', '90000000000000.0', '0', '-0', '1e21', '123456789012345'])
      expect(raw(exact)).toBe(true);
    for (const rounded of ['90000000000000.01', '0.10000000000000001', '9007199254740993', '1e400', '1e-400'])
      expect(raw(rounded)).toBe(false);
    // Digits inside strings are not numbers.
    expect(unwrap(wrapped('{"a":"90000000000000.01","b":"\\"0.10000000000000001"}')).exactNumbers).toBe(true);
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

  it('with a document: claims the id, then puts the document under the stack key, then commits over the claim (items 5, 6)', async () => {
    const { aws, calls } = port({});
    expect((await processor(aws)(withDoc, 'req-1')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['putItem', 'putObject', 'putItem']);
    const [[, claim], [, put], [, commit]] = calls;
    expect(claim.ConditionExpression).toBe('attribute_not_exists(transactionId)');
    expect(Object.keys(claim.Item).sort()).toEqual([
      'documentKey',
      'fingerprint',
      'requestId',
      'status',
      'transactionId',
    ]);
    expect(claim.Item.status).toEqual({ S: 'pending' });
    expect(put).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: KEY_ARN,
      BucketKeyEnabled: true,
      IfNoneMatch: '*',
    });
    expect(put.Key).toMatch(new RegExp(`^${DOCUMENT_PREFIX}a-1/t-1/[0-9a-f]{64}$`));
    expect(commit).toMatchObject({
      ConditionExpression: '#status = :pending AND fingerprint = :fingerprint',
      ExpressionAttributeValues: { ':pending': { S: 'pending' }, ':fingerprint': claim.Item.fingerprint },
    });
    expect(commit.Item).toMatchObject({
      status: { S: 'committed' },
      accountId: { S: 'a-1' },
      documentKey: { S: put.Key },
    });
  });

  it('refuses a different document under a claimed or recorded id before writing anything (item 5)', async () => {
    for (const stored of [
      await committed(withDoc),
      { transactionId: { S: 't-1' }, fingerprint: { S: 'other' }, status: { S: 'pending' } },
    ]) {
      const { aws, calls } = port({ putItem: conditionFailed({ ...stored, fingerprint: { S: 'other' } }) });
      expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(409);
      expect(calls.map(([n]) => n)).toEqual(['putItem']);
    }
  });

  it('resumes its own pending claim (a retry after a failure) and replays its own record', async () => {
    const record = await committed(withDoc);
    const claim = { transactionId: record.transactionId, fingerprint: record.fingerprint, status: { S: 'pending' } };
    const resumed = port({
      putItem: async (i) => (i.ConditionExpression.startsWith('attribute_not_exists') ? conditionFailed(claim)() : {}),
    });
    expect((await processor(resumed.aws)(withDoc, 'r2')).statusCode).toBe(201);
    expect(resumed.calls.map(([n]) => n)).toEqual(['putItem', 'putObject', 'putItem']);

    const replayed = port({ putItem: conditionFailed(record) });
    const res = await processor(replayed.aws)(withDoc, 'r3');
    expect([res.statusCode, JSON.parse(res.body).replayed]).toEqual([200, true]);
    expect(replayed.calls.map(([n]) => n)).toEqual(['putItem']);
  });

  it('replays when a concurrent retry of the same request committed first', async () => {
    const record = await committed(withDoc);
    const { aws } = port({
      putItem: async (i) => (i.ConditionExpression.startsWith('#status') ? conditionFailed(record)() : {}),
    });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(200);
  });

  it('retries the upload after S3 409 ConditionalRequestConflict and settles without an alert (item 7)', async () => {
    const answers = [s3Error(409, 'ConditionalRequestConflict'), s3Error(412, 'PreconditionFailed')];
    const { aws, calls } = port({ putObject: () => Promise.reject(answers.shift()) });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['putItem', 'putObject', 'putObject', 'putItem']);
  });

  it('alerts when S3 keeps answering 409', async () => {
    const { aws, calls } = port({ putObject: () => Promise.reject(s3Error(409, 'ConditionalRequestConflict')) });
    await expect(processor(aws)(withDoc, 'r')).rejects.toThrow('ConditionalRequestConflict');
    expect(calls.map(([n]) => n)).toEqual(['putItem', 'putObject', 'putObject', 'publish']);
  });

  it('alerts and rethrows when a client fails unexpectedly', async () => {
    const logs: string[] = [];
    const { aws, calls } = port({
      putItem: () => Promise.reject(Object.assign(new Error('boom'), { name: 'InternalServerError' })),
    });
    await expect(processor(aws, logs)(event, 'req-1')).rejects.toThrow('boom');
    const publish = calls.find(([n]) => n === 'publish')![1];
    expect(publish.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:alerts');
    expect(JSON.parse(publish.Message)).toEqual({
      transactionId: 't-1',
      requestId: 'req-1',
      region: 'us-west-2',
      error: 'InternalServerError',
      message: 'boom',
    });
    expect(JSON.parse(logs[0])).toMatchObject({
      level: 'error',
      msg: 'failed',
      transactionId: 't-1',
      requestId: 'req-1',
    });
  });

  it('still rethrows the original error when the alert itself fails', async () => {
    const logs: string[] = [];
    const { aws } = port({
      putItem: () => Promise.reject(new Error('table down')),
      publish: () => Promise.reject(Object.assign(new Error('sns down'), { name: 'SnsDown' })),
    });
    await expect(processor(aws, logs)(event, 'r')).rejects.toThrow('table down');
    expect(logs.map((l) => JSON.parse(l).msg)).toEqual(['failed', 'alert failed']);
  });

  it('settles a lost race from the item returned with the failed condition', async () => {
    const stored = await committed(event);
    expect((await processor(port({ putItem: conditionFailed(stored) }).aws)(event, 'r2')).statusCode).toBe(200);
    const other = { ...stored, fingerprint: { S: 'someone-else' } };
    expect((await processor(port({ putItem: conditionFailed(other) }).aws)(event, 'r3')).statusCode).toBe(409);
  });

  it('never commits the record when the document upload fails', async () => {
    const { aws, calls } = port({ putObject: () => Promise.reject(new Error('s3 down')) });
    await expect(processor(aws)(withDoc, 'r')).rejects.toThrow('s3 down');
    expect(calls.map(([n]) => n)).toEqual(['putItem', 'putObject', 'publish']);
    expect(calls[0][1].Item.status).toEqual({ S: 'pending' });
  });

  it('treats 412 from the content-addressed upload as already stored', async () => {
    const { aws, calls } = port({ putObject: () => Promise.reject(s3Error(412, 'PreconditionFailed')) });
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['putItem', 'putObject', 'putItem']);
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
    [PROCESSOR_ENV.topicArn]: 'arn:aws:sns:us-east-1:123456789012:tap-dr-alerts-dev',
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

  it.each(['2.5', '0', '-1', '1e3', '', ' 3000', '0x10', '30001', '99999999999', 'NaN'])(
    'refuses AWS_CALL_TIMEOUT_MS=%p',
    (v) => {
      expect(() => readProcessorEnv({ ...good, [PROCESSOR_ENV.callTimeoutMs]: v })).toThrow(
        new RegExp(`AWS_CALL_TIMEOUT_MS=.* is invalid: expected a whole number of milliseconds from 1 to 30000`),
      );
    },
  );

  it('names every missing or malformed variable at once', () => {
    const env = {
      ...good,
      [PROCESSOR_ENV.documentsKmsKeyArn]: 'alias/transaction-encryption-dev',
      [PROCESSOR_ENV.topicArn]: undefined,
    };
    expect(() => readProcessorEnv(env)).toThrow(
      /^Invalid transaction-processor environment: SNS_TOPIC_ARN is not set: expected an SNS topic ARN; DOCUMENTS_KMS_KEY_ARN="alias\/transaction-encryption-dev" is invalid: expected a KMS key ARN/,
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
