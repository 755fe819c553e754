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
}

export interface FunctionView extends StoreView {
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
