import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as path from 'path';

/**
 * The emulated two-region AWS (emulator/server.py): one moto server with the AWS
 * behaviours moto lacks restored, a front per region on its own 127.0.0.1 port, replication
 * between the regions, and a control API. Each test starts its own on free ports and stops it.
 *
 *   const emu = await startEmulator({ regions: ['us-east-1', 'us-west-2'] });
 *   emu.endpointFor('us-west-2')                      // what a client in that region talks to
 *   await emu.region('us-east-1').unreachable()       // ECONNREFUSED until .restore()
 *   await emu.region('us-east-1').slow(2000)          // every request waits 2 s
 *   await emu.replication.set({ lagMs: 500 })         // or { paused: true }
 *   await emu.replication.pending()                   // acknowledged, not yet replicated
 *   await emu.replication.drain()                     // wait for what was committed before the call
 */
export const EMULATOR_SERVER = path.join(__dirname, 'server.py');
const PYTHON = process.env.MOTO_PYTHON ?? 'python3';

export type Outage = 'refuse' | 'reset' | 'blackhole';

export interface RegionState {
  port: number;
  mode: 'up' | Outage;
  reachable: boolean;
  delayMs: number;
  servicesDown: Service[];
}

/** A service a region's front can take down alone (its SigV4 scope names it). */
export type Service = 'dynamodb' | 's3';

export interface ReplicationSettings {
  /** The base lag of both services. */
  lagMs?: number;
  paused?: boolean;
  tableLagMs?: number;
  s3LagMs?: number;
  /** Each change waits its lag plus a uniform draw in [0, jitter). */
  tableJitterMs?: number;
  s3JitterMs?: number;
  /** Seeds the jitter (and any drop) draws. */
  seed?: number;
  /** A planted defect: the fraction of non-heartbeat changes of each service never applied. */
  drop?: Partial<Record<Service, number>>;
}

/** One entry of the replicator's journal of transaction records (never claims or heartbeats). */
export type JournalEntry =
  | { kind: 'commit'; region: string; id: string; at: number; requestId?: string; fingerprint?: string }
  | { kind: 'replicated'; id: string; from: string; to: string; at: number };

export interface PendingChange {
  kind: 'dynamodb' | 's3';
  from: string;
  to: string;
  resource: string;
  key: string;
  ageMs: number;
}

export interface EmulatorState {
  regions: Record<string, RegionState>;
  replication: { lagMs: number; paused: boolean; pending: number; applied: number; dropped: number };
  patches: string[];
}

export interface RegionControl {
  /** Connections refused (default), reset, or accepted and never answered. */
  unreachable(how?: Outage): Promise<void>;
  /** Every request to this region waits `ms` first (0 = normal speed). */
  slow(ms: number): Promise<void>;
  /** Only these services are gone in this region (connections reset); [] brings them back. */
  servicesDown(services: Service[]): Promise<void>;
  /** Reachable again at normal speed, every service, on the same port. */
  restore(): Promise<void>;
}

export interface Emulator {
  /** The moto server itself: serves every region, and the control API under /_emulator/. */
  readonly endpoint: string;
  readonly regions: readonly string[];
  /** The region's own front: what a client (or a Terraform provider) in that region uses. */
  endpointFor(region: string): string;
  region(region: string): RegionControl;
  readonly replication: {
    set(settings: ReplicationSettings): Promise<void>;
    pending(): Promise<PendingChange[]>;
    /** Resolves once every change committed before the call is applied; rejects after `timeoutMs` with what is pending. */
    drain(timeoutMs?: number): Promise<void>;
    /** The journal of record commits and replicated copies, from entry `since`. */
    journal(since?: number): Promise<{ next: number; entries: JournalEntry[] }>;
  };
  state(): Promise<EmulatorState>;
  /** The AWS calls recorded from entry `since` (only with `recordCalls`; emulator/recorder.py). */
  calls(since?: number): Promise<{ enabled: boolean; next: number; calls: RecordedCall[] }>;
  /** The last lines the emulator wrote to stderr (for failure messages). */
  logTail(): string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  regions: string[];
  /** Leave these AWS behaviours unrestored (names from emulator/patches.py); for tests that prove a patch is needed. */
  withoutPatches?: string[];
  /** Record every AWS call: who, the IAM action, the resource and the request context (default: EMULATOR_RECORD_CALLS=1 in the environment). */
  recordCalls?: boolean;
}

/** One AWS call as IAM sees it; `action` is null for a call the recorder cannot name. */
export interface RecordedCall {
  readonly accessKeyId: string;
  readonly region: string;
  readonly status: number;
  readonly operation: string;
  readonly action: string | null;
  readonly resource?: string;
  readonly context?: Record<string, string | string[]>;
}

export const EMULATOR_INSTALL_HINT =
  'moto 5.2 is not installed for the emulator. Fix: pip install "moto[server]==5.2.*" (npm test does this in .venv)';

/** Once found, it stays installed for the life of this process (a file asks at load and again before starting one). */
let found = false;

export function emulatorAvailable(): boolean {
  found ||=
    spawnSync(PYTHON, ['-c', 'import moto.server, werkzeug'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  return found;
}

type Ready = { port: number; regions: Record<string, number> };

function spawnServer(options: EmulatorOptions): { child: ChildProcess; stderr: () => string } {
  const args = [EMULATOR_SERVER, '--regions', options.regions.join(',')];
  for (const p of options.withoutPatches ?? []) args.push('--without-patch', p);
  // EMULATOR_RECORD_CALLS=1 in the caller's environment turns recording on for any run (e2e, drill).
  const record = options.recordCalls ?? process.env.EMULATOR_RECORD_CALLS === '1';
  const env = { ...process.env, EMULATOR_RECORD_CALLS: record ? '1' : '0' };
  const child: ChildProcess = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  return { child, stderr: () => stderr };
}

/** The one line server.py prints once it serves. */
function readyLine(child: ChildProcess, stderr: () => string): Promise<Ready> {
  return new Promise<Ready>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('emulator did not start within 30 s')), 30_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${e.message}\n${stderr()}`));
    };
    child.once('exit', (code) => fail(new Error(`emulator exited with ${code}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('EMULATOR '));
      if (line) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(JSON.parse(line.slice('EMULATOR '.length)));
      }
    });
  });
}

type ControlCall = <T>(method: 'GET' | 'POST', route: string, body?: object, okStatuses?: number[]) => Promise<T>;

function controlApi(endpoint: string): ControlCall {
  return async <T>(method: 'GET' | 'POST', route: string, body?: object, okStatuses = [200]): Promise<T> => {
    const res = await fetch(`${endpoint}/_emulator/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(120_000),
    });
    const json = (await res.json()) as T;
    if (!okStatuses.includes(res.status))
      throw new Error(`emulator ${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

function regionControl(call: ControlCall, region: string): RegionControl {
  const setRegion = async (settings: { mode?: string; delayMs?: number; servicesDown?: Service[] }) => {
    await call('POST', `regions/${region}`, settings);
  };
  return {
    unreachable: (how = 'refuse') => setRegion({ mode: how }),
    slow: (ms) => setRegion({ delayMs: ms }),
    servicesDown: (services) => setRegion({ servicesDown: services }),
    restore: () => setRegion({ mode: 'up', delayMs: 0, servicesDown: [] }),
  };
}

function replicationControl(call: ControlCall): Emulator['replication'] {
  return {
    set: async (settings) => void (await call('POST', 'replication', settings)),
    pending: () => call<PendingChange[]>('GET', 'replication/pending'),
    journal: (since = 0) => call('GET', `journal?since=${since}`),
    drain: async (timeoutMs = 10_000) => {
      const r = await call<{ drained: boolean; pending: PendingChange[] }>(
        'POST',
        'replication/drain',
        { timeoutMs },
        [200, 504],
      );
      if (!r.drained) throw new Error(`replication still pending after ${timeoutMs} ms: ${JSON.stringify(r.pending)}`);
    },
  };
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
}

function emulatorOn(ready: Ready, logTail: () => string, stop: () => Promise<void>): Emulator {
  const endpoint = `http://127.0.0.1:${ready.port}`;
  const call = controlApi(endpoint);
  return {
    endpoint,
    regions: Object.keys(ready.regions),
    endpointFor: (region) => {
      const port = ready.regions[region];
      if (!port)
        throw new Error(`the emulator has no region ${region} (it has ${Object.keys(ready.regions).join(', ')})`);
      return `http://127.0.0.1:${port}`;
    },
    region: (region) => regionControl(call, region),
    replication: replicationControl(call),
    state: () => call<EmulatorState>('GET', 'state'),
    calls: (since = 0) => call('GET', `calls?since=${since}`),
    logTail,
    stop,
  };
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const { child, stderr } = spawnServer(options);
  const ready = await readyLine(child, stderr);
  return emulatorOn(ready, stderr, stopper(child));
}

/** Whether a process of this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to a process that is not ours (a fork server's emulator), then wait until it is gone; SIGKILL after 5 s. */
async function stopPid(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const killAt = Date.now() + 5000;
  while (processAlive(pid)) {
    if (Date.now() > killAt) signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Forked = Ready & { pid: number };

/** server.py --fork-server, and a promise per emulator asked of it, settled by its EMULATOR(_FAILED) line. */
function forkServer(count: number): {
  started: Array<Promise<Forked>>;
  request: (id: number, o: EmulatorOptions) => void;
  logTail: () => string;
  close: () => Promise<void>;
} {
  const server: ChildProcess = spawn(PYTHON, [EMULATOR_SERVER, '--fork-server'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const pending = new Map<number, { resolve: (r: Forked) => void; reject: (e: Error) => void }>();
  const started = Array.from(
    { length: count },
    (_, id) => new Promise<Forked>((resolve, reject) => void pending.set(id, { resolve, reject })),
  );
  const failAll = (why: string) => {
    for (const p of pending.values()) p.reject(new Error(`${why}\n${stderr}`));
    pending.clear();
  };
  const settle = (line: string) => {
    const kind = line.slice(0, line.indexOf(' '));
    if (kind !== 'EMULATOR' && kind !== 'EMULATOR_FAILED') return;
    let r: Forked & { id: number; error?: string };
    try {
      r = JSON.parse(line.slice(kind.length + 1));
    } catch {
      return failAll(`the emulator fork server printed a line that is not JSON: ${line}`);
    }
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (kind === 'EMULATOR') p?.resolve(r);
    else p?.reject(new Error(`emulator ${r.id} did not start: ${r.error}\n${stderr}`));
  };
  let out = '';
  server.stdout!.setEncoding('utf8');
  server.stdout!.on('data', (d: string) => {
    const lines = (out + d).split('\n');
    out = lines.pop()!;
    lines.forEach(settle);
  });
  void exited.then(() => failAll(`the emulator fork server exited with ${server.exitCode ?? server.signalCode}`));
  const timer = setTimeout(() => failAll('the emulators did not start within 60 s'), 60_000);
  void Promise.allSettled(started).then(() => clearTimeout(timer));
  return {
    started,
    request: (id, o) => {
      const recordCalls = o.recordCalls ?? process.env.EMULATOR_RECORD_CALLS === '1';
      const spec = { id, regions: o.regions, withoutPatches: o.withoutPatches ?? [], recordCalls };
      server.stdin!.write(`${JSON.stringify(spec)}\n`);
    },
    logTail: () => stderr,
    close: async () => {
      server.stdin!.end();
      const kill = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/**
 * Several emulators at once, for a test that needs many (one per left-out patch): one fork server
 * (server.py --fork-server) imports moto once and forks each emulator from it, on ports of its own
 * with only its own patches applied. That is about a second of CPU saved per emulator. They share
 * the server's stderr, so each one's logTail() is the tail of all of them. Each stops on its own;
 * the server exits once the last one has stopped.
 */
export async function startEmulators(options: EmulatorOptions[]): Promise<Emulator[]> {
  const server = forkServer(options.length);
  options.forEach((o, id) => server.request(id, o));
  const results = await Promise.allSettled(server.started);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? stopPid(r.value.pid) : undefined)));
    await server.close();
    throw failed.reason;
  }
  let running = options.length;
  return results.map((r) => {
    const ready = (r as PromiseFulfilledResult<Forked>).value;
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= stopPid(ready.pid).then(async () => {
        if (--running === 0) await server.close();
      }));
    return emulatorOn(ready, server.logTail, stop);
  });
}
