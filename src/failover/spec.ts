/** The optional failover features' spec: Route 53's health check and the FIS drill. */
import { Dialect, PolicyDocument } from '../dialect';
import { REGION_HEALTH } from '../alarms';

/**
 * Route 53 failover between the regional APIs. The PRIMARY record's health check follows the
 * primary's region-health alarm (type CLOUDWATCH_METRIC), not an HTTPS probe of the open /health:
 * no request from outside can make it unhealthy (docs/SECURITY.md, "DNS failover that a flood
 * cannot force"). Resolvers forget the old answer after the record's TTL (an alias to an API
 * Gateway domain answers with a 60 s TTL).
 */
export const DNS_FAILOVER = {
  healthCheckType: 'CLOUDWATCH_METRIC',
  alarm: REGION_HEALTH,
  /**
   * While CloudWatch cannot tell the alarm's state, the primary counts as unhealthy and the
   * standby (warm, always serving) answers: silence from the primary's canary is never read as
   * health. Route 53's other choices, Healthy and LastKnownStatus, would keep a region whose
   * canary cannot run in DNS indefinitely.
   */
  insufficientDataHealthStatus: 'Unhealthy',
  /** A margin for CloudWatch to evaluate the alarm and Route 53 to read it: AWS states neither. */
  alarmReadSeconds: 60,
  aliasTtlSeconds: 60,
  /** The open route the failover client and operators read (docs/HEALTH.md). */
  healthPath: '/health',
} as const;

/** The alarm window DNS failover waits out (dr:check reads the deployed alarm's). */
export interface AlarmWindow {
  readonly period: number;
  readonly evaluationPeriods: number;
}

/**
 * The longest a client can keep resolving to a dead primary, in seconds: the alarm's whole
 * evaluation window (a failure that starts mid-minute fills its M breaching minutes within N),
 * the read margin and the TTL. `a`: the alarm as designed, or as deployed.
 */
export function worstCaseDnsFailoverSeconds(a: AlarmWindow = DNS_FAILOVER.alarm): number {
  return a.evaluationPeriods * a.period + DNS_FAILOVER.alarmReadSeconds + DNS_FAILOVER.aliasTtlSeconds;
}

/**
 * The FIS drill: pause replication until the standby's staleness alarm fires. The action
 * pauses the target replica's replication in both directions, so the primary's staleness
 * alarm fires too (docs/RUNBOOK.md).
 */
export const FIS_DRILL = {
  actionId: 'aws:dynamodb:global-table-pause-replication',
  /** AWS: "Tables may continue to be replicated for up to 5 minutes after action begins." */
  replicationContinuesMinutes: 5,
  /** FIS action durations go up to 12 hours; a longer pause only grows the backlog to replay. */
  maxPauseMinutes: 720,
  targetResourceType: 'aws:dynamodb:global-table',
  description:
    'tap-dr drill: pause global-table replication into the standby region until the heartbeat staleness alarm fires',
} as const;

/**
 * The shortest pause whose staleness alarm can fire before the pause ends: replication may go
 * on for 5 minutes, then the alarm needs up to its detection bound; one minute of margin.
 */
export function minFisPauseMinutes(detectionBoundSeconds: number): number {
  return FIS_DRILL.replicationContinuesMinutes + Math.ceil(detectionBoundSeconds / 60) + 1;
}

/** FIS's role for the drill: the pause action's documented permissions, on this table only. */
export function fisDrillPolicy<T>(d: Dialect<T>, tableArn: string | T): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PauseReplicationOfThisTable',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeTable',
          'dynamodb:GetResourcePolicy',
          'dynamodb:PutResourcePolicy',
          'dynamodb:DeleteResourcePolicy',
        ],
        // The stream too: AWS's own policy for this action covers table/<name>/stream/*.
        Resource: [tableArn, d.join(tableArn, '/stream/*')],
      },
    ],
  };
}
