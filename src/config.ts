/**
 * The one place where tap-dr's configuration is read and validated.
 *
 * Every setting comes from an environment variable, or from cdktf context
 * (`cdktf.json` "context", or the CDKTF_CONTEXT_JSON that cdktf-cli passes) under
 * its camelCase key. The environment wins over context. Nothing here touches the
 * filesystem, so a bad value is reported before anything is synthesized or written.
 *
 * This module must stay free of cdktf/provider imports: the CloudFormation emitter
 * uses it too and must load fast.
 */

import { stalenessDetectionBoundSeconds } from './alarms';
import { FIS_DRILL, minFisPauseMinutes, worstCaseDnsFailoverSeconds } from './failover/spec';
import { ROLE_ARN_PATTERN } from './contract';
import { RPO_TARGET_SECONDS } from './heartbeat-contract';

/** Lowercase letters, digits and hyphens; starts and ends alphanumeric; 1-20 characters.
 *  It ends up in S3 bucket, KMS alias and stack names, hence the strictness. Not ending in
 *  "-secondary": the CloudFormation stacks of suffix X are tap-dr-X and tap-dr-X-secondary, and
 *  stack names allow no character that could separate the two (src/naming.ts, cfnStack). */
export const ENVIRONMENT_SUFFIX_PATTERN = '^(?!.*-secondary$)[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$';
export const ENVIRONMENT_SUFFIX_DESCRIPTION =
  '1-20 lowercase letters, digits or hyphens, starting and ending with a letter or digit, not ending in "-secondary" (e.g. "dev", "pr-123")';

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4, ... */
export const REGION_PATTERN = '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$';

/** An IAM role ARN (any partition and account): src/contract.ts, which the processor reads it from too. */
export { ROLE_ARN_PATTERN };
export const ROLE_ARN_DESCRIPTION = 'IAM role ARNs such as arn:aws:iam::123456789012:role/failover-automation';

/** A Route 53 hosted zone id, as the console shows it (Z + up to 31 uppercase letters or digits). */
export const HOSTED_ZONE_ID_PATTERN = '^Z[A-Z0-9]{1,31}$';
/** A lowercase DNS name with at least two labels, no trailing dot (ACM and API Gateway custom domains). */
export const DOMAIN_NAME_PATTERN = '^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$';

/** Tag keys tap-dr sets itself; EXTRA_TAGS may not override them. */
export const RESERVED_TAG_KEYS = ['Project', 'Environment', 'ManagedBy'] as const;

/** Deliberately loose: a local part, an @ and a dotted domain; SNS confirms the address anyway. */
export const ALERT_EMAIL_PATTERN = '^[^\\s@]{1,64}@[^\\s@]+\\.[^\\s@]{2,}$';

/** A whole-number setting's accepted range and its default (none: unset by default). */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}

/**
 * RTO_TARGET_SECONDS: the one source of its bounds and default (configuration, dr:check and the
 * docs read them here). RPO_TARGET_SECONDS's are src/heartbeat-contract.ts's.
 */
export const RTO_TARGET_SECONDS = { min: 30, max: 86400, default: 300 } as const;

/** The other whole-number settings: each range and default, said once. */
export const RANGES = {
  rtoTargetSeconds: RTO_TARGET_SECONDS,
  rpoTargetSeconds: RPO_TARGET_SECONDS,
  apiThrottleRateLimit: { min: 1, max: 10000, default: 100 },
  apiThrottleBurstLimit: { min: 1, max: 5000, default: 200 },
  noncurrentVersionExpirationDays: { min: 1, max: 3650, default: 90 },
  // Unset by default: the seed's fix 6 (reserved concurrency can exceed the account quota).
  lambdaReservedConcurrency: { min: 1, max: 10000 },
} as const satisfies Record<string, Range>;

/** Defaults of the settings that are not numbers. */
export const DEFAULTS = {
  environmentSuffix: 'dev',
  primaryRegion: 'us-east-1',
  secondaryRegion: 'us-west-2',
  // 365: PCI DSS 10.7 keeps audit trail history for at least a year.
  logRetentionDays: 365,
} as const;

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS_ALLOWED = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export type StateBackendConfig =
  | { readonly kind: 'local' }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      /** Optional legacy DynamoDB lock table; S3-native lock files are always on. */
      readonly lockTable?: string;
    }
  | {
      readonly kind: 'cloud';
      readonly organization: string;
      /** TF_WORKSPACE; unset: the stack's own name (tap-dr-<suffix>), chosen where the stack is named. */
      readonly workspace?: string;
      readonly hostname: string;
      /** TF_CLOUD_PROJECT: the project a new workspace is created in. */
      readonly project?: string;
    };

/** Where state lives, by STATE_BACKEND. */
export const STATE_BACKENDS = ['local', 's3', 'cloud'] as const;

export interface TapConfig {
  readonly environmentSuffix: string;
  readonly primaryRegion: string;
  readonly secondaryRegion: string;
  readonly alertEmail?: string;
  /** true: deletion protection, prevent_destroy / DeletionPolicy Retain, 30-day KMS window. */
  readonly retainOnDelete: boolean;
  /** true: a warm standby processor, documents bucket (replicated) and alerts in the secondary region. */
  readonly standbyProcessor: boolean;
  readonly lambdaReservedConcurrency?: number;
  /** Roles allowed to assume the cross-region role (failover automation, break-glass operators).
   *  Empty: the role is not created; nothing trusts the account root by default. */
  readonly crossRegionTrustedPrincipals: readonly string[];
  /** Roles `npm run dr:check` runs as: the only callers the processors accept canaries from
   *  (src/contract.ts DR_CHECK_CANARY). Empty: no caller may write a canary. */
  readonly drCheckPrincipals: readonly string[];
  readonly logRetentionDays: number;
  readonly noncurrentVersionExpirationDays: number;
  /** Replication staleness beyond this many seconds alarms and makes /health degraded. */
  readonly rpoTargetSeconds: number;
  /** Worst-case failover time the DNS health check must fit in (dr:check verifies it). */
  readonly rtoTargetSeconds: number;
  /** Steady-state requests per second and burst of each regional API's $default stage. */
  readonly apiThrottle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Health-checked Route 53 failover between the regional APIs; absent unless both are set. */
  readonly dnsFailover?: { readonly hostedZoneId: string; readonly domainName: string };
  /** Minutes an FIS experiment pauses global-table replication; absent unless FIS_DRILL is on. */
  readonly fisDrill?: { readonly pauseMinutes: number };
  readonly extraTags: Readonly<Record<string, string>>;
  readonly stateBackend: StateBackendConfig;
}

/** Raised for any invalid setting; carries every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid tap-dr configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** One setting: its environment variable and its cdktf context key. */
interface Setting {
  readonly env: string;
  readonly context: string;
}

/** Environment variable of each setting; its cdktf context key is the setting's own (camelCase) name. */
const ENV_VARS = {
  environmentSuffix: 'ENVIRONMENT_SUFFIX',
  primaryRegion: 'PRIMARY_REGION',
  secondaryRegion: 'SECONDARY_REGION',
  alertEmail: 'ALERT_EMAIL',
  retainOnDelete: 'RETAIN_ON_DELETE',
  standbyProcessor: 'STANDBY_PROCESSOR',
  lambdaReservedConcurrency: 'LAMBDA_RESERVED_CONCURRENCY',
  crossRegionTrustedPrincipals: 'CROSS_REGION_TRUSTED_PRINCIPALS',
  drCheckPrincipals: 'DR_CHECK_PRINCIPALS',
  logRetentionDays: 'LOG_RETENTION_DAYS',
  noncurrentVersionExpirationDays: 'NONCURRENT_VERSION_EXPIRATION_DAYS',
  rpoTargetSeconds: 'RPO_TARGET_SECONDS',
  rtoTargetSeconds: 'RTO_TARGET_SECONDS',
  apiThrottleRateLimit: 'API_THROTTLE_RATE_LIMIT',
  apiThrottleBurstLimit: 'API_THROTTLE_BURST_LIMIT',
  hostedZoneId: 'HOSTED_ZONE_ID',
  domainName: 'DOMAIN_NAME',
  fisDrill: 'FIS_DRILL',
  fisPauseMinutes: 'FIS_PAUSE_MINUTES',
  extraTags: 'EXTRA_TAGS',
  stateBucket: 'TF_STATE_BUCKET',
  stateKey: 'TF_STATE_KEY',
  stateRegion: 'TF_STATE_REGION',
  stateLockTable: 'TF_STATE_LOCK_TABLE',
  stateBackend: 'STATE_BACKEND',
  // Terraform's own variables, with Terraform's meaning; read only with STATE_BACKEND=cloud.
  cloudOrganization: 'TF_CLOUD_ORGANIZATION',
  cloudWorkspace: 'TF_WORKSPACE',
  cloudHostname: 'TF_CLOUD_HOSTNAME',
  cloudProject: 'TF_CLOUD_PROJECT',
} as const;

const S = Object.fromEntries(Object.entries(ENV_VARS).map(([context, env]) => [context, { env, context }])) as Record<
  keyof typeof ENV_VARS,
  Setting
>;

/** The settings table; __tests__/docs/configuration-table.test.ts checks docs/CONFIGURATION.md's table against it. */
export const SETTINGS: Readonly<Record<keyof typeof ENV_VARS, Setting>> = S;

/**
 * Terraform's own variables (Terraform reads them for any `cloud` block). A user may export them
 * for other work, so tap-dr reads them only when STATE_BACKEND=cloud asks for Terraform Cloud, and
 * otherwise leaves them alone: no backend switch, no error, not even for an empty one.
 */
const CLOUD_SETTINGS = [S.cloudOrganization, S.cloudWorkspace, S.cloudHostname, S.cloudProject] as const;
const TERRAFORM_OWNED: ReadonlySet<string> = new Set(CLOUD_SETTINGS.map((s) => s.env));

export type Env = Readonly<Record<string, string | undefined>>;
export type Context = Readonly<Record<string, unknown>>;

/** The known key closest to a misspelling (edit distance, case-insensitive), if any is close. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const cur = [i];
      for (let j = 1; j <= b.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      prev = cur;
    }
    return prev[b.length];
  };
  const scored = known.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort((x, y) => x.d - y.d);
  return scored[0] && scored[0].d <= Math.max(2, Math.floor(key.length / 3)) ? scored[0].k : undefined;
}

/** cdktf's own context keys (cdktf-cli adds them to CDKTF_CONTEXT_JSON); never ours to refuse. */
const CDKTF_CONTEXT_KEY = /^(cdktf[A-Za-z]*|excludeStackIdFromLogicalIds|allowSepCharsInLogicalIds)$/;

/** Settings that existed once: a clear word beats "unknown key". */
export const RETIRED: Readonly<Record<string, string>> = {
  crossRegionExternalId:
    'is no longer used: the cross-region role trusts only the roles listed in CROSS_REGION_TRUSTED_PRINCIPALS (context "crossRegionTrustedPrincipals")',
  // An enforcing code-signing config made Lambda refuse the very bundle tap-dr deploys.
  codeSigningProfileVersionArn:
    'is refused: nothing in tap-dr signs the Lambda bundle with AWS Signer, so an enforcing code-signing config would make Lambda refuse every deploy (CodeVerificationFailedException); unset it (docs/SECURITY.md, "Code signing")',
};

/** Environment variables that existed once under another name. */
export const RETIRED_ENV: Readonly<Record<string, string>> = {
  TF_CLOUD_WORKSPACE:
    "is refused: the workspace is Terraform's own TF_WORKSPACE (set TF_WORKSPACE, and STATE_BACKEND=cloud for Terraform Cloud state)",
};

class Reader {
  readonly problems: string[] = [];
  constructor(
    private readonly env: Env,
    private readonly context: Context,
  ) {}

  /** Where a setting's value came from, spelled the way the user wrote it. */
  where(s: Setting): string {
    const fromEnv = this.env[s.env];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? s.env : `cdktf context "${s.context}"`;
  }

  /** The raw value (trimmed), from env first, then context; undefined when unset or empty. */
  raw(s: Setting): string | undefined {
    const fromEnv = this.env[s.env];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
    if (!this.inContext(s)) return undefined;
    const fromCtx = this.context[s.context];
    return typeof fromCtx === 'string' ? fromCtx.trim() : JSON.stringify(fromCtx);
  }

  fail(s: Setting, value: string, expected: string): undefined {
    this.problems.push(`${this.where(s)}=${JSON.stringify(value)} is invalid: expected ${expected}`);
    return undefined;
  }

  matching(s: Setting, pattern: RegExp, expected: string, fallback?: string): string | undefined {
    const v = this.raw(s) ?? fallback;
    if (v === undefined) return undefined;
    return pattern.test(v) ? v : this.fail(s, v, expected);
  }

  integer(s: Setting, min: number, max: number, fallback?: number): number | undefined {
    const v = this.raw(s);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      return this.fail(s, v, `a whole number from ${min} to ${max}`);
    }
    return Number(v);
  }

  /** A list: comma-separated in the environment, a JSON array (or that string) in context. */
  list(s: Setting, pattern: RegExp, expected: string): string[] {
    const v = this.raw(s);
    if (v === undefined) return [];
    let items: unknown = v.split(',').map((x) => x.trim());
    if (v.startsWith('[')) {
      try {
        items = JSON.parse(v);
      } catch {
        items = undefined;
      }
    }
    const ok =
      Array.isArray(items) && items.length <= 20 && items.every((x) => typeof x === 'string' && pattern.test(x));
    if (!ok) {
      this.fail(s, v, `a comma-separated list (or JSON array) of at most 20 ${expected}`);
      return [];
    }
    return [...new Set(items as string[])];
  }

  /**
   * An explicitly empty value (`ENVIRONMENT_SUFFIX=` from an unset pipeline variable) is refused,
   * never read as the default: a production pipeline missing a variable must not plan against
   * the defaults. Unsetting the variable is how a user asks for the default.
   */
  emptySettings(cloud: boolean): void {
    for (const s of Object.values(S)) {
      const fromEnv = this.env[s.env];
      if (!cloud && TERRAFORM_OWNED.has(s.env)) continue;
      if (fromEnv !== undefined && fromEnv.trim() === '') {
        this.problems.push(
          `${s.env}=${JSON.stringify(fromEnv)} is invalid: expected a value; an empty setting never means the default (unset ${s.env} to use it)`,
        );
      } else if (fromEnv === undefined && Object.hasOwn(this.context, s.context)) {
        const v = this.context[s.context];
        if (v === null || (typeof v === 'string' && v.trim() === '')) {
          this.problems.push(
            `cdktf context "${s.context}"=${JSON.stringify(v)} is invalid: expected a value; an empty setting never means the default (remove the key to use it)`,
          );
        }
      }
    }
  }

  /** Context keys that are no setting of ours: a typo must not silently mean "default". */
  unknownContextKeys(): void {
    const known = Object.values(S).map((x) => x.context);
    for (const key of Object.keys(this.context)) {
      if (known.includes(key) || CDKTF_CONTEXT_KEY.test(key)) continue;
      if (Object.hasOwn(RETIRED, key)) {
        this.problems.push(`cdktf context "${key}" ${RETIRED[key]}`);
        continue;
      }
      const near = nearest(key, known);
      this.problems.push(
        `cdktf context "${key}" is not a tap-dr setting: ${near ? `did you mean "${near}"?` : `expected one of ${known.join(', ')}`}`,
      );
    }
    for (const [key, why] of Object.entries(RETIRED)) {
      const envName = key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
      if ((this.env[envName] ?? '').trim() !== '') this.problems.push(`${envName} ${why}`);
    }
    for (const [envName, why] of Object.entries(RETIRED_ENV)) {
      if ((this.env[envName] ?? '').trim() !== '') this.problems.push(`${envName} ${why}`);
    }
  }

  /** True when the setting's value comes from cdktf context (tap-dr's own keys), not the environment. */
  inContext(s: Setting): boolean {
    const v = this.context[s.context];
    return Object.hasOwn(this.context, s.context) && v !== undefined && v !== null && v !== '';
  }

  /** A whole number from a fixed list, such as the retention periods a service accepts. */
  oneOf(s: Setting, allowed: readonly number[], what: string, fallback: number): number {
    const v = this.raw(s);
    if (v === undefined) return fallback;
    if (/^\d+$/.test(v) && allowed.includes(Number(v))) return Number(v);
    this.fail(s, v, `one of ${what}: ${allowed.join(', ')}`);
    return fallback;
  }

  /** A whole number in its range; the default when unset, and (with a problem noted) when invalid. */
  inRange(s: Setting, range: Range & { readonly default: number }): number {
    return this.integer(s, range.min, range.max, range.default) ?? range.default;
  }

  boolean(s: Setting, fallback: boolean): boolean {
    const v = this.raw(s);
    if (v === undefined) return fallback;
    const lower = v.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    this.fail(s, v, '"true" or "false" (or 1 / 0)');
    return fallback;
  }
}

const REGION = new RegExp(REGION_PATTERN);

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const TAGS_EXPECTED =
  'a JSON object of string tag values, e.g. {"CostCenter":"payments"}; keys 1-128 and values 0-256 characters of letters, digits, spaces and _.:/=+-@, keys not starting with "aws:"';

function parseTags(r: Reader): Record<string, string> {
  const v = r.raw(S.extraTags);
  if (v === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    r.fail(S.extraTags, v, TAGS_EXPECTED);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    r.fail(S.extraTags, v, TAGS_EXPECTED);
    return {};
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const ok = entries.every(
    ([k, val]) =>
      typeof val === 'string' && TAG_KEY.test(k) && !k.toLowerCase().startsWith('aws:') && TAG_VALUE.test(val),
  );
  if (!ok || entries.length > 40) {
    r.fail(S.extraTags, v, `${TAGS_EXPECTED}; at most 40 tags`);
    return {};
  }
  // AWS tag keys are case-sensitive, but "project" beside "Project" only confuses a bill.
  const reserved = entries
    .map(([k]) => k)
    .filter((k) => RESERVED_TAG_KEYS.some((x) => x.toLowerCase() === k.toLowerCase()));
  if (reserved.length > 0) {
    r.fail(
      S.extraTags,
      v,
      `no tag key tap-dr sets itself (${RESERVED_TAG_KEYS.join(', ')}); remove ${reserved.join(', ')}`,
    );
    return {};
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

const S3_SETTINGS = [S.stateBucket, S.stateKey, S.stateRegion, S.stateLockTable] as const;

/** STATE_BACKEND, or what it defaults to: s3 when TF_STATE_BUCKET names a bucket, else local. */
function stateBackendKind(r: Reader): (typeof STATE_BACKENDS)[number] {
  const given = r.raw(S.stateBackend);
  const fallback = r.raw(S.stateBucket) !== undefined ? 's3' : 'local';
  if (given === undefined) return fallback;
  if ((STATE_BACKENDS as readonly string[]).includes(given)) return given as (typeof STATE_BACKENDS)[number];
  r.fail(S.stateBackend, given, `one of ${STATE_BACKENDS.map((b) => `"${b}"`).join(', ')}`);
  return fallback;
}

/** The S3 settings, each checked whether or not it can be used, so every bad value is reported at once. */
function parseS3Settings(r: Reader) {
  return {
    bucket: r.matching(
      S.stateBucket,
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens)',
    ),
    key: r.matching(S.stateKey, /^[^\s/][^\s]{0,1023}$/, 'an S3 object key with no spaces, not starting with "/"'),
    region: r.matching(S.stateRegion, REGION, 'an AWS region name such as us-east-1'),
    lockTable: r.matching(
      S.stateLockTable,
      /^[A-Za-z0-9_.-]{3,255}$/,
      'a DynamoDB table name (3-255 letters, digits, _ . or -)',
    ),
  };
}

/** Terraform Cloud: read only with STATE_BACKEND=cloud (see TERRAFORM_OWNED). */
function parseCloudSettings(r: Reader) {
  return {
    organization: r.matching(
      S.cloudOrganization,
      /^[A-Za-z0-9_-]{1,128}$/,
      'a Terraform Cloud organization name (letters, digits, _ or -)',
    ),
    workspace: r.matching(
      S.cloudWorkspace,
      /^[A-Za-z0-9_-]{1,90}$/,
      'a Terraform Cloud workspace name (1-90 letters, digits, _ or -)',
    ),
    hostname:
      r.matching(
        S.cloudHostname,
        /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/,
        'a hostname such as app.terraform.io or tfe.example.com',
      ) ?? 'app.terraform.io',
    project: r.matching(
      S.cloudProject,
      /^[A-Za-z0-9 _-]{3,40}$/,
      'a Terraform Cloud project name (3-40 letters, digits, spaces, _ or -)',
    ),
  };
}

/** Settings that cannot apply to the chosen backend are refused, never silently dropped. */
function refuseForeignBackendSettings(r: Reader, kind: string, chosen: string | undefined): void {
  if (kind !== 's3') {
    for (const s of S3_SETTINGS.filter((x) => r.raw(x) !== undefined)) {
      r.problems.push(
        chosen
          ? `${r.where(s)} is set but ${chosen}: expected S3 settings only with STATE_BACKEND=s3 (or STATE_BACKEND unset)`
          : `${r.where(s)} is set but ${S.stateBucket.env} is not: expected both`,
      );
    }
  }
  if (kind !== 'cloud') {
    for (const s of CLOUD_SETTINGS.filter((x) => r.inContext(x))) {
      r.problems.push(
        `cdktf context "${s.context}" is set but ${chosen ?? `${S.stateBackend.env} is unset`}: expected it only with STATE_BACKEND=cloud`,
      );
    }
  }
}

function s3Backend(
  r: Reader,
  s3: ReturnType<typeof parseS3Settings>,
  chosen: string | undefined,
  suffix: string,
  primaryRegion: string,
): StateBackendConfig {
  if (r.raw(S.stateBucket) === undefined) {
    r.problems.push(`${chosen} needs ${S.stateBucket.env}: expected the name of the S3 bucket that holds the state`);
  }
  if (s3.bucket === undefined) return { kind: 'local' };
  return {
    kind: 's3',
    bucket: s3.bucket,
    key: s3.key ?? `tap-dr/${suffix}/terraform.tfstate`,
    region: s3.region ?? primaryRegion,
    ...(s3.lockTable ? { lockTable: s3.lockTable } : {}),
  };
}

function cloudBackend(r: Reader, chosen: string | undefined): StateBackendConfig {
  const cloud = parseCloudSettings(r);
  if (r.raw(S.cloudOrganization) === undefined) {
    r.problems.push(
      `${chosen} needs ${S.cloudOrganization.env}: expected the Terraform Cloud organization that holds the workspace`,
    );
  }
  if (cloud.organization === undefined) return { kind: 'local' };
  return {
    kind: 'cloud',
    organization: cloud.organization,
    hostname: cloud.hostname,
    ...(cloud.workspace ? { workspace: cloud.workspace } : {}),
    ...(cloud.project ? { project: cloud.project } : {}),
  };
}

function parseStateBackend(r: Reader, suffix: string, primaryRegion: string): StateBackendConfig {
  const kind = stateBackendKind(r);
  const chosen = r.raw(S.stateBackend) !== undefined ? `${r.where(S.stateBackend)}=${kind}` : undefined;
  const s3 = parseS3Settings(r);
  refuseForeignBackendSettings(r, kind, chosen);
  if (kind === 's3') return s3Backend(r, s3, chosen, suffix, primaryRegion);
  if (kind === 'cloud') return cloudBackend(r, chosen);
  return { kind: 'local' };
}

/** Recovery targets, the regional APIs' throttling, DNS failover and the FIS drill. */
function parseRecovery(r: Reader) {
  const rpoTargetSeconds = r.inRange(S.rpoTargetSeconds, RANGES.rpoTargetSeconds);
  const rtoTargetSeconds = r.inRange(S.rtoTargetSeconds, RANGES.rtoTargetSeconds);
  const rateLimit = r.inRange(S.apiThrottleRateLimit, RANGES.apiThrottleRateLimit);
  const burstLimit = r.inRange(S.apiThrottleBurstLimit, RANGES.apiThrottleBurstLimit);
  const hostedZoneId = r.matching(
    S.hostedZoneId,
    new RegExp(HOSTED_ZONE_ID_PATTERN),
    'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ',
  );
  const domainName = r.matching(
    S.domainName,
    new RegExp(DOMAIN_NAME_PATTERN),
    'a lowercase DNS name in that zone such as payments.example.com (no trailing dot, no wildcard)',
  );
  const zoneSet = r.raw(S.hostedZoneId) !== undefined;
  const domainSet = r.raw(S.domainName) !== undefined;
  if (zoneSet !== domainSet) {
    const [set, unset] = zoneSet ? [S.hostedZoneId, S.domainName] : [S.domainName, S.hostedZoneId];
    r.problems.push(`${r.where(set)} is set but ${unset.env} is not: DNS failover needs both (or neither)`);
  }
  const fisDrill = r.boolean(S.fisDrill, false);
  // A pause that ends before the stop-condition alarm can fire proves nothing.
  const shortest = minFisPauseMinutes(stalenessDetectionBoundSeconds(rpoTargetSeconds));
  const pauseMinutes = r.integer(S.fisPauseMinutes, shortest, FIS_DRILL.maxPauseMinutes, shortest) ?? shortest;
  if (!fisDrill && r.raw(S.fisPauseMinutes) !== undefined) {
    r.problems.push(
      `${r.where(S.fisPauseMinutes)} is set but ${S.fisDrill.env} is not true: it only shapes the FIS drill`,
    );
  }
  return {
    rpoTargetSeconds,
    rtoTargetSeconds,
    apiThrottle: Object.freeze({ rateLimit, burstLimit }),
    ...(hostedZoneId && domainName ? { dnsFailover: Object.freeze({ hostedZoneId, domainName }) } : {}),
    ...(fisDrill ? { fisDrill: Object.freeze({ pauseMinutes }) } : {}),
  };
}

/** DNS failover and the FIS drill act on the standby tier; without it they have nothing to fail over to. */
function needsStandby(r: Reader, standby: boolean, recovery: ReturnType<typeof parseRecovery>): void {
  const uses = [recovery.dnsFailover && S.hostedZoneId, recovery.fisDrill && S.fisDrill].filter(
    (x): x is Setting => !!x,
  );
  if (!standby) {
    for (const s of uses)
      r.problems.push(`${r.where(s)} needs the standby tier, but ${r.where(S.standbyProcessor)} is false`);
  }
  const worst = worstCaseDnsFailoverSeconds();
  if (recovery.dnsFailover && worst > recovery.rtoTargetSeconds) {
    r.problems.push(
      `${r.where(S.rtoTargetSeconds)}=${recovery.rtoTargetSeconds} is below DNS failover's worst case of ${worst} s (the region-health alarm's window + read margin + record TTL): expected at least ${worst}`,
    );
  }
}

/** Both regions; when they collide, says which one was defaulted and how to set it. */
function parseRegions(r: Reader): { primaryRegion?: string; secondaryRegion?: string } {
  const expected = 'an AWS region name such as us-east-1 or eu-west-2';
  const primaryRegion = r.matching(S.primaryRegion, REGION, expected, DEFAULTS.primaryRegion);
  const secondaryRegion = r.matching(S.secondaryRegion, REGION, expected, DEFAULTS.secondaryRegion);
  if (primaryRegion === undefined || primaryRegion !== secondaryRegion) return { primaryRegion, secondaryRegion };
  const defaulted =
    r.raw(S.secondaryRegion) === undefined
      ? S.secondaryRegion
      : r.raw(S.primaryRegion) === undefined
        ? S.primaryRegion
        : undefined;
  if (defaulted) {
    const other = defaulted === S.secondaryRegion ? S.primaryRegion : S.secondaryRegion;
    r.problems.push(
      `${defaulted.env} is unset and defaults to ${JSON.stringify(primaryRegion)}, the region ${other.env} names: set ${defaulted.env} (or cdktf context "${defaulted.context}") to a different region`,
    );
  } else {
    r.problems.push(
      `${r.where(S.secondaryRegion)}=${JSON.stringify(secondaryRegion)} is invalid: expected a region different from ${r.where(S.primaryRegion)} (${primaryRegion})`,
    );
  }
  return { primaryRegion, secondaryRegion };
}

/**
 * Reads and validates the whole configuration. Throws a ConfigError naming every bad
 * setting, its value and the accepted form; returns a frozen config otherwise.
 */
export function loadConfig(env: Env = process.env, context: Context = {}): TapConfig {
  const r = new Reader(env, context);

  const environmentSuffix =
    r.matching(
      S.environmentSuffix,
      new RegExp(ENVIRONMENT_SUFFIX_PATTERN),
      ENVIRONMENT_SUFFIX_DESCRIPTION,
      DEFAULTS.environmentSuffix,
    ) ?? DEFAULTS.environmentSuffix;
  const { primaryRegion, secondaryRegion } = parseRegions(r);
  const alertEmail = r.matching(
    S.alertEmail,
    new RegExp(ALERT_EMAIL_PATTERN),
    'an email address such as oncall@example.com',
  );
  const retainOnDelete = r.boolean(S.retainOnDelete, false);
  const standbyProcessor = r.boolean(S.standbyProcessor, true);
  const { min, max } = RANGES.lambdaReservedConcurrency;
  const lambdaReservedConcurrency = r.integer(S.lambdaReservedConcurrency, min, max);
  const crossRegionTrustedPrincipals = r.list(
    S.crossRegionTrustedPrincipals,
    new RegExp(ROLE_ARN_PATTERN),
    ROLE_ARN_DESCRIPTION,
  );
  const drCheckPrincipals = r.list(S.drCheckPrincipals, new RegExp(ROLE_ARN_PATTERN), ROLE_ARN_DESCRIPTION);

  const logRetentionDays = r.oneOf(
    S.logRetentionDays,
    LOG_RETENTION_DAYS_ALLOWED,
    "CloudWatch's retention periods",
    DEFAULTS.logRetentionDays,
  );
  const noncurrentVersionExpirationDays = r.inRange(
    S.noncurrentVersionExpirationDays,
    RANGES.noncurrentVersionExpirationDays,
  );
  const extraTags = parseTags(r);
  const recovery = parseRecovery(r);
  needsStandby(r, standbyProcessor, recovery);
  const stateBackend = parseStateBackend(r, environmentSuffix, primaryRegion ?? DEFAULTS.primaryRegion);
  // Terraform's own variables are checked only when STATE_BACKEND=cloud asks for them (TERRAFORM_OWNED).
  r.emptySettings(r.raw(S.stateBackend) === 'cloud');
  r.unknownContextKeys();

  if (r.problems.length > 0) throw new ConfigError(r.problems);

  return Object.freeze({
    environmentSuffix,
    primaryRegion: primaryRegion as string,
    secondaryRegion: secondaryRegion as string,
    ...(alertEmail ? { alertEmail } : {}),
    retainOnDelete,
    standbyProcessor,
    ...(lambdaReservedConcurrency !== undefined ? { lambdaReservedConcurrency } : {}),
    crossRegionTrustedPrincipals: Object.freeze(crossRegionTrustedPrincipals),
    drCheckPrincipals: Object.freeze(drCheckPrincipals),
    logRetentionDays,
    noncurrentVersionExpirationDays,
    ...recovery,
    extraTags: Object.freeze({ ...extraTags }),
    stateBackend: Object.freeze(stateBackend),
  });
}

/**
 * `cdktf synth --hcl` (cdktf-cli passes SYNTH_HCL_OUTPUT=true): cdktf 0.21 renders this stack's
 * HCL wrongly (`0 = "required_version"`, policies as unquoted JSON), so it is refused in one line
 * before anything is written. Returns that line, or undefined.
 */
export function hclOutputRefusal(env: Env = process.env): string | undefined {
  const v = env.SYNTH_HCL_OUTPUT;
  if (v !== 'true' && v !== '1') return undefined;
  return `cdktf synth --hcl (SYNTH_HCL_OUTPUT=${JSON.stringify(v)}) is refused: expected JSON output; cdktf 0.21 writes invalid HCL for this stack, and Terraform reads cdk.tf.json as it is (run cdktf synth without --hcl)`;
}

/** Context as cdktf-cli passes it (CDKTF_CONTEXT_JSON), merged over cdktf.json's "context". */
export function contextFrom(cdktfJsonContext: Context | undefined, env: Env = process.env): Context {
  let cliContext: Context = {};
  const json = env.CDKTF_CONTEXT_JSON;
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError([`CDKTF_CONTEXT_JSON is not valid: expected a JSON object of context values`]);
    }
    cliContext = parsed as Context;
  }
  return { ...(cdktfJsonContext ?? {}), ...cliContext };
}
