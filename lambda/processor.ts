/**
 * The transaction processor. Order of effects, chosen so no failure leaves a record
 * pointing at nothing:
 *
 *   1. validate                          -> 400, nothing written
 *   2. with a document: GetItem          -> replay (200) or conflict (409) before any write
 *   3. with a document: PutObject        content-addressed key, If-None-Match: *
 *   4. PutItem attribute_not_exists      -> 201; on a lost race the old item decides 200 / 409
 *
 * A failure between 3 and 4 leaves at most an unreferenced, content-addressed object that
 * the retry reuses (If-None-Match makes that a no-op); the table never holds a record whose
 * document is missing. Unexpected failures alert SNS_TOPIC_ARN and are rethrown, so
 * Lambda's Errors metric and the alarm see them.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AwsPort } from './aws';
import { Transaction, TransactionDocument, validate, ValidationError } from './validate';

export interface ProcessorDeps {
  readonly aws: AwsPort;
  readonly tableName: string;
  readonly bucketName: string;
  readonly topicArn: string;
  /** The region that processed the transaction (the runtime's AWS_REGION). */
  readonly region: string;
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
}

export interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

type Item = Record<string, AttributeValue>;

const respond = (statusCode: number, payload: object): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(payload),
});

/** A direct invocation is the transaction; API Gateway and function URLs wrap it in `body`. */
export function unwrap(event: any): unknown {
  if (typeof event?.body != 'string' || !event.requestContext) return event;
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body);
  } catch {
    throw new ValidationError('body', 'JSON');
  }
}

/** Same id: identical content is a retry (replay the stored result), different content a conflict. */
export const decide = (stored: Item | undefined, fingerprint: string) =>
  !stored ? 'new' : stored.fingerprint?.S == fingerprint ? 'replay' : 'conflict';

export const documentKey = (t: Transaction, doc: TransactionDocument) =>
  `documents/${t.accountId}/${t.transactionId}/${doc.sha256}`;

/** Strings become S, nested objects M, amountMinor N (exact integer minor units); undefined is left out. */
export const toItem = (record: object): Item =>
  Object.fromEntries(
    Object.entries(record)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, k == 'amountMinor' ? { N: v } : typeof v == 'object' ? { M: toItem(v) } : { S: v }]),
  );

/** The record as the API returns it, without the fingerprint; amountMinor stays a string (exact beyond 2^53). */
export const fromItem = (item: Item): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(item)
      .filter(([k]) => k != 'fingerprint')
      .map(([k, v]) => [k, v.S ?? v.N ?? fromItem(v.M!)]),
  );

export function createProcessor({ aws, tableName, bucketName, topicArn, region, now, log = console.log }: ProcessorDeps) {
  const stored = async (t: Transaction) =>
    (await aws.getItem({ TableName: tableName, Key: { transactionId: { S: t.transactionId } }, ConsistentRead: true }))
      .Item;
  const settle = (t: Transaction, item?: Item) =>
    decide(item, t.fingerprint) == 'replay'
      ? respond(200, { ...fromItem(item!), replayed: true })
      : respond(409, { error: 'Conflict', message: 'transactionId was used with different content' });

  async function record(t: Transaction, doc: TransactionDocument | undefined, requestId: string): Promise<Response> {
    const key = doc && documentKey(t, doc);
    const item = toItem({
      ...t,
      createdAt: t.createdAt ?? (now?.() ?? new Date()).toISOString(),
      processedRegion: region,
      requestId,
      documentKey: key,
      documentSha256: doc?.sha256,
      documentContentType: doc?.contentType,
    });
    if (doc) {
      const old = await stored(t);
      if (old) return settle(t, old);
      await aws
        .putObject({
          Bucket: bucketName,
          Key: key,
          Body: doc.body,
          ContentType: doc.contentType,
          ChecksumSHA256: Buffer.from(doc.sha256, 'hex').toString('base64'),
          ServerSideEncryption: 'aws:kms',
          IfNoneMatch: '*',
        })
        .catch((e) => {
          // 412: the content-addressed object exists already, i.e. it is this very document.
          if (e.$metadata?.httpStatusCode != 412) throw e;
        });
    }
    try {
      await aws.putItem({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(transactionId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (e: any) {
      if (e.name != 'ConditionalCheckFailedException') throw e;
      return settle(t, e.Item ?? (await stored(t)));
    }
    return respond(201, fromItem(item));
  }

  return async (event: unknown, requestId: string): Promise<Response> => {
    let transactionId: string | undefined;
    // Structured log lines: ids and outcome only, never the document or the amount.
    const line = (level: string, msg: string, extra?: object) =>
      log(JSON.stringify({ level, msg, transactionId, requestId, ...extra }));
    try {
      const { transaction, document } = validate(unwrap(event));
      transactionId = transaction.transactionId;
      const res = await record(transaction, document, requestId);
      line('info', 'processed', { statusCode: res.statusCode });
      return res;
    } catch (e: any) {
      if (e instanceof ValidationError) {
        line('warn', 'rejected', { field: e.field });
        return respond(400, { error: 'ValidationError', field: e.field, message: `expected ${e.message}` });
      }
      const error = { error: e.name, message: e.message };
      line('error', 'failed', error);
      await aws
        .publish({
          TopicArn: topicArn,
          Subject: 'tap-dr: transaction processing failed',
          Message: JSON.stringify({ transactionId, requestId, region, ...error }),
        })
        .catch((a) => line('error', 'alert failed', { error: a.name }));
      throw e;
    }
  };
}
