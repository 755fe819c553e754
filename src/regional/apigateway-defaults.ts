/**
 * The regional HTTP API's stage settings, as data: src/regional/regional-api.ts (Terraform) and
 * apiFragment in src/cloudformation/tier-functions.ts both render them.
 */

/** The one stage, deployed on every change, with per-route metrics. */
export const STAGE_DEFAULTS = {
  name: '$default',
  autoDeploy: true,
  detailedMetricsEnabled: true,
} as const;

/** GET /health's own limits, well above Route 53's checkers (a few requests a second) and far
 *  below the stage's: a flood of the open route cannot take the processor's share. */
export const HEALTH_ROUTE_THROTTLE = { routeKey: 'GET /health', rateLimit: 10, burstLimit: 20 } as const;

/** One JSON line per request: who, what, when and how it ended; no bodies. */
export function apiAccessLogFormat(): string {
  return JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    caller: '$context.identity.caller',
    userArn: '$context.identity.userArn',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    latencyMs: '$context.responseLatency',
    integrationError: '$context.integrationErrorMessage',
  });
}
