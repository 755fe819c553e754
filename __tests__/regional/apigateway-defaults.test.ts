/** The regional API's stage settings as data (src/regional/apigateway-defaults.ts), rendered by both deliverables. */
import { apiAccessLogFormat, HEALTH_ROUTE_THROTTLE, STAGE_DEFAULTS } from '../../src/regional/apigateway-defaults';
import { templatesFor } from '../helpers/cfn';
import { resourcesOf, synthStack } from '../helpers/synth';

const ENV = { API_THROTTLE_RATE_LIMIT: '50', API_THROTTLE_BURST_LIMIT: '75' };
const { json: tf } = synthStack(ENV);
const { primary, secondary } = templatesFor(ENV);

/** A stage in a common form: the data, the configured throttle, the access log format. */
const expected = {
  ...STAGE_DEFAULTS,
  throttle: [50, 75],
  health: [HEALTH_ROUTE_THROTTLE.routeKey, HEALTH_ROUTE_THROTTLE.rateLimit, HEALTH_ROUTE_THROTTLE.burstLimit],
  format: apiAccessLogFormat(),
};

it('is one auto-deployed $default stage with detailed metrics; /health is held far below the stage', () => {
  expect(STAGE_DEFAULTS).toEqual({ name: '$default', autoDeploy: true, detailedMetricsEnabled: true });
  expect(HEALTH_ROUTE_THROTTLE).toEqual({ routeKey: 'GET /health', rateLimit: 10, burstLimit: 20 });
  expect(Object.keys(JSON.parse(apiAccessLogFormat()))).toContain('requestId');
});

it("Terraform renders it on both regions' stages", () => {
  const stages = resourcesOf(tf, 'aws_apigatewayv2_stage');
  expect(stages).toHaveLength(2);
  for (const s of stages) {
    const d = s.default_route_settings;
    const [h] = s.route_settings;
    expect({
      name: s.name,
      autoDeploy: s.auto_deploy,
      detailedMetricsEnabled: d.detailed_metrics_enabled,
      throttle: [d.throttling_rate_limit, d.throttling_burst_limit],
      health: [h.route_key, h.throttling_rate_limit, h.throttling_burst_limit],
      format: s.access_log_settings.format,
    }).toEqual(expected);
  }
});

it("CloudFormation renders it on both templates' stages", () => {
  const stages = [primary, secondary].flatMap((t) =>
    Object.values(t.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage'),
  );
  expect(stages).toHaveLength(2);
  for (const { Properties: s } of stages as Array<{ Properties: Record<string, any> }>) {
    const d = s.DefaultRouteSettings;
    const [[route, h]] = Object.entries(s.RouteSettings) as Array<[string, any]>;
    expect({
      name: s.StageName,
      autoDeploy: s.AutoDeploy,
      detailedMetricsEnabled: d.DetailedMetricsEnabled,
      throttle: [d.ThrottlingRateLimit, d.ThrottlingBurstLimit],
      health: [route, h.ThrottlingRateLimit, h.ThrottlingBurstLimit],
      format: s.AccessLogSettings.Format,
    }).toEqual(expected);
  }
});
