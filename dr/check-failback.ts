/**
 * The standby's write path and the failback direction, proved with a canary: a transaction with a
 * small document, in dr:check's reserved namespace (src/contract.ts DR_CHECK_CANARY), POSTed with
 * SigV4 to the standby's API as a failed-over caller would send it. The standby processor's IAM,
 * key and the secondary bucket's policy must take it (201); then its record must reach the primary
 * table within the RPO target, and its document the primary bucket within RTC, as a REPLICA under
 * KMSKeyArn: the direction a failback depends on. removeCanaries() deletes all of it.
 */
import { RTC_MINUTES } from '../src/alarms';
import { DR_CHECK_CANARY, RECORD } from '../src/contract';
import type { AwsAccess } from './check-aws';
import { Canary, canaryDocumentKey, itemArrival, missing, replicaRow, RowBase } from './check-canary';
import type { Deployment } from './check-input';
import { errorRow, fail, pass, Row, skip, verdict } from './check-report';

export interface FailbackOptions {
  readonly rpoTargetSeconds: number;
  /** How long to wait for the record in the primary table. */
  readonly timeoutMs: number;
  /** How long to wait for the document in the primary bucket. */
  readonly documentTimeoutMs: number;
  readonly signal?: AbortSignal;
}

const ROWS = {
  write: { id: 'standby-write-path', check: 'canary through standby processor', target: '201 Created' },
  record: { id: 'failback-transaction', check: 'canary transaction comes back' },
  document: { id: 'failback-document', check: 'canary document comes back' },
} as const;

/** The canary transaction's request body: the processor's contract (docs/PROCESSOR.md), nothing special. */
export function canaryRequest(c: Canary): string {
  const { transactionId, accountId, document } = c.transaction;
  return JSON.stringify({
    transactionId,
    accountId,
    amount: '0.01',
    currency: 'USD',
    type: 'credit',
    metadata: { purpose: 'dr:check canary' },
    document: { contentType: 'text/plain', content: Buffer.from(document).toString('base64') },
  });
}

/** The three rows, all SKIP when there is no standby, or no DR_CHECK_PRINCIPALS to let dr:check in. */
export async function failbackRows(d: Deployment, aws: AwsAccess, c: Canary, o: FailbackOptions): Promise<Row[]> {
  const region = `${d.secondaryRegion} -> ${d.primaryRegion}`;
  const targets = {
    write: ROWS.write.target,
    record: `lag <= ${o.rpoTargetSeconds} s (RPO target)`,
    document: `<= ${RTC_MINUTES} min (S3 RTC), REPLICA under KMSKeyArn`,
  };
  const rows = (measured: (k: keyof typeof ROWS) => string, as = skip) =>
    (['write', 'record', 'document'] as const).map((k) =>
      as({ ...ROWS[k], region: k === 'write' ? d.secondaryRegion : region, target: targets[k], measured: measured(k) }),
    );
  if (!d.apis.standby || !d.buckets.secondary)
    return rows(() => 'no standby tier deployed (no StandbyApiEndpoint output)');
  if (!d.drCheckPrincipals.length)
    return rows(
      () =>
        'not exercised: no DrCheckPrincipals output (deploy with DR_CHECK_PRINCIPALS naming the role dr:check runs as)',
    );
  const write = await writeThroughStandby(d, aws, c, d.apis.standby, targets.write);
  if (write.verdict !== 'PASS')
    return [write, ...rows(() => 'not measured: the canary was not written (row above)').slice(1)];
  const since = Date.now();
  const leg = { d, aws, c, since, o };
  const [record, document] = await Promise.all([
    recordBack({ ...leg, base: { ...ROWS.record, region, target: targets.record } }),
    documentBack({ ...leg, base: { ...ROWS.document, region, target: targets.document } }),
  ]);
  return [write, record, document];
}

/** One leg of the way back: what it reads, since the 201, and its row's fixed cells. */
interface Leg {
  readonly d: Deployment;
  readonly aws: AwsAccess;
  readonly c: Canary;
  readonly since: number;
  readonly o: FailbackOptions;
  readonly base: RowBase;
}

async function writeThroughStandby(
  d: Deployment,
  aws: AwsAccess,
  c: Canary,
  api: string,
  target: string,
): Promise<Row> {
  const base = { ...ROWS.write, region: d.secondaryRegion, target } as const;
  const started = Date.now();
  try {
    const res = await aws.postToApi({
      apiEndpoint: api,
      region: d.secondaryRegion,
      path: '/transactions',
      body: canaryRequest(c),
    });
    const ms = Date.now() - started;
    if (res.status === 201) return pass({ ...base, measured: `201 in ${ms} ms (POST /transactions, SigV4)` });
    const hint =
      res.status === 403 ? ': is the role dr:check runs as in DR_CHECK_PRINCIPALS, and may it invoke the API?' : '';
    return fail({ ...base, measured: `${res.status} ${JSON.stringify(res.text.slice(0, 160))} in ${ms} ms${hint}` });
  } catch (e) {
    return errorRow(base, e);
  }
}

/** The record in the primary table: committed, and its account outside the account index's key. */
async function recordBack({ d, aws, c, since, o, base }: Leg): Promise<Row> {
  try {
    const arrival = { since, timeoutMs: o.timeoutMs, signal: o.signal };
    const seen = await itemArrival(d, aws, d.primaryRegion, c.transaction.transactionId, arrival);
    if (!seen) return missing(base, d.primaryRegion, o.timeoutMs);
    const item = seen.value;
    const committed = item[RECORD.statusAttribute]?.S === RECORD.committed;
    const outsideIndex =
      !item[RECORD.accountIndex.partitionKey] && item[DR_CHECK_CANARY.recordAttribute]?.S === DR_CHECK_CANARY.accountId;
    const measured = `${seen.elapsedMs} ms (201 to first GetItem that saw it)${committed ? '' : ', NOT committed'}${outsideIndex ? '' : ', IN the account index'}`;
    return verdict(committed && outsideIndex && seen.elapsedMs <= o.rpoTargetSeconds * 1000, { ...base, measured });
  } catch (e) {
    return errorRow(base, e);
  }
}

async function documentBack({ d, aws, c, since, o, base }: Leg): Promise<Row> {
  const at = {
    region: d.primaryRegion,
    bucket: d.buckets.primary,
    objectKey: canaryDocumentKey(c),
    key: { output: 'KMSKeyArn', arn: d.keys.primary },
  };
  try {
    return await replicaRow(aws, at, { since, timeoutMs: o.documentTimeoutMs, signal: o.signal }, base);
  } catch (e) {
    return errorRow(base, e);
  }
}
