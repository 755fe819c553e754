/**
 * One HTTP exchange with one region: a SigV4-signed POST /transactions, or an unsigned
 * GET /health. Each runs under its own AbortController and settles (answer or error) before
 * it returns, so the caller knows the request is no longer in flight.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';

export type RegionRole = 'primary' | 'standby';

export interface RegionalEndpoint {
  /**
   * Base URL of the region's API, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com`
   * (HTTP API `$default` stage) or a custom domain. A path prefix (a named stage) is kept.
   */
  readonly endpoint: string;
  /** The region the request is signed for (the SigV4 scope), e.g. `us-east-1`. */
  readonly region: string;
}

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;
export type FetchLike = typeof globalThis.fetch;

/**
 * - `acknowledged`: 200 or 201, the region committed the transaction (final).
 * - `refused`: any other status below 500, e.g. 400 or 409 (final, never failed over).
 * - `server-error`: 5xx; `timeout`: aborted at the attempt's deadline; `network-error`: no
 *   answer (refused, reset, DNS). These three fail over.
 */
export type Outcome = 'acknowledged' | 'refused' | 'server-error' | 'timeout' | 'network-error';

export interface Attempt {
  readonly region: RegionRole;
  readonly outcome: Outcome;
  /** When the request started, epoch ms (Date.now()): lines attempts up with an outage's clock. */
  readonly startedAt: number;
  /** From the start of the request to its settling (answer read, error or abort); fractional. */
  readonly ms: number;
  /** The HTTP status, when an answer arrived. */
  readonly status?: number;
  /** What went wrong, for timeout and network-error. */
  readonly error?: string;
}

export interface Answer {
  readonly status: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly body: unknown;
}

/** Joins a path onto the endpoint, keeping any stage prefix the endpoint has. */
export function urlFor(endpoint: string, path: string): URL {
  const base = new URL(endpoint);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  return base;
}

export function createSigner(region: string, credentials: Credentials): SignatureV4 {
  return new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
}

/** The signed headers for a JSON POST; `host` is signed but left for fetch to send (it is the URL's host). */
export async function signPost(signer: SignatureV4, url: URL, body: string): Promise<Record<string, string>> {
  const request: HttpRequest = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  };
  const signed = await signer.sign(request);
  const { host: _host, ...headers } = signed.headers;
  return headers;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const explain = (e: any): string => {
  const cause = e?.cause;
  const code = cause?.code ?? e?.code;
  return [e?.message ?? String(e), code && `(${code})`].filter(Boolean).join(' ');
};

const classify = (status: number): Outcome =>
  status === 200 || status === 201 ? 'acknowledged' : status >= 500 ? 'server-error' : 'refused';

/**
 * One request under a deadline. It returns only once fetch has settled: after an abort that
 * means fetch has rejected, i.e. the connection is torn down, never merely abandoned.
 */
export async function exchange(
  fetchImpl: FetchLike,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
  cancel?: AbortSignal,
): Promise<{ outcome: Outcome; startedAt: number; ms: number; answer?: Answer; error?: string }> {
  const startedAt = Date.now();
  const started = performance.now();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onCancel = () => controller.abort();
  cancel?.addEventListener('abort', onCancel, { once: true });
  try {
    const res = await fetchImpl(url, { ...init, signal: controller.signal });
    // The body is read under the same deadline: a region that sends headers and stalls is down too.
    const body = parse(await res.text());
    return {
      outcome: classify(res.status),
      startedAt,
      ms: performance.now() - started,
      answer: { status: res.status, body },
    };
  } catch (e) {
    const error = timedOut ? `no answer within ${timeoutMs} ms` : controller.signal.aborted ? 'cancelled' : explain(e);
    return { outcome: timedOut ? 'timeout' : 'network-error', startedAt, ms: performance.now() - started, error };
  } finally {
    clearTimeout(timer);
    cancel?.removeEventListener('abort', onCancel);
  }
}

export interface Readiness {
  /** 200 with `{"status":"ok"}` (docs/HEALTH.md). */
  readonly ok: boolean;
  /** When the peer wrote its newest beat visible in this region (epoch ms); undefined when not reported. */
  readonly peerBeatAtMs?: number;
}

/**
 * GET /health, unsigned. Ready means 200 with `{"status":"ok"}`: a 200 from something else in
 * the path (a proxy, a captive portal) does not bring traffic back.
 */
export async function readHealth(
  fetchImpl: FetchLike,
  endpoint: string,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<Readiness> {
  const r = await exchange(fetchImpl, urlFor(endpoint, '/health'), { method: 'GET' }, timeoutMs, cancel);
  const body = r.answer?.body as { status?: unknown; peerBeatAtMs?: unknown } | undefined;
  const ok = r.answer?.status === 200 && body?.status === 'ok';
  const beat = body?.peerBeatAtMs;
  return { ok, ...(ok && typeof beat === 'number' && Number.isFinite(beat) ? { peerBeatAtMs: beat } : {}) };
}

export async function isReady(
  fetchImpl: FetchLike,
  endpoint: string,
  timeoutMs: number,
  cancel: AbortSignal,
): Promise<boolean> {
  return (await readHealth(fetchImpl, endpoint, timeoutMs, cancel)).ok;
}
