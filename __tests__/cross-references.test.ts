/**
 * Literal cross-references that AWS checks when the carrying resource is created, in both
 * deliverables. A matching name is not enough: the engine must create the named resource first,
 * so each carrier must (transitively) depend on it. docs/CROSS-REFERENCES.md lists every kind.
 */
import { Template } from '../src/cloudformation';
import LOG_VARIABLES from '../emulator/aws-rules/http-api-access-log-variables.json';
import { templatesFor } from './helpers/cfn';
import { cloudFormationPrerequisites, terraformPrerequisites } from './helpers/graph';
import { synthStack, TerraformJson } from './helpers/synth';

const CONFIGURATIONS: Record<string, Record<string, string>> = {
  default: {},
  'every option': {
    HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ',
    DOMAIN_NAME: 'pay.example.com',
    FIS_DRILL: 'true',
    CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::123456789012:role/failover-automation',
    ALERT_EMAIL: 'oncall@example.com',
    LAMBDA_RESERVED_CONCURRENCY: '50',
  },
  'no standby tier': { STANDBY_PROCESSOR: 'false' },
};

/** $context variables in an access-log format that AWS's list for HTTP APIs does not have. */
function unsupportedVariables(format: string): string[] {
  const used = format.match(/\$context\.[A-Za-z0-9_.]+/g) ?? [];
  expect(used.length).toBeGreaterThan(0);
  return used.filter((v) => !LOG_VARIABLES.variables.includes(v));
}

/** `type.name` addresses of every resource of a type. */
const addressesOf = (json: TerraformJson, type: string) =>
  Object.keys(json.resource[type] ?? {}).map((name) => `${type}.${name}`);
const bodyOf = (json: TerraformJson, address: string) => {
  const [type, name] = address.split('.');
  return json.resource[type][name];
};

describe.each(Object.entries(CONFIGURATIONS))('cross-references AWS checks at create time (%s)', (_, env) => {
  describe('Terraform', () => {
    const { json } = synthStack(env);

    it('every access-log $context variable is one HTTP APIs support (CreateStage: BadRequestException)', () => {
      const stages = addressesOf(json, 'aws_apigatewayv2_stage').map((a) => bodyOf(json, a));
      expect(stages.length).toBeGreaterThan(0);
      for (const s of stages) expect(unsupportedVariables(s.access_log_settings.format)).toEqual([]);
    });

    it('every HTTP API stage is created after each route its route_settings name (CreateStage: NotFoundException)', () => {
      const stages = addressesOf(json, 'aws_apigatewayv2_stage');
      expect(stages.length).toBeGreaterThan(0);
      for (const stage of stages) {
        const body = bodyOf(json, stage);
        const before = terraformPrerequisites(json, stage);
        for (const setting of body.route_settings ?? []) {
          const routes = addressesOf(json, 'aws_apigatewayv2_route').filter(
            (r) => bodyOf(json, r).api_id === body.api_id && bodyOf(json, r).route_key === setting.route_key,
          );
          expect({ stage, routeKey: setting.route_key, routes: routes.length }).toEqual({
            stage,
            routeKey: setting.route_key,
            routes: 1,
          });
          expect({ stage, dependsOnRoute: before.has(routes[0]) }).toEqual({ stage, dependsOnRoute: true });
        }
      }
    });
  });

  describe('CloudFormation', () => {
    const templates = templatesFor(env);

    it.each(['primary', 'secondary'] as const)(
      '%s: every access-log $context variable is one HTTP APIs support (CreateStage: BadRequestException)',
      (which) => {
        const t: Template = templates[which];
        const formats = Object.values(t.Resources)
          .filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage')
          .map((r) => (r.Properties as Record<string, any>).AccessLogSettings.Format as string);
        expect(formats.length).toBeGreaterThan(0);
        for (const f of formats) expect(unsupportedVariables(f)).toEqual([]);
      },
    );

    it.each(['primary', 'secondary'] as const)(
      '%s: every HTTP API stage is created after each route its RouteSettings name',
      (which) => {
        const t: Template = templates[which];
        const ofType = (type: string) => Object.keys(t.Resources).filter((id) => t.Resources[id].Type === type);
        for (const stage of ofType('AWS::ApiGatewayV2::Stage')) {
          const props = t.Resources[stage].Properties as Record<string, any>;
          const before = cloudFormationPrerequisites(t, stage);
          for (const routeKey of Object.keys(props.RouteSettings ?? {})) {
            const routes = ofType('AWS::ApiGatewayV2::Route').filter((r) => {
              const p = t.Resources[r].Properties as Record<string, any>;
              return JSON.stringify(p.ApiId) === JSON.stringify(props.ApiId) && p.RouteKey === routeKey;
            });
            expect({ stage, routeKey, routes: routes.length }).toEqual({ stage, routeKey, routes: 1 });
            expect({ stage, dependsOnRoute: before.has(routes[0]) }).toEqual({ stage, dependsOnRoute: true });
          }
        }
      },
    );
  });
});
