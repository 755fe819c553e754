/**
 * What the drill reads from a region: its transaction items and documents, metric datapoints, and
 * the alarm definitions of the applied state. Reads only; every call has a deadline.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { RECORD } from '../src/contract';
import { HEARTBEAT } from '../src/heartbeat-contract';
import type { RegionClients } from '../emulator/aws';
import { GATEWAY_CREDENTIALS } from '../emulator/gateway-control';
import type { StateResource } from '../harness/terraform';
import type { AlarmDefinition, Point, TreatMissing } from './alarm-eval';
import type { Item, RegionState } from './history';

const deadline = () => ({ abortSignal: AbortSignal.timeout(15_000) });

/** Transaction items (claims and heartbeats are not transactions), whatever their status, and the bucket's keys. */
export async function regionState(c: RegionClients, table: string, bucket: string): Promise<RegionState> {
  return { records: await transactionItems(c, table), documents: await bucketKeys(c, bucket) };
}

/** One scanned item as the checker reads it. */
function asItem(item: Record<string, any>): Item {
  return {
    status: item[RECORD.statusAttribute]?.S ?? '',
    fingerprint: item.fingerprint?.S ?? '',
    ...(item.requestId?.S ? { requestId: item.requestId.S } : {}),
    ...(item.documentKey?.S ? { documentKey: item.documentKey.S } : {}),
  };
}

async function transactionItems(c: RegionClients, table: string): Promise<Map<string, Item>> {
  const records = new Map<string, Item>();
  let start: Record<string, any> | undefined;
  do {
    const page = await c.dynamodb.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
      deadline(),
    );
    for (const item of page.Items ?? []) {
      const id = item[RECORD.partitionKey].S!;
      if (!id.startsWith('#') && !id.endsWith('#claim')) records.set(id, asItem(item));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return records;
}

async function bucketKeys(c: RegionClients, bucket: string): Promise<Set<string>> {
  const documents = new Set<string>();
  let token: string | undefined;
  do {
    const page = await c.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }), deadline());
    for (const o of page.Contents ?? []) documents.add(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return documents;
}

export const cloudwatch = (region: string, endpoint: string) =>
  new CloudWatchClient({ region, endpoint, credentials: GATEWAY_CREDENTIALS, maxAttempts: 2 });

/** The datapoints of one metric between two times, one per second (its statistic), oldest first. */
export async function metricPoints(
  cw: CloudWatchClient,
  d: Pick<AlarmDefinition, 'namespace' | 'metricName' | 'dimensions' | 'statistic'>,
  startMs: number,
  endMs: number,
  periodSeconds = 1,
): Promise<Point[]> {
  const out = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(Math.floor(startMs / 1000) * 1000), // periods on whole seconds
      EndTime: new Date(endMs),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: d.namespace,
              MetricName: d.metricName,
              // In the order the publishers use (the heartbeat: SourceRegion first; the replicator:
              // TableName first). moto 5.2 matches dimension lists with sorted() over a broken
              // Dimension.__lt__, so the order given decides whether they match at all.
              Dimensions: Object.entries(d.dimensions)
                .sort(([a], [b]) => Number(a === 'ReceivingRegion') - Number(b === 'ReceivingRegion'))
                .map(([Name, Value]) => ({ Name, Value })),
            },
            Period: periodSeconds,
            Stat: d.statistic,
          },
        },
      ],
    }),
    deadline(),
  );
  const r = out.MetricDataResults?.[0];
  return (r?.Timestamps ?? []).map((t, i) => ({ at: t.getTime(), value: r!.Values![i] })).sort((a, b) => a.at - b.at);
}

/** The staleness the receiving region's canary published for the source's heartbeat since `startMs`. */
export function stalenessPoints(
  cw: CloudWatchClient,
  sourceRegion: string,
  receivingRegion: string,
  startMs: number,
  periodSeconds = 1,
): Promise<Point[]> {
  return metricPoints(
    cw,
    {
      namespace: HEARTBEAT.namespace,
      metricName: HEARTBEAT.metricName,
      dimensions: { [HEARTBEAT.sourceDimension]: sourceRegion, [HEARTBEAT.receivingDimension]: receivingRegion },
      statistic: 'Maximum',
    },
    startMs,
    Date.now() + 60_000,
    periodSeconds,
  );
}

/** Every single-metric alarm of the applied state, as CloudWatch would evaluate it. */
export function alarmDefinitions(resources: readonly StateResource[]): AlarmDefinition[] {
  return resources
    .filter((r) => r.type === 'aws_cloudwatch_metric_alarm' && r.values.metric_name)
    .map((r) => {
      const v = r.values;
      return {
        name: v.alarm_name,
        region: r.region,
        namespace: v.namespace,
        metricName: v.metric_name,
        dimensions: v.dimensions ?? {},
        statistic: v.statistic || 'Average',
        period: Number(v.period),
        evaluationPeriods: Number(v.evaluation_periods),
        datapointsToAlarm: Number(v.datapoints_to_alarm || v.evaluation_periods),
        threshold: Number(v.threshold),
        comparisonOperator: v.comparison_operator,
        treatMissingData: (v.treat_missing_data || 'missing') as TreatMissing,
        alarmActions: v.alarm_actions ?? [],
        okActions: v.ok_actions ?? [],
      };
    });
}
