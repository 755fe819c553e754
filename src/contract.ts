/**
 * The contract between the stack (src/) and the transaction processor (lambda/): what both
 * sides must spell the same way. The handler bundle imports this file, so it must stay
 * dependency-free (no cdktf, no SDK, no Node built-ins) and small.
 */

/** The processor's environment variable names. Never AWS_REGION: Lambda reserves it (seed fix 4). */
export const PROCESSOR_ENV = {
  tableName: 'DYNAMODB_TABLE_NAME',
  bucketName: 'S3_BUCKET_NAME',
  /** Per-call AWS SDK deadline in ms, so a hung dependency fails fast instead of eating the Lambda timeout. */
  callTimeoutMs: 'AWS_CALL_TIMEOUT_MS',
  /**
   * ARN of the key documents are encrypted with. PutObject must name it: with `aws:kms` and no
   * key id, S3 uses the AWS-managed `aws/s3` key, not the bucket's default key.
   */
  documentsKmsKeyArn: 'DOCUMENTS_KMS_KEY_ARN',
  /**
   * Comma-separated IAM role ARNs that may write in the canary namespace (DR_CHECK_CANARY below);
   * unset when DR_CHECK_PRINCIPALS is, and then nobody may.
   */
  drCheckPrincipals: 'DR_CHECK_PRINCIPALS',
} as const;

/** An IAM role ARN (any partition and account): CROSS_REGION_TRUSTED_PRINCIPALS and DR_CHECK_PRINCIPALS. */
export const ROLE_ARN_PATTERN = '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$';

/** Used when AWS_CALL_TIMEOUT_MS is unset; the stack sets it to this value explicitly. */
export const DEFAULT_CALL_TIMEOUT_MS = 3000;
/**
 * The largest AWS_CALL_TIMEOUT_MS the functions accept (they refuse to start above it). The
 * function timeouts are derived from it (processorTimeoutSeconds, and the regional functions'),
 * so every accepted value fits: a test checks the inequality over the whole range.
 */
export const MAX_CALL_TIMEOUT_MS = 3000;

/**
 * The most call deadlines one invocation spends in its worst case. A step retried with backoff
 * starts its last attempt inside one deadline, and that attempt may take a deadline of its own,
 * so it counts 2: the claim (TransactWriteItems, TransactionConflict), PutObject (409), and the
 * record's PutItem (TransactionConflictException while a copy of this request is inside its
 * claim transaction). HeadObject after a 412 counts 1 (its GetObject fallback, 1 more).
 * __tests__/lambda-processor.test.ts measures the real processor against this budget.
 */
export const MAX_AWS_CALLS = 2 + 2 + 1 + 1 + 2;
/** Headroom after the last deadline for logging and the runtime. */
export const TIMEOUT_HEADROOM_SECONDS = 5;

/** The heartbeat's and /health's most sequential calls: GetItem of the peer's beat, then PutMetricData. */
export const REGIONAL_MAX_SEQUENTIAL_CALLS = 2;
/** The heartbeat's and /health's function timeout, derived the same way. */
export const regionalTimeoutSeconds = (maxCallTimeoutMs = MAX_CALL_TIMEOUT_MS) =>
  Math.ceil((REGIONAL_MAX_SEQUENTIAL_CALLS * maxCallTimeoutMs) / 1000) + TIMEOUT_HEADROOM_SECONDS;

/** The processor's function timeout: every call at the largest accepted deadline, plus headroom. */
export const processorTimeoutSeconds = (maxCallTimeoutMs = MAX_CALL_TIMEOUT_MS) =>
  Math.ceil((MAX_AWS_CALLS * maxCallTimeoutMs) / 1000) + TIMEOUT_HEADROOM_SECONDS;

/**
 * The record layout version every new record carries as `schemaVersion`. 2: `amountMinor` is
 * `amount` x 10^`amountExponent` (the currency's ISO 4217 minor unit), and the record names its
 * caller. A record without it is version 1: `amountMinor` is `amount` x 100 in every currency.
 */
export const SCHEMA_VERSION = 2;

/** Object keys the processor writes under (`documents/<account>/<transaction>/<sha256>`); IAM is scoped to it. */
export const DOCUMENT_PREFIX = 'documents/';

/**
 * Table attributes the processor relies on. A record is `committed`, at its transactionId; a
 * `pending` item is a claim on a transactionId taken before its document is written, in an item of
 * its own at `<transactionId>#claim` (no transactionId contains `#`). Claims carry no `accountId` or
 * `createdAt`, so the account index never shows them, and a read by transactionId never meets one.
 */
export const RECORD = {
  partitionKey: 'transactionId',
  statusAttribute: 'status',
  pending: 'pending',
  committed: 'committed',
  claimSuffix: '#claim',
  accountIndex: { partitionKey: 'accountId', sortKey: 'createdAt' },
} as const;

/**
 * The partition-key prefix of dr:check's direct canaries (dr/check-canary.ts). No transactionId
 * can spell it (`#` is outside its form), and the processor's role is denied every write whose key
 * starts with it or with the heartbeat's prefix (src/processor/spec.ts): neither a bug nor a
 * compromised processor can fake a canary or a beat and so mask a stalled replication.
 */
export const DR_CHECK_ITEM_PREFIX = '#dr-check#';

/**
 * dr:check's namespace for canaries sent through a processor (its API, IAM, key and bucket policy):
 * accountId `dr-check` with transactionIds starting `dr-check.`. The processor takes either only
 * with the other (400 otherwise, in any letter case), and only over the HTTP API from a role in
 * DR_CHECK_PRINCIPALS (403 otherwise), so no customer record can be in it, and dr:check's own
 * delete rights (docs/DR-CHECK.md, scoped by dynamodb:LeadingKeys and the object prefix) reach
 * nothing else. Such a record keeps its account in `recordAttribute`, never `accountId`, so the
 * account index never shows it.
 */
export const DR_CHECK_CANARY = {
  accountId: 'dr-check',
  transactionIdPrefix: 'dr-check.',
  recordAttribute: 'canaryAccountId',
} as const;
