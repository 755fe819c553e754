/**
 * The function's own settings, read and checked once at cold start. A bad value stops the
 * function with one error naming every bad variable, instead of failing each call later
 * (AWS_CALL_TIMEOUT_MS=2.5 used to make every AWS call abort, with no alert).
 */
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS, PROCESSOR_ENV } from '../src/contract';

export interface ProcessorEnv {
  readonly tableName: string;
  readonly bucketName: string;
  readonly topicArn: string;
  readonly kmsKeyArn: string;
  readonly callTimeoutMs: number;
  readonly region: string;
}

type Rule = [name: string, form: RegExp, expected: string];
const ARN = (service: string, resource: string) =>
  new RegExp(`^arn:aws[a-z-]*:${service}:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:${resource}$`);
const RULES = {
  tableName: [PROCESSOR_ENV.tableName, /^[\w.-]{3,255}$/, 'a DynamoDB table name'],
  bucketName: [PROCESSOR_ENV.bucketName, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'],
  topicArn: [PROCESSOR_ENV.topicArn, ARN('sns', '[\\w-]{1,256}(\\.fifo)?'), 'an SNS topic ARN'],
  // A key ARN, not an alias: S3 resolves aliases in the caller's account.
  kmsKeyArn: [
    PROCESSOR_ENV.documentsKmsKeyArn,
    ARN('kms', 'key/[\\w-]{1,128}'),
    'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  ],
  region: ['AWS_REGION', /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region (the Lambda runtime sets it)'],
} satisfies Record<string, Rule>;

const TIMEOUT_FORM = `a whole number of milliseconds from 1 to ${MAX_CALL_TIMEOUT_MS} (default ${DEFAULT_CALL_TIMEOUT_MS})`;

export function readProcessorEnv(env: NodeJS.ProcessEnv): ProcessorEnv {
  const problems: string[] = [];
  const bad = (name: string, value: string | undefined, expected: string) =>
    problems.push(
      `${name}${value === undefined ? ' is not set' : `=${JSON.stringify(value.slice(0, 300))} is invalid`}: expected ${expected}`,
    );
  const read = ([name, form, expected]: Rule) => {
    const value = Object.hasOwn(env, name) ? env[name] : undefined;
    if (value === undefined || !form.test(value)) bad(name, value, expected);
    return value ?? '';
  };
  const timeout = Object.hasOwn(env, PROCESSOR_ENV.callTimeoutMs) ? env[PROCESSOR_ENV.callTimeoutMs] : undefined;
  const callTimeoutMs =
    timeout === undefined ? DEFAULT_CALL_TIMEOUT_MS : /^[1-9]\d{0,5}$/.test(timeout) ? Number(timeout) : NaN;
  if (!(callTimeoutMs <= MAX_CALL_TIMEOUT_MS)) bad(PROCESSOR_ENV.callTimeoutMs, timeout, TIMEOUT_FORM);
  const config = {
    tableName: read(RULES.tableName),
    bucketName: read(RULES.bucketName),
    topicArn: read(RULES.topicArn),
    kmsKeyArn: read(RULES.kmsKeyArn),
    region: read(RULES.region),
    callTimeoutMs,
  };
  if (problems.length) throw new Error(`Invalid transaction-processor environment: ${problems.join('; ')}`);
  return config;
}
