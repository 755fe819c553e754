/**
 * The two canaries: a transaction item written in the primary and read back in the secondary,
 * and a document put into the primary bucket and found, re-encrypted, in the secondary one.
 * Both are named so nobody can take them for data: the item id starts with '#dr-check#' (the
 * processor's id check, [\w.:-], can never produce '#'; the heartbeat uses '#heartbeat#') and
 * has no accountId, so the account index never shows it; the object lives under 'dr-check/',
 * outside the processor's 'documents/' prefix. removeCanaries() deletes both everywhere.
 */
import { createHash, randomBytes } from 'crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { RTC_MINUTES } from '../src/alarms';
import { DOCUMENT_PREFIX, DR_CHECK_CANARY, DR_CHECK_ITEM_PREFIX, RECORD } from '../src/contract';
import type { AwsAccess } from './check-aws';
import type { Deployment } from './check-input';
import { errorRow, fail, pass, Row, skip, verdict } from './check-report';

export const CANARY = { itemPrefix: DR_CHECK_ITEM_PREFIX, objectPrefix: 'dr-check/' } as const;

export interface Canary {
  readonly stamp: string;
  readonly itemId: string;
  readonly objectKey: string;
  /** The transaction sent through the standby processor, in the canary namespace (src/contract.ts). */
  readonly transaction: { readonly transactionId: string; readonly accountId: string; readonly document: string };
}

/** A fresh canary: `<UTC timestamp>-<8 hex>`, e.g. 20261124T120000123Z-1a2b3c4d. */
export function newCanary(now = new Date()): Canary {
  const stamp = `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
  return {
    stamp,
    itemId: `${CANARY.itemPrefix}${stamp}`,
    objectKey: `${CANARY.objectPrefix}${stamp}`,
    transaction: {
      transactionId: `${DR_CHECK_CANARY.transactionIdPrefix}${stamp}`,
      accountId: DR_CHECK_CANARY.accountId,
      document: `dr:check canary ${stamp}: written through the standby processor, deleted when the check ends\n`,
    },
  };
}

export interface Poll {
  /** Give up this long after `since`. */
  readonly timeoutMs: number;
  readonly since: number;
  readonly intervalMs: (elapsedMs: number) => number;
  readonly signal?: AbortSignal;
}

/** Calls `probe` until it returns a value; the value and when (ms after `since`) it was seen, or undefined on timeout. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  p: Poll,
): Promise<{ value: T; elapsedMs: number } | undefined> {
  for (;;) {
    p.signal?.throwIfAborted();
    const value = await probe();
    const elapsedMs = Date.now() - p.since;
    if (value !== undefined) return { value, elapsedMs };
    if (elapsedMs >= p.timeoutMs) return undefined;
    await new Promise((r) => setTimeout(r, Math.min(p.intervalMs(elapsedMs), p.timeoutMs - elapsedMs)));
  }
}

const itemKey = (id: string) => ({ [RECORD.partitionKey]: { S: id } });

/** How long a canary may take to show in the other region, counted from `since`. */
export type Arrival = Pick<Poll, 'since' | 'timeoutMs' | 'signal'>;

/** The item once a strongly consistent GetItem in `region` (every 100 ms) sees it, and when. */
export function itemArrival(d: Deployment, aws: AwsAccess, region: string, id: string, p: Arrival) {
  const read = async () =>
    (
      await aws
        .dynamodb(region)
        .send(new GetItemCommand({ TableName: d.tableName, Key: itemKey(id), ConsistentRead: true }), aws.deadline())
    ).Item;
  return pollUntil(read, { ...p, intervalMs: () => 100 });
}

/** A check's row without its measurement and verdict. */
export type RowBase = Pick<Row, 'id' | 'check' | 'region' | 'target'>;

/** The FAIL row of a canary that never showed. */
export const missing = (base: RowBase, where: string, timeoutMs: number): Row =>
  fail({ ...base, measured: `not in ${where} after ${(timeoutMs / 1000).toFixed(0)} s` });

/** Where the processor stores the canary transaction's document (lambda/processor.ts documentKey). */
export const canaryDocumentKey = (c: Canary) =>
  `${DOCUMENT_PREFIX}${c.transaction.accountId}/${c.transaction.transactionId}/${createHash('sha256').update(c.transaction.document).digest('hex')}`;

export async function transactionCanary(
  d: Deployment,
  aws: AwsAccess,
  c: Canary,
  o: { rpoTargetSeconds: number; timeoutMs: number; signal?: AbortSignal },
): Promise<Row> {
  const base = {
    id: 'transaction-replication',
    check: 'canary transaction replicates',
    region: `${d.primaryRegion} -> ${d.secondaryRegion}`,
    target: `lag <= ${o.rpoTargetSeconds} s (RPO target)`,
  } as const;
  try {
    const item = {
      ...itemKey(c.itemId),
      kind: { S: 'dr:check canary' },
      writtenAtMs: { N: String(Date.now()) },
      note: { S: 'written by npm run dr:check; deleted when it ends' },
    };
    await aws.dynamodb(d.primaryRegion).send(
      new PutItemCommand({
        TableName: d.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': RECORD.partitionKey },
      }),
      aws.deadline(),
    );
    const seen = await itemArrival(d, aws, d.secondaryRegion, c.itemId, { since: Date.now(), ...o });
    if (!seen) return missing(base, d.secondaryRegion, o.timeoutMs);
    return verdict(seen.elapsedMs <= o.rpoTargetSeconds * 1000, {
      ...base,
      measured: `${seen.elapsedMs} ms (PutItem answer to first GetItem that saw it)`,
    });
  } catch (e) {
    return errorRow(base, e);
  }
}

/** The versions (and delete markers) of exactly `objectKey`, through a prefix-scoped listing. */
async function versionsOf(
  aws: AwsAccess,
  region: string,
  bucket: string,
  objectKey: string,
): Promise<Array<{ VersionId?: string }>> {
  const out = await aws
    .s3(region)
    .send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: objectKey }), aws.deadline());
  return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === objectKey);
}

/** By full ARN: a multi-Region key and its replica share the key id, only the region tells them apart. */
const sameKey = (reported: string | undefined, arn: string) =>
  !!reported && (reported === arn || (!reported.startsWith('arn:') && arn.endsWith(`/${reported}`)));

/**
 * The row of a document replicating into `bucket`: within RTC, a REPLICA, under `key` (an output
 * name and its ARN). Polls a prefix-scoped ListObjectVersions rather than HeadObject: S3 answers a
 * HEAD of a missing key with 403, not 404, unless the caller may list the whole bucket, and
 * dr:check's policy only lists its prefixes. The replica, once listed, is HEAD'ed for its status and key.
 */
export async function replicaRow(
  aws: AwsAccess,
  at: { region: string; bucket: string; objectKey: string; key: { output: string; arn: string } },
  p: Arrival,
  base: RowBase,
): Promise<Row> {
  const { region, bucket, objectKey, key } = at;
  const listed = async () => ((await versionsOf(aws, region, bucket, objectKey)).length ? true : undefined);
  const seen = await pollUntil(listed, { ...p, intervalMs: (t) => (t < 30_000 ? 500 : 5000) });
  if (!seen) return missing(base, bucket, p.timeoutMs);
  const head = await aws.s3(region).send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }), aws.deadline());
  const underKey = sameKey(head.SSEKMSKeyId, key.arn);
  const measured = `${(seen.elapsedMs / 1000).toFixed(1)} s, ${head.ReplicationStatus ?? 'no replication status'}, ${underKey ? `under ${key.output}` : `under key ${head.SSEKMSKeyId ?? 'none'}`}`;
  const ok = seen.elapsedMs <= RTC_MINUTES * 60_000 && head.ReplicationStatus === 'REPLICA' && underKey;
  return verdict(ok, { ...base, measured });
}

export async function documentCanary(
  d: Deployment,
  aws: AwsAccess,
  c: Canary,
  o: { timeoutMs: number; signal?: AbortSignal },
): Promise<Row> {
  const base = {
    id: 'document-replication',
    check: 'canary document replicates',
    region: `${d.primaryRegion} -> ${d.secondaryRegion}`,
    target: `<= ${RTC_MINUTES} min (S3 RTC)`,
  } as const;
  const destination = d.buckets.secondary;
  if (!destination)
    return skip({ ...base, measured: 'no document replication deployed (no SecondaryS3BucketName output)' });
  try {
    await aws.s3(d.primaryRegion).send(
      new PutObjectCommand({
        Bucket: d.buckets.primary,
        Key: c.objectKey,
        Body: `dr:check canary ${c.stamp}: deleted when the check ends\n`,
        ContentType: 'text/plain',
        // The bucket policy refuses any other key, and aws:kms without a key id (aws/s3).
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: d.keys.primary,
        BucketKeyEnabled: true,
      }),
      aws.deadline(),
    );
    const at = {
      region: d.secondaryRegion,
      bucket: destination,
      objectKey: c.objectKey,
      key: { output: 'SecondaryKMSKeyArn', arn: d.keys.secondary },
    };
    return await replicaRow(
      aws,
      at,
      { since: Date.now(), ...o },
      {
        ...base,
        target: `${base.target}, REPLICA under SecondaryKMSKeyArn`,
      },
    );
  } catch (e) {
    return errorRow(base, e);
  }
}

async function deleteVersions(aws: AwsAccess, region: string, bucket: string, objectKey: string): Promise<number> {
  const versions = await versionsOf(aws, region, bucket, objectKey);
  await Promise.all(
    versions.map((v) =>
      aws
        .s3(region)
        .send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey, VersionId: v.VersionId }), aws.deadline()),
    ),
  );
  const left = await versionsOf(aws, region, bucket, objectKey);
  if (left.length) throw new Error(`${left.length} version(s) of ${objectKey} still in ${bucket}`);
  return versions.length;
}

/** Deletes the item in both regions and every version of the object in both buckets; never throws. */
export async function removeCanaries(d: Deployment, aws: AwsAccess, c: Canary): Promise<Row> {
  const base = {
    id: 'canaries-removed',
    check: 'canaries removed',
    region: 'both',
    target: `no ${CANARY.itemPrefix} or ${DR_CHECK_CANARY.transactionIdPrefix} item, no ${CANARY.objectPrefix} or ${DOCUMENT_PREFIX}${DR_CHECK_CANARY.accountId}/ object left`,
  } as const;
  const deleteItem = (region: string, id = c.itemId) =>
    aws
      .dynamodb(region)
      .send(new DeleteItemCommand({ TableName: d.tableName, Key: itemKey(id) }), aws.deadline())
      .then(() => 0);
  // The transaction sent through the standby processor: its record and its claim, wherever they are.
  const { transactionId } = c.transaction;
  const viaProcessor = [transactionId, `${transactionId}${RECORD.claimSuffix}`];
  const buckets: Array<[string, string]> = [
    [d.primaryRegion, d.buckets.primary],
    ...(d.buckets.secondary ? [[d.secondaryRegion, d.buckets.secondary] as [string, string]] : []),
  ];
  const tasks: Array<[string, Promise<number>]> = [
    [`item in ${d.primaryRegion}`, deleteItem(d.primaryRegion)],
    [`item in ${d.secondaryRegion}`, deleteItem(d.secondaryRegion)],
    ...[d.primaryRegion, d.secondaryRegion].flatMap((region) =>
      viaProcessor.map((id) => [`item ${id} in ${region}`, deleteItem(region, id)] as [string, Promise<number>]),
    ),
    ...buckets.flatMap(([region, bucket]) =>
      [c.objectKey, canaryDocumentKey(c)].map(
        (k) => [`object ${k} in ${bucket}`, deleteVersions(aws, region, bucket, k)] as [string, Promise<number>],
      ),
    ),
  ];
  const settled = await Promise.allSettled(tasks.map(([, p]) => p));
  const errors = settled.flatMap((s, i) =>
    s.status === 'rejected'
      ? [`${tasks[i][0]}: ${(s.reason as Error)?.name ?? ''} ${(s.reason as Error)?.message ?? s.reason}`]
      : [],
  );
  if (errors.length) return fail({ ...base, measured: `NOT removed: ${errors.join('; ')} (id ${c.stamp})` });
  const objects = settled.reduce((n, s) => n + (s.status === 'fulfilled' ? s.value : 0), 0);
  return pass({
    ...base,
    measured: `item deleted in both regions, ${objects} object version(s) deleted (id ${c.stamp})`,
  });
}
