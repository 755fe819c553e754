/**
 * GET /health (API Gateway HTTP API, payload 2.0): this region's readiness, for the Route53
 * health check, the failover client and operators.
 *
 * Its one written spec is docs/HEALTH.md. Two verdicts, for two decisions. The HTTP status says
 * whether this region can serve (table, key and documents bucket): that is all Route 53 reads, so a lagging or stopped peer never fails traffic over
 * to that peer. The body's `status` is `ok` only when replication from the peer is within the
 * RPO target too: what failing back waits for (the client and the runbook read it). Three AWS calls
 * in parallel, each under the call deadline, so it answers within one deadline even when a
 * dependency hangs:
 *
 *   - GetItem of the peer's heartbeat: the table is reachable and readable (which needs the
 *     table's key), and the beat's age beyond one beat interval is the replication staleness
 *     (the heartbeat's metric; docs/HEALTH.md is the spec);
 *   - DescribeKey: this region's key is Enabled;
 *   - GetBucketEncryption of the documents bucket: it exists, answers in this region, and its
 *     default encryption is still aws:kms (what every document is written with).
 *
 * The body also says when the peer wrote its newest beat visible here (`peerBeatAtMs`): writes
 * the peer acknowledged before then have replicated here, which is what failing back waits for.
 *
 * The endpoint is unauthenticated, so the body is only the verdict: no transaction contents, ARNs or
 * AWS error messages (those go to the log).
 */
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

/** The beat's write time, epoch ms (only read once stalenessSeconds has accepted it). */
const beatAtMs = (item: Record<string, { N?: string }> | undefined): number =>
  Number(item?.[HEARTBEAT.beatAttribute]?.N);

const HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export function createHealth({ aws, settings, now = Date.now, log = console.log }: HealthDeps) {
  const { tableName, region, peerRegion, kmsKeyArn, rpoTargetSeconds, beatIntervalSeconds, bucketName } = settings;
  const line = (level: string, msg: string, extra?: object) => log(JSON.stringify({ level, msg, region, ...extra }));
  const failed = (check: string, e: any) =>
    line('error', `${check} check failed`, { error: String(e?.name), message: String(e?.message) });

  return async (): Promise<HealthResponse> => {
    // Without a peer, reading our own beat still proves the table readable.
    const [beat, key, bucket] = await Promise.allSettled([
      aws.getItem({ TableName: tableName, Key: heartbeatKey(peerRegion ?? region) }),
      aws.describeKey({ KeyId: kmsKeyArn }),
      aws.getBucketEncryption({ Bucket: bucketName }),
    ]);
    const lag =
      peerRegion && beat.status === 'fulfilled'
        ? stalenessSeconds(beat.value.Item, now(), beatIntervalSeconds)
        : undefined;
    const keyState = key.status === 'fulfilled' ? key.value.KeyMetadata?.KeyState : undefined;
    const checks: HealthReport['checks'] = {
      table: beat.status === 'fulfilled' ? 'ok' : 'failed',
      key: keyState === 'Enabled' ? 'ok' : 'failed',
      documents:
        bucket.status === 'fulfilled' &&
        !!bucket.value.ServerSideEncryptionConfiguration?.Rules?.some(
          (r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm === 'aws:kms',
        )
          ? 'ok'
          : 'failed',
      replication: !peerRegion ? 'n/a' : lag === undefined ? 'unknown' : lag <= rpoTargetSeconds ? 'ok' : 'stale',
    };
    if (beat.status === 'rejected') failed('table', beat.reason);
    if (key.status === 'rejected') failed('key', key.reason);
    else if (checks.key === 'failed') line('error', 'key check failed', { keyState });
    if (bucket.status === 'rejected') failed('documents', bucket.reason);
    else if (checks.documents === 'failed') line('error', 'documents check failed', { encryption: 'not aws:kms' });
    const serving = checks.table === 'ok' && checks.key === 'ok' && checks.documents === 'ok';
    const healthy = serving && ['ok', 'n/a'].includes(checks.replication);
    const beatAt = lag === undefined || beat.status !== 'fulfilled' ? NaN : beatAtMs(beat.value.Item);
    const report: HealthReport = {
      status: healthy ? 'ok' : 'degraded',
      checks,
      replicationLagSeconds: lag ?? null,
      peerBeatAtMs: Number.isFinite(beatAt) ? beatAt : null,
    };
    // Only a degraded answer is logged: Route53's checkers call this several times a minute.
    if (!healthy) line('warn', 'degraded', report);
    return { statusCode: serving ? 200 : 503, headers: { ...HEADERS }, body: JSON.stringify(report) };
  };
}

/** The handler for this environment; throws at once, naming every bad variable. */
export function healthHandler(env: NodeJS.ProcessEnv = process.env) {
  const { callTimeoutMs, ...settings } = readHealthEnv(env);
  return createHealth({ aws: createRegionalPort(callTimeoutMs), settings });
}
