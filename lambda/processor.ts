/**
 * The transaction processor. Order of effects, chosen so that a conflict writes nothing, no failure
 * leaves a record pointing at nothing, and no retry of an acknowledged request, in either region,
 * can undo its record (different content for one id sent to both regions within the replication
 * lag stays the caller's duty: DynamoDB checks conditions against the local replica only):
 *
 *   1. validate (duplicate keys, depth and size first)  -> 400, nothing written
 *   without a document:
 *   2. PutItem the record, attribute_not_exists      -> 201; else the stored record decides 200 / 409
 *   with a document:
 *   2. TransactWriteItems: ConditionCheck the record  -> record exists: 200 (same fingerprint) or 409,
 *      (attribute_not_exists) + Put the claim item       nothing written; another fingerprint's claim:
 *      `<transactionId>#claim` (absent, or ours)          409, nothing written
 *   3. PutObject, content-addressed key, SSE-KMS with the stack's key, If-None-Match: *
 *      (409: jittered backoff inside one call deadline; 412: the stored object must have our SHA-256)
 *   4. PutItem the record, attribute_not_exists       -> 201; else the stored record decides 200 / 409
 *      (TransactionConflictException while a copy is inside step 2: backoff, as for 409)
 *
 * What a reader (GetItem by transactionId, the account index) sees: nothing until the record's one
 * write, then the committed record. The claim is an item of its own (a key no transactionId can
 * spell), never the record's item, so no claim, in either region, at any replication lag, can
 * replace a record under global tables' last-writer-wins; the record itself is only ever written
 * with attribute_not_exists, once its document is stored. A failure after 2 leaves a claim (and
 * perhaps its document), which the same request's retry, in either region, completes.
 *
 * Failures are rethrown, never published: Lambda's Errors metric and its alarm are the one pager
 * (a bounded number of notifications per state change, docs/RUNBOOK.md).
 */
import type { AttributeValue, PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { createHash } from 'crypto';
import { DOCUMENT_PREFIX, DR_CHECK_CANARY, PROCESSOR_ENV, RECORD, SCHEMA_VERSION } from '../src/contract';
import type { AwsPort } from './aws';
import { scanJson } from './json-scan';
import {
  isObject,
  NumberSource,
  numbersAreExact,
  Transaction,
  TransactionDocument,
  validate,
  ValidationError,
} from './validate';

export interface ProcessorDeps {
  readonly aws: AwsPort;
  readonly tableName: string;
  readonly bucketName: string;
  /** The stack's key: named on every PutObject (without it S3 would use aws/s3). */
  readonly kmsKeyArn: string;
  /** The region that processed the transaction (the runtime's AWS_REGION). */
  readonly region: string;
  /** The per-call deadline: S3's 409 backoff stays inside one of them. */
  readonly callTimeoutMs: number;
  /** DR_CHECK_PRINCIPALS: the role ARNs whose sessions may write canaries over the HTTP API; none when absent. */
  readonly drCheckPrincipals?: readonly string[];
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
  /** For tests: the backoff's wait and its jitter. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
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

/** Who sent a request, as the record carries it. */
export interface Caller {
  /** `http`: through the HTTP API or a function URL; `direct`: lambda:InvokeFunction. */
  readonly entryPoint: 'http' | 'direct';
  /** The IAM principal the API authenticated (requestContext.authorizer.iam.userArn). */
  readonly principal?: string;
  /** The API's request id (requestContext.requestId), as its access log has it. */
  readonly apiRequestId?: string;
}

const ARN_TEXT = /^arn:[\x21-\x7e]{1,2040}$/;
const REQUEST_ID = /^[\w.:=+/-]{1,128}$/;
const text = (v: unknown, form: RegExp) => (typeof v === 'string' && form.test(v) ? v : undefined);

/** What the fingerprint binds a request to: the principal, without an assumed role's session name. */
export function callerIdentity(c: Caller): string {
  if (c.entryPoint === 'direct') return 'direct';
  if (!c.principal) return 'http:unauthenticated';
  return `iam:${c.principal.replace(/^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.*$/, '$1')}`;
}

/** The identity callerIdentity gives a session of this role: `arn:<p>:sts::<account>:assumed-role/<name>` (no path). */
export function roleSessionIdentity(roleArn: string): string | undefined {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return m ? `iam:arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}` : undefined;
}

const FORBIDDEN_CANARY = {
  error: 'Forbidden',
  message: `accountId ${DR_CHECK_CANARY.accountId} is dr:check's: only the roles in ${PROCESSOR_ENV.drCheckPrincipals} may write it, through the HTTP API`,
};

/**
 * A 403 unless the transaction is outside the canary namespace or the caller is a session of a
 * DR_CHECK_PRINCIPALS role (`canaryCallers`: their identities as callerIdentity gives them).
 */
function canaryRefusal(t: Transaction, caller: Caller, canaryCallers: ReadonlySet<string>): Response | undefined {
  if (t.accountId !== DR_CHECK_CANARY.accountId) return undefined;
  const allowed = caller.entryPoint === 'http' && canaryCallers.has(callerIdentity(caller));
  return allowed ? undefined : respond(403, FORBIDDEN_CANARY);
}

function callerOf(event: Record<string, unknown>): Caller {
  const ctx = isObject(event.requestContext) ? event.requestContext : {};
  const authorizer = isObject(ctx.authorizer) ? ctx.authorizer : {};
  const iam = isObject(authorizer.iam) ? authorizer.iam : {};
  return { entryPoint: 'http', principal: text(iam.userArn, ARN_TEXT), apiRequestId: text(ctx.requestId, REQUEST_ID) };
}

/** Bodies larger than this are refused before they are decoded or parsed: a document and the rest. */
export const MAX_BODY_CHARS = Math.ceil((1 << 20) / 3) * 4 + 64 * 1024;

/**
 * A direct invocation is the transaction; API Gateway and function URLs wrap it in `body`.
 * For a wrapped body the raw text is at hand: it is checked for size, depth and duplicate keys
 * before parsing, and for numbers that parsing rounded.
 */
export function unwrap(event: unknown): { input: unknown; numbers: NumberSource; caller: Caller } {
  if (!isObject(event) || !Object.hasOwn(event, 'requestContext'))
    return { input: event, numbers: 'parsed', caller: { entryPoint: 'direct' } };
  const { body, isBase64Encoded } = event;
  if (typeof body !== 'string') throw new ValidationError('body', BODY_FORM);
  const base64 = isBase64Encoded === true;
  if (body.length > (base64 ? Math.ceil(MAX_BODY_CHARS / 3) * 4 : MAX_BODY_CHARS))
    throw new ValidationError('body', `at most ${MAX_BODY_CHARS} characters of JSON`);
  let text: string;
  try {
    text = base64 ? utf8.decode(Buffer.from(body, 'base64')) : body;
  } catch {
    throw new ValidationError('body', BODY_FORM);
  }
  scanJson(text); // duplicate keys and depth: a 400 naming the field, before JSON.parse
  try {
    const input = JSON.parse(text);
    if (isObject(input))
      return { input, numbers: numbersAreExact(text) ? 'exact' : 'rounded', caller: callerOf(event) };
  } catch {
    // not JSON
  }
  throw new ValidationError('body', BODY_FORM);
}

export type Decision = 'replay' | 'conflict';

/**
 * A stored record with the same fingerprint is this request's (replay); anything else at the
 * record's key is a conflict, including a `pending` item there (a claim of the design before
 * claims had their own items: it never became a record, and its id stays taken).
 */
export const decide = (stored: Item, fingerprint: string): Decision =>
  stored.fingerprint?.S === fingerprint && stored[RECORD.statusAttribute]?.S === RECORD.committed
    ? 'replay'
    : 'conflict';

export const documentKey = (t: Transaction, doc: TransactionDocument) =>
  `${DOCUMENT_PREFIX}${t.accountId}/${t.transactionId}/${doc.sha256}`;

/** The key of a transaction's claim item: `#` is outside every transactionId, so never a record's key. */
export const claimKey = (transactionId: string) => `${transactionId}${RECORD.claimSuffix}`;

/** What a committed record holds besides the transaction. */
export interface StoredRecord extends Transaction, Caller {
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
  'entryPoint',
  'principal',
  'apiRequestId',
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
    amountExponent: { N: String(r.amountExponent) },
    schemaVersion: { N: String(SCHEMA_VERSION) },
    fingerprint: { S: r.fingerprint },
    [RECORD.statusAttribute]: { S: RECORD.committed },
  };
  for (const k of TEXT_ATTRIBUTES) if (typeof r[k] === 'string') item[k] = { S: r[k] };
  // A canary keeps its account out of the account index's key attribute (src/contract.ts).
  if (r.accountId === DR_CHECK_CANARY.accountId) {
    item[DR_CHECK_CANARY.recordAttribute] = item.accountId;
    delete item.accountId;
  }
  if (r.metadata) item.metadata = { S: JSON.stringify(r.metadata) };
  return item;
}

/**
 * The record as the API returns it: no fingerprint, status or schemaVersion; amountMinor a string
 * (exact beyond 2^53). A record without amountExponent predates it: its amountMinor is amount x 100.
 */
export function fromItem(item: Item): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of TEXT_ATTRIBUTES) if (Object.hasOwn(item, k) && item[k].S !== undefined) out[k] = item[k].S;
  const canary = item[DR_CHECK_CANARY.recordAttribute]?.S;
  if (canary !== undefined && out.accountId === undefined) out.accountId = canary;
  if (Object.hasOwn(item, 'amountMinor')) out.amountMinor = item.amountMinor.N;
  out.amountExponent = Object.hasOwn(item, 'amountExponent') ? Number(item.amountExponent.N) : 2;
  if (Object.hasOwn(item, 'metadata')) out.metadata = JSON.parse(item.metadata.S!);
  return out;
}

const httpStatus = (e: any): number | undefined => e?.$metadata?.httpStatusCode;
const CONFLICT = { error: 'Conflict', message: 'transactionId was used with different content or by another caller' };

/** S3's conditional-write conflict and DynamoDB's transaction conflict: both say "retry". */
const BACKOFF = { baseMs: 20, capMs: 250 } as const;

/** What every step of one processor needs: its dependencies, with the defaults filled in. */
interface Ctx {
  readonly deps: ProcessorDeps;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/**
 * Runs `attempt` until it settles or `retryable` says no, with full-jitter exponential backoff;
 * a new attempt starts only while it still begins inside one call deadline of the first.
 */
async function withBackoff<T>(ctx: Ctx, attempt: () => Promise<T>, retryable: (e: unknown) => boolean): Promise<T> {
  const until = Date.now() + ctx.deps.callTimeoutMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      const wait = Math.floor(ctx.random() * Math.min(BACKOFF.capMs, BACKOFF.baseMs * 2 ** n));
      if (!retryable(e) || Date.now() + wait >= until) throw e;
      await ctx.sleep(wait);
    }
  }
}

/** Conditional PutItem; the item that failed the condition, or undefined when written. */
async function put(ctx: Ctx, Item: Item, condition: Omit<PutItemCommandInput, 'TableName' | 'Item'>) {
  try {
    await ctx.deps.aws.putItem({
      TableName: ctx.deps.tableName,
      Item,
      ...condition,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    return undefined;
  } catch (e: any) {
    if (e?.name !== 'ConditionalCheckFailedException') throw e;
    if (!e.Item) throw new Error('ConditionalCheckFailedException without the stored item');
    return e.Item as Item;
  }
}

// A copy of this request inside its claim transaction makes DynamoDB refuse the record's PutItem
// with TransactionConflictException (the transaction checks the record's key): back off, as for 409.
const putNew = (ctx: Ctx, item: Item) =>
  withBackoff(
    ctx,
    () => put(ctx, item, { ConditionExpression: `attribute_not_exists(${RECORD.partitionKey})` }),
    (e: any) => e?.name === 'TransactionConflictException',
  );

function settle(t: Transaction, stored: Item): Response {
  if (decide(stored, t.fingerprint) === 'replay') return respond(200, { ...fromItem(stored), replayed: true });
  // Nothing of the stored item: the id may be another caller's.
  return respond(409, CONFLICT);
}

/** The claim's transaction: the record must not exist yet, and the claim is absent or ours. */
function claimTransaction(tableName: string, t: Transaction, item: Item) {
  const claimItem: Item = {
    [RECORD.partitionKey]: { S: claimKey(t.transactionId) },
    fingerprint: item.fingerprint,
    [RECORD.statusAttribute]: { S: RECORD.pending },
    requestId: item.requestId,
    documentKey: item.documentKey,
  };
  return {
    TransactItems: [
      {
        ConditionCheck: {
          TableName: tableName,
          Key: { [RECORD.partitionKey]: item[RECORD.partitionKey] },
          ConditionExpression: `attribute_not_exists(${RECORD.partitionKey})`,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      },
      {
        Put: {
          TableName: tableName,
          Item: claimItem,
          ConditionExpression: `attribute_not_exists(${RECORD.partitionKey}) OR fingerprint = :fingerprint`,
          ExpressionAttributeValues: { ':fingerprint': item.fingerprint },
        },
      },
    ],
  };
}

const cancellationReasons = (e: any): Array<{ Code?: string; Item?: Item }> =>
  e?.name === 'TransactionCanceledException' && Array.isArray(e.CancellationReasons) ? e.CancellationReasons : [];

/**
 * The claim, in one transaction with a check that the record does not exist yet: a request whose
 * record exists, or whose id another fingerprint has claimed, writes nothing. Undefined when
 * claimed; else the answer.
 */
async function claim(ctx: Ctx, t: Transaction, item: Item): Promise<Response | undefined> {
  const input = claimTransaction(ctx.deps.tableName, t, item);
  try {
    await withBackoff(
      ctx,
      () => ctx.deps.aws.transactWriteItems(input),
      // Another transaction on these items was in flight (concurrent copies of this request).
      (e) => cancellationReasons(e).some((r) => r?.Code === 'TransactionConflict'),
    );
    return undefined;
  } catch (e) {
    const [record, claimed] = cancellationReasons(e);
    if (record?.Code === 'ConditionalCheckFailed') {
      if (!record.Item) throw new Error('the record check failed without the stored item');
      return settle(t, record.Item);
    }
    if (claimed?.Code === 'ConditionalCheckFailed') return respond(409, CONFLICT);
    throw e;
  }
}

/**
 * S3's own SHA-256 of a stored object (HeadObject, checksum mode), or, where S3 keeps none (AWS
 * does not say that replication copies the checksum to a replica), the hash of its bytes.
 */
async function storedSha256(ctx: Ctx, key: string): Promise<string> {
  const { aws, bucketName } = ctx.deps;
  const head: any = await aws.headObject({ Bucket: bucketName, Key: key, ChecksumMode: 'ENABLED' });
  if (typeof head?.ChecksumSHA256 === 'string') return Buffer.from(head.ChecksumSHA256, 'base64').toString('hex');
  const bytes = await aws.getObjectBytes({ Bucket: bucketName, Key: key });
  return createHash('sha256').update(bytes).digest('hex');
}

/** `If-None-Match: *`; 409 backs off inside the deadline; 412 must be this very document. */
async function storeDocument(ctx: Ctx, key: string, doc: TransactionDocument) {
  const checksum = Buffer.from(doc.sha256, 'hex').toString('base64');
  const input = {
    Bucket: ctx.deps.bucketName,
    Key: key,
    Body: doc.body,
    ContentType: doc.contentType,
    // The algorithm named too, so S3 keeps this SHA-256 as the object's checksum (HeadObject shows it).
    ChecksumAlgorithm: 'SHA256' as const,
    ChecksumSHA256: checksum,
    ServerSideEncryption: 'aws:kms' as const,
    SSEKMSKeyId: ctx.deps.kmsKeyArn,
    // Explicit, so the KMS encryption context is always the bucket ARN, whatever the bucket's default.
    BucketKeyEnabled: true,
    // Never replace a stored document: the bucket policy refuses a function's put without it.
    IfNoneMatch: '*',
  };
  try {
    await withBackoff(
      ctx,
      () => ctx.deps.aws.putObject(input),
      (e) => httpStatus(e) === 409,
    );
  } catch (e) {
    if (httpStatus(e) !== 412) throw e;
    // The key exists: it is ours only if the stored object's SHA-256 is this document's.
    if ((await storedSha256(ctx, key)) !== doc.sha256)
      throw new Error(`the object at ${key} exists and its SHA-256 is not this document's`);
  }
}

async function record(
  ctx: Ctx,
  t: Transaction,
  doc: TransactionDocument | undefined,
  caller: Caller,
  requestId: string,
): Promise<Response> {
  const { now, region } = ctx.deps;
  const key = doc && documentKey(t, doc);
  const item = toItem({
    ...t,
    ...caller,
    createdAt: t.createdAt ?? (now?.() ?? new Date()).toISOString(),
    processedRegion: region,
    requestId,
    documentKey: key,
    documentSha256: doc?.sha256,
    documentContentType: doc?.contentType,
  });
  if (doc) {
    const answer = await claim(ctx, t, item);
    if (answer) return answer;
    await storeDocument(ctx, key!, doc);
  }
  const old = await putNew(ctx, item);
  return old ? settle(t, old) : respond(201, fromItem(item));
}

export function createProcessor(deps: ProcessorDeps) {
  const log = deps.log ?? console.log;
  const ctx: Ctx = {
    deps,
    sleep: deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: deps.random ?? Math.random,
  };
  // Once per cold start, not per request.
  const canaryCallers = new Set((deps.drCheckPrincipals ?? []).flatMap((r) => roleSessionIdentity(r) ?? []));
  return async (event: unknown, requestId: string): Promise<Response> => {
    let transactionId: string | undefined;
    // Structured log lines: ids and outcome only, never the document or the amount.
    const line = (level: string, msg: string, extra?: object) =>
      log(JSON.stringify({ level, msg, transactionId, requestId, ...extra }));
    try {
      const { input, numbers, caller } = unwrap(event);
      const { transaction, document } = validate(input, { numbers, caller: callerIdentity(caller) });
      transactionId = transaction.transactionId;
      const res =
        canaryRefusal(transaction, caller, canaryCallers) ??
        (await record(ctx, transaction, document, caller, requestId));
      line('info', 'processed', { statusCode: res.statusCode, apiRequestId: caller.apiRequestId });
      return res;
    } catch (e: any) {
      if (e instanceof ValidationError) {
        line('warn', 'rejected', { field: e.field });
        return respond(400, { error: 'ValidationError', field: e.field, message: `expected ${e.message}` });
      }
      line('error', 'failed', { error: String(e?.name), message: String(e?.message) });
      throw e;
    }
  };
}
