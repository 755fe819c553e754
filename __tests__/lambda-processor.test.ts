import type { AwsPort } from '../lambda/aws';
import { createProcessor, decide, fromItem, toItem, unwrap } from '../lambda/processor';
import { ValidationError } from '../lambda/validate';

const event = { transactionId: 't-1', accountId: 'a-1', amount: '1.00', currency: 'EUR', type: 'credit' };

/** An AwsPort whose calls fail or succeed as a test says, recording each call (no AWS involved). */
function port(behaviour: Partial<Record<keyof AwsPort, (input: any) => Promise<any>>>) {
  const calls: Array<[keyof AwsPort, any]> = [];
  const aws = {} as AwsPort;
  for (const name of ['getItem', 'putItem', 'putObject', 'publish'] as const) {
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
    region: 'us-west-2',
    now: () => new Date('2026-11-24T00:00:00Z'),
    log: (l) => logs.push(l),
  });

describe('idempotency decision', () => {
  it('is new without a stored item, a replay for the same fingerprint, a conflict otherwise', () => {
    expect(decide(undefined, 'abc')).toBe('new');
    expect(decide({ fingerprint: { S: 'abc' } }, 'abc')).toBe('replay');
    expect(decide({ fingerprint: { S: 'abc' } }, 'abd')).toBe('conflict');
    expect(decide({}, 'abc')).toBe('conflict');
  });
});

describe('items', () => {
  it('marshal strings to S, amountMinor to N, objects to M, and drop undefined', () => {
    const item = toItem({ a: 'x', amountMinor: '105', metadata: { k: 'v' }, gone: undefined });
    expect(item).toEqual({ a: { S: 'x' }, amountMinor: { N: '105' }, metadata: { M: { k: { S: 'v' } } } });
    expect(fromItem({ ...item, fingerprint: { S: 'f' } })).toEqual({ a: 'x', amountMinor: '105', metadata: { k: 'v' } });
  });
});

describe('event unwrapping', () => {
  it('passes direct invocations through and unwraps API Gateway / function URL bodies', () => {
    expect(unwrap(event)).toBe(event);
    expect(unwrap({ requestContext: {}, body: JSON.stringify(event) })).toEqual(event);
    expect(unwrap({ requestContext: {}, isBase64Encoded: true, body: Buffer.from(JSON.stringify(event)).toString('base64') })).toEqual(event);
    expect(() => unwrap({ requestContext: {}, body: '{' })).toThrow(ValidationError);
  });
});

describe('processor with an injected client', () => {
  it('makes no AWS call for an invalid event', async () => {
    const { aws, calls } = port({});
    const res = await processor(aws)({ ...event, amount: 'ten' }, 'r');
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'ValidationError', field: 'amount', message: 'expected a positive decimal with at most 2 places' });
    expect(calls).toEqual([]);
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
      Item: expect.objectContaining({ processedRegion: { S: 'us-west-2' }, createdAt: { S: '2026-11-24T00:00:00.000Z' }, requestId: { S: 'req-9' } }),
    });
  });

  it('alerts and rethrows when a client fails unexpectedly', async () => {
    const logs: string[] = [];
    const { aws, calls } = port({ putItem: () => Promise.reject(Object.assign(new Error('boom'), { name: 'InternalServerError' })) });
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
    expect(JSON.parse(logs[0])).toMatchObject({ level: 'error', msg: 'failed', transactionId: 't-1', requestId: 'req-1' });
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
    const first = port({});
    await processor(first.aws)(event, 'r1');
    const stored = first.calls[0][1].Item;
    const race = (item: any) => () => Promise.reject(Object.assign(new Error('cond'), { name: 'ConditionalCheckFailedException', Item: item }));
    expect((await processor(port({ putItem: race(stored) }).aws)(event, 'r2')).statusCode).toBe(200);
    const other = { ...stored, fingerprint: { S: 'someone-else' } };
    expect((await processor(port({ putItem: race(other) }).aws)(event, 'r3')).statusCode).toBe(409);
  });

  it('never writes the record when the document upload fails', async () => {
    const { aws, calls } = port({ putObject: () => Promise.reject(new Error('s3 down')) });
    const withDoc = { ...event, document: { contentType: 'application/pdf', content: 'JVBERi0=' } };
    await expect(processor(aws)(withDoc, 'r')).rejects.toThrow('s3 down');
    expect(calls.map(([n]) => n)).toEqual(['getItem', 'putObject', 'publish']);
  });

  it('treats 412 from the content-addressed upload as already stored', async () => {
    const { aws, calls } = port({
      putObject: () => Promise.reject(Object.assign(new Error('precondition'), { $metadata: { httpStatusCode: 412 } })),
    });
    const withDoc = { ...event, document: { contentType: 'application/pdf', content: 'JVBERi0=' } };
    expect((await processor(aws)(withDoc, 'r')).statusCode).toBe(201);
    expect(calls.map(([n]) => n)).toEqual(['getItem', 'putObject', 'putItem']);
    expect(calls[1][1]).toMatchObject({ IfNoneMatch: '*', ServerSideEncryption: 'aws:kms' });
    expect(calls[1][1].Key).toMatch(/^documents\/a-1\/t-1\/[0-9a-f]{64}$/);
  });
});
