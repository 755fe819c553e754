/**
 * dr:check's command line. A bad argument is an ArgError naming the argument, the value given
 * and the accepted form; dr/check.ts prints it and exits 2.
 */
import { REGION_PATTERN, RTO_TARGET_SECONDS } from '../src/config';
import { RPO_TARGET_SECONDS } from '../src/heartbeat-contract';

export type Source =
  | { readonly kind: 'terraform-dir'; readonly dir: string }
  | { readonly kind: 'terraform-outputs'; readonly file: string }
  | {
      readonly kind: 'cloudformation';
      readonly stack: string;
      readonly region: string;
      readonly secondaryRegion: string;
      readonly secondaryStack: string;
    };

export interface CheckArgs {
  readonly source: Source;
  /** Absent: RTO, RTO_TARGET_SECONDS' default; RPO, the deployment's RpoTargetSeconds output (dr/check.ts rpoTarget). */
  readonly rtoTargetSeconds?: number;
  readonly rpoTargetSeconds?: number;
  readonly documentTimeoutSeconds: number;
  /** How long to wait for each canary transaction in the other region; absent: twice the RPO target. */
  readonly canaryTimeoutSeconds?: number;
}

export class ArgError extends Error {
  override readonly name = 'ArgError';
}

export const USAGE = `usage: npm run dr:check -- SOURCE [OPTIONS]

SOURCE, exactly one of:
  --terraform-dir DIR                     runs \`terraform output -json\` in DIR (the stack's folder)
  --terraform-outputs FILE                a saved \`terraform output -json\`
  --cloudformation STACK --region R --secondary-region R2 [--secondary-stack NAME]
                                          the outputs of the CloudFormation stacks: STACK (TapStack.json) in R
                                          and NAME (TapStack-secondary.json, default STACK-secondary) in R2

OPTIONS:
  --rto-target-seconds N        ${RTO_TARGET_SECONDS.min}-${RTO_TARGET_SECONDS.max}; default RTO_TARGET_SECONDS' default (${RTO_TARGET_SECONDS.default})
  --rpo-target-seconds N        ${RPO_TARGET_SECONDS.min}-${RPO_TARGET_SECONDS.max}; default the deployment's RpoTargetSeconds output
  --document-timeout-seconds N  1-3600; how long to wait for the canary document (default 900, RTC's 15 minutes)
  --canary-timeout-seconds N    1-3600; how long to wait for the canary transaction (default 2 x the RPO target)`;

const INTEGER_OPTIONS = {
  '--rto-target-seconds': ['rtoTargetSeconds', RTO_TARGET_SECONDS.min, RTO_TARGET_SECONDS.max],
  '--rpo-target-seconds': ['rpoTargetSeconds', RPO_TARGET_SECONDS.min, RPO_TARGET_SECONDS.max],
  '--document-timeout-seconds': ['documentTimeoutSeconds', 1, 3600],
  '--canary-timeout-seconds': ['canaryTimeoutSeconds', 1, 3600],
} as const;
const STRING_OPTIONS = [
  '--terraform-dir',
  '--terraform-outputs',
  '--cloudformation',
  '--region',
  '--secondary-region',
  '--secondary-stack',
] as const;

function integer(flag: keyof typeof INTEGER_OPTIONS, value: string): number {
  const [, min, max] = INTEGER_OPTIONS[flag];
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new ArgError(
      `${flag} ${JSON.stringify(value)} is invalid: expected a whole number of seconds from ${min} to ${max}`,
    );
  }
  return n;
}

function region(flag: string, value: string | undefined): string {
  if (value === undefined)
    throw new ArgError(`--cloudformation needs ${flag} R: expected an AWS region name such as us-east-1`);
  if (!new RegExp(REGION_PATTERN).test(value))
    throw new ArgError(`${flag} ${JSON.stringify(value)} is invalid: expected an AWS region name such as us-east-1`);
  return value;
}

function source(s: Partial<Record<(typeof STRING_OPTIONS)[number], string>>): Source {
  const given = (['--terraform-dir', '--terraform-outputs', '--cloudformation'] as const).filter(
    (f) => s[f] !== undefined,
  );
  if (given.length !== 1) {
    throw new ArgError(
      `${given.length ? `${given.join(' and ')} cannot be combined` : 'no stack outputs given'}: expected exactly one of --terraform-dir DIR, --terraform-outputs FILE or --cloudformation STACK --region R --secondary-region R2`,
    );
  }
  if (given[0] !== '--cloudformation') {
    const stray = (['--region', '--secondary-region', '--secondary-stack'] as const).find((f) => s[f] !== undefined);
    if (stray) throw new ArgError(`${stray} only goes with --cloudformation: Terraform outputs name their regions`);
    return given[0] === '--terraform-dir'
      ? { kind: 'terraform-dir', dir: s['--terraform-dir']! }
      : { kind: 'terraform-outputs', file: s['--terraform-outputs']! };
  }
  const primary = region('--region', s['--region']);
  const secondary = region('--secondary-region', s['--secondary-region']);
  if (primary === secondary)
    throw new ArgError(
      `--secondary-region ${JSON.stringify(secondary)} is invalid: expected a region different from --region`,
    );
  const stack = s['--cloudformation']!;
  return {
    kind: 'cloudformation',
    stack,
    region: primary,
    secondaryRegion: secondary,
    secondaryStack: s['--secondary-stack'] ?? `${stack}-secondary`,
  };
}

export function parseCheckArgs(argv: readonly string[]): CheckArgs {
  const strings: Partial<Record<(typeof STRING_OPTIONS)[number], string>> = {};
  const numbers: Record<string, number> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    const known = flag in INTEGER_OPTIONS || (STRING_OPTIONS as readonly string[]).includes(flag);
    if (!known)
      throw new ArgError(
        `${JSON.stringify(flag)} is not an option: expected one of ${[...STRING_OPTIONS, ...Object.keys(INTEGER_OPTIONS)].join(', ')}\n${USAGE}`,
      );
    if (value === undefined || value.startsWith('--') || value === '')
      throw new ArgError(`${flag} needs a value\n${USAGE}`);
    if (flag in INTEGER_OPTIONS)
      numbers[INTEGER_OPTIONS[flag as keyof typeof INTEGER_OPTIONS][0]] = integer(
        flag as keyof typeof INTEGER_OPTIONS,
        value,
      );
    else strings[flag as (typeof STRING_OPTIONS)[number]] = value;
  }
  return { source: source(strings), documentTimeoutSeconds: 900, ...numbers };
}
