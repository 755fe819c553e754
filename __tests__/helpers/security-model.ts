/**
 * One view of a synthesized deliverable for the security rules: the Terraform cdk.tf.json or
 * the CloudFormation templates, read into the same shapes, so that each rule is written once
 * and walks every resource of a kind, whatever construct made it. References become strings:
 * Terraform's own "${aws_s3_bucket.x.arn}", CloudFormation's Ref/GetAtt/Sub as "${X}"/"${X.Arn}".
 */
import { OwnedPolicy, PolicyDocument } from './policy';

export type Region = 'primary' | 'secondary';

export interface BucketView {
  readonly id: string;
  readonly region: Region;
  /** The strings that name this bucket in a reference (Terraform .id/.bucket, CloudFormation Ref). */
  readonly names: string[];
  readonly arn: string;
  readonly encryption: Array<{ algorithm?: string; key?: string; bucketKey?: boolean }>;
  readonly publicAccessBlocks: Array<Record<string, unknown>>;
  readonly versioning: string[];
  readonly ownership: string[];
  readonly policies: PolicyDocument[];
  /** Server access logging: the target bucket as referenced. */
  readonly accessLogTargets: string[];
  readonly objectLock: boolean;
  readonly hasAcl: boolean;
  /** Expiration (days) of current objects, from enabled lifecycle rules. */
  readonly expirationDays: number[];
}

export interface TrailView {
  readonly id: string;
  readonly region: Region;
  readonly bucket: string;
  readonly multiRegion: boolean;
  readonly logging: boolean;
  readonly key?: string;
  readonly logFileValidation: boolean;
  /** S3 object-level ARN prefixes logged for both reads and writes ("*" for every bucket). */
  readonly s3DataEventArns: string[];
}

export interface StoreView {
  readonly id: string;
  readonly type: string;
  readonly region: Region;
  readonly encrypted: boolean;
  readonly key?: string;
}

export interface TableCopyView extends StoreView {
  readonly pitr: boolean;
  readonly deletionProtection: boolean;
  readonly billing?: string;
}

export interface LogGroupView extends StoreView {
  readonly retentionDays?: number;
  /** The group's name as written ("${EnvironmentSuffix}"-style substitutions in CloudFormation). */
  readonly name?: string;
}

export interface FunctionView extends StoreView {
  /** The execution role's id. */
  readonly role?: string;
  readonly tracing?: string;
  readonly environment: Record<string, unknown>;
  readonly codeSigning?: { enforcement?: string; publishers: string[] };
}

export interface KeyView {
  readonly id: string;
  readonly type: string;
  readonly region: Region;
  readonly rotation: boolean;
  readonly enabled: boolean;
  readonly hasPolicy: boolean;
}

export interface AlarmView {
  readonly id: string;
  readonly enabled: boolean;
  readonly alarmActions: string[];
  readonly okActions: string[];
}

/** Every reference below is the id of a resource of the same deliverable (Terraform address
 *  "type.name", CloudFormation logical id), or undefined when the value names nothing of the stack. */
export interface RouteView {
  readonly id: string;
  readonly region: Region;
  readonly api?: string;
  readonly routeKey: string;
  readonly authorization?: string;
  readonly integration?: string;
}

export interface IntegrationView {
  readonly id: string;
  readonly region: Region;
  readonly api?: string;
  readonly type?: string;
  /** The resource the integration invokes. */
  readonly target?: string;
}

export interface StageView {
  readonly id: string;
  readonly region: Region;
  readonly api?: string;
  /** The log group access logs go to. */
  readonly accessLogGroup?: string;
  readonly accessLogFormat?: string;
  readonly throttlingRate?: number;
  readonly throttlingBurst?: number;
}

export interface ApiView {
  readonly id: string;
  readonly region: Region;
  readonly protocol?: string;
}

export interface PermissionView {
  readonly id: string;
  readonly region: Region;
  readonly principal: string;
  readonly action: string;
  readonly function?: string;
  /** As written ("${...}" references), and the stack resources it names. */
  readonly sourceArn?: string;
  readonly sourceResources: string[];
  readonly sourceAccount?: string;
}

export interface ScheduleView {
  readonly id: string;
  readonly region: Region;
  readonly schedule?: string;
  readonly eventPattern?: string;
  /** Each target as written, and the stack resource it names. */
  readonly targets: Array<{ arn: string; resource?: string; deadLetter?: string }>;
}

export interface InvokeConfigView {
  readonly id: string;
  readonly region: Region;
  readonly function?: string;
  readonly maxRetries?: number;
  readonly onFailure?: string;
}

export interface DomainView {
  readonly id: string;
  readonly region: Region;
  readonly securityPolicy?: string;
  readonly endpointType?: string;
  readonly certificate?: string;
}

export interface CertificateView {
  readonly id: string;
  readonly region: Region;
  readonly domains: string[];
  readonly validation?: string;
  readonly transparencyLogging?: string;
  readonly createBeforeDestroy: boolean;
}

export interface DnsRecordView {
  readonly id: string;
  readonly type: string;
  readonly failover?: string;
  readonly healthCheck?: string;
  /** Alias target: the stack resource it names, if any. */
  readonly aliasTarget?: string;
  readonly aliasWritten?: string;
  /** The stack resource the record's name comes from (a certificate's validation record). */
  readonly nameFrom?: string;
}

export interface HealthCheckView {
  readonly id: string;
  readonly type?: string;
  readonly port?: number;
  readonly path?: string;
  /** The stack resource the checked endpoint belongs to. */
  readonly endpointOf?: string;
  /** CLOUDWATCH_METRIC checks: the stack alarm followed, and the status while it has no data. */
  readonly alarmOf?: string;
  readonly insufficientData?: string;
}

export interface ExperimentView {
  readonly id: string;
  readonly region: Region;
  readonly role?: string;
  readonly stopConditions: Array<{ source: string; alarm?: string }>;
  readonly actions: Array<{ action: string; duration?: string }>;
  readonly targets: string[];
}

export interface ReplicationRuleView {
  readonly id?: string;
  readonly status?: string;
  /** The destination bucket as written. */
  readonly destination: string;
  /** The destination's stack bucket, when it is in this deliverable. */
  readonly destinationBucket?: string;
  readonly replicaKey?: string;
  readonly sseKmsObjectsOnly: boolean;
  readonly rtcMinutes?: number;
  readonly metrics: boolean;
}

export interface ReplicationView {
  readonly id: string;
  readonly region: Region;
  /** The source bucket's id. */
  readonly source?: string;
  readonly role?: string;
  readonly rules: ReplicationRuleView[];
}

export interface SecurityModel {
  readonly label: string;
  readonly deliverable: 'terraform' | 'cloudformation';
  /** Every resource type present, one entry per type. */
  readonly types: Set<string>;
  /** Strings that denote a customer-managed key of the stack, with the key's region
   *  ('parameter': a key ARN passed in from the other region's template). */
  readonly stackKeys: Map<string, Region | 'parameter'>;
  readonly buckets: BucketView[];
  readonly trails: TrailView[];
  readonly tables: TableCopyView[];
  readonly topics: StoreView[];
  readonly logGroups: LogGroupView[];
  readonly functions: FunctionView[];
  readonly keys: KeyView[];
  readonly alarms: AlarmView[];
  readonly apis: ApiView[];
  readonly routes: RouteView[];
  readonly integrations: IntegrationView[];
  readonly stages: StageView[];
  readonly permissions: PermissionView[];
  readonly schedules: ScheduleView[];
  readonly invokeConfigs: InvokeConfigView[];
  readonly domains: DomainView[];
  readonly certificates: CertificateView[];
  readonly dnsRecords: DnsRecordView[];
  readonly healthChecks: HealthCheckView[];
  readonly experiments: ExperimentView[];
  readonly replications: ReplicationView[];
  /** Every resource: id -> type. */
  readonly resources: Map<string, string>;
  readonly policies: OwnedPolicy[];
  readonly managedPolicyArns: Array<{ owner: string; arn: string }>;
  /** Deploy-time inputs by the string that references them ("${var.x}", "${Param}"): their declaration. */
  readonly inputs: Map<string, Record<string, unknown>>;
  /** Every synthesized document, as text. */
  readonly text: string;
}

/** Whether the key lives in the region of the thing it encrypts. */
export function keyServesRegion(m: SecurityModel, key: string | undefined, region: Region): boolean {
  if (key === undefined) return false;
  const where = m.stackKeys.get(key);
  return where === region || (where === 'parameter' && region !== 'primary');
}

/** The buckets that receive audit records: server access log targets and trail buckets. */
export function logBucketsOf(m: SecurityModel): BucketView[] {
  const targets = [...m.buckets.flatMap((b) => b.accessLogTargets), ...m.trails.map((t) => t.bucket)];
  return m.buckets.filter((b) => b.names.some((n) => targets.includes(n)));
}

/** Every other bucket holds payment documents. */
export function documentBucketsOf(m: SecurityModel): BucketView[] {
  const logs = new Set(logBucketsOf(m));
  return m.buckets.filter((b) => !logs.has(b));
}

export function bucketNamed(m: SecurityModel, ref: string): BucketView | undefined {
  return m.buckets.find((b) => b.names.includes(ref));
}
