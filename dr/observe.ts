/**
 * What the drill reads from a region: its committed records and documents, and the heartbeat
 * staleness metric its canary publishes. Reads only; every call has a deadline.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { RECORD } from '../src/contract';
import { HEARTBEAT } from '../src/heartbeat-contract';
import type { RegionClients } from '../emulator/aws';
import type { Held, RegionView } from './measure';

const deadline = () => ({ abortSignal: AbortSignal.timeout(15_000) });

/** Committed records (claims and heartbeat items are not transactions) and the bucket's document keys. */
export async function regionView(c: RegionClients, table: string, bucket: string): Promise<RegionView> {
  const records = new Map<string, Held>();
  let start: Record<string, any> | undefined;
  do {
    const page = await c.dynamodb.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
      deadline(),
    );
    for (const item of page.Items ?? []) {
      if (item[RECORD.statusAttribute]?.S !== RECORD.committed) continue;
      records.set(item[RECORD.partitionKey].S!, {
        fingerprint: item.fingerprint?.S ?? '',
        ...(item.documentKey?.S ? { documentKey: item.documentKey.S } : {}),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  const documents = new Set<string>();
  let token: string | undefined;
  do {
    const page = await c.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }), deadline());
    for (const o of page.Contents ?? []) documents.add(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return { records, documents };
}

export interface Datapoint {
  readonly at: number;
  readonly value: number;
}

/** The staleness the receiving region's canary published for the source's heartbeat since
 *  `startMs`, oldest first, one point per `periodSeconds` (Maximum). */
export async function stalenessPoints(
  cw: CloudWatchClient,
  sourceRegion: string,
  receivingRegion: string,
  startMs: number,
  periodSeconds = 1,
): Promise<Datapoint[]> {
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(startMs),
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: [
        {
          Id: 'staleness',
          MetricStat: {
            Metric: {
              Namespace: HEARTBEAT.namespace,
              MetricName: HEARTBEAT.metricName,
              Dimensions: [
                { Name: HEARTBEAT.sourceDimension, Value: sourceRegion },
                { Name: HEARTBEAT.receivingDimension, Value: receivingRegion },
              ],
            },
            Period: periodSeconds,
            Stat: 'Maximum',
          },
        },
      ],
    }),
    deadline(),
  );
  const r = out.MetricDataResults?.[0];
  return (r?.Timestamps ?? []).map((t, i) => ({ at: t.getTime(), value: r!.Values![i] })).sort((a, b) => a.at - b.at);
}

/** When the receiving region first saw the source's heartbeat older than `thresholdSeconds` after
 *  `since` (undefined: not yet), and the newest staleness it published. */
export async function firstStaleDatapoint(
  cw: CloudWatchClient,
  receivingRegion: string,
  sourceRegion: string,
  thresholdSeconds: number,
  since: number,
): Promise<{ at?: number; latest?: number }> {
  const points = await stalenessPoints(cw, sourceRegion, receivingRegion, since - 60_000);
  const stale = points.filter((p) => p.at >= since && p.value > thresholdSeconds);
  return { at: stale[0]?.at, latest: points.length ? Math.round(points[points.length - 1].value) : undefined };
}
