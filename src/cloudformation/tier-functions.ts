/** The tier's heartbeat canary, /health and HTTP API, as src/regional/regional-tier.ts and src/regional/regional-api.ts build them. */
import {
  API,
  apiAccessLogFormat,
  processor,
  REGIONAL_FUNCTIONS,
  regionalFunction,
  regionalVariables,
  serviceTrustPolicy,
} from '../design';
import { HEARTBEAT } from '../heartbeat-contract';
import { rolePolicyParts } from '../keys/spec';
import { names } from '../naming';
import { cfnNames, lambdaCode, logGroup, tags } from './common';
import { cfnDialect, Fragment, fnIf, getAtt, ref, sub } from './intrinsics';
import { HEARTBEAT_SCHEDULE } from '../regional/spec';
import { HEALTH_ROUTE_THROTTLE, STAGE_DEFAULTS } from '../regional/apigateway-defaults';
import { TierContext } from './tier-context';

type RegionalFunction = keyof typeof REGIONAL_FUNCTIONS;

/** Both small functions, and the schedule that runs the canary every minute. */
export function regionalFunctions(ctx: TierContext): Fragment {
  return { ...smallFunction(ctx, 'heartbeat'), ...smallFunction(ctx, 'health'), ...heartbeatSchedule(ctx) };
}

/** One small function with its own role and log group, under the region's key. */
function smallFunction(ctx: TierContext, what: RegionalFunction): Fragment {
  const { config, ids, keyArn } = ctx;
  const f = REGIONAL_FUNCTIONS[what];
  const [id, logGroupId, role] = [ids[`${what}Function`], ids[`${what}LogGroup`], ids[`${what}Role`]];
  return {
    [logGroupId]: logGroup(config, names.functionLogGroup(f.functionName(cfnNames)), keyArn),
    [role]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        // IAM is global: the standby's copy has a name of its own.
        RoleName: sub(names.regionalRole(cfnNames, what, ctx.role === 'standby')),
        Description: f.description,
        AssumeRolePolicyDocument: serviceTrustPolicy('lambda.amazonaws.com'),
        Policies: rolePolicyParts(
          sub(f.functionName(cfnNames)),
          cfnDialect,
          f.policy(cfnDialect, ctx.env, cfnNames, {
            tableArn: ctx.table.arn,
            keyArn,
            bucketArn: getAtt(ids.documentsBucket, 'Arn'),
          }),
          [keyArn],
        ),
        Tags: tags(config),
      },
    },
    [id]: {
      Type: 'AWS::Lambda::Function',
      DependsOn: [logGroupId],
      Properties: {
        FunctionName: sub(f.functionName(cfnNames)),
        Description: f.description,
        Runtime: processor.runtime,
        Handler: `index.${f.handler}`,
        Code: lambdaCode(ctx.handlerCode),
        Role: getAtt(role, 'Arn'),
        MemorySize: regionalFunction.memorySize,
        Timeout: regionalFunction.timeoutSeconds,
        KmsKeyArn: keyArn,
        TracingConfig: { Mode: processor.tracingMode },
        Environment: {
          Variables: regionalVariables(what, {
            tableName: ctx.table.name,
            // Nothing to watch until the peer's outputs are given (an empty peer: none).
            peerRegion: fnIf(ctx.peer.condition, ctx.env.peerRegion, ''),
            keyArn,
            bucketName: ref(ids.documentsBucket),
            rpoTargetSeconds: config.rpoTargetSeconds,
          }),
        },
        Tags: tags(config),
      },
    },
  };
}

function heartbeatSchedule(ctx: TierContext): Fragment {
  const { ids } = ctx;
  return {
    [ids.heartbeatSchedule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: sub(names.heartbeatRule(cfnNames)),
        Description: HEARTBEAT_SCHEDULE.description,
        ScheduleExpression: HEARTBEAT.schedule,
        Targets: [{ Id: 'heartbeat', Arn: getAtt(ids.heartbeatFunction, 'Arn') }],
      },
    },
    [ids.heartbeatPermission]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: ref(ids.heartbeatFunction),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(ids.heartbeatSchedule, 'Arn'),
      },
    },
    // The next minute's run is the retry: a retried old beat would only muddle the metric.
    [ids.heartbeatRetries]: {
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: {
        FunctionName: ref(ids.heartbeatFunction),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: HEARTBEAT_SCHEDULE.maximumRetryAttempts,
      },
    },
  };
}

/** The region's HTTP API: routes, IAM auth on POST /transactions, throttling, encrypted access logs. */
export function apiFragment(ctx: TierContext): Fragment {
  const { config, ids } = ctx;
  const out: Fragment = {
    [ids.api]: {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: { Name: sub(names.api(cfnNames)), ProtocolType: API.protocolType, Description: API.description },
    },
    [ids.apiLogGroup]: logGroup(config, names.apiAccessLogGroup(cfnNames), ctx.keyArn),
    [ids.apiStage]: {
      Type: 'AWS::ApiGatewayV2::Stage',
      // CreateStage refuses RouteSettings naming a route that does not exist yet (NotFoundException).
      DependsOn: API.routes
        .filter((r) => r.routeKey === HEALTH_ROUTE_THROTTLE.routeKey)
        .map((r) => ids[`${r.id}Route`]),
      Properties: {
        ApiId: ref(ids.api),
        StageName: STAGE_DEFAULTS.name,
        AutoDeploy: STAGE_DEFAULTS.autoDeploy,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
          DetailedMetricsEnabled: STAGE_DEFAULTS.detailedMetricsEnabled,
        },
        RouteSettings: {
          [HEALTH_ROUTE_THROTTLE.routeKey]: {
            ThrottlingRateLimit: HEALTH_ROUTE_THROTTLE.rateLimit,
            ThrottlingBurstLimit: HEALTH_ROUTE_THROTTLE.burstLimit,
          },
        },
        AccessLogSettings: { DestinationArn: getAtt(ids.apiLogGroup, 'Arn'), Format: apiAccessLogFormat() },
      },
    },
  };
  for (const route of API.routes) Object.assign(out, apiRoute(ctx, route));
  return out;
}

function apiRoute(ctx: TierContext, route: (typeof API.routes)[number]): Fragment {
  const { ids } = ctx;
  const fn = route.target === 'processor' ? ids.processor : ids.healthFunction;
  const [integration, routeId, permission] = [
    ids[`${route.id}Integration`],
    ids[`${route.id}Route`],
    ids[`${route.id}Permission`],
  ];
  return {
    [integration]: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: ref(ids.api),
        IntegrationType: API.integrationType,
        IntegrationUri: getAtt(fn, 'Arn'),
        PayloadFormatVersion: API.payloadFormatVersion,
        TimeoutInMillis: API.integrationTimeoutMs,
      },
    },
    [routeId]: {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: ref(ids.api),
        RouteKey: route.routeKey,
        AuthorizationType: route.authorization,
        Target: cfnDialect.join('integrations/', ref(integration)),
      },
    },
    [permission]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: ref(fn),
        Principal: 'apigateway.amazonaws.com',
        // This API, this method and path only (confused deputy).
        SourceArn: cfnDialect.join(
          'arn:',
          ref('AWS::Partition'),
          ':execute-api:',
          ref('AWS::Region'),
          ':',
          ref('AWS::AccountId'),
          ':',
          ref(ids.api),
          `/*/${route.routeKey.replace(' ', '')}`,
        ),
      },
    },
  };
}
