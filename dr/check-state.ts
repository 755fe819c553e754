/**
 * What dr:check reads without writing anything: point-in-time recovery on both replicas, both
 * keys' state, and every alarm the stack creates in each region (src/alarms.ts alarmSpecs named
 * by src/naming.ts; the standby tier's carry the '-standby' qualifier).
 */
import { DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { alarmSpecs } from '../src/alarms';
import { TIER } from '../src/regional/spec';
import { names } from '../src/naming';
import type { AwsAccess } from './check-aws';
import type { Deployment } from './check-input';
import { errorRow, Row, verdict } from './check-report';
import { alarmActionRow } from './check-signals';

/** The standby tier's alarm-name qualifier ('-standby'), as both deliverables name its alarms. */
export const STANDBY_ALARM_QUALIFIER = TIER.standby.alarmQualifier;

const regions = (d: Deployment) => [d.primaryRegion, d.secondaryRegion];

export function pitrRows(d: Deployment, aws: AwsAccess): Promise<Row[]> {
  return Promise.all(
    regions(d).map(async (region) => {
      const base = { id: 'pitr', check: 'point-in-time recovery', region, target: 'ENABLED' } as const;
      try {
        const out = await aws
          .dynamodb(region)
          .send(new DescribeContinuousBackupsCommand({ TableName: d.tableName }), aws.deadline());
        const p = out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
        const status = p?.PointInTimeRecoveryStatus ?? 'not reported';
        return verdict(status === 'ENABLED', {
          ...base,
          measured: `${status}${p?.RecoveryPeriodInDays ? ` (${p.RecoveryPeriodInDays} days)` : ''}`,
        });
      } catch (e) {
        return errorRow(base, e);
      }
    }),
  );
}

export function keyRows(d: Deployment, aws: AwsAccess): Promise<Row[]> {
  const keys: Array<[string, string, string]> = [
    [d.primaryRegion, d.keys.primary, 'KMSKeyArn'],
    [d.secondaryRegion, d.keys.secondary, 'SecondaryKMSKeyArn'],
  ];
  return Promise.all(
    keys.map(async ([region, arn, output]) => {
      const base = { id: 'key', check: `key enabled (${output})`, region, target: 'Enabled' } as const;
      try {
        const md = (await aws.kms(region).send(new DescribeKeyCommand({ KeyId: arn }), aws.deadline())).KeyMetadata;
        return verdict(md?.KeyState === 'Enabled', { ...base, measured: md?.KeyState ?? 'not reported' });
      } catch (e) {
        return errorRow(base, e);
      }
    }),
  );
}

/** Alarm names expected in each region. Only the names matter here, so the RPO target passed is irrelevant. */
export function expectedAlarms(d: Deployment): Array<{ region: string; names: string[] }> {
  const specs = alarmSpecs({ rpoTargetSeconds: 60, watchesPeer: d.standby, replicatesDocuments: d.standby });
  const p = { suffix: d.suffix };
  const primary = [...new Set([...specs.map((s) => names.alarm(p, s.nameSuffix)), ...d.outputAlarmNames])];
  const standby = d.standby
    ? [{ region: d.secondaryRegion, names: specs.map((s) => names.alarm(p, s.nameSuffix, STANDBY_ALARM_QUALIFIER)) }]
    : [];
  return [{ region: d.primaryRegion, names: primary }, ...standby];
}

/** DescribeAlarms by name, 100 names per call, every page. */
export async function describeAlarms(aws: AwsAccess, region: string, alarmNames: string[]): Promise<MetricAlarm[]> {
  const found: MetricAlarm[] = [];
  for (let i = 0; i < alarmNames.length; i += 100) {
    let token: string | undefined;
    do {
      const out = await aws
        .cloudwatch(region)
        .send(
          new DescribeAlarmsCommand({ AlarmNames: alarmNames.slice(i, i + 100), NextToken: token }),
          aws.deadline(),
        );
      found.push(...(out.MetricAlarms ?? []));
      token = out.NextToken;
    } while (token);
  }
  return found;
}

export async function alarmRows(d: Deployment, aws: AwsAccess): Promise<Row[]> {
  const rows = await Promise.all(
    expectedAlarms(d).map(async ({ region, names: expected }): Promise<Row[]> => {
      const base = {
        id: 'alarms',
        check: 'alarms exist, none in ALARM',
        region,
        target: `${expected.length} alarms, 0 in ALARM`,
      } as const;
      try {
        const found = await describeAlarms(aws, region, expected);
        const missing = expected.filter((n) => !found.some((a) => a.AlarmName === n));
        const firing = found.filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName!);
        const insufficient = found.filter((a) => a.StateValue === 'INSUFFICIENT_DATA').length;
        const measured = [
          `${found.length}/${expected.length} exist, ${firing.length} in ALARM`,
          ...(insufficient ? [`${insufficient} INSUFFICIENT_DATA`] : []),
          ...(missing.length ? [`missing: ${missing.join(', ')}`] : []),
          ...(firing.length ? [`ALARM: ${firing.join(', ')}`] : []),
        ].join('; ');
        return [
          verdict(missing.length === 0 && firing.length === 0, { ...base, measured }),
          alarmActionRow(d, region, found),
        ];
      } catch (e) {
        return [errorRow(base, e)];
      }
    }),
  );
  return rows.flat();
}
