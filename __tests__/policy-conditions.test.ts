/**
 * Least privilege by condition (issue 21 point 6) and policies readable in a first plan (issue 19),
 * pinned on the specs both deliverables render (parity.test.ts holds the renderers to them) and on
 * the synthesized Terraform. Each condition has its own assertion: removing it fails one test.
 */
import { CANARY } from '../dr/check-canary';
import { crossRegionPolicy } from '../src/access/spec';
import { DR_CHECK_ITEM_PREFIX, RECORD } from '../src/contract';
import { Dialect, Env, PolicyDocument, PolicyStatement } from '../src/dialect';
import { BUCKET_CONFIGURATION_ACTIONS, documentReplicationPolicy, documentsBucketPolicy } from '../src/documents/spec';
import { HEARTBEAT, heartbeatId } from '../src/heartbeat-contract';
import { keyPolicy, splitKeyStatements } from '../src/keys/spec';
import { names } from '../src/naming';
import { ITEM_WRITE_ACTIONS, processorPolicy } from '../src/processor/spec';
import { healthPolicy, heartbeatPolicy } from '../src/regional/spec';
import { globMatch } from './helpers/policy';
import { resourcesOf, synthStack } from './helpers/synth';

const d: Dialect<string> = { join: (...parts) => parts.join('') };
const e: Env<string> = { partition: 'aws', account: '111122223333', region: 'us-east-1', peerRegion: 'us-west-2' };
const p = { suffix: 'dev' };
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/mrk-primary';
const PEER_KEY = 'arn:aws:kms:us-west-2:111122223333:key/mrk-primary';
const TABLE = 'arn:aws:dynamodb:us-east-1:111122223333:table/transactions-dev';
const BUCKET = 'arn:aws:s3:::tap-docs-dev-111122223333-us-east-1';
const PEER_BUCKET = 'arn:aws:s3:::tap-docs-dev-111122223333-us-west-2';
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:111122223333:function:${name}`;

const refs = { tableArn: TABLE, keyArn: KEY, bucketArn: BUCKET };
const processor = processorPolicy(d, e, p, refs);
const heartbeat = heartbeatPolicy(d, e, p, refs);
const health = healthPolicy(d, e, p, refs);
const crossRegion = crossRegionPolicy(d, e, p, { primaryKeyArn: KEY, secondaryKeyArn: PEER_KEY });
const replication = documentReplicationPolicy(d, e, {
  sourceBucketArn: BUCKET,
  sourceKeyArn: KEY,
  destinationBucketArn: PEER_BUCKET,
  destinationKeyArn: PEER_KEY,
});
const bucketPolicy = documentsBucketPolicy(d, e, p, BUCKET, KEY);
const sid = (doc: PolicyDocument<string>, id: string) => {
  const found = doc.Statement.find((s) => s.Sid === id);
  if (!found) throw new Error(`no statement ${id} in ${doc.Statement.map((s) => s.Sid).join(', ')}`);
  return found;
};
const actions = (s: PolicyStatement<string>) => s.Action;
const isKmsUse = (a: string) => /^kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/.test(a);

const DYNAMODB_CONTEXT = {
  'kms:ViaService': 'dynamodb.us-east-1.amazonaws.com',
  'kms:EncryptionContext:aws:dynamodb:tableName': 'transactions-dev',
  'kms:EncryptionContext:aws:dynamodb:subscriberId': '111122223333',
};

describe('every use of a key is bound to an encryption context', () => {
  const roles: Array<[string, PolicyDocument<string>]> = [
    ['processor', processor],
    ['heartbeat', heartbeat],
    ['health', health],
    ['cross-region', crossRegion],
    ['document replication', replication],
  ];

  it.each(roles)(
    '%s: no Allow of Decrypt/Encrypt/GenerateDataKey without a kms:EncryptionContext condition',
    (_, doc) => {
      const unbound = doc.Statement.filter(
        (s) =>
          s.Effect === 'Allow' &&
          actions(s).some(isKmsUse) &&
          !Object.values(s.Condition ?? {}).some((keys) =>
            Object.keys(keys).some((k) => k.startsWith('kms:EncryptionContext:')),
          ),
      );
      expect(unbound.map((s) => s.Sid)).toEqual([]);
    },
  );

  it("the processor: the table's context through DynamoDB, the bucket's through S3, its own environment's", () => {
    expect(sid(processor, 'TableKeyThroughDynamoDB').Condition).toEqual({ StringEquals: DYNAMODB_CONTEXT });
    expect(sid(processor, 'DocumentsKeyThroughS3').Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET },
    });
    expect(sid(processor, 'FunctionEnvironment').Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:aws:lambda:FunctionArn': fnArn('transaction-processor-dev') },
    });
  });

  it.each([
    ['heartbeat', heartbeat, names.heartbeatFunction(p)],
    ['health', health, names.healthFunction(p)],
  ])("%s: the table's context through DynamoDB, its own environment's", (_, doc, fn) => {
    expect(sid(doc, 'RegionKeyThroughDynamoDB').Condition).toEqual({ StringEquals: DYNAMODB_CONTEXT });
    expect(sid(doc, 'FunctionEnvironment').Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:aws:lambda:FunctionArn': fnArn(fn) },
    });
  });

  it("the cross-region role: each key through DynamoDB in its own region, for the table's context", () => {
    expect(sid(crossRegion, 'PrimaryKeyThroughDynamoDB').Condition).toEqual({ StringEquals: DYNAMODB_CONTEXT });
    expect(sid(crossRegion, 'SecondaryKeyThroughDynamoDB').Condition).toEqual({
      StringEquals: { ...DYNAMODB_CONTEXT, 'kms:ViaService': 'dynamodb.us-west-2.amazonaws.com' },
    });
  });

  it("document replication: each bucket's context through S3 in its own region", () => {
    expect(sid(replication, 'DecryptInSourceRegion').Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': BUCKET },
    });
    expect(sid(replication, 'EncryptInDestinationRegion').Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': PEER_BUCKET },
    });
  });

  describe('the key policy', () => {
    const key = keyPolicy(d, e, p, true);
    it('CloudWatch Logs: only the region log groups, by aws:logs:arn', () => {
      const logs = sid(key, 'CloudWatchLogsForRegionLogGroups');
      expect(Object.keys(logs.Condition!)).toEqual(['ArnLike']);
      expect(logs.Condition!.ArnLike['kms:EncryptionContext:aws:logs:arn']).toContain(
        'arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/transaction-processor-dev',
      );
    });
    it("CloudWatch alarms: only this region's alert topic, by aws:sns:topicArn, and only this account's alarms", () => {
      const alarms = sid(key, 'CloudWatchAlarmsPublishToEncryptedTopic');
      expect(alarms.Condition!.StringEquals).toEqual({
        'aws:SourceAccount': '111122223333',
        'kms:EncryptionContext:aws:sns:topicArn': 'arn:aws:sns:us-east-1:111122223333:tap-dr-alerts-dev',
      });
    });
    it("CloudTrail: only the region's trail, by aws:cloudtrail:arn", () => {
      expect(sid(key, 'CloudTrailEncryptsDocumentAccessTrail').Condition!.StringLike).toEqual({
        'kms:EncryptionContext:aws:cloudtrail:arn':
          'arn:aws:cloudtrail:us-east-1:111122223333:trail/tap-dr-documents-dev',
      });
    });
  });
});

/** ForAnyValue:StringLike over dynamodb:LeadingKeys, as IAM evaluates it for one item's key. */
function deniedKey(doc: PolicyDocument<string>, action: string, partitionKey: string): boolean {
  return doc.Statement.some(
    (s) =>
      s.Effect === 'Deny' &&
      s.Action.includes(action) &&
      s.Resource === TABLE &&
      Object.entries(s.Condition ?? {}).every(
        ([op, keys]) =>
          op === 'ForAnyValue:StringLike' &&
          ([] as string[]).concat(keys['dynamodb:LeadingKeys'] as string[]).some((k) => globMatch(k, partitionKey)),
      ),
  );
}

describe('the processor is kept to its own items', () => {
  const transactionId = 'txn-20261203-0001';
  it.each([...ITEM_WRITE_ACTIONS])('%s on a beat or a dr:check canary is denied', (action) => {
    expect(deniedKey(processor, action, heartbeatId('us-east-1'))).toBe(true);
    expect(deniedKey(processor, action, heartbeatId('us-west-2'))).toBe(true);
    expect(deniedKey(processor, action, `${DR_CHECK_ITEM_PREFIX}20261203T000000000Z-1a2b3c4d`)).toBe(true);
  });

  it('its records and claims are not', () => {
    expect(deniedKey(processor, 'dynamodb:PutItem', transactionId)).toBe(false);
    expect(deniedKey(processor, 'dynamodb:PutItem', `${transactionId}${RECORD.claimSuffix}`)).toBe(false);
  });

  it('the reserved prefixes are the ones the heartbeat and dr:check write', () => {
    expect(heartbeatId('x').startsWith(HEARTBEAT.idPrefix)).toBe(true);
    expect(CANARY.itemPrefix).toBe(DR_CHECK_ITEM_PREFIX);
  });

  it('grants exactly the calls lambda/aws.ts makes: nothing unused (no GetItem, no Query)', () => {
    // AwsPort: putItem -> PutItem; transactWriteItems -> PutItem + ConditionCheckItem (its items);
    // putObject -> PutObject; headObject and getObjectBytes -> GetObject.
    const used = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 's3:PutObject', 's3:GetObject'];
    const granted = processor.Statement.filter((s) => s.Effect === 'Allow').flatMap(actions);
    expect(granted.filter((a) => /^(dynamodb|s3):/.test(a)).sort()).toEqual([...used].sort());
  });
});

describe('documents are written once', () => {
  const roleArn = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
  const functionRoles = [
    names.processorRole(p),
    names.standbyProcessorRole(p),
    names.regionalRole(p, 'heartbeat', false),
    names.regionalRole(p, 'heartbeat', true),
    names.regionalRole(p, 'health', false),
    names.regionalRole(p, 'health', true),
  ].map(roleArn);

  it('a function role may put a document only with If-None-Match', () => {
    const st = sid(bucketPolicy, 'DocumentsOnlyIfNoneMatch');
    expect(st).toMatchObject({ Effect: 'Deny', Action: ['s3:PutObject'], Resource: `${BUCKET}/documents/*` });
    expect(st.Condition).toEqual({
      ArnLike: { 'aws:PrincipalArn': functionRoles },
      Null: { 's3:if-none-match': 'true' },
    });
  });

  it('a function role may never delete an object or a version', () => {
    const st = sid(bucketPolicy, 'FunctionsNeverDelete');
    expect(st).toMatchObject({
      Effect: 'Deny',
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      Resource: `${BUCKET}/*`,
    });
    expect(st.Condition).toEqual({ ArnLike: { 'aws:PrincipalArn': functionRoles } });
  });

  it("a function role may never change the bucket's replication, versioning, lifecycle or policy", () => {
    const st = sid(bucketPolicy, 'FunctionsNeverReconfigure');
    expect(st).toMatchObject({ Effect: 'Deny', Resource: BUCKET });
    expect(st.Action).toEqual([...BUCKET_CONFIGURATION_ACTIONS]);
    expect(st.Action).toEqual(expect.arrayContaining(['s3:PutReplicationConfiguration', 's3:PutBucketVersioning']));
    expect(st.Condition).toEqual({ ArnLike: { 'aws:PrincipalArn': functionRoles } });
  });

  it('names the role of every function the stack deploys', () => {
    const { json } = synthStack();
    const roleOf = new Map(
      Object.entries((json as any).resource.aws_iam_role as Record<string, { name: string }>).map(([a, r]) => [
        `\${aws_iam_role.${a}.arn}`,
        r.name,
      ]),
    );
    const deployed = resourcesOf(json, 'aws_lambda_function').map((f) => roleArn(roleOf.get(f.role)!));
    expect(deployed.length).toBe(6);
    for (const r of deployed) expect(functionRoles).toContain(r);
  });
});

describe('every policy but its key statements reads in a first plan (issue 19)', () => {
  it('splits the statements on a key from the rest', () => {
    const { rest, keys } = splitKeyStatements(processor, [KEY]);
    expect(keys.Statement.map((s) => s.Sid)).toEqual([
      'FunctionEnvironment',
      'DocumentsKeyThroughS3',
      'TableKeyThroughDynamoDB',
    ]);
    expect(rest.Statement.length + keys.Statement.length).toBe(processor.Statement.length);
    expect(JSON.stringify(rest)).not.toContain(KEY);
  });

  it.each([
    ['the default stack', {}],
    ['the cross-region role on', { CROSS_REGION_TRUSTED_PRINCIPALS: 'arn:aws:iam::111122223333:role/ops' }],
  ])('in %s: only *-keys role policies and the documents bucket policies reference a resource', (_, env) => {
    const { json } = synthStack(env);
    const references = (policy: string) =>
      [...policy.matchAll(/\$\{(aws_[a-z_]+)\.[a-z0-9_]+\.[a-z_]+\}/g)].map((m) => m[1]);
    const roleOnly = resourcesOf(json, 'aws_iam_role_policy');
    expect(roleOnly.length).toBeGreaterThan(8);
    for (const rp of roleOnly) {
      const refsIn = references(rp.policy);
      if (rp.name.endsWith('-keys')) {
        expect(refsIn.length).toBeGreaterThan(0);
        expect(refsIn.every((t) => t === 'aws_kms_key' || t === 'aws_kms_replica_key')).toBe(true);
      } else expect([rp.name, refsIn]).toEqual([rp.name, []]);
    }
    for (const bp of resourcesOf(json, 'aws_s3_bucket_policy'))
      expect(references(bp.policy).every((t) => t === 'aws_kms_key' || t === 'aws_kms_replica_key')).toBe(true);
  });
});
