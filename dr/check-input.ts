/**
 * What dr:check checks, read from the stack's outputs (src/design.ts `outputs` and
 * `standbyOutputs`): `terraform output -json` run in the stack's folder, a saved copy of it, or
 * the primary CloudFormation stack's outputs. Regions, account and partition come from the key
 * ARNs; the environment suffix from the table name (src/naming.ts).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import { names } from '../src/naming';
import type { AwsAccess } from './check-aws';
import { xmlBlocks, xmlError, xmlText } from './check-aws';
import type { Source } from './check-args';

export interface Deployment {
  /** Where the outputs came from, for the report. */
  readonly source: string;
  readonly partition: string;
  readonly account: string;
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  readonly suffix: string;
  readonly tableName: string;
  readonly keys: { readonly primary: string; readonly secondary: string };
  readonly buckets: { readonly primary: string; readonly secondary?: string };
  readonly apis: { readonly primary: string; readonly standby?: string };
  /** The standby tier is deployed (Terraform with STANDBY_PROCESSOR, the default). */
  readonly standby: boolean;
  /** Alarm names the outputs name (all in the primary region). */
  readonly outputAlarmNames: readonly string[];
  /** The Route 53 health check of DNS failover, when an output names it (`DnsHealthCheckId`). */
  readonly dnsHealthCheckId?: string;
  /** The configured RPO target (`RpoTargetSeconds`); absent from deployments that predate the output. */
  readonly rpoTargetSeconds?: number;
  /** The roles the processors take canaries from (`DrCheckPrincipals`, DR_CHECK_PRINCIPALS); none when absent. */
  readonly drCheckPrincipals: readonly string[];
}

export class InputError extends Error {
  override readonly name = 'InputError';
}

const KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):key\/[\w-]+$/;

function keyArn(outputs: Record<string, string>, id: string): { partition: string; region: string; account: string } {
  const m = KEY_ARN.exec(outputs[id] ?? '');
  if (!m) throw new InputError(`output ${id} is ${JSON.stringify(outputs[id])}: expected a KMS key ARN`);
  return { partition: m[1], region: m[2], account: m[3] };
}

/** The suffix the table name was built with (the inverse of names.table). */
function suffixOf(tableName: string): string {
  const prefix = names.table({ suffix: '' });
  if (!tableName.startsWith(prefix) || tableName.length === prefix.length)
    throw new InputError(
      `output DynamoDBTableName ${JSON.stringify(tableName)} is not a tap-dr table name (${names.table({ suffix: '<suffix>' })})`,
    );
  return tableName.slice(prefix.length);
}

export function deploymentFrom(outputs: Record<string, string>, source: string): Deployment {
  const required = ['KMSKeyArn', 'SecondaryKMSKeyArn', 'DynamoDBTableName', 'S3BucketName', 'PrimaryApiEndpoint'];
  const missing = required.filter((k) => !outputs[k]);
  if (missing.length)
    throw new InputError(`${source} lacks the output(s) ${missing.join(', ')}: is this a tap-dr stack?`);
  const primary = keyArn(outputs, 'KMSKeyArn');
  const secondary = keyArn(outputs, 'SecondaryKMSKeyArn');
  if (primary.region === secondary.region)
    throw new InputError(`KMSKeyArn and SecondaryKMSKeyArn are both in ${primary.region}: expected two regions`);
  const standby = !!outputs.StandbyApiEndpoint && !!outputs.SecondaryS3BucketName;
  return {
    source,
    partition: primary.partition,
    account: primary.account,
    primaryRegion: primary.region,
    secondaryRegion: secondary.region,
    suffix: suffixOf(outputs.DynamoDBTableName),
    tableName: outputs.DynamoDBTableName,
    keys: { primary: outputs.KMSKeyArn, secondary: outputs.SecondaryKMSKeyArn },
    buckets: { primary: outputs.S3BucketName, ...(standby ? { secondary: outputs.SecondaryS3BucketName } : {}) },
    apis: { primary: outputs.PrimaryApiEndpoint, ...(standby ? { standby: outputs.StandbyApiEndpoint } : {}) },
    standby,
    outputAlarmNames: Object.entries(outputs)
      .filter(([k, v]) => k.endsWith('AlarmName') && v)
      .map(([, v]) => v),
    ...(outputs.DnsHealthCheckId ? { dnsHealthCheckId: outputs.DnsHealthCheckId } : {}),
    ...rpoTargetOf(outputs),
    drCheckPrincipals: outputs.DrCheckPrincipals ? outputs.DrCheckPrincipals.split(',') : [],
  };
}

/** `RpoTargetSeconds`, when the deployment has it: a positive whole number of seconds. */
function rpoTargetOf(outputs: Record<string, string>): { rpoTargetSeconds?: number } {
  const text = outputs.RpoTargetSeconds;
  if (text === undefined || text === '') return {};
  if (!/^[1-9]\d{0,5}$/.test(text))
    throw new InputError(`output RpoTargetSeconds is ${JSON.stringify(text)}: expected a whole number of seconds`);
  return { rpoTargetSeconds: Number(text) };
}

/** `terraform output -json` ({name: {value, ...}}) or a plain {name: value} map, as strings. */
export function parseOutputsJson(text: string, what: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      `${what} is not JSON (${(e as Error).message}): expected the output of \`terraform output -json\``,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InputError(`${what}: expected a JSON object of outputs`);
  const values = Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [
    k,
    v && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v,
  ]);
  return Object.fromEntries(values.filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** Runs `terraform output -json` in `dir`, killed (with its process group) after `timeoutMs`. */
export function terraformOutputs(dir: string, timeoutMs = 60_000): Promise<Record<string, string>> {
  if (!fs.existsSync(dir))
    return Promise.reject(
      new InputError(
        `--terraform-dir ${JSON.stringify(dir)} does not exist: expected the stack's folder (e.g. cdktf.out/stacks/tap-dr-<suffix>)`,
      ),
    );
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', ['output', '-json', '-no-color'], {
      cwd: dir,
      detached: true,
      env: { ...process.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new InputError(`terraform output -json in ${dir} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (e) => (clearTimeout(timer), reject(new InputError(`cannot run terraform: ${e.message}`))));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0)
        return reject(new InputError(`terraform output -json in ${dir} exited ${code}: ${err.trim().slice(0, 500)}`));
      try {
        resolve(parseOutputsJson(out, `terraform output -json in ${dir}`));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The outputs of a CloudFormation stack (DescribeStacks). */
export async function cloudFormationOutputs(
  access: AwsAccess,
  stack: string,
  region: string,
): Promise<Record<string, string>> {
  const r = await access.signed({
    service: 'cloudformation',
    region,
    method: 'POST',
    path: '/',
    form: { Action: 'DescribeStacks', Version: '2010-05-15', StackName: stack },
  });
  if (r.status !== 200) throw new InputError(xmlError(`DescribeStacks ${stack} in ${region}`, r).message);
  const outputs = xmlBlocks(xmlBlocks(r.text, 'Outputs')[0] ?? '', 'member').map((m) => [
    xmlText(m, 'OutputKey'),
    xmlText(m, 'OutputValue'),
  ]);
  return Object.fromEntries(outputs.filter(([k, v]) => k && v !== undefined));
}

export async function loadDeployment(source: Source, aws: AwsAccess): Promise<Deployment> {
  switch (source.kind) {
    case 'terraform-dir':
      return deploymentFrom(await terraformOutputs(source.dir), `terraform outputs of ${source.dir}`);
    case 'terraform-outputs': {
      if (!fs.existsSync(source.file))
        throw new InputError(
          `--terraform-outputs ${JSON.stringify(source.file)} does not exist: expected a saved \`terraform output -json\``,
        );
      return deploymentFrom(parseOutputsJson(fs.readFileSync(source.file, 'utf8'), source.file), source.file);
    }
    case 'cloudformation': {
      // TapStack-secondary.json holds the secondary key and, with the standby tier, the standby outputs.
      const [primary, secondary] = await Promise.all([
        cloudFormationOutputs(aws, source.stack, source.region),
        cloudFormationOutputs(aws, source.secondaryStack, source.secondaryRegion).catch((e: Error) => {
          throw new InputError(`${e.message} (the secondary stack: name it with --secondary-stack NAME)`);
        }),
      ]);
      const d = deploymentFrom(
        { ...secondary, ...primary },
        `CloudFormation stacks ${source.stack} (${source.region}) and ${source.secondaryStack} (${source.secondaryRegion})`,
      );
      if (d.primaryRegion !== source.region || d.secondaryRegion !== source.secondaryRegion) {
        throw new InputError(
          `stack ${source.stack}'s keys are in ${d.primaryRegion} and ${d.secondaryRegion}, not --region ${source.region} and --secondary-region ${source.secondaryRegion}`,
        );
      }
      return d;
    }
  }
}
