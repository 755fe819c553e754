import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ConfigError,
  Env,
  LOG_RETENTION_DAYS_ALLOWED,
  RETIRED,
  RETIRED_ENV,
  SETTINGS,
  STATE_BACKENDS,
  TapConfig,
  loadConfig,
} from '../../src/config';

/**
 * docs/CONFIGURATION.md's settings table, checked against what src/config.ts does: every setting it
 * reads has one row (variable, context key), and nothing else has; each row's default is what
 * loadConfig yields when the setting is unset; each row's accepted form is probed at its edges (whole
 * number ranges, booleans, fixed lists, "at most N") and by its example, which must be accepted and
 * land where PROBES says. The retired-settings table lists exactly what config.ts refuses by name.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const DOC = 'docs/CONFIGURATION.md';
const doc = fs.readFileSync(path.join(ROOT, DOC), 'utf8');

type Key = keyof typeof SETTINGS;
type StateBackend = TapConfig['stateBackend'];

interface Probe {
  /** Where the setting lands in the parsed configuration. */
  value(c: TapConfig): unknown;
  /** Companion settings without which this one is not read (or is refused). */
  base?: (value: string) => Env;
  /** Where its default shows when it is unset ({} unless it is read only beside others). */
  unsetIn?: Env;
  /** A list of n distinct valid items, for an "at most N" form. */
  many?: (n: number) => string;
}

const bucket = { TF_STATE_BUCKET: 'acme-tf-state' };
const cloud = { STATE_BACKEND: 'cloud', TF_CLOUD_ORGANIZATION: 'acme' };
const s3 = (b: StateBackend) => (b.kind === 's3' ? b : undefined);
const tfc = (b: StateBackend) => (b.kind === 'cloud' ? b : undefined);

/** One entry per setting of config.ts: a new setting fails this test until it has a probe and a row. */
const PROBES: Record<Key, Probe> = {
  environmentSuffix: { value: (c) => c.environmentSuffix },
  primaryRegion: { value: (c) => c.primaryRegion },
  secondaryRegion: { value: (c) => c.secondaryRegion },
  alertEmail: { value: (c) => c.alertEmail },
  retainOnDelete: { value: (c) => c.retainOnDelete },
  standbyProcessor: { value: (c) => c.standbyProcessor },
  lambdaReservedConcurrency: { value: (c) => c.lambdaReservedConcurrency },
  crossRegionTrustedPrincipals: {
    value: (c) => c.crossRegionTrustedPrincipals.join(',') || undefined,
    many: (n) => Array.from({ length: n }, (_, i) => `arn:aws:iam::111122223333:role/r${i}`).join(','),
  },
  drCheckPrincipals: {
    value: (c) => c.drCheckPrincipals.join(',') || undefined,
    many: (n) => Array.from({ length: n }, (_, i) => `arn:aws:iam::111122223333:role/check${i}`).join(','),
  },
  logRetentionDays: { value: (c) => c.logRetentionDays },
  noncurrentVersionExpirationDays: { value: (c) => c.noncurrentVersionExpirationDays },
  rpoTargetSeconds: { value: (c) => c.rpoTargetSeconds },
  rtoTargetSeconds: { value: (c) => c.rtoTargetSeconds },
  apiThrottleRateLimit: { value: (c) => c.apiThrottle.rateLimit },
  apiThrottleBurstLimit: { value: (c) => c.apiThrottle.burstLimit },
  hostedZoneId: { value: (c) => c.dnsFailover?.hostedZoneId, base: () => ({ DOMAIN_NAME: 'payments.example.com' }) },
  domainName: { value: (c) => c.dnsFailover?.domainName, base: () => ({ HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ' }) },
  fisDrill: { value: (c) => c.fisDrill !== undefined },
  fisPauseMinutes: {
    value: (c) => c.fisDrill?.pauseMinutes,
    base: () => ({ FIS_DRILL: 'true' }),
    unsetIn: { FIS_DRILL: 'true' },
  },
  extraTags: {
    value: (c) => JSON.stringify(c.extraTags),
    many: (n) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))),
  },
  stateBackend: {
    value: (c) => c.stateBackend.kind,
    base: (v) => (v === 's3' ? bucket : v === 'cloud' ? { TF_CLOUD_ORGANIZATION: 'acme' } : {}),
  },
  stateBucket: { value: (c) => s3(c.stateBackend)?.bucket },
  stateKey: { value: (c) => s3(c.stateBackend)?.key, base: () => bucket, unsetIn: bucket },
  stateRegion: { value: (c) => s3(c.stateBackend)?.region, base: () => bucket, unsetIn: bucket },
  stateLockTable: { value: (c) => s3(c.stateBackend)?.lockTable, base: () => bucket },
  cloudOrganization: { value: (c) => tfc(c.stateBackend)?.organization, base: () => ({ STATE_BACKEND: 'cloud' }) },
  // Unset, src/state-backend.ts names the workspace after the stack (user-tools.test.ts synthesizes it).
  cloudWorkspace: {
    value: (c) =>
      tfc(c.stateBackend) ? (tfc(c.stateBackend)!.workspace ?? `tap-dr-${c.environmentSuffix}`) : undefined,
    base: () => cloud,
    unsetIn: cloud,
  },
  cloudHostname: { value: (c) => tfc(c.stateBackend)?.hostname, base: () => cloud, unsetIn: cloud },
  cloudProject: { value: (c) => tfc(c.stateBackend)?.project, base: () => cloud, unsetIn: cloud },
};

interface Row {
  line: number;
  cells: string[];
}

/** The rows of the table under a heading ("" for the first table of the page). */
function tableRows(heading: string): Row[] {
  const lines = doc.split('\n');
  let i = heading ? lines.findIndex((l) => l === heading) : 0;
  if (i < 0) throw new Error(`${DOC}: no "${heading}" heading`);
  while (i < lines.length && !lines[i].startsWith('| ')) i++;
  const rows: Row[] = [];
  for (i += 2; i < lines.length && lines[i].startsWith('| '); i++) {
    rows.push({ line: i + 1, cells: lines[i].slice(2, -2).split(' | ') });
  }
  return rows;
}

const bare = (cell: string) => /^`([^`]+)`$/.exec(cell)?.[1] ?? cell;
const settings = tableRows('');
function rowOf(key: Key): Row {
  const row = settings.find((r) => bare(r.cells[0]) === SETTINGS[key].env);
  if (!row) throw new Error(`${DOC} has no row for ${SETTINGS[key].env}`);
  return row;
}

/** loadConfig's problems for this environment (empty when it accepts it). */
function problems(env: Env): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

function accepts(key: Key, raw: string): unknown {
  const env = { ...(PROBES[key].base?.(raw) ?? {}), [SETTINGS[key].env]: raw };
  const found = problems(env);
  if (found.length > 0) throw new Error(`${SETTINGS[key].env}=${raw} refused: ${found.join('; ')}`);
  return PROBES[key].value(loadConfig(env));
}

function refuses(key: Key, raw: string): boolean {
  const env = { ...(PROBES[key].base?.(raw) ?? {}), [SETTINGS[key].env]: raw };
  return problems(env).some((p) => p.startsWith(`${SETTINGS[key].env}=${JSON.stringify(raw)} is invalid`));
}

/** The documented default: the first backticked value of the default cell, or "unset". */
function documentedDefault(cell: string): string | undefined {
  if (/^unset\b/.test(cell)) return undefined;
  const token = /`([^`]+)`/.exec(cell)?.[1];
  if (token === undefined) throw new Error(`default "${cell}": expected "unset" or a \`value\``);
  return token.replace('<suffix>', 'dev');
}

const KEYS = Object.keys(SETTINGS) as Key[];

describe(`${DOC}: the settings table against src/config.ts`, () => {
  it('has one row per setting config.ts reads, with its context key, and no other row', () => {
    expect(Object.keys(PROBES).sort()).toEqual([...KEYS].sort());
    const documented = settings.map((r) => `${bare(r.cells[0])} ${bare(r.cells[1])}`).sort();
    expect(documented).toEqual(KEYS.map((k) => `${SETTINGS[k].env} ${SETTINGS[k].context}`).sort());
  });

  it.each(KEYS)('%s: the documented default is what loadConfig yields when it is unset', (key) => {
    const row = rowOf(key);
    const expected = documentedDefault(row.cells[2]);
    const actual = PROBES[key].value(loadConfig(PROBES[key].unsetIn ?? {}));
    expect({ line: row.line, default: actual === undefined ? undefined : String(actual) }).toEqual({
      line: row.line,
      default: expected,
    });
  });

  it.each(KEYS)('%s: the documented accepted form holds at its edges', (key) => {
    const form = rowOf(key).cells[3];
    const range = /^whole number (\d+)-(\d+)/.exec(form);
    const fromDefault = /^whole number from that default\b.*? to (\d+)/.exec(form);
    if (range || fromDefault) {
      const min = range ? Number(range[1]) : Number(documentedDefault(rowOf(key).cells[2]));
      const max = Number(range ? range[2] : fromDefault![1]);
      expect([accepts(key, String(min)), accepts(key, String(max))]).toEqual([min, max]);
      expect([refuses(key, String(min - 1)), refuses(key, String(max + 1)), refuses(key, '1.5')]).toEqual([
        true,
        true,
        true,
      ]);
    } else if (form.startsWith('`true`/`false`/`1`/`0`')) {
      expect(['true', 'false', '1', '0'].map((v) => accepts(key, v))).toEqual([true, false, true, false]);
      expect(refuses(key, 'yes')).toBe(true);
    } else if (form.startsWith("one of CloudWatch's retention periods (")) {
      const listed = /\(([\d, ]+)\)/.exec(form)![1].split(', ').map(Number);
      expect(listed).toEqual([...LOG_RETENTION_DAYS_ALLOWED]);
      expect(listed.map((d) => accepts(key, String(d)))).toEqual(listed);
      expect(refuses(key, '2')).toBe(true);
    } else if (/^`local`, `s3` or `cloud`/.test(form)) {
      expect(['local', 's3', 'cloud'].map((v) => accepts(key, v))).toEqual([...STATE_BACKENDS]);
      expect(refuses(key, 'consul')).toBe(true);
    } else {
      // A pattern: its example is accepted and lands where PROBES says; junk is refused by name.
      const example = /e\.g\. `([^`]+)`/.exec(form)?.[1];
      if (!example) throw new Error(`${DOC}:${rowOf(key).line}: give the accepted form an example (e.g. \`...\`)`);
      expect(accepts(key, example)).toBe(example);
      expect(refuses(key, '/ !')).toBe(true);
    }
    // "1-20 lowercase letters", "3-40 letters": the length bounds, with a name of letters only.
    const length = /(\d+)-(\d+) (?:lowercase )?letters/.exec(form);
    if (length) {
      const [min, max] = [Number(length[1]), Number(length[2])];
      expect([accepts(key, 'a'.repeat(min)), accepts(key, 'a'.repeat(max))]).toEqual([
        'a'.repeat(min),
        'a'.repeat(max),
      ]);
      expect([min < 2 || refuses(key, 'a'.repeat(min - 1)), refuses(key, 'a'.repeat(max + 1))]).toEqual([true, true]);
    }
    const most = /at most (\d+)/.exec(form);
    if (most && PROBES[key].many) {
      const n = Number(most[1]);
      expect(accepts(key, PROBES[key].many!(n))).toBeDefined();
      expect(refuses(key, PROBES[key].many!(n + 1))).toBe(true);
    }
  });
});

describe(`${DOC}: retired settings`, () => {
  const rows = tableRows('## Retired settings');
  const envOf = (contextKey: string) => contextKey.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

  it('lists exactly the settings config.ts refuses by name', () => {
    const expected = [
      ...Object.keys(RETIRED).map((k) => `${envOf(k)} ${k}`),
      ...Object.keys(RETIRED_ENV).map((e) => `${e} -`),
    ].sort();
    expect(rows.map((r) => `${bare(r.cells[0])} ${bare(r.cells[1])}`).sort()).toEqual(expected);
  });

  it.each(rows.map((r) => [bare(r.cells[0]), r] as const))(
    '%s is refused, and the message names what the table says to set instead',
    (env, row) => {
      const instead = /`([A-Z_]+)`/.exec(row.cells[2])?.[1];
      const found = problems({ [env]: 'x' }).filter((p) => p.startsWith(env));
      expect(found).toHaveLength(1);
      if (instead) expect(found[0]).toContain(instead);
      const contextKey = bare(row.cells[1]);
      if (contextKey !== '-') {
        expect(() => loadConfig({}, { [contextKey]: 'x' })).toThrow(new RegExp(`cdktf context "${contextKey}"`));
      }
    },
  );
});

describe('the invalid-configuration example', () => {
  const example = (file: string) => {
    const block = /```console\n\$ (.+?) npm run synth\n([\s\S]*?)```/.exec(
      fs.readFileSync(path.join(ROOT, file), 'utf8'),
    );
    if (!block) throw new Error(`${file}: no \`\`\`console example of npm run synth`);
    return { env: Object.fromEntries(block[1].split(' ').map((a) => a.split('='))), output: block[2] };
  };

  it.each(['README.md', DOC])('%s shows what npm run synth prints, word for word', (file) => {
    const { env, output } = example(file);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-doc-'));
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', CDKTF_OUTDIR: path.join(out, 'o'), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toBe(output);
    expect(fs.existsSync(path.join(out, 'o'))).toBe(false);
    fs.rmSync(out, { recursive: true, force: true });
  });
});
