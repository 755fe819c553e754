/**
 * The core every component's spec is written in: IAM and KMS policy documents over an abstract
 * expression type T (a plain string with embedded tokens for Terraform, a CloudFormation intrinsic
 * object for CloudFormation), the environment they are rendered in, and the helpers several
 * components share. No cdktf imports: the CloudFormation emitter loads this.
 */
import type { TapConfig } from './config';
import { PROJECT } from './naming';

export interface Dialect<T> {
  /** Concatenates literal strings and expressions into one expression. */
  join(...parts: Array<string | T>): string | T;
}

export interface PolicyStatement<T> {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, string | T | Array<string | T>>;
  Action: string[];
  /** Absent in trust policies, where IAM prohibits it. */
  Resource?: Array<string | T> | string | T;
  Condition?: Record<string, Record<string, string | T | Array<string | T>>>;
}

export interface PolicyDocument<T> {
  Version: '2012-10-17';
  Statement: PolicyStatement<T>[];
}

/** Account, this region, the other region (the peer) and partition as expressions of the dialect. */
export interface Env<T> {
  readonly partition: string | T;
  readonly account: string | T;
  readonly region: string | T;
  readonly peerRegion: string | T;
}

/** arn:<partition>:<service>:<region>:<account>:<resource>, for ARNs known before the resource exists. */
export function regionalArn<T>(
  d: Dialect<T>,
  e: Env<T>,
  service: string,
  region: string | T,
  resource: string | T,
): string | T {
  return d.join('arn:', e.partition, ':', service, ':', region, ':', e.account, ':', resource);
}

/** A bucket's ARN, built from its name: S3 ARNs carry no region or account, so it is known before the bucket exists. */
export function bucketArnOf<T>(d: Dialect<T>, e: Pick<Env<T>, 'partition'>, bucketName: string | T): string | T {
  return d.join('arn:', e.partition, ':s3:::', bucketName);
}

/** A log group's ARN, built from its name: Terraform's `arn` lacks the ":*" CloudFormation's GetAtt has. */
export function logGroupArnOf<T>(d: Dialect<T>, e: Env<T>, logGroupName: string): string | T {
  return regionalArn(d, e, 'logs', e.region, `log-group:${logGroupName}`);
}

export function ownLogGroup<T>(d: Dialect<T>, e: Env<T>, logGroupName: string): PolicyStatement<T> {
  return {
    Sid: 'OwnLogGroup',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: d.join(logGroupArnOf(d, e, logGroupName), ':*'),
  };
}

export function accountRoot<T>(d: Dialect<T>, e: Env<T>): string | T {
  return d.join('arn:', e.partition, ':iam::', e.account, ':root');
}

/** Conditions that tie a service principal to this account, and to resources matching `sourceArn`. */
export function fromThisAccount<T>(e: Env<T>, sourceArn: string | T): PolicyStatement<T>['Condition'] {
  return { StringEquals: { 'aws:SourceAccount': e.account }, ArnLike: { 'aws:SourceArn': sourceArn } };
}

/** Trust policy for a service role; `sourceArn` (with this account) guards against a confused deputy. */
export function serviceTrustPolicy<T>(
  service: string,
  guard?: { e: Env<T>; sourceArn: string | T },
): PolicyDocument<T> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ServiceAssumesRole',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: ['sts:AssumeRole'],
        ...(guard ? { Condition: fromThisAccount(guard.e, guard.sourceArn) } : {}),
      },
    ],
  };
}

export function denyInsecureTransport<T>(d: Dialect<T>, bucketArn: string | T): PolicyStatement<T> {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: ['s3:*'],
    Resource: [bucketArn, d.join(bucketArn, '/*')],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** Tags on every resource: the configured extra tags, then the ones tap-dr owns (they win). */
export function standardTags<T>(
  config: TapConfig,
  environment: string | T,
  managedBy: string,
): Record<string, string | T> {
  return { ...config.extraTags, Project: PROJECT, Environment: environment, ManagedBy: managedBy };
}

/** Active tracing: Lambda refuses to create a traced function whose role cannot write traces.
 *  X-Ray has no resource-level permissions; these two write-only actions are all it needs. */
export function xrayTracing<T>(): PolicyStatement<T> {
  return {
    Sid: 'XRayTracing',
    Effect: 'Allow',
    Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    Resource: '*',
  };
}
