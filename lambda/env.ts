/**
 * The function's own settings, read and checked once at cold start. A bad value stops the
 * function with one error naming every bad variable, instead of failing each call later
 * (AWS_CALL_TIMEOUT_MS=2.5 used to make every AWS call abort, with no alert).
 */
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS, PROCESSOR_ENV, ROLE_ARN_PATTERN } from '../src/contract';
import { BUCKET_NAME_FORM, envReader, KEY_ARN_FORM, REGION_FORM, TABLE_NAME_FORM } from './env-reader';

export interface ProcessorEnv {
  readonly tableName: string;
  readonly bucketName: string;
  readonly kmsKeyArn: string;
  readonly callTimeoutMs: number;
  readonly region: string;
  /** DR_CHECK_PRINCIPALS: the role ARNs that may write canaries; none when unset. */
  readonly drCheckPrincipals: readonly string[];
}

const ROLE_ARN = new RegExp(ROLE_ARN_PATTERN);

/** DR_CHECK_PRINCIPALS: unset, or comma-separated role ARNs (the stack never renders it empty). */
function drCheckPrincipals(r: ReturnType<typeof envReader>): string[] {
  const v = r.value(PROCESSOR_ENV.drCheckPrincipals);
  if (v === undefined) return [];
  const roles = v.split(',');
  if (!roles.every((x) => ROLE_ARN.test(x))) r.bad(PROCESSOR_ENV.drCheckPrincipals, v, 'comma-separated IAM role ARNs');
  return roles;
}

export function readProcessorEnv(env: NodeJS.ProcessEnv): ProcessorEnv {
  const r = envReader(env);
  const callTimeoutMs = r.whole(
    PROCESSOR_ENV.callTimeoutMs,
    MAX_CALL_TIMEOUT_MS,
    DEFAULT_CALL_TIMEOUT_MS,
    'milliseconds',
  );
  const config = {
    tableName: r.text(PROCESSOR_ENV.tableName, TABLE_NAME_FORM, 'a DynamoDB table name'),
    bucketName: r.text(PROCESSOR_ENV.bucketName, BUCKET_NAME_FORM, 'an S3 bucket name'),
    // A key ARN, not an alias: S3 resolves aliases in the caller's account.
    kmsKeyArn: r.text(
      PROCESSOR_ENV.documentsKmsKeyArn,
      KEY_ARN_FORM,
      'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
    ),
    region: r.text('AWS_REGION', REGION_FORM, 'an AWS region (the Lambda runtime sets it)'),
    callTimeoutMs,
    drCheckPrincipals: drCheckPrincipals(r),
  };
  r.done('transaction-processor');
  return config;
}
