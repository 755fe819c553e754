/**
 * Settings of the heartbeat canary and the /health function, read and checked once at cold
 * start: a bad value stops the function with one error naming every bad variable, instead of
 * a canary that publishes nothing (which the alarm would report as a replication failure).
 */
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS } from '../src/contract';
import { DEFAULT_RPO_TARGET_SECONDS, REGIONAL_ENV } from '../src/heartbeat-contract';

export interface RegionalEnv {
  readonly tableName: string;
  /** This region (the runtime's AWS_REGION). */
  readonly region: string;
  /** The other region, whose heartbeat this region reads; undefined: no peer to watch. */
  readonly peerRegion: string | undefined;
  readonly callTimeoutMs: number;
}

export interface HealthEnv extends RegionalEnv {
  readonly kmsKeyArn: string;
  readonly rpoTargetSeconds: number;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const TABLE = /^[\w.-]{3,255}$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[\w-]{1,128}$/;

/** Collects every problem, so one error names them all. */
function reader(env: NodeJS.ProcessEnv) {
  const problems: string[] = [];
  const value = (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);
  const bad = (name: string, v: string | undefined, expected: string) =>
    problems.push(
      `${name}${v === undefined ? ' is not set' : `=${JSON.stringify(v.slice(0, 300))} is invalid`}: expected ${expected}`,
    );
  const text = (name: string, form: RegExp, expected: string) => {
    const v = value(name);
    if (v === undefined || !form.test(v)) bad(name, v, expected);
    return v ?? '';
  };
  const whole = (name: string, max: number, fallback: number, unit: string) => {
    const v = value(name);
    const n = v === undefined ? fallback : /^[1-9]\d{0,5}$/.test(v) ? Number(v) : NaN;
    if (!(n <= max)) bad(name, v, `a whole number of ${unit} from 1 to ${max} (default ${fallback})`);
    return n;
  };
  const done = (what: string) => {
    if (problems.length) throw new Error(`Invalid ${what} environment: ${problems.join('; ')}`);
  };
  return { value, bad, text, whole, done };
}

function readCommon(r: ReturnType<typeof reader>): RegionalEnv {
  const region = r.text('AWS_REGION', REGION, 'an AWS region (the Lambda runtime sets it)');
  // Unset or empty: this region has no peer (a single-region deployment).
  const peer = r.value(REGIONAL_ENV.peerRegion) || undefined;
  if (peer !== undefined && (!REGION.test(peer) || peer === region))
    r.bad(REGIONAL_ENV.peerRegion, peer, 'the other AWS region, or empty for none');
  return {
    tableName: r.text(REGIONAL_ENV.tableName, TABLE, 'a DynamoDB table name'),
    region,
    peerRegion: peer,
    callTimeoutMs: r.whole(REGIONAL_ENV.callTimeoutMs, MAX_CALL_TIMEOUT_MS, DEFAULT_CALL_TIMEOUT_MS, 'milliseconds'),
  };
}

export function readHeartbeatEnv(env: NodeJS.ProcessEnv): RegionalEnv {
  const r = reader(env);
  const settings = readCommon(r);
  r.done('heartbeat');
  return settings;
}

export function readHealthEnv(env: NodeJS.ProcessEnv): HealthEnv {
  const r = reader(env);
  const settings = {
    ...readCommon(r),
    // A key ARN, not an alias: the check must be about the very key the table uses.
    kmsKeyArn: r.text(REGIONAL_ENV.kmsKeyArn, KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
    rpoTargetSeconds: r.whole(REGIONAL_ENV.rpoTargetSeconds, 86_400, DEFAULT_RPO_TARGET_SECONDS, 'seconds'),
  };
  r.done('health');
  return settings;
}
