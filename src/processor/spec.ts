/** The transaction processor's spec: function settings, its environment, its least-privilege policy. */
import { DEFAULT_CALL_TIMEOUT_MS, DOCUMENT_PREFIX, MAX_AWS_CALLS, PROCESSOR_ENV } from '../contract';
import { Dialect, Env, ownLogGroup, PolicyDocument, xrayTracing } from '../dialect';
import { HANDLERS } from '../heartbeat-contract';
import { names, NameParts } from '../naming';

export const processor = {
  description: 'Validates and records payment transactions in the global table',
  roleDescription: 'Least-privilege execution role of the tap-dr transaction processor',
  policyName: 'transaction-processor',
  runtime: 'nodejs22.x',
  handler: `index.${HANDLERS.processor}`,
  memorySize: 256,
  callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS,
  /** Every AWS call of one invocation at its deadline, plus headroom, so a hung dependency
   *  is reported by the handler (alert, error) rather than cut off by a Lambda timeout. */
  timeoutSeconds: Math.ceil((MAX_AWS_CALLS * DEFAULT_CALL_TIMEOUT_MS) / 1000) + 5,
  tracingMode: 'Active',
  /** Object keys the processor writes under; the role is scoped to this prefix. */
  documentPrefix: DOCUMENT_PREFIX,
} as const;

/** The processor's environment, keyed by the contract's variable names (src/contract.ts). */
export function processorVariables<T>(r: {
  tableName: T;
  bucketName: T;
  topicArn: T;
  keyArn: T;
}): Record<string, string | T> {
  return {
    [PROCESSOR_ENV.tableName]: r.tableName,
    [PROCESSOR_ENV.bucketName]: r.bucketName,
    [PROCESSOR_ENV.topicArn]: r.topicArn,
    [PROCESSOR_ENV.documentsKmsKeyArn]: r.keyArn,
    [PROCESSOR_ENV.callTimeoutMs]: String(processor.callTimeoutMs),
  };
}

export interface ProcessorRefs<T> {
  readonly tableArn: string | T;
  readonly bucketArn: string | T;
  readonly keyArn: string | T;
  readonly topicArn: string | T;
}

/** Least privilege for the processor: this table and its index, this bucket's document
 *  prefix, this key, this topic and its own log group. */
export function processorPolicy<T>(d: Dialect<T>, e: Env<T>, p: NameParts, r: ProcessorRefs<T>): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // GetItem for replays, conditional PutItem for new records.
        Sid: 'TransactionsTable',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: r.tableArn,
      },
      {
        Sid: 'TransactionDocuments',
        Effect: 'Allow',
        // Write-only: the processor never reads documents back.
        Action: ['s3:PutObject'],
        Resource: d.join(r.bucketArn, '/', processor.documentPrefix, '*'),
      },
      {
        // The function's environment. Lambda documents no kms:ViaService for it, so unconditioned.
        Sid: 'FunctionEnvironment',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: r.keyArn,
      },
      {
        // SSE-KMS puts under our key, through S3 and for this bucket only (with bucket keys the
        // encryption context is the bucket ARN).
        Sid: 'DocumentsKeyThroughS3',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey'],
        Resource: r.keyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': d.join('s3.', e.region, '.amazonaws.com'),
            'kms:EncryptionContext:aws:s3:arn': r.bucketArn,
          },
        },
      },
      {
        // Writing to the table and publishing to the encrypted topic, through those services only.
        Sid: 'TableAndTopicKeyThroughServices',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey'],
        Resource: r.keyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': [
              d.join('dynamodb.', e.region, '.amazonaws.com'),
              d.join('sns.', e.region, '.amazonaws.com'),
            ],
          },
        },
      },
      { Sid: 'Alerts', Effect: 'Allow', Action: ['sns:Publish'], Resource: r.topicArn },
      ownLogGroup(d, e, names.processorLogGroup(p)),
      xrayTracing(),
    ],
  };
}
