/**
 * A failover-aware client for the stack's regional entry points (docs/CLIENT.md).
 *
 * The rules, in one place:
 * - A transaction goes to the current region (the primary, unless the client has failed over).
 * - A connection failure, a timeout or a 5xx fails over to the other region, within totalMs.
 *   200/201 and every other answer below 500 (400, 403, 409, 429...) are final.
 * - A transaction is in flight to at most one region at any moment: the next attempt starts
 *   only after the previous one has settled or been aborted. Each region is tried at most once.
 * - After the primary fails, the client stays on the standby until the primary's /health is
 *   ready, probed in the background at most every healthProbeIntervalMs, and (failback
 *   'replicated', the default) its own standby-acknowledged writes have reached the primary: the
 *   primary's /health reports a standby beat written after the last of them (`peerBeatAtMs`).
 *   It never fails back while a submit is still running (one could be about to be acknowledged by
 *   the standby), and it remembers its newest standby acknowledgement across failovers (one that
 *   arrived after a failback still has to reach the primary before the next one). While it waits,
 *   new transactions are held, at most failbackHoldMs, so that none is acknowledged by the
 *   standby after the watermark it waits for.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { SignatureV4 } from '@smithy/signature-v4';
import {
  Answer,
  Attempt,
  Credentials,
  createSigner,
  exchange,
  FetchLike,
  Outcome,
  readHealth,
  Readiness,
  RegionalEndpoint,
  RegionRole,
  signPost,
  urlFor,
} from './transport';

export type { Attempt, Credentials, FetchLike, Outcome, RegionalEndpoint, RegionRole } from './transport';

export interface Deadlines {
  /**
   * One attempt, from sending to the last byte of the answer. Default 3000: the processor bounds
   * each AWS call by 3 s, so a request still unanswered then is stuck in a dependency.
   */
  readonly requestMs?: number;
  /** One submit(), all attempts included. Default 10000: a timed-out primary plus a cold standby. */
  readonly totalMs?: number;
}

export interface FailoverClientOptions {
  readonly primary: RegionalEndpoint;
  readonly standby: RegionalEndpoint;
  /** Default: the SDK's default chain (`defaultProvider()` of @aws-sdk/credential-provider-node). */
  readonly credentials?: Credentials;
  readonly deadlines?: Deadlines;
  /** The shortest time between two probes of the primary's /health while on the standby. Default 5000. */
  readonly healthProbeIntervalMs?: number;
  /** Default: the global fetch. A replacement must honour AbortSignal (see exchange()). */
  readonly fetch?: FetchLike;
  /** The outcomes of a primary attempt that fail over. Default all three: server-error, timeout, network-error. */
  readonly failoverOn?: readonly FailoverOutcome[];
  /**
   * When to return to the primary. 'replicated' (default): its /health is ok and reports a standby
   * beat written at least failbackClockMarginMs after this client's last standby acknowledgement,
   * so that everything this client had acknowledged in the standby is in the primary.
   * 'healthy': as soon as its /health is ok (up to the RPO target of standby writes not there yet).
   */
  readonly failback?: 'replicated' | 'healthy';
  /** How long new submits may be held while the primary catches up. Default: deadlines.requestMs. */
  readonly failbackHoldMs?: number;
  /** Clock skew allowed between this host and the standby's. Default 1000. */
  readonly failbackClockMarginMs?: number;
  /** Called when the region new transactions go to changes, with the epoch ms of the change. */
  readonly onStateChange?: (region: RegionRole, at: number) => void;
}

export type FailoverOutcome = Extract<Outcome, 'server-error' | 'timeout' | 'network-error'>;

/** What submit() sends: the processor's transaction (docs/PROCESSOR.md). */
export interface TransactionInput {
  readonly transactionId: string;
  readonly [field: string]: unknown;
}

export interface Result extends Answer {
  /** The region whose answer this is. */
  readonly region: RegionRole;
  /** Every attempt of this submit(), in order. */
  readonly attempts: readonly Attempt[];
}

export interface FailoverClient {
  /** Resolves with the first final answer (2xx or 4xx); rejects with FailoverError when there is none. */
  submit(transaction: TransactionInput): Promise<Result>;
  /** The region new transactions go to first. */
  state(): RegionRole;
  /** Stops the health probe (aborting one in flight); submit() then rejects. In-flight submits finish. */
  close(): void;
}

/** No region gave a final answer within the deadline. The transaction may or may not be committed. */
export class FailoverError extends Error {
  constructor(
    readonly transactionId: string,
    readonly attempts: readonly Attempt[],
    readonly totalMs: number,
  ) {
    const tried = attempts.map(
      (a) =>
        `${a.region} ${a.outcome}${a.status ? ` ${a.status}` : ''}${a.error ? ` (${a.error})` : ''} after ${Math.round(a.ms)} ms`,
    );
    super(
      `transaction ${transactionId}: no final answer within ${totalMs} ms: ${tried.join('; ') || 'no attempt started'}`,
    );
    this.name = 'FailoverError';
  }
}

/** submit() of a transaction id that is still in flight in this client with different content. */
export class InFlightConflictError extends Error {
  constructor(readonly transactionId: string) {
    super(
      `transaction ${transactionId} is already in flight with different content; a transactionId names one content`,
    );
    this.name = 'InFlightConflictError';
  }
}

export const DEFAULTS = { requestMs: 3000, totalMs: 10_000, healthProbeIntervalMs: 5000 } as const;

/** The failback defaults (options outside resolveSettings). */
export const FAILBACK_DEFAULTS = { failback: 'replicated', failbackClockMarginMs: 1000 } as const;

/** The longest gap between two /health reads while new submits are held for the primary to catch up. */
export const HOLD_POLL_MAX_MS = 1000;

/** How many acknowledged transaction ids the client remembers, to send a resubmission back to the region that acknowledged it. */
export const REMEMBERED_ACKNOWLEDGEMENTS = 10_000;

type Settings = Required<Deadlines> & { healthProbeIntervalMs: number };

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

function checkEndpoint(role: RegionRole, e: RegionalEndpoint | undefined): void {
  const url = URL.canParse(e?.endpoint ?? '') ? new URL(e!.endpoint) : undefined;
  if (!url || !/^https?:$/.test(url.protocol)) {
    throw new TypeError(`${role}.endpoint must be an http(s) URL, got ${JSON.stringify(e?.endpoint)}`);
  }
  if (!e!.region) throw new TypeError(`${role}.region must name the region to sign for, e.g. us-east-1`);
}

/** Options with their defaults, refused early with the option's name rather than misbehaving later. */
export function resolveSettings(o: FailoverClientOptions): Settings {
  checkEndpoint('primary', o.primary);
  checkEndpoint('standby', o.standby);
  const requestMs = positive('deadlines.requestMs', o.deadlines?.requestMs ?? DEFAULTS.requestMs);
  const totalMs = positive('deadlines.totalMs', o.deadlines?.totalMs ?? DEFAULTS.totalMs);
  if (totalMs < requestMs)
    throw new RangeError(`deadlines.totalMs (${totalMs}) must be at least deadlines.requestMs (${requestMs})`);
  const healthProbeIntervalMs = positive(
    'healthProbeIntervalMs',
    o.healthProbeIntervalMs ?? DEFAULTS.healthProbeIntervalMs,
  );
  return { requestMs, totalMs, healthProbeIntervalMs };
}

/**
 * Calls check() every intervalMs until it answers true, one check at a time (a slow /health
 * never stacks probes). The timer is unref'd: probing never keeps a process alive.
 */
function createHealthProbe(check: (cancel: AbortSignal) => Promise<boolean>, intervalMs: number, onReady: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let inFlight: AbortController | undefined;
  async function tick() {
    if (inFlight) return;
    const probe = (inFlight = new AbortController());
    try {
      // A probe cancelled by stop() (close, or a fresh failover) must not bring traffic back.
      if ((await check(probe.signal)) && !probe.signal.aborted) {
        stop();
        onReady();
      }
    } finally {
      if (inFlight === probe) inFlight = undefined;
    }
  }
  function start() {
    timer ??= setInterval(() => void tick(), intervalMs).unref();
  }
  function stop() {
    clearInterval(timer);
    timer = undefined;
    inFlight?.abort();
    inFlight = undefined;
  }
  return { start, stop };
}

/** A bounded map, oldest first out: the regions that acknowledged recent transactions. */
function createAcknowledgements(limit: number) {
  const byId = new Map<string, RegionRole>();
  return {
    get: (id: unknown) => (typeof id === 'string' ? byId.get(id) : undefined),
    set(id: unknown, region: RegionRole) {
      if (typeof id !== 'string') return;
      byId.delete(id);
      byId.set(id, region);
      if (byId.size > limit) byId.delete(byId.keys().next().value!);
    },
  };
}

interface Region extends RegionalEndpoint {
  readonly url: URL;
  readonly signer: SignatureV4;
}

const other = (r: RegionRole): RegionRole => (r === 'primary' ? 'standby' : 'primary');

/** What the client's parts share: the region new transactions go to, and the failback's bookkeeping. */
interface ClientState {
  current: RegionRole;
  closed: boolean;
  /**
   * Epoch ms of this client's newest standby acknowledgement. Never reset: one that arrived after
   * a failback (a submit that was already running) must reach the primary before the next failback.
   */
  lastStandbyAckAt?: number;
  /** Submits past the failback gate and not yet settled: a hold waits for them, whatever region they are in. */
  running: number;
  /** Set while new submits wait for the primary to catch up; resolves when they may go. */
  gate?: Promise<void>;
}

/** Waits ms, or less when cancelled. */
const cancellableSleep = (ms: number, cancel: AbortSignal) =>
  new Promise<void>((ok) => {
    const done = () => {
      clearTimeout(t);
      cancel.removeEventListener('abort', done);
      ok();
    };
    const t = setTimeout(done, ms);
    cancel.addEventListener('abort', done, { once: true });
  });

interface FailbackDeps {
  readonly state: ClientState;
  readonly settings: Settings;
  readonly health: (cancel: AbortSignal) => Promise<Readiness>;
  readonly switchTo: (role: RegionRole) => void;
  readonly failback: 'replicated' | 'healthy';
  readonly holdMs: number;
  readonly marginMs: number;
}

/** The background probe of the primary's /health, and the hold until its standby writes are in. */
function createFailback(d: FailbackDeps) {
  const { state, settings, health } = d;
  const caughtUp = (beatAt: number | undefined) =>
    state.lastStandbyAckAt === undefined || (beatAt !== undefined && beatAt >= state.lastStandbyAckAt + d.marginMs);

  // While held, /health is read every probe interval, but at least once a second: not every 100 ms,
  // which alone was the route's whole throttle (10 requests/s) for one client.
  const holdPollMs = Math.min(settings.healthProbeIntervalMs, HOLD_POLL_MAX_MS);

  /**
   * The primary is healthy; return to it once it holds this client's standby writes. New submits
   * are held (at most holdMs) while the running ones settle: one could still be acknowledged by the
   * standby, and a switch before that would leave it behind. Then the probe's own answer is judged
   * first: against the newest standby acknowledgement, an answer read before it can only look
   * behind, never ahead, so a submit that settled without one costs no second /health. While the
   * primary is behind, /health is read again until a standby beat written after the last
   * acknowledgement shows there. Switches before it releases the held submits.
   */
  async function failBackOnceCaughtUp(probed: Readiness, cancel: AbortSignal): Promise<boolean> {
    let release!: () => void;
    state.gate = new Promise<void>((ok) => (release = ok));
    const until = performance.now() + d.holdMs;
    let r: Readiness | undefined = probed;
    try {
      while (!cancel.aborted && performance.now() < until) {
        if (state.running === 0) {
          const fresh = r === undefined;
          r ??= await health(cancel);
          if (!r.ok) return false;
          if (caughtUp(r.peerBeatAtMs) && !cancel.aborted) {
            d.switchTo('primary');
            return true;
          }
          r = undefined;
          if (!fresh) continue; // the probe's answer is behind: read again at once
        }
        await cancellableSleep(holdPollMs, cancel);
      }
      return false;
    } finally {
      state.gate = undefined;
      release();
    }
  }

  // A probe gets requestMs like any request; a slow one delays the next probe, never stacks with it.
  return createHealthProbe(
    async (cancel) => {
      const r = await health(cancel);
      if (!r.ok || cancel.aborted) return false;
      return d.failback === 'healthy' || failBackOnceCaughtUp(r, cancel);
    },
    settings.healthProbeIntervalMs,
    () => d.switchTo('primary'),
  );
}

/** The failback options, checked, with their defaults. */
function failbackSettings(options: FailoverClientOptions, settings: Settings) {
  const holdMs = positive('failbackHoldMs', options.failbackHoldMs ?? settings.requestMs);
  const marginMs = options.failbackClockMarginMs ?? FAILBACK_DEFAULTS.failbackClockMarginMs;
  if (!Number.isFinite(marginMs) || marginMs < 0)
    throw new RangeError(`failbackClockMarginMs must be 0 or more milliseconds, got ${marginMs}`);
  return { failback: options.failback ?? FAILBACK_DEFAULTS.failback, holdMs, marginMs };
}

interface SenderDeps {
  readonly state: ClientState;
  readonly settings: Settings;
  readonly fetchImpl: FetchLike;
  readonly regions: Record<RegionRole, Region>;
  readonly failoverOn: ReadonlySet<Outcome>;
  readonly failOver: () => void;
}

/** Sends one transaction: through the failback gate, then one region at a time, within totalMs. */
function createSender({ state, settings, fetchImpl, regions, failoverOn, failOver }: SenderDeps) {
  const acknowledgements = createAcknowledgements(REMEMBERED_ACKNOWLEDGEMENTS);
  /** One attempt in one region, or undefined when the deadline left no time for it. */
  async function attempt(role: RegionRole, body: string, deadline: number) {
    const r = regions[role];
    // Credentials are shared by both regions: failing to sign is the caller's problem, not a region's, so it rejects.
    const headers = await signPost(r.signer, r.url, body);
    const timeoutMs = Math.min(settings.requestMs, deadline - performance.now());
    if (timeoutMs <= 0) return undefined;
    const x = await exchange(fetchImpl, r.url, { method: 'POST', headers, body }, timeoutMs);
    if (role === 'standby' && x.outcome === 'acknowledged') state.lastStandbyAckAt = Date.now();
    const record: Attempt = {
      region: role,
      outcome: x.outcome,
      startedAt: x.startedAt,
      ms: x.ms,
      ...(x.answer && { status: x.answer.status }),
      ...(x.error && { error: x.error }),
    };
    return { record, answer: x.answer };
  }

  /** The attempts of one transaction: one region at a time, each at most once, within totalMs. */
  async function run(id: unknown, body: string): Promise<Result> {
    while (state.gate) await state.gate; // held while the primary catches up: totalMs starts when it may go
    state.running++;
    try {
      return await attempts(id, body);
    } finally {
      state.running--;
    }
  }

  async function attempts(id: unknown, body: string): Promise<Result> {
    const deadline = performance.now() + settings.totalMs;
    // A resubmission goes back to the region that acknowledged it (a 200 replay there), whatever the current region.
    const first = acknowledgements.get(id) ?? state.current;
    const attempts: Attempt[] = [];
    for (const role of [first, other(first)]) {
      const a = await attempt(role, body, deadline);
      if (!a) break;
      attempts.push(a.record);
      if (a.record.outcome === 'acknowledged') acknowledgements.set(id, role);
      if (a.record.outcome === 'acknowledged' || a.record.outcome === 'refused')
        return { ...a.answer!, region: role, attempts };
      if (role === 'primary' && !failoverOn.has(a.record.outcome)) break;
      if (role === 'primary') failOver();
    }
    throw new FailoverError(String(id), attempts, settings.totalMs);
  }

  return run;
}

export function createFailoverClient(options: FailoverClientOptions): FailoverClient {
  const settings = resolveSettings(options);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const credentials = options.credentials ?? defaultProvider();
  const region = (role: RegionRole): Region => {
    const e = options[role];
    return { ...e, url: urlFor(e.endpoint, '/transactions'), signer: createSigner(e.region, credentials) };
  };
  const regions: Record<RegionRole, Region> = { primary: region('primary'), standby: region('standby') };
  const inFlight = new Map<string, { body: string; result: Promise<Result> }>();
  const failoverOn = new Set<Outcome>(options.failoverOn ?? ['server-error', 'timeout', 'network-error']);
  const state: ClientState = { current: 'primary', closed: false, running: 0 };

  function switchTo(role: RegionRole) {
    if (state.current === role) return;
    state.current = role;
    options.onStateChange?.(role, Date.now());
  }

  const health = (cancel: AbortSignal) => readHealth(fetchImpl, regions.primary.endpoint, settings.requestMs, cancel);
  const probe = createFailback({ state, settings, health, switchTo, ...failbackSettings(options, settings) });

  function failOver() {
    if (state.current === 'standby' || state.closed) return;
    switchTo('standby');
    probe.start();
  }

  const run = createSender({ state, settings, fetchImpl, regions, failoverOn, failOver });

  /**
   * A second submit() of a transaction still in flight joins it (same content) or is refused
   * (other content): two runs of one id could otherwise be in flight in two regions at once,
   * and with different contents both could commit before replication compares them.
   */
  async function submit(transaction: TransactionInput): Promise<Result> {
    if (state.closed) throw new Error('the failover client is closed');
    // Serialized once, so every attempt carries the same bytes: the processor sees a retry, never new content.
    const body = JSON.stringify(transaction);
    const id = transaction?.transactionId;
    if (typeof id !== 'string') return run(id, body); // the processor answers 400, naming the field
    const running = inFlight.get(id);
    if (running && running.body === body) return running.result;
    if (running) throw new InFlightConflictError(id);
    const result = run(id, body);
    inFlight.set(id, { body, result });
    try {
      return await result;
    } finally {
      inFlight.delete(id);
    }
  }

  return {
    submit,
    state: () => state.current,
    close() {
      state.closed = true;
      probe.stop();
    },
  };
}
