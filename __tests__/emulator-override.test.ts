/**
 * Nothing may reach a real AWS endpoint: every service the synthesized stack uses (with every
 * optional feature on) must be routed to the emulator by the e2e override, and anything it
 * misses falls back to a dead loopback port. The expected endpoint key of each resource type
 * is listed here independently of the mapping under test, so a wrong mapping cannot pass
 * (aws_cloudwatch_event_rule once went to "cloudwatch", and the provider looked up the real
 * EventBridge host).
 */
import { DEAD_ENDPOINT, emulatorOverride, servicesUsed } from '../harness/terraform';
import { synthStack } from './helpers/synth';

const ENDPOINT_KEY: Record<string, string> = {
  aws_acm_certificate: 'acm',
  aws_acm_certificate_validation: 'acm',
  aws_apigatewayv2_api: 'apigatewayv2',
  aws_apigatewayv2_api_mapping: 'apigatewayv2',
  aws_apigatewayv2_domain_name: 'apigatewayv2',
  aws_apigatewayv2_integration: 'apigatewayv2',
  aws_apigatewayv2_route: 'apigatewayv2',
  aws_apigatewayv2_stage: 'apigatewayv2',
  aws_cloudtrail: 'cloudtrail',
  aws_cloudwatch_event_rule: 'events',
  aws_cloudwatch_event_target: 'events',
  aws_cloudwatch_log_group: 'logs',
  aws_cloudwatch_metric_alarm: 'cloudwatch',
  aws_dynamodb_table: 'dynamodb',
  aws_dynamodb_table_replica: 'dynamodb',
  aws_fis_experiment_template: 'fis',
  aws_iam_role: 'iam',
  aws_iam_role_policy: 'iam',
  aws_kms_alias: 'kms',
  aws_kms_key: 'kms',
  aws_kms_replica_key: 'kms',
  aws_lambda_code_signing_config: 'lambda',
  aws_lambda_function: 'lambda',
  aws_lambda_function_event_invoke_config: 'lambda',
  aws_lambda_permission: 'lambda',
  aws_route53_health_check: 'route53',
  aws_route53_record: 'route53',
  aws_s3_bucket: 's3',
  aws_sns_topic: 'sns',
  aws_sns_topic_policy: 'sns',
  aws_sns_topic_subscription: 'sns',
};

const everything = synthStack({
  HOSTED_ZONE_ID: 'Z0123456789ABC',
  DOMAIN_NAME: 'payments.example.com',
  FIS_DRILL: 'true',
  ALERT_EMAIL: 'oncall@example.com',
  CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/failover',
}).json;

it('routes every service of every resource type the stack declares to the emulator', () => {
  const types = Object.keys(everything.resource);
  const keyOf = (t: string) => ENDPOINT_KEY[t] ?? (t.startsWith('aws_s3_bucket_') ? 's3' : undefined);
  expect(types.filter((t) => keyOf(t) === undefined)).toEqual([]); // a new type must join the table above
  const routed = new Set(servicesUsed(everything));
  expect(types.filter((t) => !routed.has(keyOf(t)!))).toEqual([]);
});

it('points both providers at their own region, and leaves no service to the real AWS', () => {
  const override = emulatorOverride(everything, (region) => `http://127.0.0.1/${region}`) as any;
  for (const p of override.provider.aws) {
    for (const url of Object.values(p.endpoints[0])) expect(url).toMatch(/^http:\/\/127\.0\.0\.1\//);
  }
  expect(DEAD_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
