/**
 * The regions' entry points: both GET /health answers (the failover client's signal), and, when
 * DNS failover is deployed, its Route 53 health check: on this deployment's region-health alarm,
 * as designed (src/failover/spec.ts), and the worst-case failover time that alarm gives.
 */
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DNS_FAILOVER, worstCaseDnsFailoverSeconds } from '../src/design';
import { names } from '../src/naming';
import type { AwsAccess } from './check-aws';
import { xmlBlocks, xmlError, xmlText } from './check-aws';
import type { Deployment } from './check-input';
import { errorRow, Row, skip, verdict } from './check-report';
import { describeAlarms } from './check-state';
import { alertTopicArn, notifies } from './check-signals';

export function healthUrl(apiEndpoint: string): string {
  return `${apiEndpoint.replace(/\/+$/, '')}${DNS_FAILOVER.healthPath}`;
}

async function health(aws: AwsAccess, region: string, endpoint: string | undefined, output: string): Promise<Row> {
  const base = { id: 'health', check: `GET /health (${output})`, region, target: '200 {"status":"ok"}' } as const;
  if (!endpoint) return skip({ ...base, measured: `no standby tier deployed (no ${output} output)` });
  const started = Date.now();
  try {
    const res = await fetch(healthUrl(aws.httpUrlFor(endpoint)), {
      signal: AbortSignal.timeout(aws.callTimeoutMs),
      redirect: 'manual',
    });
    const text = await res.text();
    const ms = Date.now() - started;
    let body: { status?: string; checks?: Record<string, string> } = {};
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: reported below */
    }
    const failing = Object.entries(body.checks ?? {}).filter(([, v]) => !['ok', 'n/a'].includes(v));
    const measured = `${res.status} ${body.status ?? `non-JSON body ${JSON.stringify(text.slice(0, 60))}`}${failing.length ? ` (${failing.map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''} in ${ms} ms`;
    return verdict(res.status === 200 && body.status === 'ok', { ...base, measured });
  } catch (e) {
    return errorRow(base, e);
  }
}

export function healthRows(d: Deployment, aws: AwsAccess): Promise<Row[]> {
  return Promise.all([
    health(aws, d.primaryRegion, d.apis.primary, 'PrimaryApiEndpoint'),
    health(aws, d.secondaryRegion, d.apis.standby, 'StandbyApiEndpoint'),
  ]);
}

export interface HealthCheck {
  readonly id: string;
  readonly type?: string;
  readonly fqdn?: string;
  readonly alarm?: { readonly name?: string; readonly region?: string };
  readonly insufficientDataHealthStatus?: string;
  readonly disabled: boolean;
  readonly inverted: boolean;
}

function parseHealthCheck(xml: string): HealthCheck {
  const config = xmlBlocks(xml, 'HealthCheckConfig')[0] ?? '';
  const alarm = xmlBlocks(config, 'AlarmIdentifier')[0];
  return {
    id: xmlText(xml, 'Id') ?? '?',
    type: xmlText(config, 'Type'),
    fqdn: xmlText(config, 'FullyQualifiedDomainName'),
    alarm: alarm === undefined ? undefined : { name: xmlText(alarm, 'Name'), region: xmlText(alarm, 'Region') },
    insufficientDataHealthStatus: xmlText(config, 'InsufficientDataHealthStatus'),
    disabled: xmlText(config, 'Disabled') === 'true',
    inverted: xmlText(config, 'Inverted') === 'true',
  };
}

const PATH = '/2013-04-01/healthcheck';

async function listHealthChecks(aws: AwsAccess, region: string): Promise<HealthCheck[]> {
  const all: HealthCheck[] = [];
  let marker: string | undefined;
  do {
    const r = await aws.signed({
      service: 'route53',
      region,
      method: 'GET',
      path: PATH,
      query: { maxitems: '100', ...(marker ? { marker } : {}) },
    });
    if (r.status !== 200) throw xmlError('Route 53 ListHealthChecks', r);
    all.push(...xmlBlocks(r.text, 'HealthCheck').map(parseHealthCheck));
    marker = xmlText(r.text, 'IsTruncated') === 'true' ? xmlText(r.text, 'NextMarker') : undefined;
  } while (marker);
  return all;
}

async function getHealthCheck(aws: AwsAccess, region: string, id: string): Promise<HealthCheck> {
  const r = await aws.signed({ service: 'route53', region, method: 'GET', path: `${PATH}/${encodeURIComponent(id)}` });
  if (r.status !== 200) throw xmlError(`Route 53 GetHealthCheck ${id}`, r);
  return parseHealthCheck(xmlBlocks(r.text, 'HealthCheck')[0] ?? '');
}

/** What Route 53's checkers report now (GetHealthCheckStatus): each distinct status, once. */
async function healthCheckStatus(aws: AwsAccess, region: string, id: string): Promise<string> {
  const path = `${PATH}/${encodeURIComponent(id)}/status`;
  const r = await aws.signed({ service: 'route53', region, method: 'GET', path });
  if (r.status !== 200) throw xmlError(`Route 53 GetHealthCheckStatus ${id}`, r);
  const statuses = [...new Set(xmlBlocks(r.text, 'StatusReport').map((s) => xmlText(s, 'Status') ?? '?'))];
  return statuses.length ? statuses.join(' | ') : 'no observations';
}

/** The region-health alarm DNS failover must follow: this deployment's, in the primary region. */
export const dnsHealthAlarmName = (d: Deployment) => names.alarm({ suffix: d.suffix }, DNS_FAILOVER.alarm.nameSuffix);

/**
 * The deployed health checks of this deployment's DNS failover: by the DnsHealthCheckId output,
 * else by listing them all: those on its region-health alarm, and an endpoint probe of the
 * primary API's host left by a deployment from before the alarm-driven check (it fails below).
 */
export async function primaryHealthChecks(d: Deployment, aws: AwsAccess): Promise<HealthCheck[]> {
  if (d.dnsHealthCheckId) return [await getHealthCheck(aws, d.primaryRegion, d.dnsHealthCheckId)];
  const host = new URL(d.apis.primary).hostname.toLowerCase();
  const alarm = dnsHealthAlarmName(d);
  return (await listHealthChecks(aws, d.primaryRegion)).filter(
    (h) => h.alarm?.name === alarm || h.fqdn?.toLowerCase().replace(/\.$/, '') === host,
  );
}

/** What the check itself gets wrong: its type, the alarm it follows, how it reads no data. */
function configFlaws(d: Deployment, h: HealthCheck): Array<string | false> {
  const name = dnsHealthAlarmName(d);
  const wanted = DNS_FAILOVER.insufficientDataHealthStatus;
  if (h.type !== DNS_FAILOVER.healthCheckType)
    return [`type ${h.type ?? '?'}, not ${DNS_FAILOVER.healthCheckType}: traffic from outside can move DNS`];
  return [
    h.alarm?.name !== name && `follows alarm ${h.alarm?.name ?? '(none)'}, not ${name}`,
    h.alarm?.region !== d.primaryRegion && `alarm region ${h.alarm?.region ?? '(none)'}, not ${d.primaryRegion}`,
    h.insufficientDataHealthStatus !== wanted &&
      `insufficient data counts as ${h.insufficientDataHealthStatus ?? '(unset)'}, not ${wanted}`,
  ];
}

/** Why a health check would not fail the domain over as designed (src/failover/spec.ts); none when it would. */
export function healthCheckFlaws(d: Deployment, h: HealthCheck, alarm: MetricAlarm | undefined): string[] {
  const name = dnsHealthAlarmName(d);
  const topic = alertTopicArn(d, d.primaryRegion);
  const silent = alarm && !notifies(alarm, topic);
  return [
    ...configFlaws(d, h),
    h.disabled && 'health check DISABLED (always healthy: no failover)',
    h.inverted && 'health check INVERTED',
    !alarm && `alarm ${name} missing in ${d.primaryRegion}`,
    silent && `alarm ${name} does not notify ${topic}`,
  ].filter((x): x is string => !!x);
}

/**
 * Worst case = the deployed alarm's evaluation window + the read margin + the record's TTL
 * (worstCaseDnsFailoverSeconds). The failover records are aliases to the API's regional domain,
 * which carry no TTL of their own: Route 53 answers with the alias target's (60 s).
 */
export async function dnsFailoverRow(d: Deployment, aws: AwsAccess, rtoTargetSeconds: number): Promise<Row> {
  const base = {
    id: 'dns-failover',
    check: 'DNS failover worst case',
    region: 'Route 53',
    target: `<= ${rtoTargetSeconds} s (RTO target), on ${dnsHealthAlarmName(d)}`,
  } as const;
  try {
    const checks = await primaryHealthChecks(d, aws);
    if (!checks.length)
      return skip({
        ...base,
        measured: `DNS failover not deployed (no Route 53 health check on ${dnsHealthAlarmName(d)})`,
      });
    const name = dnsHealthAlarmName(d);
    const alarm = (await describeAlarms(aws, d.primaryRegion, [name])).find((a) => a.AlarmName === name);
    // The same alarm for every check: its window, once.
    const timing = alarm && { period: alarm.Period ?? 0, evaluationPeriods: alarm.EvaluationPeriods ?? 0 };
    const worst = worstCaseDnsFailoverSeconds(timing);
    const window = timing
      ? `${timing.evaluationPeriods} x ${timing.period} s`
      : `${DNS_FAILOVER.alarm.evaluationPeriods} x ${DNS_FAILOVER.alarm.period} s (designed)`;
    const rows = await Promise.all(
      checks.map(async (h) => {
        const flaws = healthCheckFlaws(d, h, alarm);
        const status = await healthCheckStatus(aws, d.primaryRegion, h.id);
        const measured = `alarm ${window} + ${DNS_FAILOVER.alarmReadSeconds} s read + ${DNS_FAILOVER.aliasTtlSeconds} s alias TTL = ${worst} s (health check ${h.id}, status: ${status})${flaws.length ? `; ${flaws.join('; ')}` : ''}`;
        return verdict(worst <= rtoTargetSeconds && flaws.length === 0, { ...base, measured });
      }),
    );
    return rows.find((r) => r.verdict === 'FAIL') ?? rows[0];
  } catch (e) {
    return errorRow(base, e);
  }
}
