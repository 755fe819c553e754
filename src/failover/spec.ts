/** The optional failover features' spec: Route 53 health-check timing and the FIS drill. */
import { Dialect, PolicyDocument } from '../dialect';

/**
 * Route 53 failover between the regional APIs. Worst case, a dead primary is noticed after
 * `requestIntervalSeconds x failureThreshold` and resolvers forget the old answer after the
 * record's TTL (an alias to an API Gateway domain answers with a 60 s TTL).
 */
export const DNS_FAILOVER = {
  requestIntervalSeconds: 10,
  failureThreshold: 3,
  aliasTtlSeconds: 60,
  healthPath: '/health',
} as const;

/** The longest a client can keep resolving to a dead primary, in seconds. */
export function worstCaseDnsFailoverSeconds(
  h: { requestIntervalSeconds: number; failureThreshold: number; aliasTtlSeconds: number } = DNS_FAILOVER,
): number {
  return h.requestIntervalSeconds * h.failureThreshold + h.aliasTtlSeconds;
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
