/**
 * The regions' entry points: both GET /health answers, and, when DNS failover is deployed, the
 * worst-case failover time of the Route 53 health check that is actually deployed.
 */
import { DNS_FAILOVER, worstCaseDnsFailoverSeconds } from '../src/design';
import type { AwsAccess } from './check-aws';
import { xmlBlocks, xmlError, xmlText } from './check-aws';
import type { Deployment } from './check-input';
import { errorRow, Row, skip, verdict } from './check-report';

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
  readonly fqdn?: string;
  readonly resourcePath?: string;
  readonly requestIntervalSeconds: number;
  readonly failureThreshold: number;
  readonly disabled: boolean;
  readonly inverted: boolean;
}

function parseHealthCheck(xml: string): HealthCheck {
  const config = xmlBlocks(xml, 'HealthCheckConfig')[0] ?? '';
  return {
    id: xmlText(xml, 'Id') ?? '?',
    fqdn: xmlText(config, 'FullyQualifiedDomainName'),
    resourcePath: xmlText(config, 'ResourcePath'),
    // Route 53's defaults when the config omits them.
    requestIntervalSeconds: Number(xmlText(config, 'RequestInterval') ?? 30),
    failureThreshold: Number(xmlText(config, 'FailureThreshold') ?? 3),
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

/** The deployed health checks on the primary API's host: by the DnsHealthCheckId output, else by listing them all. */
export async function primaryHealthChecks(d: Deployment, aws: AwsAccess): Promise<HealthCheck[]> {
  if (d.dnsHealthCheckId) return [await getHealthCheck(aws, d.primaryRegion, d.dnsHealthCheckId)];
  const host = new URL(d.apis.primary).hostname.toLowerCase();
  return (await listHealthChecks(aws, d.primaryRegion)).filter(
    (h) => h.fqdn?.toLowerCase().replace(/\.$/, '') === host,
  );
}

/**
 * Worst case = RequestInterval x FailureThreshold + the record's TTL. The failover records are
 * aliases to the API's regional domain, which carry no TTL of their own: Route 53 answers with
 * the alias target's, DNS_FAILOVER.aliasTtlSeconds (60 s for API Gateway domains).
 */
export async function dnsFailoverRow(d: Deployment, aws: AwsAccess, rtoTargetSeconds: number): Promise<Row> {
  const base = {
    id: 'dns-failover',
    check: 'DNS failover worst case',
    region: 'Route 53',
    target: `<= ${rtoTargetSeconds} s (RTO target)`,
  } as const;
  try {
    const checks = await primaryHealthChecks(d, aws);
    if (!checks.length)
      return skip({
        ...base,
        measured: `DNS failover not deployed (no Route 53 health check on ${new URL(d.apis.primary).hostname})`,
      });
    const rows = checks.map((h) => {
      const worst = worstCaseDnsFailoverSeconds({
        requestIntervalSeconds: h.requestIntervalSeconds,
        failureThreshold: h.failureThreshold,
        aliasTtlSeconds: DNS_FAILOVER.aliasTtlSeconds,
      });
      const flaws = [
        h.disabled && 'health check DISABLED (always healthy: no failover)',
        h.inverted && 'health check INVERTED',
        h.resourcePath !== DNS_FAILOVER.healthPath && `path ${h.resourcePath ?? '/'} is not ${DNS_FAILOVER.healthPath}`,
      ].filter((x): x is string => !!x);
      const measured = `${h.requestIntervalSeconds} s x ${h.failureThreshold} + ${DNS_FAILOVER.aliasTtlSeconds} s alias TTL = ${worst} s (health check ${h.id})${flaws.length ? `; ${flaws.join('; ')}` : ''}`;
      return verdict(worst <= rtoTargetSeconds && flaws.length === 0, { ...base, measured });
    });
    return rows.find((r) => r.verdict === 'FAIL') ?? rows[0];
  } catch (e) {
    return errorRow(base, e);
  }
}
