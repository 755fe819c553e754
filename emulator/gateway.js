// One region's API Gateway, stood in for: moto stores HTTP APIs but never executes them.
// Serves the stack's two routes the way the deployed HTTP API does (payload format 2.0):
//   POST /transactions  -> the processor (index.handler), SigV4 for execute-api in this region
//   GET  /health        -> index.health, no authorization
// and runs the heartbeat canary (index.heartbeat) on a timer, standing in for EventBridge.
// Each handler runs with its deployed function's environment (read from the emulated Lambda by
// the parent), this region's emulator endpoint, and nothing else, in this process only.
//
// Input: the JSON of GATEWAY_CONFIG = { bundle, region, endpoint, port, heartbeatMs,
//   credentials: {accessKeyId, secretAccessKey}, functions: {processor, health, heartbeat} (env maps),
//   principalArn (optional: the requestContext.authorizer.iam.userArn of a request those credentials signed) }
// Output: "GATEWAY <port>" once listening. Stdin lines "down" / "up" close and reopen the port
// (connections refused meanwhile, as for a region that is gone). A line "fault <json>" sets how
// the region's API misbehaves, for the DR drill (answered "FAULT" once in force):
//   {"mode": "up" | "blackhole" | "reset" | "5xx" | "ack-without-write",
//    "delayMs": n (each request waits before it is handled), "responseDelayMs": n (each answer waits
//    after it), "beats": false (the heartbeat stops) | n (it stops after n more beats) | true}
// blackhole: accepted, never answered; reset: connections destroyed at the first byte; 5xx: POST
// /transactions answers 503 without running the processor; ack-without-write: it answers 201 without
// running it (a planted defect: a region that acknowledges what it never wrote).
'use strict';
const http = require('http');
const { createHash, createHmac } = require('crypto');
const { SignatureV4 } = require('@smithy/signature-v4');

const cfg = JSON.parse(process.env.GATEWAY_CONFIG);
const base = {
  AWS_REGION: cfg.region,
  AWS_ENDPOINT_URL: cfg.endpoint,
  AWS_ACCESS_KEY_ID: cfg.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: cfg.credentials.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
};

// The region, endpoint and credentials are the same for every function of the region, and the
// SDK reads them when a client is first created (at the first call): they stay set.
Object.assign(process.env, base);

// Each export reads its settings once, on first access (lambda/index.ts): give it its own.
function load(name, env) {
  const keep = { ...process.env };
  Object.assign(process.env, env);
  try {
    return require(cfg.bundle)[name];
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in keep)) delete process.env[k];
    Object.assign(process.env, keep);
  }
}
const handlers = {
  processor: load('handler', cfg.functions.processor),
  health: load('health', cfg.functions.health),
  heartbeat: load('heartbeat', cfg.functions.heartbeat),
};

class Sha256 {
  constructor(secret) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(d) {
    this.h.update(d);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}
const signer = new SignatureV4({
  credentials: cfg.credentials,
  region: cfg.region,
  service: 'execute-api',
  sha256: Sha256,
});

/** IAM authorization as API Gateway does it: the request's own signature must verify. */
async function authorized(req, body) {
  const auth = req.headers.authorization ?? '';
  const scope = new RegExp(`Credential=${cfg.credentials.accessKeyId}/\\d{8}/${cfg.region}/execute-api/aws4_request`);
  if (!scope.test(auth)) return false;
  const url = new URL(req.url, 'http://x');
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1].split(';') ?? [];
  const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(req.headers[h] ?? '')]));
  const date = req.headers['x-amz-date'];
  const at = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const again = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host.split(':')[0],
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate: at, signableHeaders: new Set(signedHeaders) },
  );
  return again.headers.authorization === auth;
}

function v2Event(req, body) {
  const url = new URL(req.url, 'http://x');
  return {
    version: '2.0',
    routeKey: `${req.method} ${url.pathname}`,
    rawPath: url.pathname,
    headers: req.headers,
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method: req.method, path: url.pathname },
      requestId: `gw-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    },
  };
}

let fault = { mode: 'up', delayMs: 0, responseDelayMs: 0 };
const held = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function route(req, body) {
  const event = v2Event(req, body);
  if (fault.delayMs) await sleep(fault.delayMs);
  if (event.routeKey === 'POST /transactions' && fault.mode === '5xx')
    return { statusCode: 503, body: '{"message":"Service Unavailable"}' };
  if (event.routeKey === 'POST /transactions' && fault.mode === 'ack-without-write') {
    let id;
    try {
      id = JSON.parse(body).transactionId;
    } catch {
      // not JSON: the answer names no id, as it would for a malformed request
    }
    return { statusCode: 201, body: JSON.stringify({ transactionId: id, requestId: event.requestContext.requestId }) };
  }
  if (event.routeKey === 'GET /health') return handlers.health(event, { awsRequestId: event.requestContext.requestId });
  if (event.routeKey !== 'POST /transactions') return { statusCode: 404, body: '{"message":"Not Found"}' };
  if (!(await authorized(req, body))) return { statusCode: 403, body: '{"message":"Forbidden"}' };
  // API Gateway names the signer it authorized; here the one principal the test credentials stand for.
  if (cfg.principalArn) event.requestContext.authorizer = { iam: { userArn: cfg.principalArn } };
  return handlers.processor(event, { awsRequestId: event.requestContext.requestId });
}

const server = http.createServer((req, res) => {
  if (fault.mode === 'blackhole') return void held.add(req.socket);
  if (fault.mode === 'reset') return void req.socket.destroy();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let out;
    try {
      out = await route(req, Buffer.concat(chunks).toString('utf8'));
    } catch {
      // A function error: API Gateway answers 500 and the caller sees no detail.
      out = { statusCode: 500, body: '{"message":"Internal Server Error"}' };
    }
    if (fault.responseDelayMs) await sleep(fault.responseDelayMs);
    res.writeHead(out.statusCode, { 'content-type': 'application/json', ...(out.headers ?? {}) });
    res.end(out.body ?? '');
  });
});
const sockets = new Set();
server.on('connection', (s) => {
  if (fault.mode === 'reset') return void s.destroy();
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});

let port = cfg.port ?? 0;
const listen = () =>
  server.listen(port, '127.0.0.1', () => {
    port = server.address().port;
    process.stdout.write(`GATEWAY ${port}\n`);
  });
listen();

// A failed beat is what the staleness alarm exists to catch; say so on stderr, keep beating.
let beatsLeft = Infinity;
const beat = () =>
  beatsLeft-- <= 0
    ? undefined
    : handlers
        .heartbeat({}, { awsRequestId: `beat-${Date.now()}` })
        .catch((e) => process.stderr.write(`heartbeat failed: ${e && e.message}\n`));
let timer = cfg.heartbeatMs ? setInterval(beat, cfg.heartbeatMs) : undefined;
if (cfg.heartbeatMs) beat();

require('readline')
  .createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'down') {
      // A region that is gone: no new connections, open ones cut, no heartbeat.
      server.close();
      for (const s of sockets) s.destroy();
      clearInterval(timer);
      process.stdout.write('DOWN\n');
    } else if (line === 'up') {
      listen();
      clearInterval(timer);
      if (cfg.heartbeatMs) timer = setInterval(beat, cfg.heartbeatMs);
    } else if (line.startsWith('fault ')) {
      const f = JSON.parse(line.slice('fault '.length));
      const leaving = fault.mode;
      fault = { mode: f.mode ?? 'up', delayMs: f.delayMs ?? 0, responseDelayMs: f.responseDelayMs ?? 0 };
      if (leaving === 'blackhole' && fault.mode !== 'blackhole') {
        for (const s of held) s.destroy();
        held.clear();
      }
      if (f.beats === false) clearInterval(timer);
      else if (typeof f.beats === 'number') beatsLeft = f.beats;
      else if (f.beats === true) {
        beatsLeft = Infinity;
        clearInterval(timer);
        if (cfg.heartbeatMs) timer = setInterval(beat, cfg.heartbeatMs);
      }
      process.stdout.write('FAULT\n');
    }
  });
process.stdin.on('end', () => process.exit(0));
