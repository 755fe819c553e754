import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { REGIONAL_ENV } from '../src/heartbeat-contract';
import { RegionClients } from './aws';

/**
 * A region's HTTP API, stood in for (emulator/gateway.js): moto stores API Gateway
 * HTTP APIs but never runs them. Serves POST /transactions (SigV4) and GET /health with the
 * deployed functions' environments, runs the heartbeat on a timer, and can go down and come back
 * on the same port. Used by the DR drill and the dr:check tests.
 */
export interface Gateway {
  readonly region: string;
  readonly url: string;
  /** The last lines the gateway wrote to stderr (failed heartbeats, crashes). */
  logTail(): string;
  down(): Promise<void>;
  up(): Promise<void>;
  /** How the API misbehaves from now on (emulator/gateway.js); `{ mode: 'up', beats: true }` ends it. */
  fault(f: GatewayFault): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayFault {
  readonly mode: 'up' | 'blackhole' | 'reset' | '5xx' | 'ack-without-write';
  /** Each request waits this long before it is handled (a slow region; it may still commit). */
  readonly delayMs?: number;
  /** Each answer waits this long after the handler returned (requests in flight at a cut). */
  readonly responseDelayMs?: number;
  /** false: the heartbeat stops; n: it stops after n more beats; true: it runs again. */
  readonly beats?: boolean | number;
}

export const GATEWAY_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const SCRIPT = path.join(__dirname, 'gateway.js');

/** The deployed function's environment, as the emulated Lambda stores it. */
async function deployedEnv(c: RegionClients, functionName: string): Promise<Record<string, string>> {
  const cfg = await c.rest('lambda', 'GET', `/2015-03-31/functions/${functionName}/configuration`);
  if (cfg.status !== 200) throw new Error(`function ${functionName} is not deployed in ${c.region}`);
  return cfg.json.Environment?.Variables ?? {};
}

export interface GatewayOptions {
  readonly clients: RegionClients;
  readonly bundle: string;
  readonly functions: { readonly processor: string; readonly health: string; readonly heartbeat: string };
  /** Run the heartbeat this often (EventBridge's minute, scaled down for drills); 0: never. */
  readonly heartbeatMs: number;
  /** Who GATEWAY_CREDENTIALS sign as, as API Gateway reports it to the processor
   *  (requestContext.authorizer.iam.userArn), e.g. an assumed-role session; none when absent. */
  readonly principalArn?: string;
}

/** What gateway.js is started with: each function's deployed environment, the region's endpoint. */
async function gatewayConfig(o: GatewayOptions): Promise<object> {
  const { clients: c } = o;
  // The timer stands in for EventBridge: staleness is measured against its cadence, not the minute.
  const cadence = o.heartbeatMs ? { [REGIONAL_ENV.beatIntervalSeconds]: String(o.heartbeatMs / 1000) } : {};
  const functions = {
    processor: await deployedEnv(c, o.functions.processor),
    health: { ...(await deployedEnv(c, o.functions.health)), ...cadence },
    heartbeat: { ...(await deployedEnv(c, o.functions.heartbeat)), ...cadence },
  };
  return {
    bundle: o.bundle,
    region: c.region,
    endpoint: c.endpoint,
    heartbeatMs: o.heartbeatMs,
    credentials: GATEWAY_CREDENTIALS,
    functions,
    ...(o.principalArn ? { principalArn: o.principalArn } : {}),
  };
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const { clients: c } = o;
  const config = await gatewayConfig(o);
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], {
    env: { PATH: process.env.PATH!, GATEWAY_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Handlers log JSON lines to stdout; keep the tail of both streams for failure messages.
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  child.stdout!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const next = (prefix: string, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`gateway ${c.region}: no "${prefix}" within ${timeoutMs} ms\n${stderr}`)),
        timeoutMs,
      );
      const onData = (d: Buffer) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith(prefix));
        if (!line) return;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(line);
      };
      child.stdout!.on('data', onData);
    });
  const port = Number((await next('GATEWAY ')).split(' ')[1]);
  return {
    region: c.region,
    url: `http://127.0.0.1:${port}`,
    logTail: () => stderr,
    down: async () => {
      child.stdin!.write('down\n');
      await next('DOWN');
    },
    up: async () => {
      child.stdin!.write('up\n');
      await next('GATEWAY ');
    },
    fault: async (f) => {
      child.stdin!.write(`fault ${JSON.stringify(f)}\n`);
      await next('FAULT');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
