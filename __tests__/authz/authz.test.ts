/**
 * The offline authorization check (issue 21, point 1): both deliverables' policies, made concrete
 * (world.ts), evaluated by an IAM policy engine (engine.ts) for
 * - every AWS call the functions make (recorded at the emulator: recorded-calls.json, kept current
 *   by recorded-calls.int.test.ts) and the KMS calls services make for them (paths.ts),
 * - every documented service path (paths.ts),
 * - the deny matrix (deny-matrix.ts),
 * and every Allow a policy grants must be used by one of them.
 *
 * PENDING_POLICY_FIXES lists what fails on today's policies because the fix is another change's
 * work; each entry is asserted to fail still, so the list must shrink when its fix lands.
 */
import { CorpusCall } from '../../scripts/record-calls';
import { globMatch, list } from '../helpers/policy';
import { DENY_MATRIX } from './deny-matrix';
import { Call, decide, Outcome } from './engine';
import { forwardedCalls, SERVICE_PATHS } from './paths';
import corpus from './recorded-calls.json';
import { bothWorlds, ConcretePolicy, DEFAULT_TOPIC_POLICY_OWNER, World } from './world';

const CALLS = corpus as CorpusCall[];

interface Pending {
  /** A deny-matrix row id, or "unused: <grant id>" (see grantId). */
  readonly id: string;
  readonly fix: string;
}

/** Failing today; each waits for the named fix. Empty: every fix has landed (the list must stay honest). */
export const PENDING_POLICY_FIXES: Pending[] = [];

/**
 * Grants no modelled call exercises but AWS documents as required: each names its page. Kept apart
 * from PENDING_POLICY_FIXES because nothing is to be fixed; a grant leaves this list only when the
 * page no longer asks for it.
 */
export const REQUIRED_BY_AWS: Pending[] = [
  {
    id: 'unused: key key#CloudTrailDescribesKeyAndChecksBucketKey kms:Decrypt',
    fix: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html: with an S3 Bucket Key, kms:Decrypt is required to create or update a trail with SSE-KMS',
  },
  {
    id: 'unused: identity tap-dr-docs-replication#EncryptInDestinationRegion kms:Decrypt',
    fix: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html ("S3 Bucket Keys and replication"): the replica key is checked with a Decrypt call',
  },
  {
    id: 'unused: identity tap-dr-docs-failback#EncryptInDestinationRegion kms:Decrypt',
    fix: 'the same page, for the failback direction',
  },
  ...['kms:Encrypt*', 'kms:ReEncrypt*', 'kms:Describe*'].map((action) => ({
    id: `unused: key key#CloudWatchLogsForRegionLogGroups ${action}`,
    fix: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html: the key policy CloudWatch Logs requires, as AWS writes it',
  })),
];

const decisionOf = async (w: World, c: Call, policies?: ConcretePolicy[]) => (await decide(w, c, policies)).decision;
const describeEach = describe.each(bothWorlds().map((w) => [w.label, w] as const));

/** Every call that must be allowed in a deliverable: recorded, forwarded, and the service paths. */
function mustAllow(w: World): Call[] {
  const recorded = CALLS.map((c) => ({
    name: `${c.function}/${c.tier} ${c.operation} ${c.action} ${c.resource}`,
    principal: w.functionRole(c.function, c.tier),
    action: c.action!,
    resource: c.resource!,
    context: c.context,
  }));
  const forwarded = CALLS.flatMap((c) => forwardedCalls(c, w.functionRole(c.function, c.tier)));
  const paths = SERVICE_PATHS.flatMap((p) => p.calls(w).map((c) => ({ ...c, name: `${p.name}: ${c.name}` })));
  return [...recorded, ...forwarded, ...paths];
}

/** A grant, the same in both deliverables: policy kind, whose (role or resource, suffix dropped), statement, action. */
function grantId(p: ConcretePolicy, sid: string, action: string): string {
  const whose =
    p.kind === 'key' || p.kind === 'topic'
      ? p.kind
      : (p.subject.split(/[:/]/).pop() ?? '').replace(/-dev(\.standby)?$|-dev-\d{12}-.*$/, '');
  return `${p.kind} ${whose}#${sid} ${action}`;
}

function grantsOf(w: World): Map<string, { policy: ConcretePolicy; sid: string; action: string }> {
  const grants = new Map<string, { policy: ConcretePolicy; sid: string; action: string }>();
  for (const p of w.policies.filter((x) => x.owner !== DEFAULT_TOPIC_POLICY_OWNER))
    p.document.Statement.forEach((s, i) => {
      if (s.Effect !== 'Allow') return;
      const sid = s.Sid ?? String(i);
      for (const action of list(s.Action)) grants.set(`${p.owner}#${sid} ${action}`, { policy: p, sid, action });
    });
  return grants;
}

/** The grants no allowed call used: "<grant id>". */
function unusedGrants(w: World, allowed: Array<[Call, Outcome]>): string[] {
  const grants = grantsOf(w);
  const used = new Set<string>();
  for (const [call, outcome] of allowed)
    for (const by of outcome.allowedBy)
      for (const [key, g] of grants)
        if (key.startsWith(`${by} `) && globMatch(g.action, call.action, true)) used.add(key);
  return [...grants.entries()].filter(([key]) => !used.has(key)).map(([, g]) => grantId(g.policy, g.sid, g.action));
}

describe('the corpus of recorded calls', () => {
  it('names every call, and covers every function in both tiers', () => {
    expect(CALLS.filter((c) => c.action === null || !c.resource)).toEqual([]);
    const who = new Set(CALLS.map((c) => `${c.function}/${c.tier}`));
    expect([...who].sort()).toEqual(
      ['health', 'heartbeat', 'processor'].flatMap((f) => [`${f}/primary`, `${f}/secondary`]).sort(),
    );
  });
});

describeEach('%s', (_label, w) => {
  const results = new Map<Call, Outcome>();
  beforeAll(async () => {
    for (const c of mustAllow(w)) results.set(c, await decide(w, c));
  }, 120_000);

  it('walks every kind of policy of the deliverable', () => {
    const kinds = new Set(w.policies.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(['bucket', 'identity', 'key', 'lambda-permission', 'topic', 'trust']);
    expect(results.size).toBeGreaterThan(100);
  });

  it('allows every recorded call, every KMS call services make for it, and every service path', () => {
    const refused = [...results.entries()]
      .filter(([, o]) => o.decision !== 'Allowed')
      .map(([c, o]) => `${c.name}: ${o.decision}`);
    expect(refused).toEqual([]);
  });

  it('cites an AWS page for every service path, and each path makes calls', () => {
    for (const p of SERVICE_PATHS) {
      expect(p.source).toMatch(/https:\/\/docs\.aws\.amazon\.com\//);
      // FIS is Terraform-only.
      const absent = w.label === 'cloudformation' && /FIS/.test(p.name);
      if (!absent) expect(`${p.name}: ${p.calls(w).length}`).not.toMatch(/: 0$/);
    }
  });

  it.each(DENY_MATRIX.map((r) => [r.id, r] as const))('refuses: %s', async (id, row) => {
    const allowed: string[] = [];
    for (const c of row.calls(w)) if ((await decisionOf(w, c)) === 'Allowed') allowed.push(c.name);
    if (PENDING_POLICY_FIXES.some((p) => p.id === id)) {
      // Pending: still allowed today. When the fix lands this fails: remove the entry.
      expect(allowed.length).toBeGreaterThan(0);
    } else expect(allowed).toEqual([]);
  });

  it('uses every grant: each allowed action of each policy is exercised by a call or a service path', () => {
    const allowed = [...results.entries()].filter(([, o]) => o.decision === 'Allowed');
    const unused = [...new Set(unusedGrants(w, allowed))].sort();
    const pending = [...PENDING_POLICY_FIXES, ...REQUIRED_BY_AWS]
      .filter((p) => p.id.startsWith('unused: '))
      .map((p) => p.id.slice('unused: '.length));
    // Exactly those listed: a new unused grant fails, and so does a listed one once it is gone.
    expect(unused).toEqual(pending.sort());
  });
});

/** The policies with one statement of one kind of policy changed (undefined: removed). */
function mutated(
  w: World,
  where: { kind: ConcretePolicy['kind']; whose?: RegExp; sid: string },
  change: (
    s: ConcretePolicy['document']['Statement'][number],
  ) => ConcretePolicy['document']['Statement'][number] | undefined,
): ConcretePolicy[] {
  let hits = 0;
  const policies = w.policies.map((p) => {
    if (p.kind !== where.kind || (where.whose && !where.whose.test(p.subject))) return p;
    const Statement = p.document.Statement.flatMap((s) => {
      if (s.Sid !== where.sid) return [s];
      hits++;
      const next = change(s);
      return next ? [next] : [];
    });
    return { ...p, document: { ...p.document, Statement } };
  });
  if (hits === 0) throw new Error(`${w.label}: no ${where.kind} statement ${where.sid} to change`);
  return policies;
}

describeEach('%s: the check can fail', (_label, w) => {
  const remove = () => undefined;
  it.each([
    [
      'processor#TransactionDocuments',
      { kind: 'identity', whose: /processor/, sid: 'TransactionDocuments' },
      /^processor\/primary s3:PUT object s3:PutObject/,
    ],
    [
      'heartbeat#WriteOwnBeat',
      { kind: 'identity', whose: /heartbeat/, sid: 'WriteOwnBeat' },
      /^heartbeat\/secondary dynamodb:PutItem dynamodb:PutItem /,
    ],
    [
      'key#CloudWatchLogsForRegionLogGroups',
      { kind: 'key', sid: 'CloudWatchLogsForRegionLogGroups' },
      /^CloudWatch Logs encrypts .*transaction-processor-dev kms:GenerateDataKey/,
    ],
    [
      'replication trust#ServiceAssumesRole',
      { kind: 'trust', whose: /docs-replication/, sid: 'ServiceAssumesRole' },
      /^S3 replicates .*s3\.amazonaws\.com assumes .*docs-replication/,
    ],
    [
      'health#RegionKeyState',
      { kind: 'identity', whose: /health/, sid: 'RegionKeyState' },
      /^health\/primary kms:DescribeKey kms:DescribeKey /,
    ],
  ] as const)('without the Allow %s, a named call is refused', async (_what, where, named) => {
    const calls = mustAllow(w).filter((c) => named.test(c.name));
    expect(calls.length).toBeGreaterThan(0);
    const policies = mutated(w, where, remove);
    for (const c of calls) {
      expect(await decisionOf(w, c)).toBe('Allowed');
      expect(`${c.name}: ${await decisionOf(w, c, policies)}`).toMatch(/Denied$/);
    }
  });

  it('a pending entry fails once its fix lands: with a LeadingKeys condition, the heartbeat row is refused', async () => {
    const row = DENY_MATRIX.find((r) => r.id === "processor writes the heartbeat's item")!;
    const fixed = mutated(w, { kind: 'identity', whose: /processor/, sid: 'TransactionsTable' }, (s) => ({
      ...s,
      Condition: { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['#*'] } },
    }));
    for (const c of row.calls(w)) expect(`${c.name}: ${await decisionOf(w, c, fixed)}`).toMatch(/Denied$/);
    // ... while the processor's own items stay writable.
    const own = mustAllow(w).filter((c) => /^processor\/primary dynamodb:PutItem dynamodb:PutItem /.test(c.name));
    expect(own.length).toBeGreaterThan(0);
    for (const c of own) expect(await decisionOf(w, c, fixed)).toBe('Allowed');
  });

  it.each([
    [
      'the Deny DenyOtherKmsKey',
      'processor stores a document under another key',
      { kind: 'bucket', whose: /tap-docs/, sid: 'DenyOtherKmsKey' },
      remove,
    ],
    [
      "the replication role trust's conditions",
      'a principal not named assumes a role',
      { kind: 'trust', whose: /docs-replication/, sid: 'ServiceAssumesRole' },
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      ({ Condition, ...rest }: any) => rest,
    ],
  ] as const)('without %s, a deny-matrix row is allowed', async (_what, rowId, where, change) => {
    const row = DENY_MATRIX.find((r) => r.id === rowId)!;
    const policies = mutated(w, where, change as any);
    const allowed: string[] = [];
    for (const c of row.calls(w)) if ((await decisionOf(w, c, policies)) === 'Allowed') allowed.push(c.name);
    expect(allowed.length).toBeGreaterThan(0);
  });
});
