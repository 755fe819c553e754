/**
 * Records every AWS call the functions make, for the offline authorization check
 * (`__tests__/authz/`): the stack's table, keys and buckets are created on the emulated two-region
 * AWS with the names the stack gives them (account 123456789012, us-east-1 -> us-west-2, suffix
 * `dev`), each function's real path runs in each region in a process of its own with credentials
 * of its own, and the emulator's recorder (emulator/recorder.py) says what each called.
 *
 *   npm run record:calls        rewrites __tests__/authz/recorded-calls.json
 *
 * `__tests__/authz/recorded-calls.int.test.ts` runs the same scenario and fails when a call is
 * missing from the committed corpus, so the corpus cannot go stale.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CreateTableCommand, DynamoDBClient, UpdateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Emulator, RecordedCall, startEmulator } from '../emulator/emulator';
import { processorVariables, regionalVariables, tableKeySchema, table } from '../src/design';
import { DOCUMENT_PREFIX } from '../src/contract';
import { HANDLERS } from '../src/heartbeat-contract';
import { ACCOUNT, createDocumentsBucket } from '../harness/aws-fixture';
import { invokeBundle, testBundle } from '../harness/bundle';
import { PROJECT_ROOT } from '../src/lambda-bundle';
import { names } from '../src/naming';

/** The fixture's (moto's) account: it names the buckets there, so the corpus spells the same one. */
export { ACCOUNT };
export const REGIONS = { primary: 'us-east-1', secondary: 'us-west-2' } as const;
export const SUFFIX = 'dev';
/** The one multi-Region key id the corpus spells (the emulator draws its own). */
export const KEY_ID = 'mrk-1234abcd12ab34cd56ef1234567890ab';
export const CORPUS = path.join(PROJECT_ROOT, '__tests__', 'authz', 'recorded-calls.json');

export type Tier = keyof typeof REGIONS;
export type FunctionName = keyof typeof HANDLERS;

/** One call of the corpus: which function in which tier, and the call as IAM sees it. */
export interface CorpusCall {
  readonly function: FunctionName;
  readonly tier: Tier;
  readonly operation: string;
  readonly action: string | null;
  readonly resource?: string;
  readonly context: Record<string, string | string[]>;
}

const SECRET = { secretAccessKey: 'testing' };
const accessKeyOf = (fn: FunctionName, tier: Tier) => `AKIA${fn.toUpperCase()}${tier.toUpperCase()}`;
const ADMIN = { accessKeyId: 'testing', ...SECRET };

const receipt = (id: string) => `receipt ${id}`;

interface Deployed {
  readonly keyArn: Record<Tier, string>;
  readonly tableName: string;
  readonly bucket: Record<Tier, string>;
}

async function createKeys(emu: Emulator): Promise<Record<Tier, string>> {
  const kms = new KMSClient({
    region: REGIONS.primary,
    endpoint: emu.endpointFor(REGIONS.primary),
    credentials: ADMIN,
  });
  const primary = (await kms.send(new CreateKeyCommand({ MultiRegion: true, Description: 'tap-dr' }))).KeyMetadata!;
  const replica = await kms.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: REGIONS.secondary }));
  return { primary: primary.Arn!, secondary: replica.ReplicaKeyMetadata!.Arn! };
}

async function createTable(emu: Emulator, keyArn: Record<Tier, string>): Promise<string> {
  const config = { region: REGIONS.primary, endpoint: emu.endpointFor(REGIONS.primary), credentials: ADMIN };
  const dynamodb = new DynamoDBClient(config);
  const tableName = names.table({ suffix: SUFFIX });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: table.billingMode,
      ...tableKeySchema(),
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn.primary },
    }),
  );
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: tableName });
  await dynamodb.send(
    new UpdateTableCommand({
      TableName: tableName,
      ReplicaUpdates: [{ Create: { RegionName: REGIONS.secondary, KMSMasterKeyId: keyArn.secondary } }],
    }),
  );
  return tableName;
}

async function createBucket(emu: Emulator, tier: Tier, keyArn: string): Promise<string> {
  const region = REGIONS[tier];
  const s3 = new S3Client({ region, endpoint: emu.endpointFor(region), credentials: ADMIN, forcePathStyle: true });
  const Bucket = await createDocumentsBucket(s3, SUFFIX, keyArn, region);
  // The document of an earlier attempt at `rec-<tier>-retry`, stored without an S3 checksum.
  const id = `rec-${tier}-retry`;
  const sha = createHash('sha256').update(receipt(id)).digest('hex');
  const Key = `${DOCUMENT_PREFIX}acct-1/${id}/${sha}`;
  await s3.send(
    new PutObjectCommand({ Bucket, Key, Body: receipt(id), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyArn }),
  );
  return Bucket;
}

async function deploy(emu: Emulator): Promise<Deployed> {
  const keyArn = await createKeys(emu);
  const tableName = await createTable(emu, keyArn);
  const bucket = {
    primary: await createBucket(emu, 'primary', keyArn.primary),
    secondary: await createBucket(emu, 'secondary', keyArn.secondary),
  };
  return { keyArn, tableName, bucket };
}

const payment = (id: string) => ({
  transactionId: id,
  accountId: 'acct-1',
  amount: '10.5',
  currency: 'USD',
  type: 'debit',
  document: { contentType: 'text/plain', content: Buffer.from(receipt(id)).toString('base64') },
});

const transaction = (id: string, body: object = payment(id)) => ({
  body: JSON.stringify(body),
  requestContext: { requestId: `api-${id}`, authorizer: { iam: { userArn: `arn:aws:iam::${ACCOUNT}:user/alice` } } },
});

/** What each function is given to do: every path it has that calls AWS. */
function eventsOf(fn: FunctionName, tier: Tier): unknown[] {
  if (fn !== 'processor') return [{}];
  // A new transaction with its document, its replay, a conflicting replay, and one whose document an
  // earlier attempt already stored (PutObject refused; the stored object is read back and compared).
  const id = `rec-${tier}`;
  return [
    transaction(id),
    transaction(id),
    transaction(id, { ...payment(id), amount: '11' }),
    transaction(`${id}-retry`),
  ];
}

function variablesOf(fn: FunctionName, tier: Tier, d: Deployed): Record<string, string> {
  if (fn === 'processor')
    return processorVariables({ tableName: d.tableName, bucketName: d.bucket[tier], keyArn: d.keyArn[tier] });
  const peer = tier === 'primary' ? REGIONS.secondary : REGIONS.primary;
  return regionalVariables(fn, {
    tableName: d.tableName,
    peerRegion: peer,
    keyArn: d.keyArn[tier],
    bucketName: d.bucket[tier],
    rpoTargetSeconds: 60,
  }) as Record<string, string>;
}

async function invoke(emu: Emulator, bundle: string, fn: FunctionName, tier: Tier, d: Deployed): Promise<unknown[]> {
  const region = REGIONS[tier];
  const env = {
    PATH: process.env.PATH,
    ...variablesOf(fn, tier, d),
    AWS_REGION: region,
    AWS_ENDPOINT_URL: emu.endpointFor(region),
    AWS_ACCESS_KEY_ID: accessKeyOf(fn, tier),
    AWS_SECRET_ACCESS_KEY: SECRET.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const calls = eventsOf(fn, tier).map((event, i) => ({ event, requestId: `${fn}-${tier}-${i}` }));
  return invokeBundle(bundle, HANDLERS[fn], calls, env, 60_000);
}

/** The emulator's own key ids replaced by the one the corpus spells, so a recording compares with it. */
function canonical(text: string, d: Deployed): string {
  for (const arn of Object.values(d.keyArn)) text = text.split(arn.split('/')[1]).join(KEY_ID);
  return text;
}

function toCorpus(recorded: RecordedCall[], d: Deployed): CorpusCall[] {
  const who = new Map<string, [FunctionName, Tier]>();
  for (const fn of Object.keys(HANDLERS) as FunctionName[])
    for (const tier of Object.keys(REGIONS) as Tier[]) who.set(accessKeyOf(fn, tier), [fn, tier]);
  // Each distinct call once, as its canonical JSON (which is also the sort key).
  const seen = new Set<string>();
  for (const c of recorded) {
    const caller = who.get(c.accessKeyId);
    if (!caller) continue;
    const entry: CorpusCall = {
      function: caller[0],
      tier: caller[1],
      operation: c.operation,
      action: c.action,
      ...(c.resource ? { resource: c.resource } : {}),
      context: c.context ?? {},
    };
    seen.add(canonical(JSON.stringify(entry), d));
  }
  return [...seen].sort().map((text) => JSON.parse(text) as CorpusCall);
}

/** Beats in both regions twice over, so each finds its peer's beat and publishes its age; /health last. */
const STEPS: Array<[FunctionName, Tier]> = [
  ['heartbeat', 'primary'],
  ['heartbeat', 'secondary'],
  ['heartbeat', 'primary'],
  ['processor', 'primary'],
  ['processor', 'secondary'],
  ['health', 'primary'],
  ['health', 'secondary'],
];

/** Runs every function's paths in both regions with the recorder on; the calls, deduplicated and sorted. */
export async function recordCalls(): Promise<{ calls: CorpusCall[]; results: Record<string, unknown[]> }> {
  const bundle = testBundle().file;
  const emu = await startEmulator({ regions: Object.values(REGIONS), recordCalls: true });
  try {
    const d = await deploy(emu);
    const results: Record<string, unknown[]> = {};
    for (const [i, [fn, tier]] of STEPS.entries())
      results[`${i} ${fn}/${tier}`] = await invoke(emu, bundle, fn, tier, d);
    const { calls } = await emu.calls(0);
    return { calls: toCorpus(calls, d), results };
  } finally {
    await emu.stop();
  }
}

if (require.main === module) {
  recordCalls().then(
    async ({ calls, results }) => {
      // In the layout `npm run lint` checks (prettier is a devDependency, like this script's emulator).
      const { format } = await import('prettier');
      fs.writeFileSync(CORPUS, await format(JSON.stringify(calls), { parser: 'json', filepath: CORPUS }));
      console.log(`${calls.length} distinct calls -> ${path.relative(process.cwd(), CORPUS)}`);
      console.log(JSON.stringify(results, null, 1).slice(0, 4000));
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
