/**
 * The contract between the stack (src/) and the transaction processor (lambda/): what both
 * sides must spell the same way. The handler bundle imports this file, so it must stay
 * dependency-free (no cdktf, no SDK, no Node built-ins) and small.
 */

/** The processor's environment variable names. Never AWS_REGION: Lambda reserves it (seed fix 4). */
export const PROCESSOR_ENV = {
  tableName: 'DYNAMODB_TABLE_NAME',
  bucketName: 'S3_BUCKET_NAME',
  topicArn: 'SNS_TOPIC_ARN',
  /** Per-call AWS SDK deadline in ms, so a hung dependency fails fast instead of eating the Lambda timeout. */
  callTimeoutMs: 'AWS_CALL_TIMEOUT_MS',
  /**
   * ARN of the key documents are encrypted with. PutObject must name it: with `aws:kms` and no
   * key id, S3 uses the AWS-managed `aws/s3` key, not the bucket's default key.
   */
  documentsKmsKeyArn: 'DOCUMENTS_KMS_KEY_ARN',
} as const;

/** Used when AWS_CALL_TIMEOUT_MS is unset; the stack sets it to this value explicitly. */
export const DEFAULT_CALL_TIMEOUT_MS = 3000;
/** The largest AWS_CALL_TIMEOUT_MS the processor accepts (it refuses to start above it). */
export const MAX_CALL_TIMEOUT_MS = 30_000;

/**
 * The most AWS calls one invocation makes, each bounded by the call timeout: claim (PutItem),
 * PutObject, one PutObject retry after S3's 409 ConditionalRequestConflict, commit (PutItem),
 * the alert (Publish). The function timeout must exceed MAX_AWS_CALLS x the call timeout so a
 * hung dependency is reported, not timed out.
 */
export const MAX_AWS_CALLS = 5;

/** Object keys the processor writes under (`documents/<account>/<transaction>/<sha256>`); IAM is scoped to it. */
export const DOCUMENT_PREFIX = 'documents/';

/**
 * Table attributes the processor relies on. A record is `committed`; a `pending` item is a claim
 * on a transactionId taken before its document is written. Claims carry no `accountId` or
 * `createdAt`, so the account index never shows them.
 */
export const RECORD = {
  partitionKey: 'transactionId',
  statusAttribute: 'status',
  pending: 'pending',
  committed: 'committed',
  accountIndex: { partitionKey: 'accountId', sortKey: 'createdAt' },
} as const;
