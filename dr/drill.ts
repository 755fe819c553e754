/**
 * `npm run dr:drill`: seeded fault schedules against one applied stack on the emulated two-region
 * AWS, each checked against the history its callers recorded (dr/history.ts), the deployed alarms
 * evaluated as CloudWatch would (dr/alarm-eval.ts), and a self-test that plants known defects and
 * requires each to be caught.
 *
 *   npm run dr:drill -- [--seed N] [--schedules K] [--schedule I] [--lag-ms 500] [--rate 20]
 *                       [--modes refuse,blackhole,...] [--rpo-target-seconds 10] [--out FILE] [--self-test]
 *
 * The drill runs at a compressed cadence (a 1 s heartbeat, alarm periods scaled by the same
 * factor, a 1.5 s client deadline); the table prints each compressed setting beside its figure and
 * the production bound as a formula. Exit code 0 only when every target holds.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createFailoverClient, FailoverClientOptions } from '../client';
import { regionClients, RegionClients } from '../emulator/aws';
import {
  writeEmulatorOverride,
  outputsOf,
  stackRun,
  stateResources,
  StackRun,
  synthConfiguration,
} from '../harness/terraform';
import { Emulator, JournalEntry, startEmulator } from '../emulator/emulator';
import { Gateway, GATEWAY_CREDENTIALS, startGateway } from '../emulator/gateway-control';
import { testBundle } from '../harness/bundle';
import { names } from '../src/naming';
import { HEARTBEAT, RPO_TARGET_SECONDS } from '../src/heartbeat-contract';
import { stalenessDetectionBoundSeconds } from '../src/alarms';
import { findMirror } from './mirror';
import {
  AlarmDefinition,
  effectiveTreatMissing,
  evaluateSeries,
  Evaluation,
  evaluationRange,
  firstAlarm,
  simulatedStaleness,
} from './alarm-eval';
import { check, Counts, Failback, Op, percentile, Role } from './history';
import { alarmDefinitions, cloudwatch, metricPoints, regionState } from './observe';
import { FAULT_MODES, FaultMode, rng, Schedule, schedule } from './schedule';
import { timelineSvg } from './timeline';
import { Defect, DEFECTS } from './defects';

export interface DrillOptions {
  readonly out: string;
  readonly lagMs: number;
  readonly rate: number;
  readonly rpoTargetSeconds: number;
  readonly seed: number;
  readonly schedules: number;
  /** Run only this schedule index (to reproduce one verdict). */
  readonly only?: number;
  readonly modes: readonly FaultMode[];
  readonly selfTest: boolean;
}

/** The compressed settings, printed beside every figure they shape. */
export const COMPRESSED = {
  heartbeatMs: 1000,
  requestMs: 1500,
  totalMs: 4000,
  healthProbeIntervalMs: 250,
  failbackHoldMs: 8000,
  callers: 4,
} as const;

export interface Running {
  emu: Emulator;
  run: StackRun;
  outputs: Record<string, string>;
  regions: Record<Role, string>;
  clients: Record<Role, RegionClients>;
  gateways: Record<Role, Gateway>;
  alarms: AlarmDefinition[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`dr:drill ${new Date().toISOString().slice(11, 23)} ${msg}\n`);
/** The drill's time scale: its beat interval over the deployed one. Alarm periods shrink by it. */
const SCALE = COMPRESSED.heartbeatMs / (HEARTBEAT.intervalSeconds * 1000);

/** Applies the stack to the emulator and starts both regions' gateways; `started` collects what to stop. */
async function deploy(o: DrillOptions, started: Array<{ stop(): Promise<void> }>): Promise<Running> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-drill-'));
  started.push({ stop: async () => fs.rmSync(root, { recursive: true, force: true }) });
  const synth = synthConfiguration(
    { ENVIRONMENT_SUFFIX: 'drill', RPO_TARGET_SECONDS: String(o.rpoTargetSeconds) },
    root,
  );
  const regions = { primary: synth.config.primaryRegion, standby: synth.config.secondaryRegion };
  const emu = await startEmulator({ regions: [regions.primary, regions.standby] });
  started.unshift(emu);
  writeEmulatorOverride(synth.dir, synth.synthesized, (r) => emu.endpointFor(r));
  const run = stackRun('drill', synth, findMirror());
  log('terraform init + apply against the emulator');
  await run.tf(['init', '-input=false'], { timeoutMs: 60_000 });
  // Generous: on a shared 2-core machine the apply alone has taken over 3 minutes (the wall target is checked apart).
  await run.tf(['apply', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: 420_000 });
  const outputs = await outputsOf(run);
  const suffix = { suffix: synth.config.environmentSuffix };
  const clients = {
    primary: regionClients(regions.primary, emu.endpointFor(regions.primary)),
    standby: regionClients(regions.standby, emu.endpointFor(regions.standby)),
  };
  const gateway = async (c: RegionClients) => {
    const g = await startGateway({
      clients: c,
      bundle: testBundle().file,
      functions: {
        processor: outputs.LambdaFunctionName,
        health: names.healthFunction(suffix),
        heartbeat: names.heartbeatFunction(suffix),
      },
      heartbeatMs: COMPRESSED.heartbeatMs,
    });
    started.unshift(g);
    return g;
  };
  const [primary, standby] = await Promise.all([gateway(clients.primary), gateway(clients.standby)]);
  const gateways = { primary, standby };
  await emu.replication.set({ lagMs: o.lagMs });
  return { emu, run, outputs, regions, clients, gateways, alarms: alarmDefinitions(stateResources(run)) };
}

let sequence = 0;
const transaction = (withDocument: boolean, amount?: string) => ({
  transactionId: `drill-${process.pid}-${++sequence}`,
  accountId: `acct-${sequence % 7}`,
  amount: amount ?? `${(sequence % 500) + 1}.${String(sequence % 100).padStart(2, '0')}`,
  currency: 'EUR',
  type: 'debit',
  ...(withDocument
    ? { document: { contentType: 'text/plain', content: Buffer.from(`receipt ${sequence}`).toString('base64') } }
    : {}),
});

/** One submit() as the caller saw it: acknowledged, refused, or no final answer ('info'). */
async function submitOne(
  client: ReturnType<typeof createFailoverClient>,
  caller: number,
  t: ReturnType<typeof transaction>,
  invokeAt: number,
): Promise<Op> {
  const sent = { caller, id: t.transactionId, withDocument: !!t.document, invokeAt };
  const attemptsOf = (as: readonly any[]) =>
    as.map((a) => ({ region: a.region, outcome: a.outcome, startedAt: a.startedAt, ms: Math.round(a.ms) }));
  try {
    const res = await client.submit(t);
    const body = res.body as { requestId?: string } | undefined;
    return {
      ...sent,
      outcome: res.status === 200 || res.status === 201 ? 'ok' : 'fail',
      status: res.status,
      region: res.region,
      ackAt: Date.now(),
      ...(typeof body?.requestId === 'string' ? { requestId: body.requestId } : {}),
      attempts: attemptsOf(res.attempts),
    };
  } catch (e: any) {
    return { ...sent, outcome: 'info', attempts: attemptsOf(e?.attempts ?? []) };
  }
}

/** A caller: its own failover client, sending one transaction at a time at its share of the rate. */
function startCaller(
  r: Running,
  o: DrillOptions,
  caller: number,
  ops: Op[],
  events: Events,
  extra: Partial<FailoverClientOptions>,
) {
  const client = createFailoverClient({
    primary: { endpoint: r.gateways.primary.url, region: r.regions.primary },
    standby: { endpoint: r.gateways.standby.url, region: r.regions.standby },
    credentials: GATEWAY_CREDENTIALS,
    deadlines: { requestMs: COMPRESSED.requestMs, totalMs: COMPRESSED.totalMs },
    healthProbeIntervalMs: COMPRESSED.healthProbeIntervalMs,
    failbackHoldMs: COMPRESSED.failbackHoldMs,
    onStateChange: (role, at) => (role === 'primary' ? events.failbacks : events.failovers).push({ caller, at }),
    ...extra,
  });
  let stopped = false;
  const every = (1000 * COMPRESSED.callers) / o.rate;
  const loop = (async () => {
    while (!stopped) {
      const invokeAt = Date.now();
      ops.push(await submitOne(client, caller, transaction(sequence % 2 === 0), invokeAt));
      await sleep(Math.max(0, invokeAt + every - Date.now()));
    }
  })();
  return {
    client,
    async stop() {
      stopped = true;
      await loop;
      client.close();
    },
  };
}

/** Polls (every 100 ms, at most capMs) until no caller's client sends new transactions to the standby. */
async function untilFailedBack(callers: ReadonlyArray<ReturnType<typeof startCaller>>, capMs: number) {
  const until = Date.now() + capMs;
  while (Date.now() < until && callers.some((c) => c.client.state() !== 'primary')) await sleep(100);
}

interface Events {
  failovers: Failback[];
  failbacks: Failback[];
}

/** The fault, applied to the primary; returns how to end it. */
async function applyFault(r: Running, mode: FaultMode): Promise<() => Promise<void>> {
  const front = r.emu.region(r.regions.primary);
  const gw = r.gateways.primary;
  const gone = async (how: 'refuse' | 'blackhole' | 'reset') => {
    if (how === 'refuse') await gw.down();
    else await gw.fault({ mode: how, beats: false });
    await front.unreachable(how);
    return async () => {
      await front.restore();
      if (how === 'refuse') await gw.up();
      else await gw.fault({ mode: 'up', beats: true });
    };
  };
  switch (mode) {
    case 'refuse':
    case 'never-returns':
      return gone('refuse');
    case 'blackhole':
      return gone('blackhole');
    case 'reset':
      return gone('reset');
    case 'inflight-cut': {
      // Answers wait 400 ms after their commit; the cut then finds several committed, unanswered.
      await gw.fault({ mode: 'up', responseDelayMs: 400 });
      await sleep(1000);
      const end = await gone('refuse');
      await gw.fault({ mode: 'up' });
      return end;
    }
    case 'slow':
      await gw.fault({ mode: 'up', delayMs: COMPRESSED.requestMs + 1000 });
      return () => gw.fault({ mode: 'up' });
    case '5xx':
      await gw.fault({ mode: '5xx' });
      return () => gw.fault({ mode: 'up' });
    case 'table-down':
      await front.servicesDown(['dynamodb']);
      return () => front.restore();
    case 's3-down':
      await front.servicesDown(['s3']);
      return () => front.restore();
  }
}

export interface ScheduleResult {
  readonly seed: number;
  readonly index: number;
  readonly mode: FaultMode;
  readonly returned: boolean;
  readonly settings: Omit<Schedule, 'seed' | 'index' | 'mode'>;
  readonly counts: Omit<Counts, 'examples' | 'recoveryMs'>;
  readonly recoveryMs: ReadonlyArray<number | null>;
  readonly recoveryP50Ms: number | null;
  readonly recoveryP99Ms: number | null;
  readonly ops: {
    readonly sent: number;
    readonly acknowledged: number;
    readonly byStandby: number;
    readonly indeterminate: number;
    /**
     * Acknowledgement latency before the cut (a healthy primary): when its p99 nears the client's
     * deadline, the emulator is overloaded (a busy machine) and no client could meet the recovery target.
     */
    readonly healthyLatencyP50Ms: number | null;
    readonly healthyLatencyP99Ms: number | null;
  };
  readonly timeline: string;
  readonly wallMs: number;
  readonly reproduce: string;
  readonly failures: readonly string[];
  readonly examples: readonly string[];
  /** Every operation the callers recorded, with its attempts. */
  readonly history: readonly Op[];
  readonly events: Events;
}

async function journalFrom(r: Running, since: number): Promise<JournalEntry[]> {
  return (await r.emu.replication.journal(since)).entries;
}

const observer = (r: Running, role: Role) => regionClients(r.regions[role], r.emu.endpoint);

/** The heartbeat-staleness alarm each region runs, keyed 'standby' (watching the primary) and 'primary'. */
function stalenessAlarms(r: Running): Record<string, AlarmDefinition> {
  const out: Record<string, AlarmDefinition> = {};
  for (const d of r.alarms)
    if (d.metricName === HEARTBEAT.metricName) out[d.region === r.regions.primary ? 'primary' : 'standby'] = d;
  return out;
}

async function alarmView(r: Running, defs: Record<string, AlarmDefinition>, from: number, to: number) {
  const staleness: Record<string, Awaited<ReturnType<typeof metricPoints>>> = {};
  const alarms: Record<string, Evaluation[]> = {};
  for (const [role, d] of Object.entries(defs)) {
    staleness[role] = await metricPoints(cloudwatch(d.region, r.emu.endpoint), d, from - 10_000, to + 1000);
    alarms[role] = evaluateSeries(staleness[role], d, { from, to, periodMs: d.period * 1000 * SCALE });
  }
  return { staleness, alarms };
}

export interface Plant {
  readonly client?: Partial<FailoverClientOptions>;
  readonly before?: (r: Running) => Promise<void>;
  readonly after?: (r: Running) => Promise<void>;
  /** Runs at the cut, beside the callers (e.g. a split-brain resubmission). */
  readonly atCut?: (r: Running, ops: Op[]) => Promise<void>;
}

export async function runSchedule(
  r: Running,
  o: DrillOptions,
  s: Schedule,
  outDir: string,
  plant: Plant = {},
): Promise<ScheduleResult> {
  const { seed, index, mode } = s;
  log(
    `schedule ${index} (seed ${seed}): ${mode}, cut after ${s.cutAfterMs} ms for ${s.outageMs} ms, table lag ${s.tableLagMs}+${s.tableJitterMs} ms, s3 lag ${s.s3LagMs}+${s.s3JitterMs} ms`,
  );
  await r.emu.replication.set({
    tableLagMs: s.tableLagMs,
    s3LagMs: s.s3LagMs,
    tableJitterMs: s.tableJitterMs,
    s3JitterMs: s.s3JitterMs,
    seed: s.replicationSeed,
  });
  await plant.before?.(r);
  const since = (await r.emu.replication.journal(Number.MAX_SAFE_INTEGER)).next;
  const run = await loadThroughFault(r, o, s, plant);
  log(`schedule ${index}: callers stopped ${Date.now() - run.start} ms after the start`);
  const state = await finalState(r, run);
  await plant.after?.(r);
  const counts = check({
    history: run.ops,
    cutAt: run.cutAt,
    returned: run.returned,
    final: state.final,
    journal: await journalFrom(r, since),
    regions: r.regions,
    failbacks: run.events.failbacks,
  });
  const timeline = await writeTimeline(r, o, s, outDir, { ...run, ...state });
  const result = resultOf(o, s, run, counts, timeline);
  const failures = scheduleFailures(result, o);
  log(`schedule ${index}: ${failures.length ? `FAILED: ${failures.join('; ')}` : 'passed'}`);
  return { ...result, failures };
}

interface LoadRun {
  readonly start: number;
  readonly ops: Op[];
  readonly events: Events;
  readonly cutAt: number;
  readonly returned: boolean;
  readonly returnedAt?: number;
  /** Ends the fault (for a region that never returns: after its final state was read). */
  readonly end: () => Promise<void>;
}

/** The callers' load, the cut, the outage, the return (unless it never returns) and the failbacks. */
async function loadThroughFault(r: Running, o: DrillOptions, s: Schedule, plant: Plant): Promise<LoadRun> {
  const start = Date.now();
  const ops: Op[] = [];
  const events: Events = { failovers: [], failbacks: [] };
  const callers = Array.from({ length: COMPRESSED.callers }, (_, c) =>
    startCaller(r, o, c, ops, events, plant.client ?? {}),
  );
  await sleep(s.cutAfterMs);
  const end = await applyFault(r, s.mode);
  const cutAt = Date.now();
  const side = plant.atCut?.(r, ops);
  await sleep(s.outageMs);
  const returned = s.mode !== 'never-returns';
  let returnedAt: number | undefined;
  if (returned) {
    await end();
    returnedAt = Date.now();
    // Until every caller is back on the primary (a probe, then the hold until its writes are in),
    // at most the time that takes at this lag; a caller still away then shows in the timeline.
    await untilFailedBack(callers, Math.max(6000, s.tableLagMs + s.tableJitterMs + 4000));
  }
  await Promise.all(callers.map((c) => c.stop()));
  await side;
  return { start, ops, events, cutAt, returned, returnedAt, end };
}

/** Both regions once replication drained; for a region that never returns, the standby as it was. */
async function finalState(r: Running, run: LoadRun) {
  const table = r.outputs.DynamoDBTableName;
  const read = async () => ({
    primary: await regionState(observer(r, 'primary'), table, r.outputs.S3BucketName),
    standby: await regionState(observer(r, 'standby'), table, r.outputs.SecondaryS3BucketName),
  });
  if (run.returned) {
    await r.emu.replication.drain(60_000);
    return { final: await read(), returnedAt: run.returnedAt, drainedAt: Date.now() };
  }
  // What survives a region that never returns: the standby as it is now (nothing more can arrive).
  const final = await read();
  await run.end();
  const returnedAt = Date.now();
  await r.emu.replication.drain(60_000);
  return { final, returnedAt, drainedAt: Date.now() };
}

/** The schedule's SVG timeline; returns its path. */
async function writeTimeline(
  r: Running,
  o: DrillOptions,
  s: Schedule,
  outDir: string,
  run: LoadRun & { readonly drainedAt: number },
): Promise<string> {
  const stopAt = Date.now();
  const view = await alarmView(r, stalenessAlarms(r), run.start, stopAt);
  const svg = timelineSvg({
    title: `schedule ${s.index} (seed ${s.seed}): ${s.mode}`,
    start: run.start,
    end: stopAt,
    history: run.ops,
    cutAt: run.cutAt,
    returnedAt: run.returnedAt,
    drainedAt: run.drainedAt,
    failbacks: run.events.failbacks,
    failovers: run.events.failovers,
    staleness: view.staleness,
    alarms: view.alarms,
    thresholdS: o.rpoTargetSeconds,
  });
  const file = path.join(outDir, `schedule-${s.seed}-${s.index}-${s.mode}.svg`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, svg);
  return file;
}

/**
 * The healthy primary's latency: each submit's first attempt there that started at least one
 * deadline before the cut (so the cut cannot have touched it). A timeout or 5xx counts as never
 * (null), a 4xx is left out: it says nothing about speed.
 */
function healthyLatency(ops: readonly Op[], cutAt: number): Array<number | null> {
  return ops.flatMap((op) => {
    const first = op.attempts[0];
    if (!first || first.region !== 'primary' || first.startedAt + COMPRESSED.requestMs > cutAt) return [];
    if (first.outcome === 'refused') return [];
    return [first.outcome === 'acknowledged' ? op.ackAt! - first.startedAt : null];
  });
}

function resultOf(o: DrillOptions, s: Schedule, run: LoadRun, counts: Counts, timeline: string) {
  const { seed, index, mode, ...settings } = s;
  const { examples, recoveryMs, ...figures } = counts;
  const { ops, events } = run;
  const acked = ops.filter((op) => op.outcome === 'ok');
  const healthy = healthyLatency(ops, run.cutAt);
  return {
    seed,
    index,
    mode,
    returned: run.returned,
    settings,
    counts: figures,
    recoveryMs,
    recoveryP50Ms: percentile(recoveryMs, 50),
    recoveryP99Ms: percentile(recoveryMs, 99),
    ops: {
      sent: ops.length,
      acknowledged: acked.length,
      byStandby: acked.filter((op) => op.region === 'standby').length,
      indeterminate: ops.filter((op) => op.outcome === 'info').length,
      healthyLatencyP50Ms: percentile(healthy, 50),
      healthyLatencyP99Ms: percentile(healthy, 99),
    },
    callers: {
      failedOver: new Set(events.failovers.map((f) => f.caller)).size,
      failedBack: new Set(events.failbacks.map((f) => f.caller)).size,
    },
    /** Each caller's failovers and failbacks (epoch ms), what failbackUnreplicated is measured at. */
    events,
    timeline,
    wallMs: Date.now() - run.start,
    reproduce: `npm run dr:drill -- --seed ${seed} --schedule ${index} --lag-ms ${o.lagMs}${o.modes.length !== FAULT_MODES.length ? ` --modes ${o.modes.join(',')}` : ''}`,
    examples,
    history: ops,
  };
}

export const TARGETS = {
  lostAcknowledged: 0,
  overwrittenAcknowledged: 0,
  revertedToPending: 0,
  documentsMissing: 0,
  failbackUnreplicated: 0,
  falseAlarms: 0,
  /** p99 of the time from the cut to each caller's next acknowledged write. */
  recoveryP99Ms: 2 * COMPRESSED.requestMs,
  /** lossIfNeverReturns: its oldest member's age at the cut, at most the RPO target. */
  lossOldestWithinRpoTarget: true,
  doubleCommits: 'reported (no fencing; see docs/RUNBOOK.md)',
  documentsOrphaned: 'reported',
} as const;

function scheduleFailures(s: Omit<ScheduleResult, 'failures'>, o: DrillOptions): string[] {
  const out: string[] = [];
  const c = s.counts;
  if (c.lostAcknowledged > 0) out.push(`lostAcknowledged ${c.lostAcknowledged}`);
  if (c.overwrittenAcknowledged > 0) out.push(`overwrittenAcknowledged ${c.overwrittenAcknowledged}`);
  if (c.revertedToPending > 0) out.push(`revertedToPending ${c.revertedToPending}`);
  if (c.documentsMissing > 0) out.push(`documentsMissing ${c.documentsMissing}`);
  if (c.failbackUnreplicated > 0) out.push(`failbackUnreplicated ${c.failbackUnreplicated}`);
  if (c.lossIfNeverReturns && c.lossIfNeverReturns.oldestAgeMs > o.rpoTargetSeconds * 1000)
    out.push(`lossIfNeverReturns: oldest ${c.lossIfNeverReturns.oldestAgeMs} ms > RPO target ${o.rpoTargetSeconds} s`);
  if (s.recoveryP99Ms === null) out.push('recoveryP99Ms: a caller never had another write acknowledged');
  else if (s.recoveryP99Ms > TARGETS.recoveryP99Ms)
    out.push(`recoveryP99Ms ${s.recoveryP99Ms} > ${TARGETS.recoveryP99Ms}`);
  return out;
}

/**
 * Until each staleness alarm has a datapoint in each period of its evaluation range (N + 2, at most
 * capMs): before that, the baseline's first evaluations would count the gateways' start-up as
 * missing data.
 */
async function untilBeating(r: Running, capMs = 10_000) {
  const until = Date.now() + capMs;
  const watched = Object.values(stalenessAlarms(r)).map((d) => ({
    d,
    cw: cloudwatch(d.region, r.emu.endpoint),
    periodMs: d.period * 1000 * SCALE,
    range: evaluationRange(d.evaluationPeriods),
  }));
  const beating = async ({ d, cw, periodMs, range }: (typeof watched)[number]) => {
    const now = Date.now();
    const points = await metricPoints(cw, d, now - (range + 1) * periodMs, now);
    return new Set(points.map((p) => Math.floor(p.at / periodMs))).size >= range;
  };
  while (Date.now() < until) {
    const ready = await Promise.all(watched.map(beating));
    if (ready.every(Boolean)) return;
    await sleep(250);
  }
}

/** A healthy baseline: load, no fault, and no alarm at all (falseAlarms counts the ALARM evaluations). */
async function baseline(r: Running, o: DrillOptions, ms: number, defs = stalenessAlarms(r)) {
  const ops: Op[] = [];
  const events: Events = { failovers: [], failbacks: [] };
  const from = Date.now();
  const callers = Array.from({ length: COMPRESSED.callers }, (_, c) => startCaller(r, o, c, ops, events, {}));
  await sleep(ms);
  await Promise.all(callers.map((c) => c.stop()));
  await sleep(1500); // the last period's datapoints
  const to = Date.now();
  // The staleness alarms' metric is the heartbeat's staleness in seconds; the replication-latency
  // alarms' is DynamoDB's ReplicationLatency in milliseconds: each maximum is named by its unit.
  const evaluated: Record<
    string,
    { alarmEvaluations: number; evaluations: number; maxStalenessS?: number; maxReplicationLatencyMs?: number }
  > = {};
  const watched = [
    ...Object.entries(defs).map(([name, d]) => ({ name, d, max: 'maxStalenessS' as const })),
    ...Object.entries(replicationLatencyAlarms(r)).map(([name, d]) => ({
      name,
      d,
      max: 'maxReplicationLatencyMs' as const,
    })),
  ];
  for (const { name, d, max } of watched) {
    const points = await metricPoints(cloudwatch(d.region, r.emu.endpoint), d, from - 10_000, to);
    const evals = evaluateSeries(points, d, { from, to, periodMs: d.period * 1000 * SCALE });
    evaluated[name] = {
      alarmEvaluations: evals.filter((e) => e.state === 'ALARM').length,
      evaluations: evals.length,
      [max]: Math.max(0, ...points.filter((p) => p.at >= from).map((p) => p.value)),
    };
  }
  const falseAlarms = Object.values(evaluated).reduce((a, e) => a + e.alarmEvaluations, 0);
  log(`baseline: ${falseAlarms} ALARM evaluations over ${JSON.stringify(evaluated)}`);
  return { falseAlarms, evaluated, acknowledged: ops.filter((op) => op.outcome === 'ok').length };
}

function replicationLatencyAlarms(r: Running): Record<string, AlarmDefinition> {
  const out: Record<string, AlarmDefinition> = {};
  for (const d of r.alarms)
    if (d.namespace === 'AWS/DynamoDB' && d.metricName === 'ReplicationLatency')
      out[`replication-latency ${d.region === r.regions.primary ? 'primary' : 'standby'}`] = d;
  return out;
}

/** Pauses replication and times the deployed staleness alarm (the standby's) into ALARM. */
async function stalenessDetection(r: Running, o: DrillOptions, override?: (d: AlarmDefinition) => AlarmDefinition) {
  const d0 = stalenessAlarms(r).standby;
  const d = override ? override(d0) : d0;
  const latency = replicationLatencyAlarms(r)['replication-latency primary'];
  const boundMs = compressedBoundMs(o);
  const cw = cloudwatch(d.region, r.emu.endpoint);
  // A detection counts only from a healthy start: a staleness already over the threshold would
  // "detect" the pause within ms (an overloaded emulator whose beats lag, not the alarm's power).
  // On a loaded machine the canary's datapoint can be a few seconds late: wait (at most 5 s) for one
  // of the last 3 s rather than pause without a reading.
  const latest = async () => {
    const before = await metricPoints(cw, d0, Date.now() - 3000, Date.now());
    return before.length ? before[before.length - 1].value : null;
  };
  let stalenessAtPauseS = await latest();
  for (const until = Date.now() + 5000; stalenessAtPauseS === null && Date.now() < until;) {
    await sleep(500);
    stalenessAtPauseS = await latest();
  }
  const pausedAt = Date.now();
  await r.emu.replication.set({ paused: true });
  log(`replication paused (staleness ${stalenessAtPauseS} s); evaluating the standby staleness alarm`);
  let detected: number | undefined;
  let latencyDetected: number | undefined;
  const deadline = pausedAt + boundMs + 10_000;
  while (Date.now() < deadline && detected === undefined) {
    await sleep(1000);
    const now = Date.now();
    const evals = evaluateSeries(await metricPoints(cw, d, pausedAt - 10_000, now), d, {
      from: pausedAt,
      to: now,
      periodMs: d.period * 1000 * SCALE,
      initial: 'OK',
    });
    detected = firstAlarm(evals, pausedAt);
  }
  if (latency) {
    const now = Date.now();
    const pts = await metricPoints(cloudwatch(latency.region, r.emu.endpoint), latency, pausedAt - 10_000, now);
    latencyDetected = firstAlarm(
      evaluateSeries(pts, latency, { from: pausedAt, to: now, periodMs: latency.period * 1000 * SCALE, initial: 'OK' }),
      pausedAt,
    );
  }
  await r.emu.replication.set({ paused: false });
  await r.emu.replication.drain(60_000);
  return {
    stalenessAtPauseS,
    stalenessDetectedAfterMs: detected === undefined ? null : detected - pausedAt,
    replicationLatencyDetectedAfterMs: latencyDetected === undefined ? null : latencyDetected - pausedAt,
  };
}

/** T + 2I + J + M·P at the drill's cadence (J: 1 s of timer slack on a loaded machine). */
export function compressedBoundMs(o: Pick<DrillOptions, 'rpoTargetSeconds'>): number {
  const i = COMPRESSED.heartbeatMs / 1000;
  const m = 2;
  const p = 60 * SCALE;
  return Math.round((o.rpoTargetSeconds + 2 * i + 1 + m * p) * 1000);
}

/** The deployed cadence, over simulated time: a generated beat series through the deployed rule. */
export function productionCadence(d: AlarmDefinition, rpoTargetSeconds: number, seed: number) {
  const random = rng(seed);
  const periodMs = d.period * 1000;
  const rule = { ...d, threshold: rpoTargetSeconds };
  const healthy = simulatedStaleness({ intervalS: 60, jitterS: 5, lagS: 1, durationS: 3600, random });
  const falseAlarms = evaluateSeries(healthy, rule, { from: 600_000, to: 3_600_000, periodMs }).filter(
    (e) => e.state === 'ALARM',
  ).length;
  const stallAtS = 1800;
  const stalled = simulatedStaleness({ intervalS: 60, jitterS: 5, lagS: 1, durationS: 3600, stallAtS, random });
  const at = firstAlarm(
    evaluateSeries(stalled, rule, { from: 600_000, to: 3_600_000, periodMs, initial: 'OK' }),
    stallAtS * 1000,
  );
  return {
    falseAlarmsPerSimulatedHour: falseAlarms,
    detectedAfterS: at === undefined ? null : Math.round(at / 1000 - stallAtS),
    boundS: stalenessDetectionBoundSeconds(rpoTargetSeconds),
    formula: 'T + 2I + J + M·P',
  };
}

/** The history checker's counts over all schedules, and what the drill adds to them. */
export interface DrillReport extends Omit<Counts, 'exposureAtCut' | 'recoveryMs' | 'examples'> {
  readonly date: string;
  readonly wallMs: number;
  readonly schedules: readonly ScheduleResult[];
  readonly faultModes: readonly FaultMode[];
  readonly rpoExposureAtCut: { readonly count: number; readonly oldestAgeMs: number };
  readonly recoveryByMode: Readonly<Record<string, { readonly p50Ms: number | null; readonly p99Ms: number | null }>>;
  readonly recoveryP99Ms: number | null;
  readonly falseAlarms: number;
  readonly baseline: Awaited<ReturnType<typeof baseline>>;
  /** The standby's staleness just before the pause: a detection counts only from below the threshold. */
  readonly stalenessAtPauseS: number | null;
  readonly stalenessDetectedAfterMs: number | null;
  /** Why the detection missed its target (detectionFailures), empty when it met it. */
  readonly stalenessDetectionFailures: readonly string[];
  readonly replicationLatencyDetectedAfterMs: number | null;
  readonly alarmsEvaluated: readonly string[];
  readonly alarmsNotEvaluated: readonly string[];
  readonly productionCadence: ReturnType<typeof productionCadence> | null;
  readonly settings: Record<string, unknown>;
  readonly selfTest: {
    readonly caught: number;
    readonly total: number;
    readonly defects: readonly DefectResult[];
  } | null;
  readonly targets: typeof TARGETS & { readonly stalenessDetectedWithinMs: number };
  readonly failures: readonly string[];
  readonly passed: boolean;
}

export interface DefectResult {
  readonly defect: string;
  readonly figure: string;
  readonly value: unknown;
  readonly caught: boolean;
}

function aggregate(schedules: readonly ScheduleResult[]) {
  const sum = (f: (c: ScheduleResult['counts']) => number) => schedules.reduce((a, s) => a + f(s.counts), 0);
  const never = schedules.map((s) => s.counts.lossIfNeverReturns).filter((x): x is NonNullable<typeof x> => !!x);
  const byMode: Record<string, { p50Ms: number | null; p99Ms: number | null }> = {};
  for (const m of new Set(schedules.map((s) => s.mode))) {
    const xs = schedules.filter((s) => s.mode === m).flatMap((s) => s.recoveryMs);
    byMode[m] = { p50Ms: percentile(xs, 50), p99Ms: percentile(xs, 99) };
  }
  const exposures = schedules.map((s) => s.counts.exposureAtCut);
  return {
    lostAcknowledged: sum((c) => c.lostAcknowledged),
    lossIfNeverReturns: never.length
      ? { count: never.reduce((a, n) => a + n.count, 0), oldestAgeMs: Math.max(...never.map((n) => n.oldestAgeMs)) }
      : null,
    overwrittenAcknowledged: sum((c) => c.overwrittenAcknowledged),
    revertedToPending: sum((c) => c.revertedToPending),
    doubleCommits: sum((c) => c.doubleCommits),
    documentsMissing: sum((c) => c.documentsMissing),
    documentsOrphaned: sum((c) => c.documentsOrphaned),
    failbackUnreplicated: sum((c) => c.failbackUnreplicated),
    rpoExposureAtCut: {
      count: Math.max(0, ...exposures.map((e) => e.count)),
      oldestAgeMs: Math.max(0, ...exposures.map((e) => e.oldestAgeMs)),
    },
    recoveryByMode: byMode,
    recoveryP99Ms: percentile(
      schedules.flatMap((s) => s.recoveryMs),
      99,
    ),
  };
}

async function drill(r: Running, o: DrillOptions, started: number): Promise<DrillReport> {
  const outDir = path.join(path.dirname(path.resolve(o.out)), 'dr-drill');
  await untilBeating(r);
  const base = await baseline(r, o, 8000);
  const indices = o.only !== undefined ? [o.only] : Array.from({ length: o.schedules }, (_, i) => i);
  const schedules: ScheduleResult[] = [];
  for (const i of indices) schedules.push(await runSchedule(r, o, schedule(o.seed, i, o.lagMs, o.modes), outDir));
  const detection = await stalenessDetection(r, o);
  const selfTest = o.selfTest ? await runSelfTest(r, o, outDir) : null;
  return report(r, o, started, schedules, base, detection, selfTest);
}

function report(
  r: Running,
  o: DrillOptions,
  started: number,
  schedules: ScheduleResult[],
  base: Awaited<ReturnType<typeof baseline>>,
  detection: Awaited<ReturnType<typeof stalenessDetection>>,
  selfTest: DrillReport['selfTest'],
): DrillReport {
  const agg = aggregate(schedules);
  const staleness = stalenessAlarms(r);
  const standbyAlarm = staleness.standby;
  const evaluatedAlarms = [...Object.values(staleness), ...Object.values(replicationLatencyAlarms(r))];
  const evaluated = new Set(evaluatedAlarms.map((d) => d.name));
  const withinMs = compressedBoundMs(o);
  const targets = { ...TARGETS, stalenessDetectedWithinMs: withinMs };
  const stalenessDetectionFailures = detectionFailures(detection, standbyAlarm.threshold, withinMs);
  const failures = [
    ...schedules.flatMap((s) => s.failures.map((f) => `schedule ${s.index} (seed ${s.seed}, ${s.mode}): ${f}`)),
    ...(base.falseAlarms > 0 ? [`falseAlarms ${base.falseAlarms} in the healthy baseline`] : []),
    ...stalenessDetectionFailures,
    ...(selfTest && selfTest.caught < selfTest.total
      ? [`self-test caught ${selfTest.caught} of ${selfTest.total} planted defects`]
      : []),
  ];
  return {
    date: new Date().toISOString(),
    wallMs: Date.now() - started,
    schedules,
    faultModes: [...new Set(schedules.map((s) => s.mode))],
    ...agg,
    falseAlarms: base.falseAlarms,
    baseline: base,
    ...detection,
    stalenessDetectionFailures,
    alarmsEvaluated: [...evaluated],
    alarmsNotEvaluated: r.alarms.filter((d) => !evaluated.has(d.name)).map((d) => d.name),
    productionCadence: standbyAlarm ? productionCadence(standbyAlarm, RPO_TARGET_SECONDS.default, o.seed) : null,
    settings: {
      seed: o.seed,
      schedules: schedules.length,
      lagMs: o.lagMs,
      rate: o.rate,
      rpoTargetSeconds: o.rpoTargetSeconds,
      compressed: {
        ...COMPRESSED,
        alarmPeriodMs: 60 * 1000 * SCALE,
        timeScale: SCALE,
      },
      production: { heartbeatMs: HEARTBEAT.intervalSeconds * 1000, requestMs: 3000, alarmPeriodMs: 60_000 },
      treatMissingDataApplied: Object.fromEntries(evaluatedAlarms.map((d) => [d.name, effectiveTreatMissing(d)])),
    },
    selfTest,
    targets,
    failures,
    passed: failures.length === 0,
  };
}

/** The detection misses its target when it never came, came late, or started from a stale heartbeat. */
function detectionFailures(
  d: Awaited<ReturnType<typeof stalenessDetection>>,
  thresholdS: number,
  withinMs: number,
): string[] {
  const out: string[] = [];
  if (d.stalenessAtPauseS === null || d.stalenessAtPauseS >= thresholdS)
    out.push(
      `stalenessDetectedAfterMs: the staleness was ${d.stalenessAtPauseS ?? 'not reported'} s when replication paused (threshold ${thresholdS} s): not a detection`,
    );
  if (d.stalenessDetectedAfterMs === null)
    out.push('stalenessDetectedAfterMs: the staleness alarm never entered ALARM while replication was paused');
  else if (d.stalenessDetectedAfterMs > withinMs)
    out.push(`stalenessDetectedAfterMs ${d.stalenessDetectedAfterMs} > ${withinMs}`);
  return out;
}

/** Plants each defect (dr/defects.ts) and requires its figure to miss its target. */
async function runSelfTest(r: Running, o: DrillOptions, outDir: string) {
  const results: DefectResult[] = [];
  for (const [n, defect] of DEFECTS.entries()) {
    log(`self-test ${n + 1}/${DEFECTS.length}: ${defect.name}`);
    results.push(await plantOne(r, o, defect, n, outDir));
    log(
      `self-test: ${defect.name}: ${defect.figure} = ${JSON.stringify(results[n].value)} -> ${results[n].caught ? 'caught' : 'MISSED'}`,
    );
  }
  return { caught: results.filter((x) => x.caught).length, total: results.length, defects: results };
}

async function plantOne(r: Running, o: DrillOptions, d: Defect, n: number, outDir: string): Promise<DefectResult> {
  const selfTestDir = path.join(outDir, 'self-test');
  try {
    if (d.kind === 'schedule') {
      const s = { ...schedule(o.seed, 1000 + n, Math.max(o.lagMs, 1500), [d.mode]), mode: d.mode };
      const res = await runSchedule(r, o, s, selfTestDir, d.plant);
      const value = d.read(res);
      return { defect: d.name, figure: d.figure, value, caught: d.missed(value) };
    }
    if (d.kind === 'baseline') {
      await d.plant.before?.(r);
      try {
        const b = await baseline(r, o, 8000);
        return { defect: d.name, figure: d.figure, value: b.falseAlarms, caught: b.falseAlarms > 0 };
      } finally {
        await d.plant.after?.(r);
        await sleep(3000);
      }
    }
    const det = await stalenessDetection(r, o, d.override);
    return {
      defect: d.name,
      figure: d.figure,
      value: det.stalenessDetectedAfterMs,
      caught: det.stalenessDetectedAfterMs === null,
    };
  } catch (e) {
    return { defect: d.name, figure: d.figure, value: `error: ${(e as Error).message}`, caught: false };
  }
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  const t0 = Date.now();
  // Stopped in reverse order of start, also when a step fails: a leftover emulator or gateway
  // would keep this process (and its ports) alive.
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    return await drill(await deploy(o, started), o, t0);
  } finally {
    for (const s of started) await s.stop().catch(() => undefined);
  }
}

export function parseOptions(argv: readonly string[]): DrillOptions {
  const o: Record<string, unknown> = {
    out: path.join('cdktf.out', 'dr-drill.json'),
    lagMs: 500,
    rate: 20,
    rpoTargetSeconds: RPO_TARGET_SECONDS.min,
    seed: 1,
    schedules: 5,
    modes: FAULT_MODES,
    selfTest: false,
  };
  const whole = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > 1_000_000)
      throw new Error(`${flag} ${JSON.stringify(v)} is invalid: expected a whole number from ${min}`);
    return n;
  };
  const numeric: Record<string, [string, number]> = {
    '--lag-ms': ['lagMs', 0],
    '--rate': ['rate', 1],
    '--rpo-target-seconds': ['rpoTargetSeconds', RPO_TARGET_SECONDS.min],
    '--seed': ['seed', 0],
    '--schedules': ['schedules', 1],
    '--schedule': ['only', 0],
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--self-test') o.selfTest = true;
    else if (flag === '--out' && argv[i + 1]) o.out = argv[++i];
    else if (flag === '--modes' && argv[i + 1]) {
      const modes = argv[++i].split(',');
      const bad = modes.filter((m) => !(FAULT_MODES as readonly string[]).includes(m));
      if (bad.length) throw new Error(`--modes: ${bad.join(', ')} unknown; modes are ${FAULT_MODES.join(', ')}`);
      o.modes = modes;
    } else if (numeric[flag]) o[numeric[flag][0]] = whole(flag, argv[++i], numeric[flag][1]);
    else
      throw new Error(
        `${flag} is not an option: expected ${[...Object.keys(numeric), '--out', '--modes'].join(', ')} (each with a value) or --self-test`,
      );
  }
  // The self-test runs its own schedules; ordinary ones only when asked for.
  if (o.selfTest && !argv.includes('--schedules') && !argv.includes('--schedule')) o.schedules = 0;
  return o as unknown as DrillOptions;
}

/** The readable table the drill prints: every figure with the compressed setting behind it. */
const ms = (v: number | null) => (v === null ? 'never' : `${v} ms`);
const row = (what: string, value: string, target: string, ok: boolean, setting = '') =>
  `  ${what.padEnd(46)}${value.padStart(14)}   ${target.padEnd(18)}${(ok ? 'ok' : 'MISSED').padEnd(8)}${setting}`;
const compressedOf = (r: DrillReport) => r.settings.compressed as Record<string, number>;

export function renderTable(r: DrillReport): string {
  const c = compressedOf(r);
  const lines = [
    `tap-dr DR drill on the emulator (${r.date}), seed ${r.settings.seed}, ${r.schedules.length} schedules, ${Math.round(r.wallMs / 1000)} s`,
    `  compressed: heartbeat ${c.heartbeatMs} ms (deployed 60 s), alarm period ${c.alarmPeriodMs} ms (deployed 60 s), client deadline ${c.requestMs} ms (default 3 s), ${c.callers} callers, RPO target ${r.settings.rpoTargetSeconds} s`,
    '',
    '  schedule  mode           lag table/s3 (+jitter)      sent  acked  standby  lost  overwr  double  docMiss  failbk  p50/p99 recovery  healthy p99  verdict',
    ...r.schedules.map(scheduleLine),
    '',
    `  ${'measure'.padEnd(46)}${'value'.padStart(14)}   ${'target'.padEnd(18)}${''.padEnd(8)}what sets it`,
    ...historyRows(r),
    ...timingRows(r),
  ];
  return [...lines, ...tailLines(r)].join('\n');
}

/** One schedule's row of the table. */
function scheduleLine(s: ScheduleResult): string {
  return `  ${`${s.seed}/${s.index}`.padEnd(9)} ${s.mode.padEnd(14)} ${`${s.settings.tableLagMs}+${s.settings.tableJitterMs}/${s.settings.s3LagMs}+${s.settings.s3JitterMs}`.padEnd(26)} ${String(s.ops.sent).padStart(5)} ${String(s.ops.acknowledged).padStart(6)} ${String(s.ops.byStandby).padStart(8)} ${String(s.counts.lostAcknowledged).padStart(5)} ${String(s.counts.overwrittenAcknowledged).padStart(7)} ${String(s.counts.doubleCommits).padStart(7)} ${String(s.counts.documentsMissing).padStart(8)} ${String(s.counts.failbackUnreplicated).padStart(7)}  ${`${ms(s.recoveryP50Ms)}/${ms(s.recoveryP99Ms)}`.padStart(17)}  ${(s.ops.healthyLatencyP99Ms === null ? 'timed out' : `${s.ops.healthyLatencyP99Ms} ms`).padStart(11)}  ${s.failures.length ? 'FAILED' : 'passed'}`;
}

/** The history checker's figures, summed over the schedules. */
function historyRows(r: DrillReport): string[] {
  const c = compressedOf(r);
  return [
    row('lostAcknowledged (region returned)', String(r.lostAcknowledged), '= 0', r.lostAcknowledged === 0),
    row(
      'lossIfNeverReturns: count, oldest age at cut',
      r.lossIfNeverReturns ? `${r.lossIfNeverReturns.count}, ${r.lossIfNeverReturns.oldestAgeMs} ms` : 'not run',
      `<= ${r.settings.rpoTargetSeconds} s`,
      !r.lossIfNeverReturns || r.lossIfNeverReturns.oldestAgeMs <= (r.settings.rpoTargetSeconds as number) * 1000,
      'rate x table lag (+jitter); production: about 1 s of writes',
    ),
    row(
      'RPO exposure at the cut: count, oldest',
      `${r.rpoExposureAtCut.count}, ${r.rpoExposureAtCut.oldestAgeMs} ms`,
      'reported',
      true,
      "set by --lag-ms and the seed's jitter",
    ),
    row('overwrittenAcknowledged', String(r.overwrittenAcknowledged), '= 0', r.overwrittenAcknowledged === 0),
    row('revertedToPending', String(r.revertedToPending), '= 0', r.revertedToPending === 0),
    row(
      'doubleCommits (more than one request committed)',
      String(r.doubleCommits),
      'reported',
      true,
      'no fencing: stream consumers dedupe (RUNBOOK)',
    ),
    row('documentsMissing', String(r.documentsMissing), '= 0', r.documentsMissing === 0),
    row('documentsOrphaned', String(r.documentsOrphaned), 'reported', true),
    row(
      'failbackUnreplicated',
      String(r.failbackUnreplicated),
      '= 0',
      r.failbackUnreplicated === 0,
      `hold <= ${c.failbackHoldMs} ms; beat ${c.heartbeatMs} ms`,
    ),
  ];
}

/** Recovery per mode, the baseline's alarms and the detection, with the compressed settings behind them. */
function timingRows(r: DrillReport): string[] {
  const t = r.targets;
  const c = compressedOf(r);
  const lines = [
    ...Object.entries(r.recoveryByMode).map(([m, v]) =>
      row(
        `recovery p50/p99: ${m}`,
        `${ms(v.p50Ms)}/${ms(v.p99Ms)}`,
        `p99 <= ${t.recoveryP99Ms} ms`,
        v.p99Ms !== null && v.p99Ms <= t.recoveryP99Ms,
        `2 x deadline ${c.requestMs} ms; production 2 x 3 s`,
      ),
    ),
    row(
      'falseAlarms in the healthy baseline',
      String(r.falseAlarms),
      '= 0',
      r.falseAlarms === 0,
      `period ${c.alarmPeriodMs} ms, 2 of 3, missing breaching`,
    ),
    row(
      'stalenessDetectedAfterMs (alarm in ALARM)',
      ms(r.stalenessDetectedAfterMs),
      `<= ${t.stalenessDetectedWithinMs} ms`,
      r.stalenessDetectionFailures.length === 0,
      `T + 2I + J + M·P = ${r.settings.rpoTargetSeconds} + 2x${c.heartbeatMs / 1000} + 1 + 2x${c.alarmPeriodMs / 1000} s; staleness at the pause ${r.stalenessAtPauseS?.toFixed(3) ?? '?'} s`,
    ),
    row(
      'replication-latency alarm after the pause',
      ms(r.replicationLatencyDetectedAfterMs),
      'reported',
      true,
      'AWS/DynamoDB alarms ignore missing data',
    ),
  ];
  if (r.productionCadence)
    lines.push(
      row(
        'production cadence (simulated): detection',
        r.productionCadence.detectedAfterS === null ? 'never' : `${r.productionCadence.detectedAfterS} s`,
        `<= ${r.productionCadence.boundS} s`,
        r.productionCadence.detectedAfterS !== null && r.productionCadence.detectedAfterS <= r.productionCadence.boundS,
        `${r.productionCadence.formula}, T = 60, I = 60, J = 5, P = 60; ${r.productionCadence.falseAlarmsPerSimulatedHour} false alarms/h healthy`,
      ),
    );
  return lines;
}

/** Which alarms were evaluated, the self-test, the verdict and how to reproduce each failure. */
function tailLines(r: DrillReport): string[] {
  const lines: string[] = [];
  lines.push(`  alarms evaluated: ${r.alarmsEvaluated.join(', ')}`);
  lines.push(`  not evaluated (metrics the emulator does not publish): ${r.alarmsNotEvaluated.join(', ')}`);
  if (r.selfTest) {
    lines.push(`  self-test: caught ${r.selfTest.caught}/${r.selfTest.total}`);
    for (const d of r.selfTest.defects)
      lines.push(`    ${d.caught ? 'caught' : 'MISSED'}  ${d.defect}: ${d.figure} = ${JSON.stringify(d.value)}`);
  }
  lines.push(r.passed ? '  PASSED' : `  FAILED: ${r.failures.join('; ')}`);
  for (const s of r.schedules.filter((x) => x.failures.length)) lines.push(`  reproduce: ${s.reproduce}`);
  return lines;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const report = await runDrill(o);
  fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${renderTable(report)}\n  report: ${o.out}; timelines: ${path.join(path.dirname(o.out), 'dr-drill')}/\n`,
  );
  process.exitCode = report.passed ? 0 : 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`dr:drill failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 2;
  });
}
