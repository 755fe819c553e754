import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Offline Terraform: a CLI config (written to a temp folder) that installs providers only
 * from the filesystem mirror named by TF_PROVIDER_MIRROR. Nothing reaches a registry.
 */
export interface OfflineTerraform {
  readonly mirror: string;
  run(args: string[], cwd: string, env?: Record<string, string>): SpawnSyncReturns<string>;
}

/** Whether `dir` is a filesystem mirror holding hashicorp/aws. */
function holdsAwsProvider(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'registry.terraform.io', 'hashicorp', 'aws'));
}

/** Why offline Terraform cannot run here, or undefined when it can. */
export function offlineTerraformUnavailable(): string | undefined {
  const mirror = process.env.TF_PROVIDER_MIRROR;
  if (!mirror) return 'TF_PROVIDER_MIRROR is unset (point it at a provider mirror, e.g. /opt/tf-plugins)';
  if (!holdsAwsProvider(mirror)) {
    return `TF_PROVIDER_MIRROR=${mirror} holds no registry.terraform.io/hashicorp/aws`;
  }
  const tf = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  if (tf.status !== 0) return 'terraform is not on PATH';
  return undefined;
}

/** Writes a Terraform CLI config, in a temp folder, that installs providers only from `mirror`; returns its path. */
export function offlineCliConfig(mirror: string): string {
  const rc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-tfrc-')), 'terraform.rc');
  fs.writeFileSync(
    rc,
    `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
`,
  );
  return rc;
}

/**
 * Go's garbage collector for Terraform and its provider plugins (they inherit it): most of a
 * command's CPU is the AWS provider building its schemas, once per plugin process it starts, and at
 * Go's default (100) much of that is collection. At 400 a plan takes about 40% less CPU for about
 * 150 MB more per process (measured on a plan of the default stack); off costs more, in page faults.
 * A GOGC already set in the environment wins.
 */
export const TERRAFORM_GOGC = '400';

/** What every offline Terraform run here sets: the mirror-only CLI config, no prompts, no checkpoint calls. */
export function offlineTerraformEnv(rc: string): Record<string, string> {
  return {
    TF_CLI_CONFIG_FILE: rc,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    TF_PLUGIN_CACHE_DIR: '',
    GOGC: process.env.GOGC || TERRAFORM_GOGC,
  };
}

export function offlineTerraform(): OfflineTerraform {
  const mirror = process.env.TF_PROVIDER_MIRROR!;
  const rc = offlineCliConfig(mirror);
  return {
    mirror,
    run: (args, cwd, env = {}) =>
      spawnSync('terraform', args, {
        cwd,
        encoding: 'utf8',
        timeout: 300_000,
        env: { ...process.env, ...offlineTerraformEnv(rc), ...env },
      }),
  };
}

/** The provider mirror to use: TF_PROVIDER_MIRROR, else the places our machines keep one; undefined if none. */
export function findProviderMirror(): string | undefined {
  const candidates = [
    process.env.TF_PROVIDER_MIRROR,
    '/opt/tf-plugins',
    path.join(os.homedir(), '.terraform.d', 'plugins'),
  ];
  return candidates.find((c) => c && holdsAwsProvider(c));
}
