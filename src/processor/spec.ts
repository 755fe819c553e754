/** The transaction processor's spec: function settings, its environment, its least-privilege policy. */
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DOCUMENT_PREFIX,
  DR_CHECK_ITEM_PREFIX,
  PROCESSOR_ENV,
  processorTimeoutSeconds,
} from '../contract';
import { Dialect, Env, ownLogGroup, PolicyDocument, PolicyStatement, xrayTracing } from '../dialect';
import { HANDLERS, HEARTBEAT } from '../heartbeat-contract';
import { dynamodbKeyStatement, functionEnvironmentKey } from '../keys/spec';
import { names, NameParts } from '../naming';

export const processor = {
  description: 'Validates and records payment transactions in the global table',
  roleDescription: 'Least-privilege execution role of the tap-dr transaction processor',
  policyName: 'transaction-processor',
  runtime: 'nodejs22.x',
  handler: `index.${HANDLERS.processor}`,
  memorySize: 256,
  callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  /** Every AWS call of one invocation at the largest accepted deadline, plus headroom, so a hung
   *  dependency is reported by the handler (an error) rather than cut off by a Lambda timeout,
   *  whatever AWS_CALL_TIMEOUT_MS is set to (src/contract.ts, the one source). */
  timeoutSeconds: processorTimeoutSeconds(),
  tracingMode: 'Active',
  /** Object keys the processor writes under; the role is scoped to this prefix. */
  documentPrefix: DOCUMENT_PREFIX,
} as const;

/** The processor's environment, keyed by the contract's variable names (src/contract.ts). */
export function processorVariables<T>(r: {
  tableName: T;
  bucketName: T;
  keyArn: T;
  /** Not rendered: the processor publishes no alerts (the Errors alarm does). Accepted so older callers compile. */
  topicArn?: unknown;
  /** DR_CHECK_PRINCIPALS; rendered only when it names someone, so a deployment without it is unchanged. */
  drCheckPrincipals?: readonly string[];
}): Record<string, string | T> {
  return {
    [PROCESSOR_ENV.tableName]: r.tableName,
    [PROCESSOR_ENV.bucketName]: r.bucketName,
    [PROCESSOR_ENV.documentsKmsKeyArn]: r.keyArn,
    [PROCESSOR_ENV.callTimeoutMs]: String(processor.callTimeoutMs),
    ...(r.drCheckPrincipals?.length ? { [PROCESSOR_ENV.drCheckPrincipals]: r.drCheckPrincipals.join(',') } : {}),
  };
}

export interface ProcessorRefs<T> {
  readonly tableArn: string | T;
  readonly bucketArn: string | T;
  readonly keyArn: string | T;
  /** Not granted: the processor publishes no alerts since the Errors alarm is the pager. */
  readonly topicArn?: string | T;
}

/** Every DynamoDB action that writes an item: the ones a Deny on reserved keys must cover. */
export const ITEM_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** Partition-key prefixes of the items the processor never writes: the beats and dr:check's canaries. */
export const RESERVED_KEY_PREFIXES = [HEARTBEAT.idPrefix, DR_CHECK_ITEM_PREFIX] as const;

/**
 * A Deny, not only a narrower Allow: it holds whatever else the role is ever granted. For PutItem
 * (also inside TransactWriteItems) dynamodb:LeadingKeys is the item's partition key (DynamoDB
 * Developer Guide, "Using IAM policy conditions for fine-grained access control").
 */
function neverReservedItems<T>(tableArn: string | T): PolicyStatement<T> {
  return {
    Sid: 'NeverHeartbeatOrCanaryItems',
    Effect: 'Deny',
    Action: [...ITEM_WRITE_ACTIONS],
    Resource: tableArn,
    Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': RESERVED_KEY_PREFIXES.map((k) => `${k}*`) } },
  };
}

/** Least privilege for the processor: this table (never the beats' or canaries' items), this
 *  bucket's document prefix, this key in this table's, this bucket's and its own function's
 *  encryption context, and its own log group. */
export function processorPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: ProcessorRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // Conditional PutItem for records and claims; ConditionCheckItem for the record check in
        // the claim's TransactWriteItems. No GetItem: the stored item comes back with a failed
        // condition (ReturnValuesOnConditionCheckFailure), never from a read.
        Sid: 'TransactionsTable',
        Effect: 'Allow',
        Action: ['dynamodb:ConditionCheckItem', 'dynamodb:PutItem'],
        Resource: r.tableArn,
      },
      neverReservedItems(r.tableArn),
      {
        Sid: 'TransactionDocuments',
        Effect: 'Allow',
        // PutObject; GetObject only for HeadObject after a 412, to compare the stored object's
        // SHA-256 checksum with the document's (the handler never reads a body back).
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: d.join(r.bucketArn, '/', processor.documentPrefix, '*'),
      },
      functionEnvironmentKey(d, e, r.keyArn, names.processorFunction(p)),
      {
        // SSE-KMS puts under our key, through S3 and for this bucket only (with bucket keys the
        // encryption context is the bucket ARN). Decrypt: HeadObject's checksum mode and the
        // GetObject fallback after a 412 read the stored object's SHA-256 (S3's HeadObject page).
        Sid: 'DocumentsKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: r.keyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': d.join('s3.', e.region, '.amazonaws.com'),
            'kms:EncryptionContext:aws:s3:arn': r.bucketArn,
          },
        },
      },
      dynamodbKeyStatement(d, e, 'TableKeyThroughDynamoDB', r.keyArn, e.region, names.table(p)),
      ownLogGroup(d, e, names.processorLogGroup(p)),
      xrayTracing(),
    ],
  };
}
