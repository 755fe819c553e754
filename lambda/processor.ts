/**
 * The transaction processor. Order of effects, chosen so that a conflict writes nothing and
 * no failure leaves a record pointing at nothing:
 *
 *   1. validate                                  -> 400, nothing written
 *   without a document:
 *   2. PutItem the record, attribute_not_exists  -> 201; else the old item decides 200 / 409
 *   with a document:
 *   2. PutItem a pending claim (fingerprint),     -> a different fingerprint: 409, nothing written;
 *      attribute_not_exists                          committed, same fingerprint: 200 (replay);
 *                                                    pending, same fingerprint: resume (a retry)
 *   3. PutObject, content-addressed key, SSE-KMS with the stack's key, If-None-Match: *
 *   4. PutItem the record over the claim, if still pending with our fingerprint -> 201
 *
 * A failure after 2 leaves a pending claim (and perhaps its document) that only a retry of the
 * same request can complete. Unexpected failures alert SNS_TOPIC_ARN and are rethrown, so
 * Lambda's Errors metric and the alarm see them.
 */
import type { AttributeValue, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DOCUMENT_PREFIX, RECORD } from '../src/contract';
import type { AwsPort } from './aws';
import { isObject, numbersAreExact, Transaction, TransactionDocument, validate, ValidationError } from './validate';

export interface ProcessorDeps {
  readonly aws: AwsPort;
  readonly tableName: string;
  readonly bucketName: string;
  readonly topicArn: string;
  /** The stack's key: named on every PutObject (without it S3 would use aws/s3). */
  readonly kmsKeyArn: string;
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

const BODY_FORM = 'a JSON object in the request body (UTF-8 text, or base64 with isBase64Encoded: true)';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A direct invocation is the transaction; API Gateway and function URLs wrap it in `body`.
 * For a wrapped body the raw text is at hand, so `exactNumbers` says whether JSON parsing
 * rounded any number in it.
 */
export function unwrap(event: unknown): { input: unknown; exactNumbers: boolean } {
  if (!isObject(event) || !Object.hasOwn(event, 'requestContext')) return { input: event, exactNumbers: true };
  const { body, isBase64Encoded } = event;
  if (typeof body !== 'string') throw new ValidationError('body', BODY_FORM);
  try {
    const text = isBase64Encoded === true ? utf8.decode(Buffer.from(body, 'base64')) : body;
    const input = JSON.parse(text);
    if (isObject(input)) return { input, exactNumbers: numbersAreExact(text) };
  } catch {
    // not UTF-8, not JSON, or nested too deeply to parse
  }
  throw new ValidationError('body', BODY_FORM);
}

export type Decision = 'new' | 'replay' | 'resume' | 'conflict';

/** Same id: same fingerprint is a retry (replay a record, resume a claim); any other is a conflict. */
export const decide = (stored: Item | undefined, fingerprint: string): Decision =>
  !stored
    ? 'new'
    : stored.fingerprint?.S !== fingerprint
      ? 'conflict'
      : stored[RECORD.statusAttribute]?.S === RECORD.pending
        ? 'resume'
        : 'replay';

export const documentKey = (t: Transaction, doc: TransactionDocument) =>
  `${DOCUMENT_PREFIX}${t.accountId}/${t.transactionId}/${doc.sha256}`;

/** What a committed record holds besides the transaction. */
export interface StoredRecord extends Transaction {
  readonly createdAt: string;
  readonly processedRegion: string;
  readonly requestId: string;
  readonly documentKey?: string;
  readonly documentSha256?: string;
  readonly documentContentType?: string;
}

/** String attributes of a record, in response order. */
const TEXT_ATTRIBUTES = [
  'transactionId',
  'accountId',
  'amount',
  'currency',
  'type',
  'createdAt',
  'processedRegion',
  'requestId',
  'documentKey',
  'documentSha256',
  'documentContentType',
] as const;

/**
 * Each attribute by name, never by walking the record: metadata is one opaque attribute
 * (its JSON text), so no metadata key can become or shadow a record attribute.
 */
export function toItem(r: Omit<StoredRecord, 'createdAt'> & { createdAt?: string }): Item {
  const item: Item = {
    amountMinor: { N: r.amountMinor },
    fingerprint: { S: r.fingerprint },
    [RECORD.statusAttribute]: { S: RECORD.committed },
  };
  for (const k of TEXT_ATTRIBUTES) if (typeof r[k] === 'string') item[k] = { S: r[k] };
  if (r.metadata) item.metadata = { S: JSON.stringify(r.metadata) };
  return item;
}

/** The record as the API returns it: no fingerprint or status; amountMinor a string (exact beyond 2^53). */
export function fromItem(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TEXT_ATTRIBUTES) if (Object.hasOwn(item, k) && item[k].S !== undefined) out[k] = item[k].S;
  if (Object.hasOwn(item, 'amountMinor')) out.amountMinor = item.amountMinor.N;
  if (Object.hasOwn(item, 'metadata')) out.metadata = JSON.parse(item.metadata.S!);
  return out;
}

/** S3 answers 412 when the key exists, 409 (ConditionalRequestConflict) while another write to it is in flight. */
const httpStatus = (e: any): number | undefined => e?.$metadata?.httpStatusCode;

export function createProcessor(deps: ProcessorDeps) {
  const { aws, tableName, bucketName, topicArn, region, now, log = console.log } = deps;

  /** Conditional PutItem; the item that failed the condition, or undefined when written. */
  async function put(Item: Item, condition: Omit<PutItemCommandInput, 'TableName' | 'Item'>) {
    try {
      await aws.putItem({ TableName: tableName, Item, ...condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
      return undefined;
    } catch (e: any) {
      if (e?.name !== 'ConditionalCheckFailedException') throw e;
      if (!e.Item) throw new Error('ConditionalCheckFailedException without the stored item');
      return e.Item as Item;
    }
  }
  const putNew = (item: Item) => put(item, { ConditionExpression: `attribute_not_exists(${RECORD.partitionKey})` });

  /** A replay or a conflict; a claim that is still pending here means our own write was lost. */
  function settle(t: Transaction, stored: Item): Response {
    const decision = decide(stored, t.fingerprint);
    if (decision === 'replay') return respond(200, { ...fromItem(stored), replayed: true });
    if (decision === 'conflict')
      return respond(409, { error: 'Conflict', message: 'transactionId was used with different content' });
    throw new Error(`unexpected stored state for a ${decision} transaction`);
  }

  async function storeDocument(key: string, doc: TransactionDocument) {
    const input = {
      Bucket: bucketName,
      Key: key,
      Body: doc.body,
      ContentType: doc.contentType,
      ChecksumSHA256: Buffer.from(doc.sha256, 'hex').toString('base64'),
      ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: deps.kmsKeyArn,
      // Explicit, so the KMS encryption context is always the bucket ARN, whatever the bucket's default.
      BucketKeyEnabled: true,
      IfNoneMatch: '*',
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await aws.putObject(input);
      } catch (e) {
        // 412: the content-addressed key exists, i.e. it holds this very document.
        if (httpStatus(e) === 412) return;
        // 409: a racing write of this same key (a retry of this request); AWS says retry, once is enough to see 412.
        if (httpStatus(e) !== 409 || attempt > 1) throw e;
      }
    }
  }

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
    if (!doc) {
      const old = await putNew(item);
      return old ? settle(t, old) : respond(201, fromItem(item));
    }
    // The claim: no accountId or createdAt, so the account index never lists it.
    const claim: Item = {
      [RECORD.partitionKey]: item[RECORD.partitionKey],
      fingerprint: item.fingerprint,
      [RECORD.statusAttribute]: { S: RECORD.pending },
      requestId: item.requestId,
      documentKey: item.documentKey,
    };
    const old = await putNew(claim);
    if (old && decide(old, t.fingerprint) !== 'resume') return settle(t, old);
    await storeDocument(key!, doc);
    const lost = await put(item, {
      ConditionExpression: '#status = :pending AND fingerprint = :fingerprint',
      ExpressionAttributeNames: { '#status': RECORD.statusAttribute },
      ExpressionAttributeValues: { ':pending': { S: RECORD.pending }, ':fingerprint': item.fingerprint },
    });
    // Lost to a concurrent retry of the same request, which committed first.
    return lost ? settle(t, lost) : respond(201, fromItem(item));
  }

  return async (event: unknown, requestId: string): Promise<Response> => {
    let transactionId: string | undefined;
    // Structured log lines: ids and outcome only, never the document or the amount.
    const line = (level: string, msg: string, extra?: object) =>
      log(JSON.stringify({ level, msg, transactionId, requestId, ...extra }));
    try {
      const { input, exactNumbers } = unwrap(event);
      const { transaction, document } = validate(input, exactNumbers);
      transactionId = transaction.transactionId;
      const res = await record(transaction, document, requestId);
      line('info', 'processed', { statusCode: res.statusCode });
      return res;
    } catch (e: any) {
      if (e instanceof ValidationError) {
        line('warn', 'rejected', { field: e.field });
        return respond(400, { error: 'ValidationError', field: e.field, message: `expected ${e.message}` });
      }
      const error = { error: String(e?.name), message: String(e?.message) };
      line('error', 'failed', error);
      await aws
        .publish({
          TopicArn: topicArn,
          Subject: 'tap-dr: transaction processing failed',
          Message: JSON.stringify({ transactionId, requestId, region, ...error }),
        })
        .catch((a) => line('error', 'alert failed', { error: a?.name }));
      throw e;
    }
  };
}
