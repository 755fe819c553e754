/**
 * GET /health (API Gateway HTTP API, payload 2.0): this region's readiness, for the failover
 * client and operators. Route 53 no longer calls it: DNS failover follows the region's own
 * heartbeat alarm (docs/SECURITY.md), so a flood of this open route cannot move DNS.
 *
 * Its one written spec is docs/HEALTH.md. Two verdicts, for two decisions. The HTTP status says
 * whether this region can serve (table, key and documents bucket), so a lagging or stopped peer
 * never turns this region away. The body's `status` is `ok` only when replication from the peer is within the
 * RPO target too: what failing back waits for (the client and the runbook read it). Three AWS calls
 * in parallel, each under the call deadline, so it answers within one deadline even when a
 * dependency hangs:
 *
 *   - GetItem of the peer's heartbeat: the table is reachable and readable (which needs the
 *     table's key), and the beat's age beyond one beat interval is the replication staleness
 *     (the heartbeat's metric; docs/HEALTH.md is the spec);
 *   - DescribeKey: this region's key is Enabled (its answer reused for KEY_STATE_CACHE_MS);
 *   - GetBucketEncryption of the documents bucket: it exists, answers in this region, and its
 *     default encryption is still aws:kms (what every document is written with).
 *
 * The body also says when the peer wrote its newest beat visible here (`peerBeatAtMs`): writes
 * the peer acknowledged before then have replicated here, which is what failing back waits for.
 *
 * The endpoint is unauthenticated, so the body is only the verdict: no transaction contents, ARNs or
 * AWS error messages (those go to the log).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { heartbeatKey, stalenessSeconds } from './heartbeat';
import { HEARTBEAT } from '../src/heartbeat-contract';
import { createRegionalPort, type RegionalPort } from './regional-aws';
import { readHealthEnv, type HealthEnv } from './regional-env';

export interface HealthDeps {
  readonly aws: RegionalPort;
  readonly settings: Omit<HealthEnv, 'callTimeoutMs'>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

export interface HealthResponse {
  statusCode: 200 | 503;
  headers: Record<string, string>;
  body: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: {
    table: 'ok' | 'failed';
    key: 'ok' | 'failed';
    documents: 'ok' | 'failed';
    replication: 'ok' | 'stale' | 'unknown' | 'n/a';
  };
  /** Replication staleness in seconds (the peer's newest beat's age beyond one beat interval,
   *  as the heartbeat metric); null when unknown or there is no peer. */
  replicationLagSeconds: number | null;
  /** When the peer wrote its newest beat visible here (epoch ms): its writes before then have
   *  replicated here. What the failover client waits for before failing back; null when unknown. */
  peerBeatAtMs: number | null;
}

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

/**
 * How long one execution environment reuses the key's state. Every call used to cost a KMS
 * DescribeKey; now at most one per environment per 30 s. A disabled key still fails the table
 * read (DynamoDB needs it) and shows in `key` within this long. docs/HEALTH.md says so.
 */
export const KEY_STATE_CACHE_MS = 30_000;

type Settled<T> = PromiseSettledResult<T>;
type KeyState = Settled<string | undefined>;
type Encryption = Awaited<ReturnType<RegionalPort['getBucketEncryption']>>;

/** DescribeKey's KeyState, an answer reused for KEY_STATE_CACHE_MS; a failed call is never reused. */
function cachedKeyState(aws: RegionalPort, keyArn: string, now: () => number): () => Promise<string | undefined> {
  let cached: { state: string | undefined; until: number } | undefined;
  return async () => {
    const t = now();
    if (cached && t < cached.until) return cached.state;
    const state = (await aws.describeKey({ KeyId: keyArn })).KeyMetadata?.KeyState;
    cached = { state, until: t + KEY_STATE_CACHE_MS };
    return state;
  };
}

const encryptsWithKms = (bucket: Settled<Encryption>) =>
  bucket.status === 'fulfilled' &&
  !!bucket.value.ServerSideEncryptionConfiguration?.Rules?.some(
    (r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms',
  );

function replicationVerdict(
  peerRegion: string | undefined,
  lag: number | undefined,
  rpoTargetSeconds: number,
): HealthReport['checks']['replication'] {
  if (!peerRegion) return 'n/a';
  if (lag === undefined) return 'unknown';
  return lag <= rpoTargetSeconds ? 'ok' : 'stale';
}

/** The three region checks, and the replication verdict. */
function judge(
  beat: Settled<unknown>,
  key: KeyState,
  bucket: Settled<Encryption>,
  replication: HealthReport['checks']['replication'],
): HealthReport['checks'] {
  return {
    table: beat.status === 'fulfilled' ? 'ok' : 'failed',
    key: key.status === 'fulfilled' && key.value === 'Enabled' ? 'ok' : 'failed',
    documents: encryptsWithKms(bucket) ? 'ok' : 'failed',
    replication,
  };
}

/** The peer's beat read here: its staleness and its write time (epoch ms); undefined without a usable beat. */
function peerBeat(item: Record<string, AttributeValue> | undefined, nowMs: number, beatIntervalSeconds: number) {
  const lag = stalenessSeconds(item, nowMs, beatIntervalSeconds);
  // stalenessSeconds accepts only a beat whose write time is a finite number.
  return lag === undefined ? undefined : { lag, atMs: Number(item?.[HEARTBEAT.beatAttribute]?.N) };
}

export function createHealth({ aws, settings, now = Date.now, log = console.log }: HealthDeps) {
  const { tableName, region, peerRegion, kmsKeyArn, rpoTargetSeconds, beatIntervalSeconds, bucketName } = settings;
  const line = (level: string, msg: string, extra?: object) => log(JSON.stringify({ level, msg, region, ...extra }));
  const failed = (check: string, e: any) =>
    line('error', `${check} check failed`, { error: String(e?.name), message: String(e?.message) });
  const keyState = cachedKeyState(aws, kmsKeyArn, now);

  /** Logs each failed check: what AWS said goes to the log, never to the body. */
  const logFailures = (
    beat: Settled<unknown>,
    key: KeyState,
    bucket: Settled<Encryption>,
    checks: HealthReport['checks'],
  ) => {
    if (beat.status === 'rejected') failed('table', beat.reason);
    if (key.status === 'rejected') failed('key', key.reason);
    else if (checks.key === 'failed') line('error', 'key check failed', { keyState: key.value });
    if (bucket.status === 'rejected') failed('documents', bucket.reason);
    else if (checks.documents === 'failed') line('error', 'documents check failed', { encryption: 'not aws:kms' });
  };

  return async (): Promise<HealthResponse> => {
    // Without a peer, reading our own beat still proves the table readable.
    const [beat, key, bucket] = await Promise.allSettled([
      aws.getItem({ TableName: tableName, Key: heartbeatKey(peerRegion ?? region) }),
      keyState(),
      aws.getBucketEncryption({ Bucket: bucketName }),
    ]);
    const peer =
      peerRegion && beat.status === 'fulfilled' ? peerBeat(beat.value.Item, now(), beatIntervalSeconds) : undefined;
    const checks = judge(beat, key, bucket, replicationVerdict(peerRegion, peer?.lag, rpoTargetSeconds));
    logFailures(beat, key, bucket, checks);
    const serving = checks.table === 'ok' && checks.key === 'ok' && checks.documents === 'ok';
    const healthy = serving && ['ok', 'n/a'].includes(checks.replication);
    const report: HealthReport = {
      status: healthy ? 'ok' : 'degraded',
      checks,
      replicationLagSeconds: peer?.lag ?? null,
      peerBeatAtMs: peer?.atMs ?? null,
    };
    // Only a degraded answer is logged: the failover client may poll this while it waits to fail back.
    if (!healthy) line('warn', 'degraded', report);
    return { statusCode: serving ? 200 : 503, headers: { ...HEADERS }, body: JSON.stringify(report) };
  };
}

/** The handler for this environment; throws at once, naming every bad variable. */
export function healthHandler(env: NodeJS.ProcessEnv = process.env) {
  const { callTimeoutMs, ...settings } = readHealthEnv(env);
  return createHealth({ aws: createRegionalPort(callTimeoutMs), settings });
}
