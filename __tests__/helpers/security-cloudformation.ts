/** The CloudFormation deliverable (TapStack.json and TapStack-secondary.json) read into the security model. */
import { CloudFormationTemplates, Template } from '../../src/cloudformation';
import { list, OwnedPolicy, PolicyDocument } from './policy';
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

type Json = Record<string, any>;
interface Res {
  readonly id: string;
  readonly type: string;
  readonly p: Json;
  readonly region: Region;
}

/**
 * Intrinsics as strings: {"Ref": "X"} -> "${X}", {"Fn::GetAtt": ["X", "Arn"]} -> "${X.Arn}",
 * Fn::Sub its template, Fn::Join joined; Fn::If becomes the list of its branches (AWS::NoValue dropped).
 */
export function norm(v: unknown): any {
  if (Array.isArray(v))
    return v
      .map(norm)
      .flat()
      .filter((x) => x !== '${AWS::NoValue}');
  if (v === null || typeof v !== 'object') return v;
  const o = v as Json;
  if (typeof o.Ref === 'string') return `\${${o.Ref}}`;
  if (o['Fn::GetAtt'] !== undefined) {
    const ga = o['Fn::GetAtt'];
    return `\${${Array.isArray(ga) ? ga.join('.') : ga}}`;
  }
  if (o['Fn::Sub'] !== undefined) return Array.isArray(o['Fn::Sub']) ? o['Fn::Sub'][0] : o['Fn::Sub'];
  if (o['Fn::Join'] !== undefined) return (o['Fn::Join'][1] as unknown[]).map(norm).join(o['Fn::Join'][0]);
  if (o['Fn::If'] !== undefined) return norm([o['Fn::If'][1], o['Fn::If'][2]]);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, norm(x)]));
}

function resources(t: CloudFormationTemplates): Res[] {
  const of = (template: Template, region: Region) =>
    Object.entries(template.Resources).map(([id, r]) => ({ id, type: r.Type, p: norm(r.Properties ?? {}), region }));
  return [...of(t.primary, 'primary'), ...of(t.secondary, 'secondary')];
}

const typed = (all: Res[], type: string) => all.filter((r) => r.type === type);

/** The resources of the same template a (normalized) value refers to: "${X}", "${X.Attr}", also inside Fn::Sub. */
function refs(all: Res[], value: unknown, region: Region): string[] {
  const ids = new Set(all.filter((r) => r.region === region).map((r) => r.id));
  const found = new Set<string>();
  for (const [, id] of JSON.stringify(value ?? '').matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g))
    if (ids.has(id)) found.add(id);
  return [...found];
}

function apiGateway(all: Res[]) {
  const ref = (r: Res, v: unknown) => refs(all, v, r.region)[0];
  const apis: ApiView[] = typed(all, 'AWS::ApiGatewayV2::Api').map((a) => ({
    id: a.id,
    region: a.region,
    protocol: a.p.ProtocolType,
  }));
  const routes: RouteView[] = typed(all, 'AWS::ApiGatewayV2::Route').map((r) => ({
    id: r.id,
    region: r.region,
    api: ref(r, r.p.ApiId),
    routeKey: r.p.RouteKey,
    authorization: r.p.AuthorizationType ?? 'NONE',
    integration: ref(r, r.p.Target),
  }));
  const integrations: IntegrationView[] = typed(all, 'AWS::ApiGatewayV2::Integration').map((i) => ({
    id: i.id,
    region: i.region,
    api: ref(i, i.p.ApiId),
    type: i.p.IntegrationType,
    target: ref(i, i.p.IntegrationUri),
  }));
  const stages: StageView[] = typed(all, 'AWS::ApiGatewayV2::Stage').map((st) => ({
    id: st.id,
    region: st.region,
    api: ref(st, st.p.ApiId),
    accessLogGroup: ref(st, st.p.AccessLogSettings?.DestinationArn),
    accessLogFormat: st.p.AccessLogSettings?.Format,
    throttlingRate: st.p.DefaultRouteSettings?.ThrottlingRateLimit,
    throttlingBurst: st.p.DefaultRouteSettings?.ThrottlingBurstLimit,
  }));
  const domains: DomainView[] = typed(all, 'AWS::ApiGatewayV2::DomainName').flatMap((d) =>
    list(d.p.DomainNameConfigurations as Json[]).map((c, i) => ({
      id: `${d.id}.DomainNameConfigurations[${i}]`,
      region: d.region,
      securityPolicy: c.SecurityPolicy,
      endpointType: c.EndpointType,
      certificate: ref(d, c.CertificateArn),
    })),
  );
  return { apis, routes, integrations, stages, domains };
}

function permissions(all: Res[]): PermissionView[] {
  return typed(all, 'AWS::Lambda::Permission').map((p) => ({
    id: p.id,
    region: p.region,
    principal: String(p.p.Principal),
    action: String(p.p.Action),
    function: refs(all, p.p.FunctionName, p.region)[0],
    sourceArn: p.p.SourceArn,
    sourceResources: refs(all, p.p.SourceArn, p.region),
    sourceAccount: p.p.SourceAccount,
  }));
}

function schedules(all: Res[]): ScheduleView[] {
  return typed(all, 'AWS::Events::Rule').map((rule) => ({
    id: rule.id,
    region: rule.region,
    schedule: rule.p.ScheduleExpression,
    eventPattern: rule.p.EventPattern === undefined ? undefined : JSON.stringify(rule.p.EventPattern),
    targets: list(rule.p.Targets as Json[]).map((t) => ({
      arn: t.Arn,
      resource: refs(all, t.Arn, rule.region)[0],
      deadLetter: t.DeadLetterConfig?.Arn,
    })),
  }));
}

function invokeConfigs(all: Res[]): InvokeConfigView[] {
  return typed(all, 'AWS::Lambda::EventInvokeConfig').map((c) => ({
    id: c.id,
    region: c.region,
    function: refs(all, c.p.FunctionName, c.region)[0],
    maxRetries: c.p.MaximumRetryAttempts,
    onFailure: c.p.DestinationConfig?.OnFailure?.Destination,
  }));
}

function certificates(all: Res[]): CertificateView[] {
  return typed(all, 'AWS::CertificateManager::Certificate').map((c) => ({
    id: c.id,
    region: c.region,
    domains: [c.p.DomainName, ...list(c.p.SubjectAlternativeNames as string[])].filter((d) => d !== undefined),
    validation: c.p.ValidationMethod,
    transparencyLogging: c.p.CertificateTransparencyLoggingPreference,
    // CloudFormation creates a replacement before it deletes the old certificate.
    createBeforeDestroy: true,
  }));
}

function dns(all: Res[]): { dnsRecords: DnsRecordView[]; healthChecks: HealthCheckView[] } {
  const dnsRecords = typed(all, 'AWS::Route53::RecordSet').map((r) => ({
    id: r.id,
    type: String(r.p.Type),
    failover: r.p.Failover,
    healthCheck: refs(all, r.p.HealthCheckId, r.region)[0],
    aliasTarget: refs(all, r.p.AliasTarget?.DNSName, r.region)[0],
    aliasWritten: r.p.AliasTarget?.DNSName,
    nameFrom: refs(all, r.p.Name, r.region)[0],
  }));
  const healthChecks = typed(all, 'AWS::Route53::HealthCheck').map((h) => {
    const c = h.p.HealthCheckConfig ?? {};
    return {
      id: h.id,
      type: c.Type,
      port: c.Port,
      path: c.ResourcePath,
      endpointOf: refs(all, c.FullyQualifiedDomainName ?? c.IPAddress, h.region)[0],
      alarmOf: refs(all, c.AlarmIdentifier?.Name, h.region)[0],
      insufficientData: c.InsufficientDataHealthStatus,
    };
  });
  return { dnsRecords, healthChecks };
}

function experiments(all: Res[]): ExperimentView[] {
  return typed(all, 'AWS::FIS::ExperimentTemplate').map((x) => ({
    id: x.id,
    region: x.region,
    role: refs(all, x.p.RoleArn, x.region)[0],
    stopConditions: list(x.p.StopConditions as Json[]).map((c) => ({
      source: c.Source,
      alarm: refs(all, c.Value, x.region)[0],
    })),
    actions: Object.values((x.p.Actions ?? {}) as Json).map((a: Json) => ({
      action: a.ActionId,
      duration: a.Parameters?.duration,
    })),
    targets: Object.values((x.p.Targets ?? {}) as Json).flatMap((t: Json) => refs(all, t.ResourceArns, x.region)),
  }));
}

function replications(all: Res[]): ReplicationView[] {
  return typed(all, 'AWS::S3::Bucket').flatMap((b) =>
    // Fn::If normalizes to the list of its branches.
    list(b.p.ReplicationConfiguration as Json | Json[]).map((c, i) => ({
      id: `${b.id}.ReplicationConfiguration[${i}]`,
      region: b.region,
      source: b.id,
      role: refs(all, c.Role, b.region)[0],
      rules: list(c.Rules as Json[]).map((rule) => ({
        id: rule.Id,
        status: rule.Status,
        destination: rule.Destination?.Bucket,
        destinationBucket: refs(all, rule.Destination?.Bucket, b.region)[0],
        replicaKey: rule.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID,
        sseKmsObjectsOnly: rule.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status === 'Enabled',
        rtcMinutes:
          rule.Destination?.ReplicationTime?.Status === 'Enabled'
            ? rule.Destination.ReplicationTime.Time?.Minutes
            : undefined,
        metrics: rule.Destination?.Metrics?.Status === 'Enabled',
      })),
    })),
  );
}

function stackKeys(t: CloudFormationTemplates, all: Res[]): Map<string, Region | 'parameter'> {
  const keys = new Map<string, Region | 'parameter'>();
  for (const k of typed(all, 'AWS::KMS::Key'))
    for (const ref of [`\${${k.id}}`, `\${${k.id}.Arn}`]) keys.set(ref, k.region);
  for (const [name, p] of Object.entries(t.primary.Parameters as Record<string, Json>)) {
    if (/:kms:/.test(String(p.AllowedPattern)) && /:key\//.test(String(p.AllowedPattern)))
      keys.set(`\${${name}}`, 'parameter');
  }
  // A key ARN the secondary template takes as a parameter is the primary stack's key (its output).
  for (const [name, p] of Object.entries(t.secondary.Parameters as Record<string, Json>)) {
    if (/:kms:/.test(String(p.AllowedPattern)) && /:key\//.test(String(p.AllowedPattern)) && !keys.has(`\${${name}}`))
      keys.set(`\${${name}}`, 'primary');
  }
  return keys;
}

function bucket(all: Res[], b: Res): BucketView {
  const names = [`\${${b.id}}`, b.p.BucketName];
  const rules = list(b.p.LifecycleConfiguration?.Rules as Json[]).filter((r) => r.Status === 'Enabled');
  const logging = b.p.LoggingConfiguration;
  return {
    id: b.id,
    region: b.region,
    names,
    arn: `\${${b.id}.Arn}`,
    encryption: list(b.p.BucketEncryption?.ServerSideEncryptionConfiguration as Json[]).map((r) => ({
      algorithm: r.ServerSideEncryptionByDefault?.SSEAlgorithm,
      key: r.ServerSideEncryptionByDefault?.KMSMasterKeyID,
      bucketKey: r.BucketKeyEnabled,
    })),
    publicAccessBlocks: list(b.p.PublicAccessBlockConfiguration),
    versioning: list(b.p.VersioningConfiguration?.Status),
    ownership: list(b.p.OwnershipControls?.Rules as Json[]).map((r) => r.ObjectOwnership),
    policies: typed(all, 'AWS::S3::BucketPolicy')
      .filter((p) => names.includes(p.p.Bucket))
      .map((p) => document(p.p.PolicyDocument)),
    // No DestinationBucketName: S3 delivers the logs into the bucket itself.
    accessLogTargets: logging === undefined ? [] : [logging.DestinationBucketName ?? names[0]],
    objectLock: b.p.ObjectLockEnabled === true || b.p.ObjectLockEnabled === 'true',
    hasAcl: b.p.AccessControl !== undefined,
    expirationDays: rules.flatMap((r) => list(r.ExpirationInDays as number)),
  };
}

function document(d: Json | undefined): PolicyDocument {
  return { Statement: list(d?.Statement) };
}

function trail(t: Res): TrailView {
  const basic = list(t.p.EventSelectors as Json[])
    .filter((s) => (s.ReadWriteType ?? 'All') === 'All')
    .flatMap((s) => list(s.DataResources as Json[]))
    .filter((d) => d.Type === 'AWS::S3::Object')
    .flatMap((d) => list(d.Values as string[]));
  const advanced = list(t.p.AdvancedEventSelectors as Json[]).flatMap((s) => {
    const fields = list(s.FieldSelectors as Json[]);
    const field = (name: string) => fields.find((f) => f.Field === name);
    if (field('readOnly') || !list(field('resources.type')?.Equals).includes('AWS::S3::Object')) return [];
    const arns = field('resources.ARN');
    return arns ? [...list(arns.StartsWith), ...list(arns.Equals)] : ['*'];
  });
  return {
    id: t.id,
    region: t.region,
    bucket: t.p.S3BucketName,
    multiRegion: t.p.IsMultiRegionTrail === true,
    logging: t.p.IsLogging === true,
    key: t.p.KMSKeyId,
    logFileValidation: t.p.EnableLogFileValidation === true,
    s3DataEventArns: [...basic, ...advanced].map((v: string) => (/:s3$/.test(v) ? '*' : v)),
  };
}

function tables(all: Res[]): TableCopyView[] {
  const global = typed(all, 'AWS::DynamoDB::GlobalTable').flatMap((t) =>
    list(t.p.Replicas as Json[]).map((rep, i) => ({
      id: `${t.id}.Replicas[${i}]`,
      type: t.type,
      region: rep.Region === '${AWS::Region}' ? t.region : ('secondary' as Region),
      encrypted: t.p.SSESpecification?.SSEEnabled === true && t.p.SSESpecification?.SSEType === 'KMS',
      key: rep.SSESpecification?.KMSMasterKeyId,
      pitr: rep.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true,
      deletionProtection: rep.DeletionProtectionEnabled === true,
      billing: t.p.BillingMode ?? 'PROVISIONED',
    })),
  );
  const single = typed(all, 'AWS::DynamoDB::Table').map((t) => ({
    id: t.id,
    type: t.type,
    region: t.region,
    encrypted: t.p.SSESpecification?.SSEEnabled === true,
    key: t.p.SSESpecification?.KMSMasterKeyId,
    pitr: t.p.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true,
    deletionProtection: t.p.DeletionProtectionEnabled === true,
    billing: t.p.BillingMode ?? 'PROVISIONED',
  }));
  return [...global, ...single];
}

function stores(all: Res[], type: string, keyProp: string): StoreView[] {
  return typed(all, type).map((x) => ({
    id: x.id,
    type,
    region: x.region,
    encrypted: x.p[keyProp] !== undefined,
    key: x.p[keyProp],
  }));
}

function logGroups(all: Res[]): LogGroupView[] {
  return typed(all, 'AWS::Logs::LogGroup').map((x) => ({
    id: x.id,
    type: x.type,
    region: x.region,
    encrypted: x.p.KmsKeyId !== undefined,
    key: x.p.KmsKeyId,
    retentionDays: x.p.RetentionInDays,
    name: x.p.LogGroupName,
  }));
}

function functions(all: Res[]): FunctionView[] {
  const signing = (ref: string | undefined) => {
    if (ref === undefined) return undefined;
    const c = typed(all, 'AWS::Lambda::CodeSigningConfig').find((x) =>
      [`\${${x.id}}`, `\${${x.id}.CodeSigningConfigArn}`].includes(ref),
    )?.p;
    return {
      enforcement: c?.CodeSigningPolicies?.UntrustedArtifactOnDeployment,
      publishers: list(c?.AllowedPublishers?.SigningProfileVersionArns as string[]).flat(),
    };
  };
  return typed(all, 'AWS::Lambda::Function').map((f) => ({
    id: f.id,
    type: f.type,
    region: f.region,
    encrypted: f.p.KmsKeyArn !== undefined,
    key: f.p.KmsKeyArn,
    tracing: f.p.TracingConfig?.Mode,
    environment: f.p.Environment?.Variables ?? {},
    codeSigning: signing(f.p.CodeSigningConfigArn),
    role: refs(all, f.p.Role, f.region)[0],
  }));
}

function keys(all: Res[]): KeyView[] {
  return typed(all, 'AWS::KMS::Key').map((k) => ({
    id: k.id,
    type: k.type,
    region: k.region,
    rotation: k.p.EnableKeyRotation === true,
    enabled: k.p.Enabled !== false,
    hasPolicy: k.p.KeyPolicy !== undefined,
  }));
}

function alarms(all: Res[]): AlarmView[] {
  return typed(all, 'AWS::CloudWatch::Alarm').map((a) => ({
    id: a.id,
    enabled: a.p.ActionsEnabled !== false,
    alarmActions: list(a.p.AlarmActions),
    okActions: list(a.p.OKActions),
  }));
}

function policies(all: Res[]): OwnedPolicy[] {
  const own = (r: Res, kind: OwnedPolicy['kind'], d: Json | undefined): OwnedPolicy[] =>
    d === undefined ? [] : [{ owner: r.id, ownerType: r.type, kind, document: document(d) }];
  return all.flatMap((r): OwnedPolicy[] => {
    switch (r.type) {
      case 'AWS::IAM::Role':
        return [
          ...own(r, 'trust', r.p.AssumeRolePolicyDocument),
          ...list(r.p.Policies as Json[]).flatMap((p) =>
            own(r, 'identity', p.PolicyDocument).map((o) => ({ ...o, attachedTo: r.id })),
          ),
        ];
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        return list(r.p.Roles as string[]).flatMap((role) =>
          own(r, 'identity', r.p.PolicyDocument).map((o) => ({ ...o, attachedTo: role.replace(/^\$\{|\}$/g, '') })),
        );
      case 'AWS::KMS::Key':
        return own(r, 'key', r.p.KeyPolicy);
      case 'AWS::S3::BucketPolicy':
        return own(r, 'bucket', r.p.PolicyDocument);
      case 'AWS::SNS::TopicPolicy':
        return own(r, 'topic', r.p.PolicyDocument);
      case 'AWS::Lambda::Permission':
        return [lambdaPermission(r)];
      default:
        return [];
    }
  });
}

function lambdaPermission(r: Res): OwnedPolicy {
  const condition: Record<string, Record<string, string>> = {};
  if (r.p.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': r.p.SourceArn };
  if (r.p.SourceAccount !== undefined) condition.StringEquals = { 'aws:SourceAccount': r.p.SourceAccount };
  const principal = String(r.p.Principal);
  const statement = {
    Effect: 'Allow' as const,
    Principal:
      principal === '*' ? ('*' as const) : { [principal.endsWith('amazonaws.com') ? 'Service' : 'AWS']: principal },
    Action: r.p.Action,
    Resource: r.p.FunctionName,
    Condition: condition,
  };
  return { owner: r.id, ownerType: r.type, kind: 'lambda-permission', document: { Statement: [statement] } };
}

export function cloudFormationModel(label: string, t: CloudFormationTemplates): SecurityModel {
  const all = resources(t);
  return {
    ...apiGateway(all),
    permissions: permissions(all),
    schedules: schedules(all),
    invokeConfigs: invokeConfigs(all),
    certificates: certificates(all),
    ...dns(all),
    experiments: experiments(all),
    replications: replications(all),
    // Logical ids are per template; the secondary's all begin with Standby/Secondary, so one map holds both.
    resources: new Map(all.map((r) => [r.id, r.type])),
    label,
    deliverable: 'cloudformation',
    types: new Set(all.map((r) => r.type)),
    stackKeys: stackKeys(t, all),
    buckets: typed(all, 'AWS::S3::Bucket').map((b) => bucket(all, b)),
    trails: typed(all, 'AWS::CloudTrail::Trail').map(trail),
    tables: tables(all),
    topics: stores(all, 'AWS::SNS::Topic', 'KmsMasterKeyId'),
    logGroups: logGroups(all),
    functions: functions(all),
    keys: keys(all),
    alarms: alarms(all),
    policies: policies(all),
    managedPolicyArns: typed(all, 'AWS::IAM::Role').flatMap((r) =>
      list(r.p.ManagedPolicyArns as string[]).map((arn) => ({ owner: r.id, arn })),
    ),
    inputs: new Map(
      [t.primary, t.secondary].flatMap((x) =>
        Object.entries(x.Parameters).map(([n, p]) => [`\${${n}}`, p] as [string, Record<string, unknown>]),
      ),
    ),
    text: JSON.stringify(t),
  };
}
