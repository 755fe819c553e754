/**
 * The failover design in the synthesized Terraform stack (issue 11): a regional entry point,
 * the replication heartbeat, the alarms that cannot go silent, documents replicated both
 * ways, optional DNS failover and the optional FIS drill. Each property is read from the
 * real cdk.tf.json, in both regions where it applies.
 */
import { ConfigError, loadConfig } from '../src/config';
import { worstCaseDnsFailoverSeconds } from '../src/design';
import { HEARTBEAT, RPO_TARGET_SECONDS, SCHEDULE_JITTER_SECONDS } from '../src/heartbeat-contract';
import { stalenessDetectionBoundSeconds } from '../src/alarms';
import { FIS_DRILL, minFisPauseMinutes } from '../src/failover/spec';
import { resourcesOf, synthStack, TerraformJson } from './helpers/synth';

const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const SECONDARY = 'aws.secondary';
const ACCOUNT = '${data.aws_caller_identity.account.account_id}';
const PARTITION = '${data.aws_partition.partition.partition}';
/** Policies spell ARNs from names, so they read in full in a first plan. */
const docsArn = (region: string) => `arn:${PARTITION}:s3:::tap-docs-dev-${ACCOUNT}-${region}`;
const REPLICA_ARN = `arn:${PARTITION}:dynamodb:us-west-2:${ACCOUNT}:table/transactions-dev`;

type R = Record<string, any>;
const inRegion = (r: R, region: string) => (region === PRIMARY ? r.provider === undefined : r.provider === SECONDARY);
const named = (json: TerraformJson, type: string) => Object.entries(json.resource[type] ?? {}) as Array<[string, R]>;
const addressOf = (json: TerraformJson, type: string, r: R) => named(json, type).find(([, x]) => x === r)![0];
const fnIn = (json: TerraformJson, name: string, region: string) =>
  resourcesOf(json, 'aws_lambda_function').find((f) => f.function_name === name && inRegion(f, region))!;
const policyOfRole = (json: TerraformJson, roleName: string) => {
  const [address] = named(json, 'aws_iam_role').find(([, r]) => r.name === roleName)!;
  // The role's policy and its key statements, split off so the rest reads in a first plan (issue 19).
  const parts = resourcesOf(json, 'aws_iam_role_policy').filter((p) => p.role === `\${aws_iam_role.${address}.id}`);
  return { Statement: parts.flatMap((p) => JSON.parse(p.policy).Statement) };
};

describe('the regional entry point, in each region', () => {
  const { json } = synthStack();

  describe.each([PRIMARY, STANDBY])('%s', (region) => {
    const api = resourcesOf(json, 'aws_apigatewayv2_api').find((a) => inRegion(a, region))!;
    const apiRef = `\${aws_apigatewayv2_api.${addressOf(json, 'aws_apigatewayv2_api', api)}`;
    const routes = resourcesOf(json, 'aws_apigatewayv2_route').filter((r) => r.api_id === `${apiRef}.id}`);
    const integrationOf = (route: R) =>
      named(json, 'aws_apigatewayv2_integration').find(
        ([name]) => route.target === `integrations/\${aws_apigatewayv2_integration.${name}.id}`,
      )![1];
    const fnAddress = (f: R) => addressOf(json, 'aws_lambda_function', f);

    it('is an HTTP API with exactly two routes', () => {
      expect(api).toMatchObject({ protocol_type: 'HTTP', name: 'tap-dr-dev' });
      expect(routes.map((r) => r.route_key).sort()).toEqual(['GET /health', 'POST /transactions']);
    });

    it("sends POST /transactions, SigV4-authorized, to this region's processor", () => {
      const post = routes.find((r) => r.route_key === 'POST /transactions')!;
      expect(post.authorization_type).toBe('AWS_IAM');
      const integration = integrationOf(post);
      expect(integration).toMatchObject({ integration_type: 'AWS_PROXY', payload_format_version: '2.0' });
      expect(integration.integration_uri).toBe(
        `\${aws_lambda_function.${fnAddress(fnIn(json, 'transaction-processor-dev', region))}.invoke_arn}`,
      );
    });

    it('answers GET /health without authorization, from the health function that can read no transaction', () => {
      const get = routes.find((r) => r.route_key === 'GET /health')!;
      expect(get.authorization_type).toBe('NONE');
      const health = fnIn(json, 'tap-dr-health-dev', region);
      expect(integrationOf(get).integration_uri).toBe(`\${aws_lambda_function.${fnAddress(health)}.invoke_arn}`);
      const policy = policyOfRole(json, `tap-dr-health-dev${region === STANDBY ? '.standby' : ''}`);
      const dynamo = policy.Statement.filter((st: R) => st.Action.some((a: string) => a.startsWith('dynamodb:')));
      const peer = region === PRIMARY ? STANDBY : PRIMARY;
      expect(dynamo).toEqual([
        expect.objectContaining({
          Action: ['dynamodb:GetItem'],
          Condition: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': [`${HEARTBEAT.idPrefix}${peer}`, `${HEARTBEAT.idPrefix}${region}`],
            },
          },
        }),
      ]);
    });

    it('lets API Gateway invoke each function only for its own route of this API', () => {
      const perms = resourcesOf(json, 'aws_lambda_permission').filter(
        (p) => p.principal === 'apigateway.amazonaws.com' && inRegion(p, region),
      );
      expect(perms.map((p) => p.source_arn).sort()).toEqual([
        `${apiRef}.execution_arn}/*/GET/health`,
        `${apiRef}.execution_arn}/*/POST/transactions`,
      ]);
    });

    it('throttles the $default stage and writes access logs to a log group under the region key, kept 365 days', () => {
      const stage = resourcesOf(json, 'aws_apigatewayv2_stage').find((s) => s.api_id === `${apiRef}.id}`)!;
      expect(stage).toMatchObject({
        name: '$default',
        auto_deploy: true,
        default_route_settings: { throttling_rate_limit: 100, throttling_burst_limit: 200 },
      });
      const [logsName, logs] = named(json, 'aws_cloudwatch_log_group').find(
        ([n]) => stage.access_log_settings.destination_arn === `\${aws_cloudwatch_log_group.${n}.arn}`,
      )!;
      expect(logsName).toBe(region === PRIMARY ? 'primary_api_access_logs' : 'secondary_api_access_logs');
      expect(logs).toMatchObject({ name: '/aws/apigateway/tap-dr-dev', retention_in_days: 365 });
      expect(logs.kms_key_id).toBe(
        region === PRIMARY ? '${aws_kms_key.keys_primary.arn}' : '${aws_kms_replica_key.keys_secondary.arn}',
      );
      expect(Object.keys(JSON.parse(stage.access_log_settings.format))).toEqual(
        expect.arrayContaining(['requestId', 'userArn', 'status']),
      );
    });
  });

  it("outputs both regions' endpoints", () => {
    expect(json.output.PrimaryApiEndpoint.value).toMatch(
      /^\$\{aws_apigatewayv2_stage\.primary_api_stage\.invoke_url\}$/,
    );
    expect(json.output.StandbyApiEndpoint.value).toMatch(
      /^\$\{aws_apigatewayv2_stage\.secondary_api_stage\.invoke_url\}$/,
    );
  });

  it('takes throttling from API_THROTTLE_RATE_LIMIT and API_THROTTLE_BURST_LIMIT', () => {
    const stages = resourcesOf(
      synthStack({ API_THROTTLE_RATE_LIMIT: '40', API_THROTTLE_BURST_LIMIT: '80' }).json,
      'aws_apigatewayv2_stage',
    );
    for (const s of stages)
      expect(s.default_route_settings).toMatchObject({ throttling_rate_limit: 40, throttling_burst_limit: 80 });
  });
});

describe('the replication heartbeat', () => {
  const { json } = synthStack({ RPO_TARGET_SECONDS: '45' });

  it.each([
    [PRIMARY, STANDBY],
    [STANDBY, PRIMARY],
  ])('runs every minute in %s and watches %s', (region, peer) => {
    const fn = fnIn(json, 'tap-dr-heartbeat-dev', region);
    expect(fn.handler).toBe('index.heartbeat');
    expect(fn.environment.variables).toMatchObject({ PEER_REGION: peer });
    // The RPO target is /health's and the alarm's, never read by the canary (__tests__/regional/spec.test.ts).
    expect(fn.environment.variables).not.toHaveProperty('RPO_TARGET_SECONDS');
    const rule = resourcesOf(json, 'aws_cloudwatch_event_rule').find((r) => inRegion(r, region))!;
    expect(rule.schedule_expression).toBe('rate(1 minute)');
    const ruleRef = `\${aws_cloudwatch_event_rule.${addressOf(json, 'aws_cloudwatch_event_rule', rule)}`;
    const fnRef = `\${aws_lambda_function.${addressOf(json, 'aws_lambda_function', fn)}`;
    expect(resourcesOf(json, 'aws_cloudwatch_event_target').find((t) => t.rule === `${ruleRef}.name}`)!.arn).toBe(
      `${fnRef}.arn}`,
    );
    expect(
      resourcesOf(json, 'aws_lambda_function_event_invoke_config').find(
        (c) => c.function_name === `${fnRef}.function_name}`,
      ),
    ).toMatchObject({
      maximum_retry_attempts: 0,
    });
    expect(
      resourcesOf(json, 'aws_lambda_permission').find(
        (p) => p.principal === 'events.amazonaws.com' && inRegion(p, region),
      ),
    ).toMatchObject({
      function_name: `${fnRef}.function_name}`,
      source_arn: `${ruleRef}.arn}`,
    });
  });

  it('has a role that touches only heartbeat items and publishes only its own metric namespace', () => {
    for (const [role, region, peer] of [
      ['tap-dr-heartbeat-dev', PRIMARY, STANDBY],
      ['tap-dr-heartbeat-dev.standby', STANDBY, PRIMARY],
    ]) {
      const bySid = Object.fromEntries(policyOfRole(json, role).Statement.map((st: R) => [st.Sid, st]));
      // It writes only its own beat: writing the peer's could make a stalled replication look fresh.
      expect(bySid.WriteOwnBeat).toMatchObject({
        Action: ['dynamodb:PutItem'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`#heartbeat#${region}`] } },
      });
      expect(bySid.ReadPeerBeat).toMatchObject({
        Action: ['dynamodb:GetItem'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`#heartbeat#${peer}`] } },
      });
      expect(bySid.RegionKeyThroughDynamoDB.Condition).toEqual({
        StringEquals: {
          'kms:ViaService': `dynamodb.${region}.amazonaws.com`,
          'kms:EncryptionContext:aws:dynamodb:tableName': 'transactions-dev',
          'kms:EncryptionContext:aws:dynamodb:subscriberId': '${data.aws_caller_identity.account.account_id}',
        },
      });
      expect(bySid.StalenessMetricOnly).toMatchObject({
        Action: ['cloudwatch:PutMetricData'],
        Condition: { StringEquals: { 'cloudwatch:namespace': HEARTBEAT.namespace } },
      });
      const all = Object.values(bySid).flatMap((st: any) => st.Action);
      expect(all.filter((a: string) => a.startsWith('dynamodb:')).sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
      ]);
    }
  });

  it('uses ids the processor can never produce, so heartbeat items are never transactions', () => {
    expect(HEARTBEAT.idPrefix).toMatch(/[^\w.:-]/);
  });

  it('watches nothing without the standby tier: no peer to read, no staleness alarm', () => {
    const off = synthStack({ STANDBY_PROCESSOR: 'false' }).json;
    expect(fnIn(off, 'tap-dr-heartbeat-dev', PRIMARY).environment.variables.PEER_REGION).toBe('');
    const names = resourcesOf(off, 'aws_cloudwatch_metric_alarm').map((a) => a.alarm_name);
    expect(names).not.toContain('tap-dr-dev.heartbeat-staleness');
    expect(names.filter((n) => n.includes('document-replication'))).toEqual([]);
  });
});

describe('alarms that cannot go silent', () => {
  const { json } = synthStack({ RPO_TARGET_SECONDS: '45' });
  const alarm = (name: string) => resourcesOf(json, 'aws_cloudwatch_metric_alarm').find((a) => a.alarm_name === name)!;
  const topicIn = (region: string) => {
    const t = resourcesOf(json, 'aws_sns_topic').find((x) => inRegion(x, region))!;
    return `\${aws_sns_topic.${addressOf(json, 'aws_sns_topic', t)}.arn}`;
  };

  it.each([
    ['', PRIMARY, STANDBY],
    ['-standby', STANDBY, PRIMARY],
  ])('heartbeat staleness%s breaches on missing data, above the RPO target', (q, region, peer) => {
    expect(alarm(`tap-dr-dev.heartbeat-staleness${q}`)).toMatchObject({
      namespace: HEARTBEAT.namespace,
      metric_name: HEARTBEAT.metricName,
      statistic: 'Maximum',
      threshold: 45,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'breaching',
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
      dimensions: { SourceRegion: peer, ReceivingRegion: region },
      alarm_actions: [topicIn(region)],
      ok_actions: [topicIn(region)],
    });
  });

  it('says what AWS does with a silent ReplicationLatency (AWS/DynamoDB alarms always ignore missing data); the heartbeat alarm catches silence', () => {
    expect(alarm('tap-dr-dev.replication-latency')).toMatchObject({ treat_missing_data: 'ignore', threshold: 45000 });
    expect(alarm('tap-dr-dev.replication-latency-standby')).toMatchObject({ treat_missing_data: 'ignore' });
    expect(alarm('tap-dr-dev.heartbeat-staleness')).toMatchObject({ treat_missing_data: 'breaching' });
  });

  it.each([
    ['', PRIMARY, 'primary_documents_bucket', STANDBY, 'documents-to-secondary'],
    ['-standby', STANDBY, 'secondary_documents_bucket', PRIMARY, 'documents-to-primary'],
  ])('watches document replication out of each region%s: failures and RTC latency', (q, region, from, to, rule) => {
    // The destination by name: it is known before either bucket exists.
    const dims = {
      SourceBucket: `\${aws_s3_bucket.${from}.bucket}`,
      DestinationBucket: `tap-docs-dev-${ACCOUNT}-${to}`,
      RuleId: rule,
    };
    expect(inRegion(alarm(`tap-dr-dev.document-replication-failed${q}`), region)).toBe(true);
    expect(alarm(`tap-dr-dev.document-replication-failed${q}`)).toMatchObject({
      namespace: 'AWS/S3',
      metric_name: 'OperationsFailedReplication',
      dimensions: dims,
    });
    expect(alarm(`tap-dr-dev.document-replication-latency${q}`)).toMatchObject({
      metric_name: 'ReplicationLatency',
      threshold: 900,
      dimensions: dims,
    });
  });

  it("sends every alarm to its own region's topic", () => {
    const alarms = resourcesOf(json, 'aws_cloudwatch_metric_alarm');
    expect(alarms).toHaveLength(16);
    for (const a of alarms) expect(a.alarm_actions).toEqual([topicIn(inRegion(a, PRIMARY) ? PRIMARY : STANDBY)]);
  });
});

describe('documents replicate both ways', () => {
  const { json } = synthStack();
  const rules = resourcesOf(json, 'aws_s3_bucket_replication_configuration');

  it('back into the primary bucket, re-encrypted with the primary key, from the standby region', () => {
    const back = rules.find((r) => r.bucket === '${aws_s3_bucket.secondary_documents_bucket.id}')!;
    expect(back.provider).toBe(SECONDARY);
    expect(back.rule[0]).toMatchObject({
      id: 'documents-to-primary',
      destination: expect.objectContaining({
        bucket: '${aws_s3_bucket.primary_documents_bucket.arn}',
        encryption_configuration: { replica_kms_key_id: '${aws_kms_key.keys_primary.arn}' },
      }),
    });
  });

  it('with roles S3 may assume only for their own source bucket, each key only through S3 in its region', () => {
    const trust = JSON.parse(
      resourcesOf(json, 'aws_iam_role').find((r) => r.name === 'tap-dr-docs-failback-dev')!.assume_role_policy,
    );
    expect(trust.Statement[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnLike: { 'aws:SourceArn': docsArn(STANDBY) },
    });
    const policy = policyOfRole(json, 'tap-dr-docs-failback-dev');
    const via = Object.fromEntries(
      policy.Statement.filter((st: R) => st.Condition).map((st: R) => [
        st.Resource,
        st.Condition.StringEquals['kms:ViaService'],
      ]),
    );
    expect(via).toEqual({
      '${aws_kms_replica_key.keys_secondary.arn}': `s3.${STANDBY}.amazonaws.com`,
      '${aws_kms_key.keys_primary.arn}': `s3.${PRIMARY}.amazonaws.com`,
    });
  });

  it('cannot loop: S3 does not replicate replicas, and neither rule asks it to', () => {
    expect(rules).toHaveLength(2);
    for (const r of rules) expect(r.rule[0].source_selection_criteria.replica_modifications).toBeUndefined();
  });
});

describe('DNS failover, only with HOSTED_ZONE_ID and DOMAIN_NAME', () => {
  const dns = { HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ', DOMAIN_NAME: 'payments.example.com' };

  it('creates nothing of it without them', () => {
    const { json } = synthStack();
    for (const type of [
      'aws_acm_certificate',
      'aws_route53_health_check',
      'aws_route53_record',
      'aws_apigatewayv2_domain_name',
    ]) {
      expect([type, resourcesOf(json, type)]).toEqual([type, []]);
    }
  });

  describe('with them', () => {
    const { json } = synthStack(dns);

    it('validates a certificate in each region through one DNS record in the zone', () => {
      const certs = resourcesOf(json, 'aws_acm_certificate');
      expect(certs.map((c) => [c.provider ?? PRIMARY, c.domain_name, c.validation_method]).sort()).toEqual(
        [
          [SECONDARY, 'payments.example.com', 'DNS'],
          [PRIMARY, 'payments.example.com', 'DNS'],
        ].sort(),
      );
      expect(resourcesOf(json, 'aws_acm_certificate_validation')).toHaveLength(2);
    });

    it('maps a regional custom domain onto each API', () => {
      const domains = resourcesOf(json, 'aws_apigatewayv2_domain_name');
      expect(domains).toHaveLength(2);
      for (const d of domains)
        expect(d.domain_name_configuration).toMatchObject({ endpoint_type: 'REGIONAL', security_policy: 'TLS_1_2' });
      expect(resourcesOf(json, 'aws_apigatewayv2_api_mapping')).toHaveLength(2);
    });

    it('outputs the health check id, which dr:check reads the deployed check by', () => {
      expect(json.output.DnsHealthCheckId.value).toMatch(/^\$\{aws_route53_health_check\.[\w-]+\.id\}$/);
      expect(synthStack().json.output.DnsHealthCheckId).toBeUndefined();
    });

    it('health-checks the primary on its own region-health alarm, not on the open /health (issue 21)', () => {
      const [check] = resourcesOf(json, 'aws_route53_health_check');
      expect(check).toMatchObject({
        type: 'CLOUDWATCH_METRIC',
        cloudwatch_alarm_name: '${aws_cloudwatch_metric_alarm.primary_alarms_region_health_alarm.alarm_name}',
        cloudwatch_alarm_region: 'us-east-1',
        insufficient_data_health_status: 'Unhealthy',
        lifecycle: { create_before_destroy: true },
      });
      for (const endpointField of ['fqdn', 'ip_address', 'resource_path', 'port', 'request_interval'])
        expect(check[endpointField]).toBeUndefined();
    });

    it('answers the one name with PRIMARY (health-checked) and SECONDARY failover records', () => {
      const records = resourcesOf(json, 'aws_route53_record').filter((r) => r.failover_routing_policy);
      expect(records.map((r) => [r.set_identifier, r.failover_routing_policy.type, r.name, r.type]).sort()).toEqual([
        ['primary', 'PRIMARY', 'payments.example.com', 'A'],
        ['standby', 'SECONDARY', 'payments.example.com', 'A'],
      ]);
      const primary = records.find((r) => r.set_identifier === 'primary')!;
      expect(primary.health_check_id).toMatch(/^\$\{aws_route53_health_check\./);
      for (const r of records) expect(r.alias.evaluate_target_health).toBe(true);
    });
  });
});

describe('the FIS drill, only with FIS_DRILL=true', () => {
  it('creates no experiment template by default', () => {
    expect(resourcesOf(synthStack().json, 'aws_fis_experiment_template')).toEqual([]);
  });

  it('pauses replication into the standby replica for a bounded time, stopping on the standby staleness alarm', () => {
    const { json } = synthStack({ FIS_DRILL: 'true', FIS_PAUSE_MINUTES: '15' });
    const [t] = resourcesOf(json, 'aws_fis_experiment_template');
    expect(t.provider).toBe(SECONDARY);
    expect(t.target).toEqual([
      {
        name: 'standby-replica',
        resource_type: 'aws:dynamodb:global-table',
        selection_mode: 'ALL',
        resource_arns: ['${aws_dynamodb_table_replica.transactions_replica.arn}'],
      },
    ]);
    expect(t.action[0]).toMatchObject({
      action_id: 'aws:dynamodb:global-table-pause-replication',
      parameter: [{ key: 'duration', value: 'PT15M' }],
    });
    const staleness = named(json, 'aws_cloudwatch_metric_alarm').find(
      ([, a]) => a.alarm_name === 'tap-dr-dev.heartbeat-staleness-standby',
    )![0];
    expect(t.stop_condition).toEqual([
      { source: 'aws:cloudwatch:alarm', value: `\${aws_cloudwatch_metric_alarm.${staleness}.arn}` },
    ]);
    const policy = policyOfRole(json, 'tap-dr-fis-drill-dev');
    expect(policy.Statement.flatMap((st: R) => st.Resource)).toEqual([REPLICA_ARN, `${REPLICA_ARN}/stream/*`]);
    const trust = JSON.parse(
      resourcesOf(json, 'aws_iam_role').find((r) => r.name === 'tap-dr-fis-drill-dev')!.assume_role_policy,
    );
    expect(trust.Statement[0].Condition.StringEquals['aws:SourceAccount']).toBe(ACCOUNT);
  });
});

describe('recovery settings are validated', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env, {});
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.join('\n');
      throw e;
    }
    throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
  };

  it.each([
    [{ RPO_TARGET_SECONDS: '5' }, /RPO_TARGET_SECONDS="5" is invalid: expected a whole number from 10 to 3600/],
    [{ RTO_TARGET_SECONDS: '1m' }, /RTO_TARGET_SECONDS="1m" is invalid/],
    [{ API_THROTTLE_RATE_LIMIT: '0' }, /API_THROTTLE_RATE_LIMIT="0" is invalid/],
    [
      { HOSTED_ZONE_ID: 'z123', DOMAIN_NAME: 'a.example.com' },
      /HOSTED_ZONE_ID="z123" is invalid: expected a Route 53 hosted zone id/,
    ],
    [
      { HOSTED_ZONE_ID: 'Z123', DOMAIN_NAME: 'Pay.Example.com' },
      /DOMAIN_NAME="Pay.Example.com" is invalid: expected a lowercase DNS name/,
    ],
    [{ HOSTED_ZONE_ID: 'Z123', DOMAIN_NAME: '*.example.com' }, /DOMAIN_NAME="\*\.example\.com" is invalid/],
    [{ HOSTED_ZONE_ID: 'Z123', DOMAIN_NAME: 'example.com.' }, /DOMAIN_NAME="example\.com\." is invalid/],
    [{ HOSTED_ZONE_ID: 'Z123' }, /HOSTED_ZONE_ID is set but DOMAIN_NAME is not: DNS failover needs both/],
    [{ DOMAIN_NAME: 'a.example.com' }, /DOMAIN_NAME is set but HOSTED_ZONE_ID is not/],
    [{ FIS_DRILL: 'maybe' }, /FIS_DRILL="maybe" is invalid/],
    [{ FIS_PAUSE_MINUTES: '3' }, /FIS_PAUSE_MINUTES is set but FIS_DRILL is not true/],
    [
      { FIS_DRILL: 'true', STANDBY_PROCESSOR: 'false' },
      /FIS_DRILL needs the standby tier, but STANDBY_PROCESSOR is false/,
    ],
    [
      { HOSTED_ZONE_ID: 'Z123', DOMAIN_NAME: 'a.example.com', RTO_TARGET_SECONDS: '60' },
      /RTO_TARGET_SECONDS=60 is below DNS failover's worst case of 300 s/,
    ],
  ])('refuses %p', (env, expected) => {
    expect(problems(env)).toMatch(expected);
  });

  it('refuses a FIS pause that ends before the staleness alarm could fire, and defaults to the shortest that can', () => {
    // Replication may go on for 5 minutes after the action starts (AWS), then the alarm needs its bound.
    const bound = stalenessDetectionBoundSeconds(60);
    expect(bound).toBe(60 + 2 * HEARTBEAT.intervalSeconds + SCHEDULE_JITTER_SECONDS + 2 * 60);
    expect(minFisPauseMinutes(bound)).toBe(5 + Math.ceil(bound / 60) + 1);
    expect(problems({ FIS_DRILL: 'true', FIS_PAUSE_MINUTES: '5' })).toMatch(
      /FIS_PAUSE_MINUTES="5" is invalid: expected a whole number from 12 to 720/,
    );
    const fisDuration = (env: Record<string, string>) =>
      JSON.stringify(resourcesOf(synthStack({ FIS_DRILL: 'true', ...env }).json, 'aws_fis_experiment_template'));
    expect(fisDuration({})).toContain('"PT12M"');
    expect(fisDuration({ RPO_TARGET_SECONDS: '300' })).toContain(
      `"PT${minFisPauseMinutes(stalenessDetectionBoundSeconds(300))}M"`,
    );
    // Every accepted RPO target leaves room for a pause FIS can run.
    for (let t = RPO_TARGET_SECONDS.min; t <= RPO_TARGET_SECONDS.max; t++)
      expect(minFisPauseMinutes(stalenessDetectionBoundSeconds(t))).toBeLessThanOrEqual(FIS_DRILL.maxPauseMinutes);
  });

  it("the worst case synth refuses is the region-health alarm's window + read margin + alias TTL", () => {
    expect(worstCaseDnsFailoverSeconds()).toBe(3 * 60 + 60 + 60);
    expect(() =>
      loadConfig({ HOSTED_ZONE_ID: 'Z123', DOMAIN_NAME: 'a.example.com', RTO_TARGET_SECONDS: '300' }, {}),
    ).not.toThrow();
    expect(() =>
      loadConfig({ HOSTED_ZONE_ID: 'Z123', DOMAIN_NAME: 'a.example.com', RTO_TARGET_SECONDS: '299' }, {}),
    ).toThrow(/below DNS failover's worst case of 300 s/);
  });
});

describe('what real AWS requires (fresh-eyes review)', () => {
  const { json } = synthStack();
  const roleOf = (fn: R) =>
    named(json, 'aws_iam_role').find(([name]) => fn.role === `\${aws_iam_role.${name}.arn}`)![1];

  it('lets every traced function write traces: Lambda refuses to create it otherwise', () => {
    const traced = resourcesOf(json, 'aws_lambda_function').filter((f) => f.tracing_config?.mode === 'Active');
    expect(traced).toHaveLength(6);
    for (const fn of traced) {
      const actions = policyOfRole(json, roleOf(fn).name).Statement.flatMap((st: R) => st.Action);
      expect([fn.function_name, actions]).toEqual([
        fn.function_name,
        expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']),
      ]);
    }
  });

  it.each([
    ['tap-dr-docs-replication-dev', PRIMARY, STANDBY, docsArn(PRIMARY), docsArn(STANDBY)],
    ['tap-dr-docs-failback-dev', STANDBY, PRIMARY, docsArn(STANDBY), docsArn(PRIMARY)],
  ])(
    '%s may decrypt with the destination key (S3 checks Bucket Keys that way), each key held to its bucket',
    (role, from, into, source, destination) => {
      const bySid = Object.fromEntries(policyOfRole(json, role).Statement.map((st: R) => [st.Sid, st]));
      expect(bySid.EncryptInDestinationRegion.Action).toEqual(['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt']);
      expect(bySid.EncryptInDestinationRegion.Condition.StringEquals).toEqual({
        'kms:ViaService': `s3.${into}.amazonaws.com`,
        'kms:EncryptionContext:aws:s3:arn': destination,
      });
      expect(bySid.DecryptInSourceRegion.Condition.StringEquals).toEqual({
        'kms:ViaService': `s3.${from}.amazonaws.com`,
        'kms:EncryptionContext:aws:s3:arn': source,
      });
    },
  );

  it('pages on table replication latency only when 2 of 3 minutes breach: a minute can hold no beat', () => {
    for (const a of resourcesOf(json, 'aws_cloudwatch_metric_alarm').filter(
      (x) => x.namespace === 'AWS/DynamoDB' && x.metric_name === 'ReplicationLatency',
    )) {
      expect(a).toMatchObject({ evaluation_periods: 3, datapoints_to_alarm: 2, treat_missing_data: 'ignore' });
    }
  });

  it("gives the open GET /health its own, lower throttle, so a flood of it cannot take the processor's share", () => {
    for (const stage of resourcesOf(json, 'aws_apigatewayv2_stage')) {
      expect(stage.route_settings).toEqual([
        { route_key: 'GET /health', throttling_rate_limit: 10, throttling_burst_limit: 20 },
      ]);
      expect(stage.default_route_settings.throttling_rate_limit).toBeGreaterThan(10);
    }
  });
});
