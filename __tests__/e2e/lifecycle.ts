import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectVersionsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Emulator, startEmulator } from '../../emulator/emulator';
import { invokeBundle, testBundle } from '../../harness/bundle';
import { regionClients, RegionClients } from '../../emulator/aws';
import { checkDeployed, leftovers, pendingDeletionDays } from './checks';
import { offlineCliConfig } from '../../harness/offline-terraform';
import {
  writeEmulatorOverride,
  outputsOf,
  runUnderDeadline,
  stackRun,
  StackRun,
  stateResources,
  synthConfiguration,
  terraformEnv,
} from '../../harness/terraform';

/**
 * One configuration's whole life on the emulated two-region AWS: synth, init, apply, check each
 * region through the AWS APIs, run the built handler in each region, re-plan, destroy, and check
 * that nothing is left. Each stage is timed and its error kept, so the test reports every stage
 * (configurations run side by side; a failed stage skips the rest but destroy still runs).
 */

export const STAGES = ['apply', 'resources', 'handler', 'replan', 'destroy', 'nothing left'] as const;
export type Stage = (typeof STAGES)[number];

export interface LifecycleResult {
  name: string;
  ms: Partial<Record<Stage | 'init', number>>;
  errors: Partial<Record<Stage, Error>>;
  notes: string[];
}

// The provider itself waits 55 s on each S3 lifecycle configuration, and 90 s after setting deletion
// protection on a table replica (RETAIN_ON_DELETE=true, on create and again in the teardown).
// Measured on 2 cores with the whole npm test running: apply up to ~260 s (RETAIN_ON_DELETE=true).
export const TIMEOUTS = { init: 60_000, apply: 360_000, plan: 120_000, destroy: 180_000, teardown: 420_000 };
const STAGE_TIMEOUT_MS = 600_000;

const PROJECT = path.join(__dirname, '..', '..');

interface Invocation {
  statusCode: number;
  body?: string;
  error?: string;
}

/** The built bundle as the function runs in `region`: its deployed environment, that region's endpoint. */
async function invoke(
  c: RegionClients,
  functionName: string,
  calls: Array<{ event: object; requestId: string }>,
): Promise<Invocation[]> {
  const cfg = await c.rest('lambda', 'GET', `/2015-03-31/functions/${functionName}/configuration`);
  if (cfg.status !== 200) throw new Error(`function ${functionName} not found in ${c.region}`);
  const env = {
    PATH: process.env.PATH!,
    ...(cfg.json.Environment?.Variables ?? {}),
    AWS_REGION: c.region,
    AWS_ENDPOINT_URL: c.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
  };
  return invokeBundle<Invocation>(testBundle().file, 'handler', calls, env, 30_000);
}

function expectStatus(r: Invocation, status: number, what: string): void {
  if (r.statusCode !== status) throw new Error(`${what}: expected ${status}, got ${r.statusCode} ${r.body ?? r.error}`);
}

const txn = (id: string, extra: object = {}) => ({
  transactionId: id,
  accountId: 'acct-e2e',
  amount: '12.34',
  currency: 'USD',
  type: 'credit',
  ...extra,
});

/** The handler in each region against the applied stack. */
async function exerciseHandlers(
  emu: Emulator,
  run: StackRun,
  outputs: Record<string, string>,
  clients: (r: string) => RegionClients,
  notes: string[],
) {
  const { primaryRegion: primary, secondaryRegion: secondary } = run.config;
  const table = outputs.DynamoDBTableName;
  const p = clients(primary);
  const s = clients(secondary);
  const item = async (c: RegionClients, id: string) =>
    (
      await c.dynamodb.send(
        new GetItemCommand({ TableName: table, Key: { transactionId: { S: id } }, ConsistentRead: true }),
      )
    ).Item;

  // A transaction written in the primary appears in the secondary, unchanged.
  const doc = { contentType: 'text/plain', content: Buffer.from(`document of ${run.name}`).toString('base64') };
  const [created] = await invoke(p, outputs.LambdaFunctionName, [
    { event: txn('e2e-primary-1', { document: doc }), requestId: 'e2e-1' },
  ]);
  expectStatus(created, 201, 'primary write');
  await emu.replication.drain(15_000);
  const here = await item(p, 'e2e-primary-1');
  const there = await item(s, 'e2e-primary-1');
  if (!there) throw new Error(`the primary's write did not reach the ${secondary} replica`);
  if (JSON.stringify(there) !== JSON.stringify(here))
    throw new Error(`replica differs: ${JSON.stringify(there)} vs ${JSON.stringify(here)}`);

  // Its document lands in the primary bucket, and (with a standby bucket) in the secondary one, re-encrypted there.
  const versions = (await p.s3.send(new ListObjectVersionsCommand({ Bucket: outputs.S3BucketName }))).Versions ?? [];
  if (versions.length !== 1)
    throw new Error(`expected one document in ${outputs.S3BucketName}, found ${versions.length}`);
  const key = versions[0].Key!;
  const source = await p.s3.send(new HeadObjectCommand({ Bucket: outputs.S3BucketName, Key: key }));
  if (source.SSEKMSKeyId !== outputs.KMSKeyArn)
    throw new Error(`primary document key ${source.SSEKMSKeyId}, expected ${outputs.KMSKeyArn}`);
  if (outputs.SecondaryS3BucketName) {
    const replica = await s.s3.send(new HeadObjectCommand({ Bucket: outputs.SecondaryS3BucketName, Key: key }));
    if (replica.SSEKMSKeyId !== outputs.SecondaryKMSKeyArn)
      throw new Error(`replica document key ${replica.SSEKMSKeyId}, expected ${outputs.SecondaryKMSKeyArn}`);
    if (replica.ReplicationStatus !== 'REPLICA') throw new Error(`replica status ${replica.ReplicationStatus}`);
    const again = await p.s3.send(new HeadObjectCommand({ Bucket: outputs.S3BucketName, Key: key }));
    if (again.ReplicationStatus !== 'COMPLETED')
      throw new Error(`source replication status ${again.ReplicationStatus}`);
    const body = async (c: RegionClients, bucket: string) =>
      Buffer.from(
        await (await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray(),
      ).toString();
    if ((await body(s, outputs.SecondaryS3BucketName)) !== (await body(p, outputs.S3BucketName)))
      throw new Error('replica content differs');
    notes.push(`document ${key} in both buckets`);
  } else {
    notes.push('no standby bucket: document checked in the primary only');
  }

  const standby = outputs.StandbyLambdaFunctionArn;
  if (!standby) return void notes.push('no standby processor: standby checks skipped');
  const standbyName = standby.split(':function:')[1];
  // A write through the standby appears in the primary; a replay of the primary's write through the standby is a 200.
  const [standbyWrite, replay] = await invoke(s, standbyName, [
    { event: txn('e2e-standby-1'), requestId: 'e2e-2' },
    { event: txn('e2e-primary-1', { document: doc }), requestId: 'e2e-3' },
  ]);
  expectStatus(standbyWrite, 201, 'standby write');
  expectStatus(replay, 200, 'replay through the standby');
  await emu.replication.drain(15_000);
  const back = await item(p, 'e2e-standby-1');
  if (back?.processedRegion?.S !== secondary)
    throw new Error(`the standby's write did not reach ${primary}: ${JSON.stringify(back)}`);
}

export async function runLifecycle(
  name: string,
  env: Record<string, string>,
  mirror: string,
): Promise<LifecycleResult> {
  const result: LifecycleResult = { name, ms: {}, errors: {}, notes: [] };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-e2e-'));
  const synth = synthConfiguration(env, root);
  const regions = [synth.config.primaryRegion, synth.config.secondaryRegion];
  const emu = await startEmulator({ regions });
  try {
    return await lifecycle(name, result, synth, regions, emu, mirror);
  } finally {
    await emu.stop();
    // Keep the folder (state, override, DEBUG logs) only when something failed.
    if (Object.keys(result.errors).length) {
      fs.rmSync(path.join(synth.dir, '.terraform'), { recursive: true, force: true });
      result.notes.push(`logs kept in ${synth.dir}, state in the run folder above cdktf.out/`);
    } else fs.rmSync(root, { recursive: true, force: true });
  }
}

async function lifecycle(
  name: string,
  result: LifecycleResult,
  synth: ReturnType<typeof synthConfiguration>,
  regions: string[],
  emu: Emulator,
  mirror: string,
): Promise<LifecycleResult> {
  const clientCache = new Map<string, RegionClients>();
  const clients = (region: string) => {
    if (!clientCache.has(region)) clientCache.set(region, regionClients(region, emu.endpointFor(region)));
    return clientCache.get(region)!;
  };
  writeEmulatorOverride(synth.dir, synth.synthesized, (r) => emu.endpointFor(r));
  const run = stackRun(name, synth, mirror);
  const stage = async (s: Stage, fn: () => Promise<void>): Promise<boolean> => {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      // Terraform commands have their own deadlines; this one bounds everything else in a stage.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`${s} did not finish within ${STAGE_TIMEOUT_MS} ms\nemulator log tail:\n${emu.logTail()}`),
            ),
          STAGE_TIMEOUT_MS,
        );
      });
      await Promise.race([fn(), deadline]);
      return true;
    } catch (e) {
      result.errors[s] = e as Error;
      return false;
    } finally {
      clearTimeout(timer);
      result.ms[s] = Date.now() - started;
    }
  };
  const skip = (s: Stage, why: Stage) => void (result.errors[s] = new Error(`skipped: ${why} failed`));

  {
    const t = Date.now();
    await run.tf(['init', '-input=false'], { timeoutMs: TIMEOUTS.init });
    result.ms.init = Date.now() - t;
    const applied = await stage(
      'apply',
      async () =>
        void (await run.tf(['apply', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: TIMEOUTS.apply })),
    );
    let outputs: Record<string, string> = {};
    if (applied) {
      outputs = await outputsOf(run);
      const resources = stateResources(run);
      const checked = await stage('resources', async () => {
        const unchecked = await checkDeployed(resources, clients);
        result.notes.push(`${resources.length} resources checked in ${regions.join(' + ')}`);
        if (unchecked.length) result.notes.push(`types with no check yet: ${unchecked.join(', ')}`);
      });
      if (checked) await stage('handler', () => exerciseHandlers(emu, run, outputs, clients, result.notes));
      else skip('handler', 'resources');
      await stage('replan', async () => {
        const plan = await run.tf(['plan', '-detailed-exitcode', '-input=false', '-lock=false'], {
          timeoutMs: TIMEOUTS.plan,
          allowFail: true,
        });
        if (plan.code !== 0)
          throw new Error(
            `re-plan exit code ${plan.code} (0 = no changes):\n${plan.stdout
              .split('\n')
              .filter((l) => /^\s*[~+-]|#|Plan:|Error/.test(l))
              .join('\n')}\n${plan.stderr}`,
          );
      });
    } else {
      (['resources', 'handler', 'replan'] as Stage[]).forEach((s) => skip(s, 'apply'));
    }

    const destroyed = await stage('destroy', async () => {
      if (synth.config.retainOnDelete) {
        const refused = await run.tf(['destroy', '-auto-approve', '-input=false', '-lock=false'], {
          timeoutMs: TIMEOUTS.destroy,
          allowFail: true,
        });
        if (refused.code === 0)
          throw new Error('destroy of a RETAIN_ON_DELETE=true stack succeeded; prevent_destroy should refuse it');
        if (!/prevent_destroy/.test(refused.stderr + refused.stdout))
          throw new Error(`destroy failed, but not because of prevent_destroy:\n${refused.stderr}`);
        result.notes.push('terraform destroy refused (prevent_destroy); ran scripts/teardown-retained.sh');
        await teardownRetained(run, mirror);
      } else {
        await run.tf(['destroy', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: TIMEOUTS.destroy });
      }
    });
    if (destroyed) {
      await stage('nothing left', async () => {
        const left: string[] = [];
        for (const region of regions) {
          for (const [service, names] of Object.entries(await leftovers(clients(region)))) {
            if (names.length) left.push(`${region} ${service}: ${names.join(', ')}`);
          }
          const window = synth.config.retainOnDelete ? 30 : 7;
          const days = await pendingDeletionDays(clients(region));
          if (days.some((d) => d !== window))
            left.push(`${region}: keys pending deletion in ${days.join(', ')} days, expected ${window}`);
        }
        if (left.length) throw new Error(`left behind after destroy:\n  ${left.join('\n  ')}`);
      });
    } else skip('nothing left', 'destroy');
  }
  return result;
}

/** The documented teardown of a retained stack (scripts/teardown-retained.sh), under a deadline. */
async function teardownRetained(run: StackRun, mirror: string): Promise<void> {
  // The script runs terraform itself; give it the same offline CLI config, logging and fail-closed endpoint.
  const log = path.join(run.dir, 'tf-teardown.log');
  const script = path.join(PROJECT, 'scripts', 'teardown-retained.sh');
  const r = await runUnderDeadline(
    'bash',
    [script, run.dir, '-lock=false', '-no-color'],
    run.dir,
    terraformEnv(offlineCliConfig(mirror), log),
    TIMEOUTS.teardown,
  );
  if (r.code === 0 && !r.timedOut) return;
  const tail = fs.existsSync(log)
    ? fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => /^\d{4}-/.test(l) && !/semantic equality|Transformer|setting endpoint/.test(l))
        .slice(-30)
        .map((l) => l.slice(0, 600))
        .join('\n')
    : '(no log)';
  const out = `${r.stdout}${r.stderr}`;
  throw new Error(
    `teardown-retained.sh ${r.timedOut ? `did not finish within ${TIMEOUTS.teardown} ms` : `exited ${r.code}`}\n${out.split('\n').slice(-25).join('\n')}\n--- provider log tail ---\n${tail}`,
  );
}
