/**
 * The failover client (client/) against two real local HTTP servers on free 127.0.0.1 ports,
 * standing in for the two regions' API Gateway HTTP APIs. moto, the emulator the other tests
 * use, models API Gateway v2's control plane only: it does not execute a route, so there is no
 * IAM authorizer and no Lambda integration to call. These servers play that part instead:
 * each verifies the SigV4 signature of every POST for its own region, keeps the processor's
 * per-region idempotency (201, 200 replay, 409), and records which transaction is in flight
 * where, so every test can check that none was ever in flight at both at once.
 */
import * as diagnostics from 'diagnostics_channel';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo, Socket } from 'net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  createFailoverClient,
  DEFAULTS,
  FailoverClient,
  FailoverClientOptions,
  FailoverError,
  FetchLike,
  InFlightConflictError,
  resolveSettings,
} from '../client';
import { HOLD_POLL_MAX_MS } from '../client/failover-client';

const CREDENTIALS = { accessKeyId: 'AKIDTESTCLIENT', secretAccessKey: 'test-secret', sessionToken: 'test-session' };

/** What a fake region does with POST /transactions. */
type Behaviour =
  | { kind: 'process' } // the processor's contract: 201 new, 200 replay, 409 other content
  | { kind: 'status'; status: number }
  | { kind: 'hang' } // never answers
  | { kind: 'late'; ms: number } // processes, but answers after ms
  | { kind: 'commit-then-drop' }; // commits, then loses the answer: the ambiguous case

interface Post {
  readonly id: string;
  readonly path: string;
  readonly body: string;
  readonly signature: Signature;
}

interface Signature {
  readonly accessKeyId?: string;
  readonly region?: string;
  readonly service?: string;
  readonly signedHeaders: string[];
  readonly valid: boolean;
}

/**
 * The client's end of every connection fetch opens, by its local port (undici's documented
 * diagnostics channel). The servers share this process with the client, so on a loaded machine
 * a server sees the client tear a connection down only when its event loop gets to it, hundreds
 * of ms later; the client's socket says at once whether the connection still exists.
 */
const clientSockets = new Map<number, Socket>();
diagnostics.subscribe('undici:client:connected', (m) => {
  const socket = (m as { socket: Socket }).socket;
  if (socket.localPort) clientSockets.set(socket.localPort, socket);
});
/** destroy() closes the descriptor at once, so the peer is told; an unknown port counts as open. */
const connectionOpen = (clientPort: number) => !clientSockets.get(clientPort)?.destroyed;

/**
 * Every request in flight, by transaction id and server (with the client's port of its connection):
 * filled by the servers, checked after each test. A request is in flight at a server from its
 * arrival until the answer is sent or the client has torn its connection down.
 */
const inFlight = new Map<string, Map<string, number>>();
const overlaps: string[] = [];

function enter(server: string, id: string, clientPort: number) {
  const where = inFlight.get(id) ?? new Map<string, number>();
  const open = [...where].filter(([, port]) => connectionOpen(port)).map(([s]) => s);
  if (open.length > 0) overlaps.push(`${id} reached ${server} while in flight at ${open.join(', ')}`);
  where.set(server, clientPort);
  inFlight.set(id, where);
}
const leave = (server: string, id: string) => inFlight.get(id)?.delete(server);

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/;

/** Re-signs the request as received, with the region's own scope, and compares (what API Gateway's IAM check does). */
async function verify(req: IncomingMessage, body: string, region: string): Promise<Signature> {
  const m = AUTH.exec(req.headers.authorization ?? '');
  if (!m) return { signedHeaders: [], valid: false };
  const [, accessKeyId, scopeRegion, service, signed] = m;
  const signedHeaders = signed.split(';');
  const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(req.headers[h])]));
  const d = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(String(req.headers['x-amz-date']));
  if (!d) return { accessKeyId, region: scopeRegion, service, signedHeaders, valid: false };
  const signingDate = new Date(`${d[1]}-${d[2]}-${d[3]}T${d[4]}:${d[5]}:${d[6]}Z`);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: CREDENTIALS, sha256: Sha256 });
  const [hostname, port] = String(req.headers.host).split(':');
  const expected = await signer.sign(
    { method: req.method!, protocol: 'http:', hostname, port: Number(port), path: req.url!, query: {}, headers, body },
    { signingDate },
  );
  return {
    accessKeyId,
    region: scopeRegion,
    service,
    signedHeaders,
    valid: expected.headers.authorization === req.headers.authorization,
  };
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const json = (res: ServerResponse, status: number, payload: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
};

class FakeRegion {
  behaviour: Behaviour = { kind: 'process' };
  health: { status: number; body: unknown } = { status: 200, body: { status: 'ok' } };
  readonly committed = new Map<string, string>();
  readonly posts: Post[] = [];
  healthProbes = 0;
  private server?: Server;
  private port = 0;

  constructor(
    readonly name: string,
    readonly region: string,
  ) {}

  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close() {
    this.server?.closeAllConnections();
    await new Promise((ok) => this.server?.close(ok) ?? ok(undefined));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/health') {
      this.healthProbes++;
      return json(res, this.health.status, this.health.body);
    }
    const body = await readBody(req);
    const id = String(JSON.parse(body).transactionId);
    enter(this.name, id, req.socket.remotePort!);
    // 'close' comes when the answer is sent or the client tears the connection down. On a loaded
    // machine the client may have torn it down while the body was still being read: then 'close'
    // has already fired, and the request is no longer in flight here.
    if (res.closed || req.socket.destroyed) leave(this.name, id);
    else res.on('close', () => leave(this.name, id));
    this.posts.push({ id, path: req.url!, body, signature: await verify(req, body, this.region) });
    const b = this.behaviour;
    if (b.kind === 'hang') return;
    if (b.kind === 'status') return json(res, b.status, { error: `status ${b.status}` });
    const [status, payload] = this.process(id, body);
    if (b.kind === 'commit-then-drop') return void res.destroy();
    if (b.kind === 'late') await new Promise((ok) => setTimeout(ok, b.ms));
    if (!res.destroyed) json(res, status, payload);
  }

  /** The processor's idempotency, per region: same id and content replays, other content conflicts. */
  private process(id: string, body: string): [number, unknown] {
    const stored = this.committed.get(id);
    if (stored === undefined) {
      this.committed.set(id, body);
      return [201, { ...JSON.parse(body), processedRegion: this.region }];
    }
    return stored === body ? [200, { ...JSON.parse(body), replayed: true }] : [409, { error: 'Conflict' }];
  }
}

/** A port nothing listens on: connections to it are refused. */
async function refusedEndpoint() {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise((ok) => s.close(ok));
  return `http://127.0.0.1:${port}`;
}

/** Polls instead of sleeping a fixed time; fails with what it waited for. */
async function until(what: string, cond: () => boolean, timeoutMs = 2000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 5));
  }
}

/** The client's own view: how many requests it has in flight per transaction, across both regions. */
function instrumentedFetch() {
  const open = new Map<string, number>();
  let worst = 0;
  const fetchImpl: FetchLike = async (input, init) => {
    if (init?.method !== 'POST') return fetch(input, init);
    const id = JSON.parse(String(init.body)).transactionId as string;
    const n = (open.get(id) ?? 0) + 1;
    open.set(id, n);
    worst = Math.max(worst, n);
    try {
      // Settled only when the body is read or the request fails, as the client reads it.
      const res = await fetch(input, init);
      const text = await res.text();
      return new Response(text, { status: res.status, headers: res.headers });
    } finally {
      open.set(id, open.get(id)! - 1);
    }
  };
  return { fetchImpl, worst: () => worst };
}

/** An attempt as the client reports it, with any start time and duration. */
const attempt = (region: string, outcome: string, status: number) => ({
  region,
  outcome,
  status,
  startedAt: expect.any(Number),
  ms: expect.any(Number),
});

let primary: FakeRegion;
let standby: FakeRegion;
let client: FailoverClient | undefined;
let seq = 0;

const txn = (extra: object = {}) => ({
  transactionId: `txn-${process.pid}-${++seq}`,
  accountId: 'acct-42',
  amount: '129.90',
  currency: 'EUR',
  type: 'debit',
  ...extra,
});

function connect(overrides: Partial<FailoverClientOptions> = {}) {
  client = createFailoverClient({
    primary: { endpoint: primary.endpoint, region: 'us-east-1' },
    standby: { endpoint: standby.endpoint, region: 'us-west-2' },
    credentials: CREDENTIALS,
    // Generous where a test is not about timing: a loaded machine must not turn a slow answer into a failover.
    deadlines: { requestMs: 1000, totalMs: 3000 },
    healthProbeIntervalMs: 40,
    ...overrides,
  });
  return client;
}

/** Fails over once (primary answers 500), leaving the client on the standby. */
async function failOver(c: FailoverClient) {
  primary.behaviour = { kind: 'status', status: 500 };
  const r = await c.submit(txn());
  expect(r.region).toBe('standby');
  expect(c.state()).toBe('standby');
}

beforeEach(async () => {
  inFlight.clear();
  overlaps.length = 0;
  [primary, standby] = await Promise.all([
    new FakeRegion('primary', 'us-east-1').start(),
    new FakeRegion('standby', 'us-west-2').start(),
  ]);
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await Promise.all([primary.close(), standby.close()]);
  // The invariant every test keeps: one transaction, one region at a time.
  expect(overlaps).toEqual([]);
});

describe('the happy path', () => {
  it('sends to the primary, SigV4-signed for execute-api in us-east-1, and returns its 201', async () => {
    const t = txn();
    const r = await connect().submit(t);
    expect(r).toMatchObject({
      status: 201,
      region: 'primary',
      body: { transactionId: t.transactionId, processedRegion: 'us-east-1' },
    });
    expect(r.attempts).toEqual([attempt('primary', 'acknowledged', 201)]);
    expect(primary.posts).toHaveLength(1);
    expect(primary.posts[0].signature).toEqual({
      accessKeyId: CREDENTIALS.accessKeyId,
      region: 'us-east-1',
      service: 'execute-api',
      signedHeaders: expect.arrayContaining(['host', 'x-amz-date', 'x-amz-security-token', 'content-type']),
      valid: true,
    });
    expect(standby.posts).toHaveLength(0);
    expect(client!.state()).toBe('primary');
  });

  it('keeps a stage path in the endpoint, signs it, and answers an exact retry with the 200 replay', async () => {
    const t = txn();
    const c = connect({ primary: { endpoint: `${primary.endpoint}/prod/`, region: 'us-east-1' } });
    expect(await c.submit(t)).toMatchObject({ status: 201, region: 'primary' });
    expect(await c.submit(t)).toMatchObject({ status: 200, region: 'primary', body: { replayed: true } });
    expect(primary.posts.map((p) => [p.path, p.signature.valid])).toEqual([
      ['/prod/transactions', true],
      ['/prod/transactions', true],
    ]);
  });
});

describe('failing over', () => {
  it('moves to the standby when the primary refuses connections: one attempt each', async () => {
    const refused = await refusedEndpoint();
    const c = connect({ primary: { endpoint: refused, region: 'us-east-1' } });
    const r = await c.submit(txn());
    expect(r).toMatchObject({ status: 201, region: 'standby' });
    expect(r.attempts.map((a) => [a.region, a.outcome])).toEqual([
      ['primary', 'network-error'],
      ['standby', 'acknowledged'],
    ]);
    expect(r.attempts[0].error).toMatch(/ECONNREFUSED/);
    // Signed for the standby's own region, not the primary's.
    expect(standby.posts[0].signature).toMatchObject({ region: 'us-west-2', service: 'execute-api', valid: true });
    expect(c.state()).toBe('standby');
  });

  it('aborts a hung primary at requestMs, then uses the standby, all within totalMs', async () => {
    primary.behaviour = { kind: 'hang' };
    const started = performance.now();
    const wallStart = Date.now();
    const r = await connect({ deadlines: { requestMs: 300, totalMs: 1500 } }).submit(txn());
    const elapsed = performance.now() - started;
    // startedAt is wall-clock: the standby's attempt starts once the primary's has been given up.
    expect(r.attempts[0].startedAt).toBeGreaterThanOrEqual(wallStart);
    expect(r.attempts[1].startedAt).toBeGreaterThanOrEqual(r.attempts[0].startedAt + 290);
    expect(r).toMatchObject({ status: 201, region: 'standby' });
    expect(r.attempts.map((a) => a.outcome)).toEqual(['timeout', 'acknowledged']);
    expect(r.attempts[0].ms).toBeGreaterThanOrEqual(295);
    expect(r.attempts[0].ms).toBeLessThan(800);
    expect(elapsed).toBeLessThan(1500);
    expect(primary.posts).toHaveLength(1);
  });

  it.each([500, 502, 503, 504])('moves to the standby on a %i', async (status) => {
    primary.behaviour = { kind: 'status', status };
    const r = await connect().submit(txn());
    expect(r).toMatchObject({ status: 201, region: 'standby' });
    expect(r.attempts).toEqual([attempt('primary', 'server-error', status), attempt('standby', 'acknowledged', 201)]);
  });

  it('retries the ambiguous case (committed, answer lost) in the standby with the same bytes', async () => {
    primary.behaviour = { kind: 'commit-then-drop' };
    const t = txn();
    const r = await connect().submit(t);
    expect(r).toMatchObject({ status: 201, region: 'standby' });
    expect(r.attempts[0]).toMatchObject({ region: 'primary', outcome: 'network-error' });
    // Both regions now hold it, with identical content: the cross-region duplicate docs/CLIENT.md describes.
    expect(primary.committed.get(t.transactionId)).toBe(standby.committed.get(t.transactionId));
    expect(standby.posts[0].body).toBe(primary.posts[0].body);
  });

  it.each([400, 403, 409, 429])('treats a %i as final: no failover', async (status) => {
    primary.behaviour = { kind: 'status', status };
    const r = await connect().submit(txn());
    expect(r).toMatchObject({ status, region: 'primary', body: { error: `status ${status}` } });
    expect(r.attempts).toEqual([attempt('primary', 'refused', status)]);
    expect(standby.posts).toHaveLength(0);
    expect(client!.state()).toBe('primary');
  });

  it('returns a real 409 from the processor contract without failing over', async () => {
    const t = txn();
    const c = connect();
    await c.submit(t);
    const r = await c.submit({ ...t, amount: '1.00' });
    expect(r).toMatchObject({ status: 409, region: 'primary' });
    expect(standby.posts).toHaveLength(0);
  });
});

describe('one region at a time', () => {
  it('never has a transaction in flight at both servers, even when the primary answers just after the abort', async () => {
    // The worst case: the primary processes every request and answers right after the client gave up.
    // Its timer is later than the client's in this one process, so it always fires after the abort;
    // the deadline is long enough for the standby to answer 20 at once on a loaded machine.
    const requestMs = 2000;
    primary.behaviour = { kind: 'late', ms: requestMs + 20 };
    const { fetchImpl, worst } = instrumentedFetch();
    const c = connect({ deadlines: { requestMs, totalMs: 3 * requestMs }, fetch: fetchImpl });
    const results = await Promise.all(Array.from({ length: 20 }, () => c.submit(txn())));
    expect(results.every((r) => r.region === 'standby' && r.status === 201)).toBe(true);
    expect(worst()).toBe(1);
    expect(overlaps).toEqual([]);
    expect(primary.posts).toHaveLength(20);
    expect(standby.posts).toHaveLength(20);
  }, 20_000);

  it('the servers see the race: a fetch that gives up on abort but leaves the request open is an overlap', async () => {
    primary.behaviour = { kind: 'hang' };
    // Rejects at the abort without tearing the connection down: the client would move on while
    // the primary still holds the request, the defect the test above must be able to see.
    const abandoning: FetchLike = (input, init) =>
      new Promise((ok, ko) => {
        init?.signal?.addEventListener('abort', () => ko(new DOMException('aborted', 'AbortError')));
        fetch(input, { ...init, signal: undefined }).then(ok, ko);
      });
    const t = txn();
    const r = await connect({ deadlines: { requestMs: 200, totalMs: 3000 }, fetch: abandoning }).submit(t);
    expect(r).toMatchObject({ region: 'standby', status: 201 });
    expect(overlaps).toEqual([`${t.transactionId} reached standby while in flight at primary`]);
    overlaps.length = 0; // seen and expected here; afterEach checks the others
  });

  it('joins a concurrent submit of the same transaction instead of sending it twice', async () => {
    primary.behaviour = { kind: 'late', ms: 50 };
    const c = connect();
    const t = txn();
    const [a, b] = await Promise.all([c.submit(t), c.submit({ ...t })]);
    expect(b).toBe(a);
    expect(primary.posts).toHaveLength(1);
  });

  it('refuses a concurrent submit of the same transactionId with different content', async () => {
    primary.behaviour = { kind: 'late', ms: 50 };
    const c = connect();
    const t = txn();
    const first = c.submit(t);
    await expect(c.submit({ ...t, amount: '1.00' })).rejects.toBeInstanceOf(InFlightConflictError);
    expect(await first).toMatchObject({ status: 201, region: 'primary' });
    expect(primary.posts).toHaveLength(1);
    // Once settled, the id is free again: the processor itself answers the conflict.
    expect(await c.submit({ ...t, amount: '1.00' })).toMatchObject({ status: 409 });
  });
});

describe('staying on the standby, and coming back', () => {
  it('stays on the standby while the primary /health answers 503 or a 200 that is not {"status":"ok"}', async () => {
    primary.health = { status: 503, body: { status: 'unavailable' } };
    const c = connect();
    await failOver(c);
    primary.behaviour = { kind: 'process' };
    const probesBefore = primary.healthProbes;
    await until('three health probes', () => primary.healthProbes >= probesBefore + 3);
    primary.health = { status: 200, body: '<html>captive portal</html>' };
    const seen = primary.healthProbes;
    await until('two more health probes', () => primary.healthProbes >= seen + 2);
    const r = await c.submit(txn());
    expect(r).toMatchObject({ region: 'standby', status: 201 });
    expect(r.attempts).toHaveLength(1);
    expect(primary.posts).toHaveLength(1); // only the one that failed over
    expect(c.state()).toBe('standby');
  });

  it('probes at most every healthProbeIntervalMs', async () => {
    primary.health = { status: 503, body: {} };
    const c = connect({ healthProbeIntervalMs: 50 });
    const started = Date.now();
    await failOver(c);
    await until('four health probes', () => primary.healthProbes >= 4);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 50 - 10);
  });

  it('returns to the primary for new transactions once /health answers 200, and stops probing', async () => {
    primary.health = { status: 503, body: {} };
    const c = connect();
    await failOver(c);
    primary.behaviour = { kind: 'process' };
    // The primary holds a standby beat written after the client's last standby acknowledgement.
    primary.health = { status: 200, body: { status: 'ok', region: 'us-east-1', peerBeatAtMs: Date.now() + 2_000 } };
    await until('the client to return to the primary', () => c.state() === 'primary');
    const probes = primary.healthProbes;
    const r = await c.submit(txn());
    expect(r).toMatchObject({ region: 'primary', status: 201 });
    expect(r.attempts).toHaveLength(1);
    await new Promise((ok) => setTimeout(ok, 100)); // two intervals: long enough to see a probe that should not happen
    expect(primary.healthProbes).toBe(probes);
  });

  it('sends a resubmission back to the region that acknowledged it, even after returning to the primary', async () => {
    primary.health = { status: 503, body: {} };
    const c = connect({ failback: 'healthy' }); // returns at once, before the standby's writes replicated
    primary.behaviour = { kind: 'status', status: 500 };
    const t = txn();
    expect(await c.submit(t)).toMatchObject({ region: 'standby', status: 201 });
    primary.behaviour = { kind: 'process' };
    primary.health = { status: 200, body: { status: 'ok' } };
    await until('the client to return to the primary', () => c.state() === 'primary');
    // Before replication caught up, the primary would create it a second time; the standby replays it.
    expect(await c.submit(t)).toMatchObject({ region: 'standby', status: 200, body: { replayed: true } });
    expect(primary.committed.has(t.transactionId)).toBe(false);
  });

  it('on the standby, tries the primary when the standby fails, without moving back', async () => {
    primary.health = { status: 503, body: {} };
    const c = connect();
    await failOver(c);
    primary.behaviour = { kind: 'process' };
    standby.behaviour = { kind: 'status', status: 502 };
    const r = await c.submit(txn());
    expect(r.attempts.map((a) => [a.region, a.outcome])).toEqual([
      ['standby', 'server-error'],
      ['primary', 'acknowledged'],
    ]);
    expect(r.region).toBe('primary');
    expect(c.state()).toBe('standby');
  });
});

describe('failing back only once its standby writes are in the primary', () => {
  it('stays on the standby while the primary reports no standby beat newer than the last standby acknowledgement', async () => {
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: Date.now() - 10_000 } };
    const c = connect({ failbackHoldMs: 60 });
    await failOver(c);
    primary.behaviour = { kind: 'process' };
    const seen = primary.healthProbes;
    await until('several health probes', () => primary.healthProbes >= seen + 4);
    expect(c.state()).toBe('standby');
    expect((await c.submit(txn())).region).toBe('standby');
  });

  it('holds new transactions while it waits, then sends them to the primary once caught up', async () => {
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: 0 } };
    const changes: Array<[string, number]> = [];
    const c = connect({ failbackHoldMs: 2_000, onStateChange: (r, at) => changes.push([r, at]) });
    await failOver(c);
    primary.behaviour = { kind: 'process' };
    await until('a probe that finds the primary behind', () => primary.healthProbes >= 2);
    const held = c.submit(txn());
    await new Promise((ok) => setTimeout(ok, 100));
    expect(standby.posts).toHaveLength(1); // only the failover's: the new one is held
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: Date.now() + 2_000 } };
    expect(await held).toMatchObject({ region: 'primary', status: 201 });
    expect(changes.map(([r]) => r)).toEqual(['standby', 'primary']);
  });

  it('never fails back while a submit is running in the standby, and then waits for its write too', async () => {
    // The drill's 5xx pattern: the primary answers 5xx and /health ok; the standby is slow. With
    // nothing acknowledged yet, a failback mid-flight would let the standby acknowledge after it.
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: 0 } };
    const changes: string[] = [];
    const c = connect({ failbackHoldMs: 60, onStateChange: (r) => changes.push(r) });
    primary.behaviour = { kind: 'status', status: 503 };
    standby.behaviour = { kind: 'late', ms: 400 };
    expect(await c.submit(txn())).toMatchObject({ region: 'standby', status: 201 });
    expect(primary.healthProbes).toBeGreaterThan(0); // probed while the standby attempt ran
    const seen = primary.healthProbes;
    await until('several health probes', () => primary.healthProbes >= seen + 4);
    expect(changes).toEqual(['standby']);
    expect(c.state()).toBe('standby');
  });

  it('returns as soon as a running submit settles without a standby acknowledgement, on the same /health answer', async () => {
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: 0 } };
    const changes: string[] = [];
    const c = connect({
      deadlines: { requestMs: 300, totalMs: 3000 },
      failbackHoldMs: 2_000,
      onStateChange: (r) => changes.push(r),
    });
    primary.behaviour = { kind: 'status', status: 503 };
    standby.behaviour = { kind: 'hang' };
    expect(await c.submit(txn()).catch((e) => e)).toBeInstanceOf(FailoverError);
    await until('the client to return to the primary', () => c.state() === 'primary');
    expect(changes).toEqual(['standby', 'primary']);
    expect(primary.healthProbes).toBe(1);
  });

  it('while it holds, reads /health at most once a second (the route allows 10 requests a second)', async () => {
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: 0 } };
    const c = connect({ healthProbeIntervalMs: 1100, failbackHoldMs: 60_000 });
    await failOver(c);
    await until('the first probe, which starts the hold', () => primary.healthProbes >= 1, 5000);
    const [seen, from] = [primary.healthProbes, Date.now()];
    await new Promise((ok) => setTimeout(ok, 2500));
    const reads = primary.healthProbes - seen;
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(Math.ceil((Date.now() - from) / HOLD_POLL_MAX_MS) + 1);
    expect(c.state()).toBe('standby');
  });

  it('remembers a standby acknowledgement that came after a failback, through the next failover', async () => {
    // A standby acknowledgement while on the primary (here a resubmission's replay there), then a
    // failover whose submit the standby does not acknowledge: that older acknowledgement must
    // still be in the primary before the client returns.
    const c = connect({ failbackHoldMs: 60, failbackClockMarginMs: 0 });
    primary.behaviour = { kind: 'status', status: 500 };
    const t = txn();
    expect(await c.submit(t)).toMatchObject({ region: 'standby', status: 201 });
    const beat = Date.now();
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: beat } };
    await until('the client to return to the primary', () => c.state() === 'primary');
    await until('a later millisecond', () => Date.now() > beat + 5);
    expect(await c.submit(t)).toMatchObject({ region: 'standby', status: 200 }); // acknowledged after the beat
    standby.behaviour = { kind: 'status', status: 500 };
    expect(await c.submit(txn()).catch((e) => e)).toBeInstanceOf(FailoverError);
    expect(c.state()).toBe('standby');
    const seen = primary.healthProbes;
    await until('several health probes', () => primary.healthProbes >= seen + 4);
    expect(c.state()).toBe('standby');
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: Date.now() } };
    await until('the client to return to the primary', () => c.state() === 'primary');
  });

  it("with failback 'healthy', returns as soon as /health is ok (the planted defect the drill must catch)", async () => {
    primary.health = { status: 200, body: { status: 'ok', peerBeatAtMs: 0 } };
    const c = connect({ failback: 'healthy' });
    await failOver(c);
    await until('the client to return to the primary', () => c.state() === 'primary');
  });

  it('without timeout in failoverOn, a timed-out primary is a FailoverError, not a failover', async () => {
    primary.behaviour = { kind: 'hang' };
    const c = connect({ deadlines: { requestMs: 100, totalMs: 1000 }, failoverOn: ['server-error', 'network-error'] });
    const e = await c.submit(txn()).catch((x) => x);
    expect(e).toBeInstanceOf(FailoverError);
    expect(standby.posts).toHaveLength(0);
    expect(c.state()).toBe('primary');
  });
});

describe('giving up', () => {
  it('rejects with a FailoverError listing the attempts when totalMs runs out', async () => {
    primary.behaviour = { kind: 'hang' };
    standby.behaviour = { kind: 'hang' };
    const started = performance.now();
    const e = await connect({ deadlines: { requestMs: 200, totalMs: 300 } })
      .submit(txn())
      .catch((x) => x);
    const elapsed = performance.now() - started;
    expect(e).toBeInstanceOf(FailoverError);
    expect(e.attempts.map((a: { region: string; outcome: string }) => [a.region, a.outcome])).toEqual([
      ['primary', 'timeout'],
      ['standby', 'timeout'],
    ]);
    expect(e.message).toMatch(/no final answer within 300 ms: primary timeout .*; standby timeout/);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(1000);
  });

  it('rejects with a FailoverError when both regions fail', async () => {
    primary.behaviour = { kind: 'status', status: 500 };
    const c = connect({ standby: { endpoint: await refusedEndpoint(), region: 'us-west-2' } });
    const e: FailoverError = await c.submit(txn()).catch((x) => x);
    expect(e).toBeInstanceOf(FailoverError);
    expect(e.attempts.map((a) => [a.region, a.outcome, a.status])).toEqual([
      ['primary', 'server-error', 500],
      ['standby', 'network-error', undefined],
    ]);
  });

  it('close() stops probing and refuses new transactions', async () => {
    primary.health = { status: 503, body: {} };
    const c = connect();
    await failOver(c);
    await until('a health probe', () => primary.healthProbes >= 1);
    c.close();
    const probes = primary.healthProbes;
    await new Promise((ok) => setTimeout(ok, 100));
    expect(primary.healthProbes).toBe(probes);
    await expect(c.submit(txn())).rejects.toThrow('the failover client is closed');
  });
});

describe('options', () => {
  const endpoints = {
    primary: { endpoint: 'https://a.example', region: 'us-east-1' },
    standby: { endpoint: 'https://b.example', region: 'us-west-2' },
  };

  it('has documented defaults', () => {
    expect(resolveSettings(endpoints)).toEqual({ requestMs: 3000, totalMs: 10_000, healthProbeIntervalMs: 5000 });
    expect(DEFAULTS).toEqual({ requestMs: 3000, totalMs: 10_000, healthProbeIntervalMs: 5000 });
  });

  it.each<[string, Partial<FailoverClientOptions>]>([
    ['deadlines.requestMs must be a positive number of milliseconds, got 0', { deadlines: { requestMs: 0 } }],
    [
      'deadlines.totalMs (4000) must be at least deadlines.requestMs (5000)',
      { deadlines: { requestMs: 5000, totalMs: 4000 } },
    ],
    ['healthProbeIntervalMs must be a positive number of milliseconds, got NaN', { healthProbeIntervalMs: Number.NaN }],
    [
      'primary.endpoint must be an http(s) URL, got "ftp://a"',
      { primary: { endpoint: 'ftp://a', region: 'us-east-1' } },
    ],
    ['standby.region must name the region to sign for', { standby: { endpoint: 'https://b.example', region: '' } }],
  ])('refuses a bad option: %s', (message, bad) => {
    expect(() => createFailoverClient({ ...endpoints, credentials: CREDENTIALS, ...bad })).toThrow(message);
  });

  it('rejects without sending or failing over when credentials cannot be resolved', async () => {
    const c = connect({ credentials: () => Promise.reject(new Error('no credentials here')) });
    await expect(c.submit(txn())).rejects.toThrow('no credentials here');
    expect([primary.posts.length, standby.posts.length, c.state()]).toEqual([0, 0, 'primary']);
  });

  it('signs with the SDK default credential chain when no credentials are given', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: undefined };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    };
    set(env);
    try {
      const r = await connect({ credentials: undefined }).submit(txn());
      expect(r.status).toBe(201);
      expect(primary.posts[0].signature).toMatchObject({
        accessKeyId: 'AKIDFROMENV',
        region: 'us-east-1',
        service: 'execute-api',
      });
    } finally {
      set(saved);
    }
  });
});
