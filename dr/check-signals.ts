/**
 * Whether anyone would hear of a failure: every alarm notifies its region's alert topic (actions
 * enabled), each topic has a confirmed subscriber, and the heartbeat's staleness metric is recent
 * in every region that watches a peer (a heartbeat that stopped leaves its alarm on old data or
 * none). Reads only.
 */
import { GetMetricStatisticsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ListSubscriptionsByTopicCommand, Subscription } from '@aws-sdk/client-sns';
import { HEARTBEAT } from '../src/heartbeat-contract';
import { names } from '../src/naming';
import type { AwsAccess } from './check-aws';
import type { Deployment } from './check-input';
import { errorRow, Row, verdict } from './check-report';

/** The alert topic of a region, as both deliverables name it (src/naming.ts). */
export const alertTopicArn = (d: Deployment, region: string) =>
  `arn:${d.partition}:sns:${region}:${d.account}:${names.alertTopic({ suffix: d.suffix })}`;

/** Every alarm found must notify the region's topic, with its actions enabled. */
/** The alarm acts, and on this topic: a silent alarm pages no one. */
export const notifies = (alarm: MetricAlarm, topic: string): boolean =>
  alarm.ActionsEnabled !== false && (alarm.AlarmActions ?? []).includes(topic);

export function alarmActionRow(d: Deployment, region: string, found: readonly MetricAlarm[]): Row {
  const topic = alertTopicArn(d, region);
  const base = {
    id: 'alarm-actions',
    check: 'alarms notify the alert topic',
    region,
    target: `every alarm: actions enabled, AlarmActions include ${names.alertTopic({ suffix: d.suffix })}`,
  } as const;
  const silent = found.filter((a) => !notifies(a, topic));
  return verdict(found.length > 0 && silent.length === 0, {
    ...base,
    measured: silent.length
      ? `${silent.length}/${found.length} silent: ${silent.map((a) => a.AlarmName).join(', ')}`
      : `${found.length}/${found.length} notify the topic`,
  });
}

/** SNS reports a subscription awaiting confirmation (or being deleted) by these instead of an ARN. */
const UNCONFIRMED = new Set(['PendingConfirmation', 'Deleted']);

async function subscriptionsOf(aws: AwsAccess, region: string, TopicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const out = await aws
      .sns(region)
      .send(new ListSubscriptionsByTopicCommand({ TopicArn, NextToken }), aws.deadline());
    all.push(...(out.Subscriptions ?? []));
    NextToken = out.NextToken;
  } while (NextToken);
  return all;
}

/** Each alert topic has at least one confirmed subscriber: an alarm nobody receives pages nobody. */
export function subscriptionRows(d: Deployment, aws: AwsAccess): Promise<Row[]> {
  const regions = d.standby ? [d.primaryRegion, d.secondaryRegion] : [d.primaryRegion];
  return Promise.all(
    regions.map(async (region) => {
      const base = {
        id: 'alert-subscriptions',
        check: 'alert topic has a confirmed subscriber',
        region,
        target: '>= 1 confirmed subscription',
      } as const;
      try {
        const subs = await subscriptionsOf(aws, region, alertTopicArn(d, region));
        const confirmed = subs.filter((s) => s.SubscriptionArn && !UNCONFIRMED.has(s.SubscriptionArn));
        const protocols = [...new Set(confirmed.map((s) => s.Protocol))].join(', ');
        return verdict(confirmed.length > 0, {
          ...base,
          measured: `${confirmed.length} confirmed${protocols ? ` (${protocols})` : ''}, ${subs.length - confirmed.length} pending`,
        });
      } catch (e) {
        return errorRow(base, e);
      }
    }),
  );
}

/** Beats older than this many intervals mean the heartbeat (or its metric) has stopped. */
export const HEARTBEAT_RECENT_INTERVALS = 3;

/** The newest staleness datapoint in each region that watches a peer must be recent. */
export function heartbeatRows(d: Deployment, aws: AwsAccess, now = () => Date.now()): Promise<Row[]> {
  if (!d.standby) return Promise.resolve([]);
  const pairs: Array<[receiving: string, source: string]> = [
    [d.primaryRegion, d.secondaryRegion],
    [d.secondaryRegion, d.primaryRegion],
  ];
  const maxAgeSeconds = HEARTBEAT_RECENT_INTERVALS * HEARTBEAT.intervalSeconds;
  return Promise.all(
    pairs.map(async ([region, source]) => {
      const base = {
        id: 'heartbeat',
        check: `heartbeat metric recent (${source} -> ${region})`,
        region,
        target: `newest ${HEARTBEAT.metricName} <= ${maxAgeSeconds} s old`,
      } as const;
      try {
        const end = now();
        const out = await aws.cloudwatch(region).send(
          new GetMetricStatisticsCommand({
            Namespace: HEARTBEAT.namespace,
            MetricName: HEARTBEAT.metricName,
            Dimensions: [
              { Name: HEARTBEAT.sourceDimension, Value: source },
              { Name: HEARTBEAT.receivingDimension, Value: region },
            ],
            StartTime: new Date(end - 5 * maxAgeSeconds * 1000),
            EndTime: new Date(end),
            Period: 60,
            Statistics: ['Maximum'],
          }),
          aws.deadline(),
        );
        const newest = Math.max(...(out.Datapoints ?? []).map((p) => p.Timestamp?.getTime() ?? 0), 0);
        const ageSeconds = newest ? Math.max(0, Math.round((end - newest) / 1000)) : undefined;
        return verdict(ageSeconds !== undefined && ageSeconds <= maxAgeSeconds, {
          ...base,
          measured: ageSeconds === undefined ? 'no datapoint in the last 15 min' : `newest ${ageSeconds} s old`,
        });
      } catch (e) {
        return errorRow(base, e);
      }
    }),
  );
}
