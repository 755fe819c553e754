import { Construct } from 'constructs';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { API } from './spec';
import { apiAccessLogFormat, HEALTH_ROUTE_THROTTLE, STAGE_DEFAULTS } from './apigateway-defaults';
import type { TapConfig } from '../config';
import { names, NameParts } from '../naming';
import { encryptedLogGroup } from '../logs/encrypted-log-group';

export interface RegionalApiProps {
  readonly provider?: AwsProvider;
  readonly names: NameParts;
  readonly processor: LambdaFunction;
  readonly health: LambdaFunction;
  readonly keyArn: string;
  /** The tier settings it renders: a new one is added here and in src/config.ts, nowhere between. */
  readonly settings: Pick<TapConfig, 'logRetentionDays' | 'apiThrottle'>;
}

/**
 * The region's HTTPS entry point: an HTTP API with `POST /transactions` (SigV4, IAM
 * authorization) in front of the processor and an unauthenticated `GET /health`, with
 * throttling on the $default stage and encrypted access logs.
 */
export class RegionalApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;

  constructor(scope: Construct, id: string, props: RegionalApiProps) {
    super(scope, id);
    const { provider } = props;
    this.api = new Apigatewayv2Api(this, 'api', {
      provider,
      name: names.api(props.names),
      protocolType: API.protocolType,
      description: API.description,
    });
    this.stage = this.stageOver(this.routes(props), props);
  }

  /** Each route, its Lambda integration, and the permission for this API to invoke that function. */
  private routes(props: RegionalApiProps): Map<string, Apigatewayv2Route> {
    const { provider } = props;
    const routes = new Map<string, Apigatewayv2Route>();
    for (const route of API.routes) {
      const fn = route.target === 'processor' ? props.processor : props.health;
      const integration = new Apigatewayv2Integration(this, `${route.id}-integration`, {
        provider,
        apiId: this.api.id,
        integrationType: API.integrationType,
        integrationUri: fn.invokeArn,
        payloadFormatVersion: API.payloadFormatVersion,
        timeoutMilliseconds: API.integrationTimeoutMs,
      });
      const apiRoute = new Apigatewayv2Route(this, `${route.id}-route`, {
        provider,
        apiId: this.api.id,
        routeKey: route.routeKey,
        authorizationType: route.authorization,
        target: `integrations/${integration.id}`,
      });
      routes.set(route.routeKey, apiRoute);
      new LambdaPermission(this, `${route.id}-permission`, {
        provider,
        statementId: `${API.permissionPrefix}${route.id}`,
        action: 'lambda:InvokeFunction',
        functionName: fn.functionName,
        principal: 'apigateway.amazonaws.com',
        // This API, this method and path only (confused deputy).
        sourceArn: `${this.api.executionArn}/*/${route.routeKey.replace(' ', '')}`,
      });
    }
    return routes;
  }

  /** The throttled $default stage, logging each request to its own encrypted group. */
  private stageOver(routes: Map<string, Apigatewayv2Route>, props: RegionalApiProps): Apigatewayv2Stage {
    const { provider } = props;
    const logs = encryptedLogGroup(this, 'access-logs', {
      provider,
      name: names.apiAccessLogGroup(props.names),
      retentionInDays: props.settings.logRetentionDays,
      kmsKeyId: props.keyArn,
    });
    return new Apigatewayv2Stage(this, 'stage', {
      provider,
      apiId: this.api.id,
      name: STAGE_DEFAULTS.name,
      autoDeploy: STAGE_DEFAULTS.autoDeploy,
      defaultRouteSettings: {
        throttlingRateLimit: props.settings.apiThrottle.rateLimit,
        throttlingBurstLimit: props.settings.apiThrottle.burstLimit,
        detailedMetricsEnabled: STAGE_DEFAULTS.detailedMetricsEnabled,
      },
      routeSettings: [
        {
          routeKey: HEALTH_ROUTE_THROTTLE.routeKey,
          throttlingRateLimit: HEALTH_ROUTE_THROTTLE.rateLimit,
          throttlingBurstLimit: HEALTH_ROUTE_THROTTLE.burstLimit,
        },
      ],
      accessLogSettings: { destinationArn: logs.arn, format: apiAccessLogFormat() },
      // CreateStage refuses route settings for a route that does not exist yet (NotFoundException),
      // and nothing else orders the stage after its routes.
      dependsOn: [routes.get(HEALTH_ROUTE_THROTTLE.routeKey)!],
    });
  }
}
