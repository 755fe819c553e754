import { Sha256 } from '@smithy/core/checksum';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * AWS clients for one region of the emulator. DynamoDB, S3, SNS and KMS use the SDK clients the
 * project already has; Lambda, IAM, CloudWatch and CloudWatch Logs (no SDK client in the lockfile)
 * are called through their public APIs with SigV4-signed requests.
 */

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface RegionClients {
  readonly region: string;
  readonly endpoint: string;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly kms: KMSClient;
  /** A JSON-protocol call (x-amz-target), e.g. logs `Logs_20140328.DescribeLogGroups`. */
  json(service: string, target: string, body: object): Promise<any>;
  /** A query-protocol call (IAM, CloudWatch); returns the XML text. */
  query(service: string, params: Record<string, string>): Promise<string>;
  /** A REST call (Lambda). */
  rest(service: string, method: string, path: string, body?: object): Promise<{ status: number; json: any }>;
  /** A REST-XML call (Route 53); returns the status and the XML text. */
  restXml(service: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }>;
}

type Send = (
  service: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  query?: Record<string, string>,
) => Promise<{ status: number; text: string }>;

/** A SigV4-signed HTTP call to one region's endpoint. */
function signedSender(region: string, endpoint: string): Send {
  return async (service, method, path, headers, body, query = {}) => {
    const url = new URL(endpoint);
    const signer = new SignatureV4({ credentials, region, service, sha256: Sha256 });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query,
      headers: { host: url.host, ...headers },
      body,
    });
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${endpoint}${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers: signed.headers as Record<string, string>,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text() };
  };
}

/** The JSON, query and REST protocols over the signed sender. */
function protocols(region: string, send: Send): Pick<RegionClients, 'json' | 'query' | 'rest' | 'restXml'> {
  return {
    json: async (service, target, body) => {
      const r = await send(
        service,
        'POST',
        '/',
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        JSON.stringify(body),
      );
      if (r.status !== 200) throw new Error(`${service} ${target} in ${region}: ${r.status} ${r.text}`);
      return JSON.parse(r.text);
    },
    query: async (service, params) => {
      const body = new URLSearchParams(params).toString();
      const r = await send(
        service,
        'POST',
        '/',
        { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      );
      if (r.status !== 200) throw new Error(`${service} ${params.Action} in ${region}: ${r.status} ${r.text}`);
      return r.text;
    },
    rest: async (service, method, path, body) => {
      const r = await send(
        service,
        method,
        path,
        body ? { 'content-type': 'application/json' } : {},
        body ? JSON.stringify(body) : '',
      );
      return { status: r.status, json: r.text ? JSON.parse(r.text) : undefined };
    },
    restXml: (service, method, path, body) =>
      send(service, method, path, body ? { 'content-type': 'application/xml' } : {}, body ?? ''),
  };
}

export function regionClients(region: string, endpoint: string): RegionClients {
  const config = {
    region,
    endpoint,
    credentials,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  };
  return {
    region,
    endpoint,
    dynamodb: new DynamoDBClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sns: new SNSClient(config),
    kms: new KMSClient(config),
    ...protocols(region, signedSender(region, endpoint)),
  };
}

/** Every <tag>value</tag> in an XML document (enough for the few query-protocol answers read here). */
export function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
}
