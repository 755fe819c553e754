/**
 * The replication heartbeat, run by EventBridge every minute in each region. Each run
 *
 *   1. writes this region's beat (epoch ms) into the global table;
 *   2. reads the peer region's beat from this region's replica and publishes its staleness
 *      (its age beyond one beat interval) as HeartbeatStalenessSeconds (SourceRegion = peer,
 *      ReceivingRegion = this region).
 *
 * Why beyond one interval: the newest beat visible here is up to one interval plus the lag
 * old even when all is well, so its raw age would breach any RPO target under a minute. Its
 * excess over the interval is at most the replication lag plus the schedule's jitter.
 *
 * A replica that stops receiving beats shows a growing age; a beat that never arrived shows
 * nothing at all, which the staleness alarm treats as breaching. Either way replication
 * cannot stall silently, even on a quiet table (ReplicationLatency needs traffic).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { RECORD } from '../src/contract';
import { HEARTBEAT, heartbeatId } from '../src/heartbeat-contract';
import { createRegionalPort, type RegionalPort } from './regional-aws';
import { readHeartbeatEnv, type RegionalEnv } from './regional-env';

type Item = Record<string, AttributeValue>;
type Log = (line: string) => void;

export interface HeartbeatDeps {
  readonly aws: RegionalPort;
  readonly settings: Omit<RegionalEnv, 'callTimeoutMs'>;
  readonly now?: () => number;
  readonly log?: Log;
}

/** Clock skew tolerated between the two regions' hosts. A beat further in the future is not trusted. */
export const MAX_CLOCK_SKEW_MS = 5_000;

/** The key of a region's heartbeat item: an id the processor's validation can never produce. */
export const heartbeatKey = (region: string): Item => ({ [RECORD.partitionKey]: { S: heartbeatId(region) } });

/**
 * Seconds since the beat in `item`; undefined when there is no usable beat (missing, malformed,
 * or from the future: trusting one would report "fresh" until that time, silencing the alarm).
 */
export function beatAgeSeconds(item: Item | undefined, nowMs: number): number | undefined {
  const beatAtMs = Number(item?.[HEARTBEAT.beatAttribute]?.N);
  if (!Number.isFinite(beatAtMs) || beatAtMs > nowMs + MAX_CLOCK_SKEW_MS) return undefined;
  return Math.max(0, nowMs - beatAtMs) / 1000;
}

/**
 * Replication staleness: the newest beat's age beyond one beat interval, never below 0;
 * undefined when there is no usable beat. Healthy, it is at most the lag plus the jitter.
 */
export function stalenessSeconds(item: Item | undefined, nowMs: number, intervalSeconds: number): number | undefined {
  const age = beatAgeSeconds(item, nowMs);
  return age === undefined ? undefined : Math.max(0, age - intervalSeconds);
}

export function createHeartbeat({ aws, settings, now = Date.now, log = console.log }: HeartbeatDeps) {
  const { tableName, region, peerRegion, beatIntervalSeconds } = settings;
  const line = (level: string, msg: string, extra?: object) =>
    log(JSON.stringify({ level, msg, region, peerRegion, ...extra }));

  // No accountId/createdAt: the beat never enters the account index (a sparse GSI).
  const beat = () =>
    aws.putItem({
      TableName: tableName,
      Item: {
        ...heartbeatKey(region),
        [HEARTBEAT.beatAttribute]: { N: String(now()) },
        [HEARTBEAT.regionAttribute]: { S: region },
      },
    });

  async function watch(peer: string) {
    // Eventually consistent is enough: the age is measured in seconds against a minute-scale target.
    const { Item } = await aws.getItem({ TableName: tableName, Key: heartbeatKey(peer) });
    const at = now();
    const staleness = stalenessSeconds(Item, at, beatIntervalSeconds);
    if (staleness === undefined) {
      // Publish nothing: the staleness alarm treats missing data as breaching, so "never
      // arrived" alarms just like "too old". A made-up value could hide it.
      line('warn', 'peer heartbeat missing', { found: !!Item });
      return;
    }
    await aws.putMetricData({
      Namespace: HEARTBEAT.namespace,
      MetricData: [
        {
          MetricName: HEARTBEAT.metricName,
          Dimensions: [
            { Name: HEARTBEAT.sourceDimension, Value: peer },
            { Name: HEARTBEAT.receivingDimension, Value: region },
          ],
          Value: staleness,
          Unit: 'Seconds',
          Timestamp: new Date(at),
        },
      ],
    });
    line('info', 'peer staleness', { stalenessSeconds: staleness });
  }

  return async (): Promise<void> => {
    // Independent: a failed own write must not stop this region reporting on its peer.
    const [own, peer] = await Promise.allSettled([beat(), peerRegion ? watch(peerRegion) : undefined]);
    const failures = (
      [
        ['beat', own],
        ['watch', peer],
      ] as const
    ).filter(([, r]) => r.status === 'rejected');
    for (const [step, r] of failures) {
      const e = (r as PromiseRejectedResult).reason;
      line('error', `${step} failed`, { error: String(e?.name), message: String(e?.message) });
    }
    // Thrown, so Lambda's Errors metric records the run.
    if (failures.length) throw (failures[0][1] as PromiseRejectedResult).reason;
  };
}

/** The handler for this environment; throws at once, naming every bad variable. */
export function heartbeatHandler(env: NodeJS.ProcessEnv = process.env) {
  const { callTimeoutMs, ...settings } = readHeartbeatEnv(env);
  return createHeartbeat({ aws: createRegionalPort(callTimeoutMs), settings });
}
