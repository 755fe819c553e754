/**
 * How dr:check reaches AWS: SDK clients per region for DynamoDB, S3, KMS, CloudWatch and SNS, and
 * SigV4-signed requests for the two services it calls once or twice and the lockfile has no
 * client for (Route 53, CloudFormation). By default everything goes to the real regional
 * endpoints with the standard credential chain; the tests pass endpoint overrides (the emulator's
 * regional fronts) and fixed credentials, so no test ever reaches AWS. Every call has a deadline.
 */
import { Sha256 } from '@smithy/core/checksum';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { createSigner, signPost, urlFor } from '../client/transport';

export type Service = 'dynamodb' | 's3' | 'kms' | 'monitoring' | 'sns' | 'route53' | 'cloudformation' | 'execute-api';

export interface AccessOptions {
  /** Where a service's requests for a region go; the real endpoint when absent. */
  readonly endpointFor?: (service: Service, region: string) => string;
  /** Fixed credentials; the default credential chain when absent. */
  readonly credentials?: AwsCredentialIdentity;
  /** Where an HTTP request for a deployed API endpoint goes (tests map it to their gateway). */
  readonly httpUrlFor?: (apiEndpoint: string) => string;
  /** Deadline of each single AWS or HTTP call. */
  readonly callTimeoutMs?: number;
  /** Sees every AWS call before it is sent (the tests check each against the published IAM policy). */
  readonly observe?: (call: ObservedCall) => void;
}

export interface ObservedCall {
  readonly service: Service;
  readonly region: string;
  /** The API operation, e.g. PutItem, ListHealthChecks. */
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export interface SignedRequest {
  readonly service: 'route53' | 'cloudformation';
  readonly region: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly form?: Record<string, string>;
  /** An XML request body (Route 53's write calls; dr:check itself only reads). */
  readonly xml?: string;
}

export interface ApiPost {
  /** The API's endpoint as the outputs give it (PrimaryApiEndpoint, StandbyApiEndpoint). */
  readonly apiEndpoint: string;
  readonly region: string;
  /** The route's path, e.g. /transactions. */
  readonly path: string;
  readonly body: string;
}

export interface AwsAccess {
  dynamodb(region: string): DynamoDBClient;
  s3(region: string): S3Client;
  kms(region: string): KMSClient;
  cloudwatch(region: string): CloudWatchClient;
  sns(region: string): SNSClient;
  /** One signed request; resolves with the status and body text (XML for these two services). */
  signed(req: SignedRequest): Promise<{ status: number; text: string }>;
  httpUrlFor(apiEndpoint: string): string;
  /** A SigV4 (execute-api) JSON POST to a route of a deployed HTTP API, signed as the failover client signs. */
  postToApi(req: ApiPost): Promise<{ status: number; text: string }>;
  readonly callTimeoutMs: number;
  /** The per-call deadline as SDK `send` options. */
  deadline(): { abortSignal: AbortSignal };
}

const dnsSuffix = (region: string) => (region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com');

/** Route 53 is global: one endpoint and signing region per partition. */
export function route53Home(region: string): { endpoint: string; signingRegion: string } {
  if (region.startsWith('cn-'))
    return { endpoint: 'https://route53.amazonaws.com.cn', signingRegion: 'cn-northwest-1' };
  if (region.startsWith('us-gov-'))
    return { endpoint: 'https://route53.us-gov.amazonaws.com', signingRegion: 'us-gov-west-1' };
  return { endpoint: 'https://route53.amazonaws.com', signingRegion: 'us-east-1' };
}

function route53Operation(req: SignedRequest): string {
  if (/\/healthcheck\/[^/]+\/status$/.test(req.path)) return 'GetHealthCheckStatus';
  const single = /\/healthcheck\/[^/]+$/.test(req.path);
  return `${{ GET: single ? 'Get' : 'List', POST: 'Create', DELETE: 'Delete' }[req.method]}HealthCheck${single || req.method !== 'GET' ? '' : 's'}`;
}

function realEndpoint(service: SignedRequest['service'], region: string): string {
  return service === 'route53' ? route53Home(region).endpoint : `https://cloudformation.${region}.${dnsSuffix(region)}`;
}

/** The part of an SDK client's middleware stack the observer uses. */
interface Observable {
  middlewareStack: {
    add(
      m: (
        next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
        context: { commandName?: string },
      ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
      o: { step: 'initialize'; name: string },
    ): void;
  };
}

type Credentials = AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);

/** One SDK client per service and region, made on first use, each call seen by `o.observe`. */
function clientCache(o: AccessOptions, credentials: Credentials) {
  const cache = new Map<string, unknown>();
  return <T>(service: Service, region: string, make: (config: object) => T): T => {
    const id = `${service}@${region}`;
    if (!cache.has(id)) {
      const endpoint = o.endpointFor?.(service, region);
      const made = make({ region, credentials, maxAttempts: 3, ...(endpoint ? { endpoint } : {}) });
      const observe = o.observe;
      if (observe) {
        (made as unknown as Observable).middlewareStack.add(
          (next, context) => (args) => {
            observe({
              service,
              region,
              operation: (context.commandName ?? '?').replace(/Command$/, ''),
              input: args.input,
            });
            return next(args);
          },
          { step: 'initialize', name: 'drCheckObserve' },
        );
      }
      cache.set(id, made);
    }
    return cache.get(id) as T;
  };
}

/** The body of a signed request and its content type: a form, an XML document, or nothing. */
function requestBody(req: SignedRequest): { body: string; contentType?: string } {
  if (req.form)
    return {
      body: new URLSearchParams(req.form).toString(),
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    };
  if (req.xml) return { body: req.xml, contentType: 'application/xml' };
  return { body: '' };
}

/** One SigV4-signed request to Route 53 or CloudFormation; the status and body text. */
function signedRequests(o: AccessOptions, credentials: Credentials, callTimeoutMs: number) {
  return async (req: SignedRequest): Promise<{ status: number; text: string }> => {
    o.observe?.({
      service: req.service,
      region: req.region,
      operation: req.form?.Action ?? route53Operation(req),
      input: { ...req.form, path: req.path },
    });
    const signingRegion = req.service === 'route53' ? route53Home(req.region).signingRegion : req.region;
    const base = new URL(o.endpointFor?.(req.service, signingRegion) ?? realEndpoint(req.service, req.region));
    const { body, contentType } = requestBody(req);
    const headers: Record<string, string> = {
      host: base.host,
      ...(contentType ? { 'content-type': contentType } : {}),
    };
    const signer = new SignatureV4({ credentials, region: signingRegion, service: req.service, sha256: Sha256 });
    const signed = await signer.sign({
      method: req.method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: req.path,
      query: req.query ?? {},
      headers,
      body,
    });
    const qs = new URLSearchParams(req.query ?? {}).toString();
    const res = await fetch(`${base.origin}${req.path}${qs ? `?${qs}` : ''}`, {
      method: req.method,
      headers: signed.headers as Record<string, string>,
      body: req.method === 'POST' ? body : undefined,
      signal: AbortSignal.timeout(callTimeoutMs),
    });
    return { status: res.status, text: await res.text() };
  };
}

/** POSTs through the API as a caller of it would: the request API Gateway authorizes with IAM. */
function apiPosts(o: AccessOptions, credentials: Credentials, callTimeoutMs: number) {
  return async (req: ApiPost): Promise<{ status: number; text: string }> => {
    o.observe?.({
      service: 'execute-api',
      region: req.region,
      operation: 'Invoke',
      input: { apiEndpoint: req.apiEndpoint, method: 'POST', path: req.path },
    });
    const url = urlFor((o.httpUrlFor ?? ((e) => e))(req.apiEndpoint), req.path);
    const headers = await signPost(createSigner(req.region, credentials), url, req.body);
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(callTimeoutMs),
    });
    return { status: res.status, text: await res.text() };
  };
}

export function awsAccess(o: AccessOptions = {}): AwsAccess {
  const callTimeoutMs = o.callTimeoutMs ?? 10_000;
  const credentials = o.credentials ?? defaultProvider();
  const client = clientCache(o, credentials);
  const deadline = () => ({ abortSignal: AbortSignal.timeout(callTimeoutMs) });
  return {
    callTimeoutMs,
    deadline,
    dynamodb: (r) => client('dynamodb', r, (c) => new DynamoDBClient(c)),
    // Path style only against an override: the emulator serves every bucket on one host.
    s3: (r) => client('s3', r, (c) => new S3Client({ ...c, forcePathStyle: !!o.endpointFor })),
    kms: (r) => client('kms', r, (c) => new KMSClient(c)),
    cloudwatch: (r) => client('monitoring', r, (c) => new CloudWatchClient(c)),
    sns: (r) => client('sns', r, (c) => new SNSClient(c)),
    httpUrlFor: o.httpUrlFor ?? ((e) => e),
    signed: signedRequests(o, credentials, callTimeoutMs),
    postToApi: apiPosts(o, credentials, callTimeoutMs),
  };
}

/** Every <tag>…</tag> element's inner XML, as is (for blocks such as <member> to read further). */
export function xmlBlocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
}

/** The text of the first <tag>…</tag> (a leaf), entities decoded. */
export const xmlText = (xml: string, tag: string): string | undefined => {
  const block = xmlBlocks(xml, tag)[0];
  return block === undefined ? undefined : unescapeXml(block);
};

function unescapeXml(s: string): string {
  return s.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!,
  );
}

/** The error an AWS XML error answer describes: `Code: Message`. */
export function xmlError(what: string, r: { status: number; text: string }): Error {
  const code = xmlText(r.text, 'Code') ?? `HTTP ${r.status}`;
  return Object.assign(new Error(`${what}: ${xmlText(r.text, 'Message') ?? r.text.slice(0, 200)}`), { name: code });
}
