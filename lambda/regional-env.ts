/**
 * Settings of the heartbeat canary and the /health function, read and checked once at cold
 * start: a bad value stops the function with one error naming every bad variable, instead of
 * a canary that publishes nothing (which the alarm would report as a replication failure).
 */
import { DEFAULT_CALL_TIMEOUT_MS, MAX_CALL_TIMEOUT_MS } from '../src/contract';
import { HEARTBEAT, REGIONAL_ENV, RPO_TARGET_SECONDS } from '../src/heartbeat-contract';
import { BUCKET_NAME_FORM, envReader, EnvReader, KEY_ARN_FORM, REGION_FORM, TABLE_NAME_FORM } from './env-reader';

export interface RegionalEnv {
  readonly tableName: string;
  /** This region (the runtime's AWS_REGION). */
  readonly region: string;
  /** The other region, whose heartbeat this region reads; undefined: no peer to watch. */
  readonly peerRegion: string | undefined;
  readonly callTimeoutMs: number;
  /** Seconds between the peer's beats: staleness is the age of its newest beat beyond this. */
  readonly beatIntervalSeconds: number;
}

export interface HealthEnv extends RegionalEnv {
  readonly kmsKeyArn: string;
  readonly bucketName: string;
  readonly rpoTargetSeconds: number;
}

function readCommon(r: EnvReader): RegionalEnv {
  const region = r.text('AWS_REGION', REGION_FORM, 'an AWS region (the Lambda runtime sets it)');
  // Unset or empty: this region has no peer (a single-region deployment).
  const peer = r.value(REGIONAL_ENV.peerRegion) || undefined;
  if (peer !== undefined && (!REGION_FORM.test(peer) || peer === region))
    r.bad(REGIONAL_ENV.peerRegion, peer, 'the other AWS region, or empty for none');
  return {
    tableName: r.text(REGIONAL_ENV.tableName, TABLE_NAME_FORM, 'a DynamoDB table name'),
    region,
    peerRegion: peer,
    callTimeoutMs: r.whole(REGIONAL_ENV.callTimeoutMs, MAX_CALL_TIMEOUT_MS, DEFAULT_CALL_TIMEOUT_MS, 'milliseconds'),
    beatIntervalSeconds: r.whole(REGIONAL_ENV.beatIntervalSeconds, 3600, HEARTBEAT.intervalSeconds, 'seconds'),
  };
}

export function readHeartbeatEnv(env: NodeJS.ProcessEnv): RegionalEnv {
  const r = envReader(env);
  const settings = readCommon(r);
  r.done('heartbeat');
  return settings;
}

export function readHealthEnv(env: NodeJS.ProcessEnv): HealthEnv {
  const r = envReader(env);
  const settings = {
    ...readCommon(r),
    // A key ARN, not an alias: the check must be about the very key the table uses.
    kmsKeyArn: r.text(REGIONAL_ENV.kmsKeyArn, KEY_ARN_FORM, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)'),
    rpoTargetSeconds: r.whole(
      REGIONAL_ENV.rpoTargetSeconds,
      RPO_TARGET_SECONDS.max,
      RPO_TARGET_SECONDS.default,
      'seconds',
      RPO_TARGET_SECONDS.min,
    ),
    bucketName: r.text(REGIONAL_ENV.bucketName, BUCKET_NAME_FORM, 'an S3 bucket name'),
  };
  r.done('health');
  return settings;
}
