/**
 * `npm run dr:drill`: lose the primary region on the emulated two-region AWS, under load, and
 * measure what recovery cost. It applies the stack with Terraform to the emulator
 * (emulator/), stands in for each region's API Gateway (moto does not run HTTP APIs),
 * drives transactions through the shipped failover client, cuts the primary off, brings it back,
 * reconciles both regions, then pauses replication and times the heartbeat's staleness detection.
 *
 *   npm run dr:drill -- [--out FILE] [--lag-ms 500] [--rate 20] [--phase-seconds 4] [--rpo-target-seconds 10]
 *
 * On the emulator the heartbeat runs every second instead of every minute, and the RPO target
 * defaults to 10 s (the smallest RPO_TARGET_SECONDS accepts) so the drill ends in minutes.
 * Exit code 0 only when every target holds (dr/measure.ts DEFAULT_TARGETS).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createFailoverClient } from '../client';
import { regionClients, RegionClients } from '../emulator/aws';
import { emulatorOverride, outputsOf, stackRun, StackRun, synthConfiguration } from '../harness/terraform';
import { Emulator, startEmulator } from '../emulator/emulator';
import { Gateway, GATEWAY_CREDENTIALS, startGateway } from '../emulator/gateway-control';
import { testBundle } from '../harness/bundle';
import { names } from '../src/naming';
import { RPO_TARGET_SECONDS } from '../src/heartbeat-contract';
import { findMirror } from './mirror';
import {
  DEFAULT_TARGETS,
  DrillReport,
  missedTargets,
  reconcile,
  renderTable,
  rpoExposure,
  rtoMs,
  Sent,
} from './measure';
import { firstStaleDatapoint, regionView } from './observe';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export interface DrillOptions {
  readonly out: string;
  readonly lagMs: number;
  /** Transactions per second of the steady load. */
  readonly rate: number;
  /** Seconds of load before the outage, during it, and after recovery. */
  readonly phaseSeconds: number;
  readonly rpoTargetSeconds: number;
}

interface Running {
  emu: Emulator;
  run: StackRun;
  outputs: Record<string, string>;
  regions: { primary: string; standby: string };
  clients: { primary: RegionClients; standby: RegionClients };
  gateways: { primary: Gateway; standby: Gateway };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stderr.write(`dr:drill ${new Date().toISOString().slice(11, 23)} ${msg}\n`);

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
  fs.writeFileSync(
    path.join(synth.dir, 'emulator_override.tf.json'),
    JSON.stringify(emulatorOverride(synth.synthesized, (r) => emu.endpointFor(r))),
  );
  const run = stackRun('drill', synth, findMirror());
  log('terraform init + apply against the emulator');
  await run.tf(['init', '-input=false'], { timeoutMs: 60_000 });
  await run.tf(['apply', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: 180_000 });
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
      heartbeatMs: 1000,
    });
    started.unshift(g);
    return g;
  };
  const gateways = { primary: await gateway(clients.primary), standby: await gateway(clients.standby) };
  await emu.replication.set({ lagMs: o.lagMs });
  return { emu, run, outputs, regions, clients, gateways };
}

let sequence = 0;
const transaction = (withDocument: boolean) => ({
  transactionId: `drill-${process.pid}-${++sequence}`,
  accountId: `acct-${sequence % 7}`,
  amount: `${(sequence % 500) + 1}.${String(sequence % 100).padStart(2, '0')}`,
  currency: 'EUR',
  type: 'debit',
  ...(withDocument
    ? { document: { contentType: 'text/plain', content: Buffer.from(`receipt ${sequence}`).toString('base64') } }
    : {}),
});

/** Steady load for `seconds`: one transaction every 1/rate s, every other one with a document. */
async function load(
  client: ReturnType<typeof createFailoverClient>,
  o: DrillOptions,
  seconds: number,
  sent: Sent[],
): Promise<void> {
  const inFlight: Array<Promise<void>> = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const t = transaction(sequence % 2 === 0);
    inFlight.push(
      client.submit(t).then(
        (r) =>
          void sent.push({
            id: t.transactionId,
            withDocument: !!t.document,
            status: r.status,
            ackAt: Date.now(),
            ...(r.status < 300 ? { ackedBy: r.region } : {}),
          }),
        () => void sent.push({ id: t.transactionId, withDocument: !!t.document }),
      ),
    );
    await sleep(1000 / o.rate);
  }
  await Promise.all(inFlight);
}

/** Pauses replication and waits for the standby's staleness metric to cross the RPO target. */
async function stalenessDetection(r: Running, o: DrillOptions): Promise<number | null> {
  const pausedAt = Date.now();
  await r.emu.replication.set({ paused: true });
  log('replication paused; waiting for the heartbeat staleness to cross the threshold');
  const deadline = pausedAt + DEFAULT_TARGETS.stalenessDetectedWithinMs + 30_000;
  const cw = new CloudWatchClient({
    region: r.regions.standby,
    endpoint: r.clients.standby.endpoint,
    credentials: GATEWAY_CREDENTIALS,
  });
  let lastSeen: number | undefined;
  while (Date.now() < deadline) {
    const { at, latest } = await firstStaleDatapoint(
      cw,
      r.regions.standby,
      r.regions.primary,
      o.rpoTargetSeconds,
      pausedAt,
    );
    if (latest !== lastSeen) log(`standby sees the primary's heartbeat ${latest ?? 'nowhere'} s old`);
    lastSeen = latest;
    if (at !== undefined) {
      await r.emu.replication.set({ paused: false });
      return Math.max(0, at - pausedAt);
    }
    await sleep(1000);
  }
  await r.emu.replication.set({ paused: false });
  log(`no stale datapoint; standby gateway said: ${r.gateways.standby.logTail().slice(-600) || '(nothing)'}`);
  return null;
}

async function drill(r: Running, o: DrillOptions): Promise<DrillReport> {
  const client = createFailoverClient({
    primary: { endpoint: r.gateways.primary.url, region: r.regions.primary },
    standby: { endpoint: r.gateways.standby.url, region: r.regions.standby },
    credentials: GATEWAY_CREDENTIALS,
    deadlines: { requestMs: 1500, totalMs: 6000 },
    healthProbeIntervalMs: 500,
  });
  const sent: Sent[] = [];
  const table = r.outputs.DynamoDBTableName;
  const buckets = { primary: r.outputs.S3BucketName, standby: r.outputs.SecondaryS3BucketName };
  log(`steady load: ${o.rate}/s, replication lag ${o.lagMs} ms`);
  await load(client, o, o.phaseSeconds, sent);
  log('outage: the primary region is unreachable');
  const outageAt = Date.now();
  await Promise.all([r.gateways.primary.down(), r.emu.region(r.regions.primary).unreachable()]);
  // Replication halts while a region is unreachable, so these are both regions as the outage
  // left them. The observer reads through the emulator itself, not the regions' (cut) fronts.
  const observe = (region: string) => regionClients(region, r.emu.endpoint);
  const standbyAtOutage = await regionView(observe(r.regions.standby), table, buckets.standby);
  const primaryAtOutage = await regionView(observe(r.regions.primary), table, buckets.primary);
  const exposure = rpoExposure(sent, outageAt, standbyAtOutage, primaryAtOutage);
  await load(client, o, o.phaseSeconds, sent);
  log('the primary region is back; replication drains');
  await Promise.all([r.emu.region(r.regions.primary).restore(), r.gateways.primary.up()]);
  await r.emu.replication.drain(60_000);
  await load(client, o, o.phaseSeconds, sent);
  await r.emu.replication.drain(60_000);
  client.close();
  const after = reconcile(
    sent,
    await regionView(r.clients.primary, table, buckets.primary),
    await regionView(r.clients.standby, table, buckets.standby),
  );
  const stalenessDetectedAfterMs = await stalenessDetection(r, o);
  const acked = sent.filter((s) => s.ackedBy);
  const partial = {
    date: new Date().toISOString(),
    rtoMs: rtoMs(sent, outageAt) ?? null,
    rpoExposure: { count: exposure.count, oldestMs: exposure.oldestMs },
    documentsUnreplicatedAtOutage: exposure.documents,
    lostAcknowledged: after.lostAcknowledged,
    conflictingIds: after.conflictingIds,
    documentsMissing: after.documentsMissing,
    stalenessDetectedAfterMs,
    load: {
      sent: sent.length,
      acknowledged: acked.length,
      byPrimary: acked.filter((s) => s.ackedBy === 'primary').length,
      byStandby: acked.filter((s) => s.ackedBy === 'standby').length,
    },
    settings: {
      lagMs: o.lagMs,
      rate: o.rate,
      phaseSeconds: o.phaseSeconds,
      rpoTargetSeconds: o.rpoTargetSeconds,
      heartbeatEveryMs: 1000,
    },
    targets: DEFAULT_TARGETS,
    examples: after.examples,
  };
  const failures = missedTargets(partial, DEFAULT_TARGETS);
  return { ...partial, failures, passed: failures.length === 0 };
}

export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  // Stopped in reverse order of start, also when a step fails: a leftover emulator or gateway
  // would keep this process (and its ports) alive.
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    return await drill(await deploy(o, started), o);
  } finally {
    for (const s of started) await s.stop().catch(() => undefined);
  }
}

export function parseOptions(argv: readonly string[]): DrillOptions {
  const known: Record<string, [keyof DrillOptions, (v: string) => string | number]> = {
    '--out': ['out', String],
    '--lag-ms': ['lagMs', Number],
    '--rate': ['rate', Number],
    '--phase-seconds': ['phaseSeconds', Number],
    '--rpo-target-seconds': ['rpoTargetSeconds', Number],
  };
  const o: Record<string, string | number> = {
    out: path.join('cdktf.out', 'dr-drill.json'),
    lagMs: 500,
    rate: 20,
    phaseSeconds: 4,
    rpoTargetSeconds: RPO_TARGET_SECONDS.min,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const spec = known[argv[i]];
    if (!spec || argv[i + 1] === undefined)
      throw new Error(`${argv[i]} is not an option: expected ${Object.keys(known).join(', ')}, each with a value`);
    const v = spec[1](argv[i + 1]);
    if (typeof v === 'number' && !(Number.isInteger(v) && v >= (spec[0] === 'lagMs' ? 0 : 1) && v <= 100_000)) {
      throw new Error(`${argv[i]} ${JSON.stringify(argv[i + 1])} is invalid: expected a whole number`);
    }
    o[spec[0]] = v;
  }
  if ((o.rpoTargetSeconds as number) < RPO_TARGET_SECONDS.min)
    throw new Error(
      `--rpo-target-seconds must be at least ${RPO_TARGET_SECONDS.min} (RPO_TARGET_SECONDS accepts ${RPO_TARGET_SECONDS.min}-${RPO_TARGET_SECONDS.max})`,
    );
  return o as unknown as DrillOptions;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const report = await runDrill(o);
  fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${renderTable(report)}\n  report: ${o.out}\n`);
  process.exitCode = report.passed ? 0 : 1;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`dr:drill failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}
