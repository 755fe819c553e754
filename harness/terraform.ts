import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { loadConfig, TapConfig } from '../src/config';
import { names } from '../src/naming';
import { TapStack } from '../src/tap-stack';
import { testBundle } from './bundle';
import { offlineCliConfig, offlineTerraformEnv } from './offline-terraform';

/**
 * Terraform against the emulator, for the end-to-end tests and the apply benchmark: synth a
 * configuration, point both providers at their region's emulator endpoint, and run terraform
 * commands asynchronously (so configurations run side by side), each under a deadline.
 * Every command logs at DEBUG to its own file; a command that overruns is killed and the
 * error carries the last provider log lines, so a hang says what it was waiting for.
 */

/** Nothing listens here: a request to it fails at once, on this machine. */
export const DEAD_ENDPOINT = 'http://127.0.0.1:9';

export interface TfResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface StackRun {
  readonly name: string;
  readonly config: TapConfig;
  readonly dir: string;
  readonly synthesized: any;
  tf(args: string[], opts?: { timeoutMs?: number; allowFail?: boolean }): Promise<TfResult>;
}

/** Provider endpoint keys for the services the synthesized resources use, from their types (exceptions to aws_<key>_*). */
const SERVICE_OF_PREFIX: Array<[RegExp, string[]]> = [
  [/^aws_cloudwatch_log_/, ['logs']],
  [/^aws_cloudwatch_event_/, ['events']],
  [/^aws_cloudwatch_/, ['cloudwatch']],
  [/^aws_dynamodb_/, ['dynamodb']],
  [/^aws_iam_/, ['iam']],
  [/^aws_kms_/, ['kms']],
  [/^aws_lambda_/, ['lambda']],
  [/^aws_s3_/, ['s3']],
  [/^aws_sns_/, ['sns']],
  [/^aws_(caller_identity|partition|region)$/, []],
];

export function servicesUsed(synthesized: any): string[] {
  const types = [...Object.keys(synthesized.resource ?? {}), ...Object.keys(synthesized.data ?? {})];
  const services = new Set(['sts']);
  for (const type of types) {
    // Most types are aws_<endpoint key>_...; the table above lists the exceptions.
    const hit = SERVICE_OF_PREFIX.find(([re]) => re.test(type))?.[1] ?? [type.split('_')[1]];
    hit.forEach((s) => services.add(s));
  }
  return [...services].sort();
}

/**
 * An override file: the same providers (merged by alias), each at its region's endpoint, with dummy
 * credentials. With `statePath`, also a local backend there, so emulated resources never share a
 * state file with real ones.
 */
export function emulatorOverride(
  synthesized: any,
  endpointOf: (region: string) => string,
  options: { statePath?: string } = {},
): object {
  const services = servicesUsed(synthesized);
  return {
    ...(options.statePath ? { terraform: { backend: { local: { path: options.statePath } } } } : {}),
    provider: {
      aws: (synthesized.provider.aws as Array<{ alias?: string; region: string }>).map((p) => ({
        ...(p.alias ? { alias: p.alias } : {}),
        access_key: 'testing',
        secret_key: 'testing',
        skip_credentials_validation: true,
        skip_metadata_api_check: 'true',
        s3_use_path_style: true,
        endpoints: [Object.fromEntries(services.map((s) => [s, endpointOf(p.region)]))],
      })),
    },
  };
}

/** The file an emulator override is written to, beside the stack's cdk.tf.json (Terraform reads *_override.tf.json last). */
export const OVERRIDE_FILE = 'emulator_override.tf.json';

/** Writes emulatorOverride into the stack directory `dir`; its path. */
export function writeEmulatorOverride(
  dir: string,
  synthesized: any,
  endpointOf: (region: string) => string,
  options: { statePath?: string } = {},
): string {
  const file = path.join(dir, OVERRIDE_FILE);
  fs.writeFileSync(file, `${JSON.stringify(emulatorOverride(synthesized, endpointOf, options), null, 2)}\n`);
  return file;
}

/**
 * Synthesizes one configuration into its own folder, as `npm run synth` would: the stack under
 * `<root>/cdktf.out/`, so its local state lands in `<root>` itself (beside the output directory).
 */
export function synthConfiguration(
  env: Record<string, string>,
  root: string,
): { config: TapConfig; dir: string; synthesized: any } {
  const config = loadConfig(env, {});
  const outdir = path.join(root, 'cdktf.out');
  const app = new App({ outdir });
  const stackName = names.stack({ suffix: config.environmentSuffix });
  new TapStack(app, stackName, { config, lambdaArchive: testBundle() });
  app.synth();
  const dir = path.join(outdir, 'stacks', stackName);
  return { config, dir, synthesized: JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) };
}

/** The last provider log lines worth reading: requests, responses, waits and errors, each cut to 600 characters. */
function tail(file: string, lines: number): string {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^\d{4}-/.test(l) && !/semantic equality|Transformer|setting endpoint/.test(l))
      .slice(-lines)
      .map((l) => (l.length > 600 ? `${l.slice(0, 600)}...` : l))
      .join('\n');
  } catch {
    return '(no log)';
  }
}

/** The environment of a Terraform run against the emulator: offline, failing closed, and logged at DEBUG to `log` if given. */
export function terraformEnv(rc: string, log?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...offlineTerraformEnv(rc),
    ...(log ? { TF_LOG: 'DEBUG', TF_LOG_PATH: log } : {}),
    AWS_EC2_METADATA_DISABLED: 'true',
    // Fail closed: a service the override does not name goes to a dead loopback port
    // (the provider's fallback for every endpoint), never to a real AWS host.
    AWS_ENDPOINT_URL: DEAD_ENDPOINT,
  };
}

export interface Finished {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

/** Runs a command in its own process group and kills the whole group at the deadline, so a
 *  hung Terraform takes its provider plugins down with it. */
export function runUnderDeadline(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Finished> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env, detached: true });
    // Decoded as a stream: a character split across two chunks stays whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

export function stackRun(
  name: string,
  synth: { config: TapConfig; dir: string; synthesized: any },
  mirror: string,
): StackRun {
  const rc = offlineCliConfig(mirror);
  let n = 0;
  return {
    name,
    ...synth,
    tf: async (args, { timeoutMs = 120_000, allowFail = false } = {}) => {
      const log = path.join(synth.dir, `tf-${++n}-${args[0]}.log`);
      const r = await runUnderDeadline(
        'terraform',
        [...args, '-no-color'],
        synth.dir,
        terraformEnv(rc, log),
        timeoutMs,
      );
      const where = `[${name}] terraform ${args.join(' ')}`;
      if (r.timedOut) {
        throw new Error(
          `${where} did not finish within ${timeoutMs} ms and was killed.\n` +
            `--- last output ---\n${r.stdout.split('\n').slice(-15).join('\n')}\n` +
            `--- last provider log lines (${log}) ---\n${tail(log, 40)}`,
        );
      }
      const result = { code: r.code, stdout: r.stdout, stderr: r.stderr, ms: r.ms };
      if (r.code !== 0 && !allowFail) {
        throw new Error(
          `${where} exited ${r.code} after ${r.ms} ms\n${r.stderr}\n${r.stdout.split('\n').slice(-30).join('\n')}\n--- log tail ---\n${tail(log, 20)}`,
        );
      }
      return result;
    },
  };
}

/** The local state file a synthesized stack's backend names, resolved against its stack directory. */
export function localStateFile(stackDir: string, synthesized: any): string {
  const local = synthesized.terraform?.backend?.local;
  if (!local?.path) throw new Error(`the stack in ${stackDir} has no local backend`);
  return path.resolve(stackDir, local.path);
}

/** `terraform output -json` as plain values. */
export async function outputsOf(run: StackRun): Promise<Record<string, string>> {
  const out = await run.tf(['output', '-json'], { timeoutMs: 30_000 });
  return Object.fromEntries(
    Object.entries(JSON.parse(out.stdout) as Record<string, { value: string }>).map(([k, v]) => [k, v.value]),
  );
}

export interface StateResource {
  address: string;
  type: string;
  /** The region its provider targets. */
  region: string;
  values: Record<string, any>;
}

/**
 * What Terraform believes it created (the list to verify against the emulator, never the evidence),
 * read from the local state file: `terraform show -json` would start both providers again for the
 * same list, and on two cores that is seconds per configuration.
 */
export function stateResources(run: StackRun): StateResource[] {
  const file = localStateFile(run.dir, run.synthesized);
  if (!fs.existsSync(file)) throw new Error(`no local state file at ${file}`);
  const state = JSON.parse(fs.readFileSync(file, 'utf8'));
  const regionOfAlias = new Map<string | undefined, string>(
    (run.synthesized.provider.aws as Array<{ alias?: string; region: string }>).map((p) => [p.alias, p.region]),
  );
  return (state.resources as Array<any>)
    .filter((r) => r.mode === 'managed')
    .flatMap((r) => {
      const alias = /\]\.(\w+)$/.exec(r.provider ?? '')?.[1];
      return (r.instances as Array<any>).map((i) => ({
        address: `${r.type}.${r.name}${i.index_key !== undefined ? `[${JSON.stringify(i.index_key)}]` : ''}`,
        type: r.type,
        region: regionOfAlias.get(alias)!,
        values: i.attributes,
      }));
    });
}
