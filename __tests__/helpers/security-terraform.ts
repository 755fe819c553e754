/** The Terraform deliverable (cdk.tf.json) read into the security model. */
import { TapConfig } from '../../src/config';
import { list, OwnedPolicy, parsePolicy } from './policy';
import {
  AlarmView,
  ApiView,
  BucketView,
  CertificateView,
  DnsRecordView,
  DomainView,
  ExperimentView,
  FunctionView,
  HealthCheckView,
  IntegrationView,
  InvokeConfigView,
  PermissionView,
  ReplicationView,
  RouteView,
  ScheduleView,
  StageView,
  KeyView,
  LogGroupView,
  Region,
  SecurityModel,
  StoreView,
  TableCopyView,
  TrailView,
} from './security-model';
import { TerraformJson } from './synth';

type Json = Record<string, any>;
interface Res {
  readonly address: string;
  readonly type: string;
  readonly r: Json;
  readonly region: Region;
}

/** A nested block: cdktf writes some as objects, some as one-element lists. */
const one = (v: unknown): Json | undefined => (Array.isArray(v) ? v[0] : (v as Json | undefined));

function all(json: TerraformJson, type: string): Res[] {
  return Object.entries(json.resource[type] ?? {}).map(([name, r]) => ({
    address: `${type}.${name}`,
    type,
    r,
    region: r.provider === undefined ? 'primary' : 'secondary',
  }));
}

/** The stack resources a value refers to ("${aws_x.name.attr}", also inside functions such as
 *  "${replace(aws_x.name.attr, ...)}"), as addresses; data sources and variables are not resources. */
function refs(json: TerraformJson, value: unknown): string[] {
  const found = new Set<string>();
  for (const expr of JSON.stringify(value ?? '').match(/\$\{[^}]*\}/g) ?? []) {
    for (const [, type, name] of expr.matchAll(/(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)/g)) {
      if (json.resource[type]?.[name] !== undefined) found.add(`${type}.${name}`);
    }
  }
  return [...found];
}
const ref = (json: TerraformJson, value: unknown): string | undefined => refs(json, value)[0];

function apiGateway(json: TerraformJson) {
  const apis: ApiView[] = all(json, 'aws_apigatewayv2_api').map((a) => ({
    id: a.address,
    region: a.region,
    protocol: a.r.protocol_type,
  }));
  const routes: RouteView[] = all(json, 'aws_apigatewayv2_route').map((r) => ({
    id: r.address,
    region: r.region,
    api: ref(json, r.r.api_id),
    routeKey: r.r.route_key,
    // The provider's default is NONE.
    authorization: r.r.authorization_type ?? 'NONE',
    integration: ref(json, r.r.target),
  }));
  const integrations: IntegrationView[] = all(json, 'aws_apigatewayv2_integration').map((i) => ({
    id: i.address,
    region: i.region,
    api: ref(json, i.r.api_id),
    type: i.r.integration_type,
    target: ref(json, i.r.integration_uri),
  }));
  const stages: StageView[] = all(json, 'aws_apigatewayv2_stage').map((st) => {
    const logs = one(st.r.access_log_settings);
    const route = one(st.r.default_route_settings);
    return {
      id: st.address,
      region: st.region,
      api: ref(json, st.r.api_id),
      accessLogGroup: ref(json, logs?.destination_arn),
      accessLogFormat: logs?.format,
      throttlingRate: route?.throttling_rate_limit,
      throttlingBurst: route?.throttling_burst_limit,
    };
  });
  const domains: DomainView[] = all(json, 'aws_apigatewayv2_domain_name').map((d) => {
    const c = one(d.r.domain_name_configuration);
    // The certificate through its validation resource is still the certificate.
    const via = ref(json, c?.certificate_arn);
    const validation = via?.startsWith('aws_acm_certificate_validation.')
      ? all(json, 'aws_acm_certificate_validation').find((v) => v.address === via)
      : undefined;
    return {
      id: d.address,
      region: d.region,
      securityPolicy: c?.security_policy,
      endpointType: c?.endpoint_type,
      certificate: validation ? ref(json, validation.r.certificate_arn) : via,
    };
  });
  return { apis, routes, integrations, stages, domains };
}

function permissions(json: TerraformJson): PermissionView[] {
  return all(json, 'aws_lambda_permission').map((p) => ({
    id: p.address,
    region: p.region,
    principal: String(p.r.principal),
    action: String(p.r.action),
    function: ref(json, p.r.function_name),
    sourceArn: p.r.source_arn,
    sourceResources: refs(json, p.r.source_arn),
    sourceAccount: p.r.source_account,
  }));
}

function schedules(json: TerraformJson): ScheduleView[] {
  const targets = all(json, 'aws_cloudwatch_event_target');
  return all(json, 'aws_cloudwatch_event_rule').map((rule) => ({
    id: rule.address,
    region: rule.region,
    schedule: rule.r.schedule_expression,
    eventPattern: rule.r.event_pattern,
    targets: targets
      .filter((t) => ref(json, t.r.rule) === rule.address)
      .map((t) => ({ arn: t.r.arn, resource: ref(json, t.r.arn), deadLetter: one(t.r.dead_letter_config)?.arn })),
  }));
}

function invokeConfigs(json: TerraformJson): InvokeConfigView[] {
  return all(json, 'aws_lambda_function_event_invoke_config').map((c) => ({
    id: c.address,
    region: c.region,
    function: ref(json, c.r.function_name),
    maxRetries: c.r.maximum_retry_attempts,
    onFailure: one(one(c.r.destination_config)?.on_failure)?.destination,
  }));
}

function certificates(json: TerraformJson): CertificateView[] {
  return all(json, 'aws_acm_certificate').map((c) => ({
    id: c.address,
    region: c.region,
    domains: [c.r.domain_name, ...list(c.r.subject_alternative_names as string[])].filter((d) => d !== undefined),
    validation: c.r.validation_method,
    transparencyLogging: one(c.r.options)?.certificate_transparency_logging_preference,
    createBeforeDestroy: one(c.r.lifecycle)?.create_before_destroy === true,
  }));
}

function dns(json: TerraformJson): { dnsRecords: DnsRecordView[]; healthChecks: HealthCheckView[] } {
  const dnsRecords = all(json, 'aws_route53_record').map((r) => ({
    id: r.address,
    type: String(r.r.type),
    failover: one(r.r.failover_routing_policy)?.type,
    healthCheck: ref(json, r.r.health_check_id),
    aliasTarget: ref(json, one(r.r.alias)?.name),
    aliasWritten: one(r.r.alias)?.name,
    nameFrom: ref(json, r.r.name),
  }));
  const healthChecks = all(json, 'aws_route53_health_check').map((h) => ({
    id: h.address,
    type: h.r.type,
    port: h.r.port,
    path: h.r.resource_path,
    endpointOf: ref(json, h.r.fqdn ?? h.r.ip_address),
    alarmOf: ref(json, h.r.cloudwatch_alarm_name),
    insufficientData: h.r.insufficient_data_health_status,
  }));
  return { dnsRecords, healthChecks };
}

function experiments(json: TerraformJson): ExperimentView[] {
  return all(json, 'aws_fis_experiment_template').map((x) => ({
    id: x.address,
    region: x.region,
    role: ref(json, x.r.role_arn),
    stopConditions: list(x.r.stop_condition as Json[]).map((c) => ({ source: c.source, alarm: ref(json, c.value) })),
    actions: list(x.r.action as Json[]).map((a) => ({
      action: a.action_id,
      duration: list(a.parameter as Json[]).find((p) => p.key === 'duration')?.value,
    })),
    targets: list(x.r.target as Json[]).flatMap((t) =>
      list(t.resource_arns as string[]).flatMap((arn) => refs(json, arn)),
    ),
  }));
}

function replications(json: TerraformJson): ReplicationView[] {
  return all(json, 'aws_s3_bucket_replication_configuration').map((c) => ({
    id: c.address,
    region: c.region,
    source: ref(json, c.r.bucket),
    role: ref(json, c.r.role),
    rules: list(c.r.rule as Json[]).map((rule) => {
      const d = one(rule.destination);
      const rtc = one(d?.replication_time);
      return {
        id: rule.id,
        status: rule.status,
        destination: d?.bucket,
        destinationBucket: ref(json, d?.bucket),
        replicaKey: one(d?.encryption_configuration)?.replica_kms_key_id,
        sseKmsObjectsOnly: one(one(rule.source_selection_criteria)?.sse_kms_encrypted_objects)?.status === 'Enabled',
        rtcMinutes: rtc?.status === 'Enabled' ? one(rtc.time)?.minutes : undefined,
        metrics: one(d?.metrics)?.status === 'Enabled',
      };
    }),
  }));
}

function stackKeys(json: TerraformJson): Map<string, Region> {
  const keys = new Map<string, Region>();
  for (const k of [...all(json, 'aws_kms_key'), ...all(json, 'aws_kms_replica_key')]) {
    for (const attr of ['arn', 'key_id', 'id']) keys.set(`\${${k.address}.${attr}}`, k.region);
  }
  return keys;
}

/** Policies spell bucket ARNs from names (readable in a first plan); the model names a bucket by reference. */
function byReference(json: TerraformJson, policy: string): string {
  return all(json, 'aws_s3_bucket').reduce(
    (text, b) =>
      text.split(`arn:\${data.aws_partition.partition.partition}:s3:::${b.r.bucket}`).join(`\${${b.address}.arn}`),
    policy,
  );
}

function bucket(json: TerraformJson, b: Res): BucketView {
  const names = [`\${${b.address}.id}`, `\${${b.address}.bucket}`, b.r.bucket];
  const about = (type: string) =>
    all(json, type)
      .filter((x) => names.includes(x.r.bucket))
      .map((x) => x.r);
  const rules = about('aws_s3_bucket_lifecycle_configuration').flatMap((l) => list(l.rule));
  return {
    id: b.address,
    region: b.region,
    names,
    arn: `\${${b.address}.arn}`,
    encryption: about('aws_s3_bucket_server_side_encryption_configuration')
      .flatMap((c) => list(c.rule))
      .map((rule: Json) => {
        const d = one(rule.apply_server_side_encryption_by_default);
        return { algorithm: d?.sse_algorithm, key: d?.kms_master_key_id, bucketKey: rule.bucket_key_enabled };
      }),
    publicAccessBlocks: about('aws_s3_bucket_public_access_block'),
    versioning: about('aws_s3_bucket_versioning').map((v) => one(v.versioning_configuration)?.status),
    ownership: about('aws_s3_bucket_ownership_controls').map((o) => one(o.rule)?.object_ownership),
    policies: about('aws_s3_bucket_policy').map((p) => parsePolicy(b.address, byReference(json, p.policy))),
    accessLogTargets: [
      ...about('aws_s3_bucket_logging').map((l) => l.target_bucket),
      ...list(one(b.r.logging)?.target_bucket),
    ],
    objectLock: b.r.object_lock_enabled === true || about('aws_s3_bucket_object_lock_configuration').length > 0,
    hasAcl: b.r.acl !== undefined || about('aws_s3_bucket_acl').length > 0,
    expirationDays: rules
      .filter((rule: Json) => rule.status === 'Enabled')
      .flatMap((rule: Json) => list(rule.expiration).map((e: Json) => e.days)),
  };
}

function trail(t: Res): TrailView {
  const basic = list(t.r.event_selector as Json[])
    .filter((s) => (s.read_write_type ?? 'All') === 'All')
    .flatMap((s) => list(s.data_resource as Json[]))
    .filter((d) => d.type === 'AWS::S3::Object')
    .flatMap((d) => list(d.values as string[]));
  const advanced = list(t.r.advanced_event_selector as Json[]).flatMap((s) => {
    const fields = list(s.field_selector as Json[]);
    const field = (name: string) => fields.find((f) => f.field === name);
    if (field('readOnly') || !list(field('resources.type')?.equals).includes('AWS::S3::Object')) return [];
    const arns = field('resources.ARN');
    return arns ? [...list(arns.starts_with), ...list(arns.equals)] : ['*'];
  });
  return {
    id: t.address,
    region: t.region,
    bucket: t.r.s3_bucket_name,
    multiRegion: t.r.is_multi_region_trail === true,
    logging: t.r.enable_logging !== false,
    key: t.r.kms_key_id,
    logFileValidation: t.r.enable_log_file_validation === true,
    s3DataEventArns: [...basic, ...advanced].map((v: string) => (/^arn:[^:]+:s3$|:s3$/.test(v) ? '*' : v)),
  };
}

function tables(json: TerraformJson, config: TapConfig): TableCopyView[] {
  const region = (name: string): Region => (name === config.secondaryRegion ? 'secondary' : 'primary');
  const own = all(json, 'aws_dynamodb_table').flatMap((t) => {
    const sse = one(t.r.server_side_encryption);
    const table: TableCopyView = {
      id: t.address,
      type: t.type,
      region: t.region,
      encrypted: sse?.enabled === true,
      key: sse?.kms_key_arn,
      pitr: one(t.r.point_in_time_recovery)?.enabled === true,
      deletionProtection: t.r.deletion_protection_enabled === true,
      billing: t.r.billing_mode ?? 'PROVISIONED',
    };
    const inline = list(t.r.replica as Json[]).map((rep, i) => ({
      id: `${t.address}.replica[${i}]`,
      type: `${t.type}.replica`,
      region: region(rep.region_name),
      encrypted: rep.kms_key_arn !== undefined,
      key: rep.kms_key_arn,
      pitr: rep.point_in_time_recovery === true,
      // provider 5.100.0's inline replica block has no deletion_protection_enabled
      deletionProtection: false,
    }));
    return [table, ...inline];
  });
  const replicas = all(json, 'aws_dynamodb_table_replica').map((t) => ({
    id: t.address,
    type: t.type,
    region: t.region,
    encrypted: t.r.kms_key_arn !== undefined,
    key: t.r.kms_key_arn,
    pitr: t.r.point_in_time_recovery === true,
    deletionProtection: t.r.deletion_protection_enabled === true,
  }));
  return [...own, ...replicas];
}

function functions(json: TerraformJson): FunctionView[] {
  const signing = (arn: string | undefined) => {
    const c = all(json, 'aws_lambda_code_signing_config').find((x) => arn === `\${${x.address}.arn}`)?.r;
    if (arn === undefined) return undefined;
    return {
      enforcement: one(c?.policies)?.untrusted_artifact_on_deployment,
      publishers: list(one(c?.allowed_publishers)?.signing_profile_version_arns as string[]),
    };
  };
  return all(json, 'aws_lambda_function').map((f) => ({
    id: f.address,
    type: f.type,
    region: f.region,
    encrypted: f.r.kms_key_arn !== undefined,
    key: f.r.kms_key_arn,
    tracing: one(f.r.tracing_config)?.mode,
    environment: one(f.r.environment)?.variables ?? {},
    codeSigning: signing(f.r.code_signing_config_arn),
    role: ref(json, f.r.role),
  }));
}

function stores(json: TerraformJson, type: string, keyAttr: string): StoreView[] {
  return all(json, type).map((x) => ({
    id: x.address,
    type,
    region: x.region,
    encrypted: x.r[keyAttr] !== undefined,
    key: x.r[keyAttr],
  }));
}

function logGroups(json: TerraformJson): LogGroupView[] {
  return all(json, 'aws_cloudwatch_log_group').map((x) => ({
    ...stores(json, x.type, 'kms_key_id').find((s) => s.id === x.address)!,
    retentionDays: x.r.retention_in_days,
    name: x.r.name,
  }));
}

function keys(json: TerraformJson): KeyView[] {
  const primaries = all(json, 'aws_kms_key');
  const rotated = (arn: string) =>
    primaries.some((p) => arn === `\${${p.address}.arn}` && p.r.enable_key_rotation === true);
  return [...primaries, ...all(json, 'aws_kms_replica_key')].map((k) => ({
    id: k.address,
    type: k.type,
    region: k.region,
    // A replica key shares its primary's key material and rotation.
    rotation: k.type === 'aws_kms_key' ? k.r.enable_key_rotation === true : rotated(k.r.primary_key_arn),
    enabled: k.r.is_enabled !== false && k.r.enabled !== false,
    hasPolicy: k.r.policy !== undefined || all(json, 'aws_kms_key_policy').some((p) => p.r.key_id?.includes(k.address)),
  }));
}

function alarms(json: TerraformJson): AlarmView[] {
  return all(json, 'aws_cloudwatch_metric_alarm').map((a) => ({
    id: a.address,
    enabled: a.r.actions_enabled !== false,
    alarmActions: list(a.r.alarm_actions),
    okActions: list(a.r.ok_actions),
  }));
}

function policies(json: TerraformJson): OwnedPolicy[] {
  const from = (type: string, kind: OwnedPolicy['kind'], attr: string) =>
    all(json, type)
      .filter((x) => x.r[attr] !== undefined)
      .map((x) => ({ owner: x.address, ownerType: type, kind, document: parsePolicy(x.address, x.r[attr]) }));
  const inline = all(json, 'aws_iam_role').flatMap((x) =>
    list(x.r.inline_policy as Json[])
      .filter((p) => p.policy !== undefined)
      .map((p) => ({
        owner: x.address,
        ownerType: x.type,
        kind: 'identity' as const,
        document: parsePolicy(x.address, p.policy),
        attachedTo: x.address,
      })),
  );
  const permissions = all(json, 'aws_lambda_permission').map((x) => lambdaPermission(x));
  return [
    ...from('aws_iam_role', 'trust', 'assume_role_policy'),
    ...inline,
    ...from('aws_iam_role_policy', 'identity', 'policy').map((p) => ({
      ...p,
      attachedTo: roleAddress(all(json, p.ownerType).find((x) => x.address === p.owner)!.r.role),
    })),
    ...from('aws_iam_policy', 'identity', 'policy'),
    ...from('aws_kms_key', 'key', 'policy'),
    ...from('aws_kms_replica_key', 'key', 'policy'),
    ...from('aws_kms_key_policy', 'key', 'policy'),
    ...from('aws_s3_bucket_policy', 'bucket', 'policy'),
    ...from('aws_sns_topic', 'topic', 'policy'),
    ...from('aws_sns_topic_policy', 'topic', 'policy'),
    ...permissions,
  ];
}

/** "${aws_iam_role.x.id}" (or .name) -> "aws_iam_role.x". */
function roleAddress(ref: unknown): string | undefined {
  return /^\$\{(aws_iam_role\.[\w-]+)\.(id|name)\}$/.exec(String(ref))?.[1];
}

/** A Lambda permission is a statement of the function's resource policy. */
function lambdaPermission(x: Res): OwnedPolicy {
  const condition: Record<string, Record<string, string>> = {};
  if (x.r.source_arn !== undefined) condition.ArnLike = { 'aws:SourceArn': x.r.source_arn };
  if (x.r.source_account !== undefined) condition.StringEquals = { 'aws:SourceAccount': x.r.source_account };
  const principal = String(x.r.principal);
  const statement = {
    Effect: 'Allow' as const,
    Principal:
      principal === '*' ? ('*' as const) : { [principal.endsWith('amazonaws.com') ? 'Service' : 'AWS']: principal },
    Action: x.r.action,
    Resource: x.r.function_name,
    Condition: condition,
  };
  return { owner: x.address, ownerType: x.type, kind: 'lambda-permission', document: { Statement: [statement] } };
}

function managedPolicyArns(json: TerraformJson): Array<{ owner: string; arn: string }> {
  const attached = all(json, 'aws_iam_role_policy_attachment').map((x) => ({ owner: x.address, arn: x.r.policy_arn }));
  const exclusive = all(json, 'aws_iam_role').flatMap((x) =>
    list(x.r.managed_policy_arns as string[]).map((arn) => ({ owner: x.address, arn })),
  );
  return [...attached, ...exclusive];
}

export function terraformModel(label: string, json: TerraformJson, config: TapConfig): SecurityModel {
  const resources = new Map(
    Object.entries(json.resource).flatMap(([type, byName]) =>
      Object.keys(byName).map((name) => [`${type}.${name}`, type] as [string, string]),
    ),
  );
  return {
    ...apiGateway(json),
    permissions: permissions(json),
    schedules: schedules(json),
    invokeConfigs: invokeConfigs(json),
    certificates: certificates(json),
    ...dns(json),
    experiments: experiments(json),
    replications: replications(json),
    resources,
    label,
    deliverable: 'terraform',
    types: new Set(Object.keys(json.resource).filter((t) => Object.keys(json.resource[t]).length > 0)),
    stackKeys: stackKeys(json),
    buckets: all(json, 'aws_s3_bucket').map((b) => bucket(json, b)),
    trails: all(json, 'aws_cloudtrail').map(trail),
    tables: tables(json, config),
    topics: stores(json, 'aws_sns_topic', 'kms_master_key_id'),
    logGroups: logGroups(json),
    functions: functions(json),
    keys: keys(json),
    alarms: alarms(json),
    policies: policies(json),
    managedPolicyArns: managedPolicyArns(json),
    inputs: new Map(
      Object.entries(((json as unknown as Json).variable ?? {}) as Json).map(([n, v]) => [`\${var.${n}}`, v]),
    ),
    text: JSON.stringify(json),
  };
}
