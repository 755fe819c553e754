/**
 * The emulated two-region AWS itself (emulator/): each restored AWS behaviour is shown
 * to be needed (the same scenario fails with that one patch left out, and passes with it), and
 * the per-region fronts and the replication controls do what the drills rely on.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetBucketReplicationCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { zipSingleFile } from '../../src/zip';
import { regionClients, RegionClients, xmlValues } from '../../emulator/aws';
import { Emulator, emulatorAvailable, EMULATOR_INSTALL_HINT, startEmulators } from '../../emulator/emulator';

const PRIMARY = 'us-east-1';
const SECONDARY = 'us-west-2';
const ACCOUNT = '123456789012';

interface World {
  emu: Emulator;
  p: RegionClients;
  s: RegionClients;
}

let n = 0;
const unique = (prefix: string) => `${prefix}-${++n}-${Date.now() % 100000}`;

async function globalTable(w: World): Promise<string> {
  const name = unique('tbl');
  await w.p.dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await w.p.dynamodb.send(
    new UpdateTableCommand({ TableName: name, ReplicaUpdates: [{ Create: { RegionName: SECONDARY } }] }),
  );
  return name;
}

async function versionedBucket(c: RegionClients, name: string): Promise<void> {
  await c.s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(c.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: c.region as any } }),
    }),
  );
  await c.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
}

async function replicatedBuckets(
  w: World,
): Promise<{ source: string; target: string; replicaKey: string; sourceKey: string }> {
  const source = unique('src');
  const target = unique('dst');
  await versionedBucket(w.p, source);
  await versionedBucket(w.s, target);
  const sourceKey = (await w.p.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  const replicaKey = (await w.s.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  await w.p.s3.send(
    new PutBucketReplicationCommand({
      Bucket: source,
      ReplicationConfiguration: {
        Role: `arn:aws:iam::${ACCOUNT}:role/replication`,
        Rules: [
          {
            ID: 'all',
            Priority: 1,
            Status: 'Enabled',
            Filter: { Prefix: '' },
            DeleteMarkerReplication: { Status: 'Disabled' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: { Bucket: `arn:aws:s3:::${target}`, EncryptionConfiguration: { ReplicaKmsKeyID: replicaKey } },
          },
        ],
      },
    }),
  );
  return { source, target, replicaKey, sourceKey };
}

/** One scenario per patch: resolves when AWS's behaviour is there, throws (with the symptom) when not. */
const PROOFS: Array<[patch: string, scenario: (w: World) => Promise<void>, symptom: RegExp]> = [
  [
    'kms_replicate_key_keeps_its_own_properties',
    async ({ p, s }) => {
      const key = (await p.kms.send(new CreateKeyCommand({ MultiRegion: true, Description: 'primary' }))).KeyMetadata!;
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'replica',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      });
      await p.kms.send(
        new ReplicateKeyCommand({ KeyId: key.KeyId, ReplicaRegion: SECONDARY, Policy: policy, Description: 'replica' }),
      );
      const got = (await s.kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }))).Policy;
      if (got !== policy) throw new Error(`replica policy is not the one given: ${got}`);
      await s.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
      const primary = (await p.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
      if (primary.MultiRegionConfiguration?.MultiRegionKeyType !== 'PRIMARY')
        throw new Error(`the primary now says ${primary.MultiRegionConfiguration?.MultiRegionKeyType}`);
    },
    /replica policy is not the one given/,
  ],
  [
    'kms_multi_region_key_ids_decrypt',
    async ({ p }) => {
      const key = (await p.kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
      const blob = (await p.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })))
        .CiphertextBlob!;
      await p.kms.send(new DecryptCommand({ CiphertextBlob: blob }));
    },
    /does not exist in this region|AccessDenied|UnknownError/, // moto: a 500 (its key-id field truncates mrk- ids)
  ],
  [
    'dynamodb_update_table_manages_replicas',
    async (w) => {
      const name = await globalTable(w);
      const t = (await w.p.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table!;
      if (!t.Replicas?.some((r) => r.RegionName === SECONDARY && r.ReplicaStatus === 'ACTIVE'))
        throw new Error(`no ${SECONDARY} replica listed: ${JSON.stringify(t.Replicas)}`);
      await w.s.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    },
    /no us-west-2 replica listed/,
  ],
  [
    'dynamodb_writes_are_observable',
    async (w) => {
      const name = await globalTable(w);
      await w.p.dynamodb.send(new PutItemCommand({ TableName: name, Item: { id: { S: 'a' }, v: { S: '1' } } }));
      await w.emu.replication.drain(5000);
      const item = (await w.s.dynamodb.send(new GetItemCommand({ TableName: name, Key: { id: { S: 'a' } } }))).Item;
      if (item?.v?.S !== '1') throw new Error('the write never reached the replica');
    },
    /never reached the replica/,
  ],
  [
    'lambda_function_keeps_kms_key_arn',
    async ({ p }) => {
      const role = unique('role');
      await p.query('iam', {
        Action: 'CreateRole',
        RoleName: role,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
        Version: '2010-05-08',
      });
      const key = (await p.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const fn = unique('fn');
      const created = await p.rest('lambda', 'POST', '/2015-03-31/functions', {
        FunctionName: fn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        Code: { ZipFile: zipSingleFile('index.js', Buffer.from('exports.handler=async()=>1')).toString('base64') },
        KMSKeyArn: key,
      });
      if (created.status !== 201) throw new Error(`CreateFunction: ${created.status} ${JSON.stringify(created.json)}`);
      const got = await p.rest('lambda', 'GET', `/2015-03-31/functions/${fn}/configuration`);
      if (got.json.KMSKeyArn !== key) throw new Error(`KMSKeyArn came back as ${got.json.KMSKeyArn}`);
    },
    /KMSKeyArn came back as undefined/,
  ],
  [
    's3_replication_rules_keep_all_fields',
    async (w) => {
      const { source } = await replicatedBuckets(w);
      const rule = (await w.p.s3.send(new GetBucketReplicationCommand({ Bucket: source }))).ReplicationConfiguration!
        .Rules![0];
      if (rule.SourceSelectionCriteria?.SseKmsEncryptedObjects?.Status !== 'Enabled')
        throw new Error(`SourceSelectionCriteria dropped: ${JSON.stringify(rule)}`);
    },
    /SourceSelectionCriteria dropped/,
  ],
  [
    's3_bucket_policy_conditions_apply',
    async ({ p }) => {
      const bucket = unique('tls');
      const key = (await p.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      await p.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const deny = (Sid: string, Condition: object) => ({
        Sid,
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
        Condition,
      });
      await p.s3.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              deny('DenyInsecureTransport', { Bool: { 'aws:SecureTransport': 'false' } }),
              deny('DenyOtherKmsKey', {
                StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key },
              }),
            ],
          }),
        }),
      );
      await p.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'ok',
          Body: 'x',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: key,
        }),
      );
      // The conditions are really evaluated: another key is still refused.
      const other = (await p.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const refused = await p.s3
        .send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: 'no',
            Body: 'x',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: other,
          }),
        )
        .then(
          () => false,
          () => true,
        );
      if (!refused) throw new Error('a put under another key was allowed');
    },
    /AccessDenied|UnknownError|403/,
  ],
  [
    's3_object_puts_are_observable',
    async (w) => {
      const { source, target, replicaKey, sourceKey } = await replicatedBuckets(w);
      await w.p.s3.send(
        new PutObjectCommand({
          Bucket: source,
          Key: 'doc',
          Body: 'x',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: sourceKey,
        }),
      );
      await w.emu.replication.drain(5000);
      const head = await w.s.s3.send(new HeadObjectCommand({ Bucket: target, Key: 'doc' })).catch(() => undefined);
      if (!head) throw new Error('the object was not replicated');
      if (head.SSEKMSKeyId !== replicaKey || head.ReplicationStatus !== 'REPLICA')
        throw new Error(`replica: ${head.SSEKMSKeyId} ${head.ReplicationStatus}`);
    },
    /the object was not replicated/,
  ],
  [
    'cloudtrail_trail_arn_names_the_trail',
    async ({ p }) => {
      const bucket = unique('trail');
      await p.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const trail = await p.json('cloudtrail', 'CloudTrail_20131101.CreateTrail', {
        Name: unique('trail'),
        S3BucketName: bucket,
      });
      await p.json('cloudtrail', 'CloudTrail_20131101.StartLogging', { Name: trail.TrailARN });
    },
    /StartLogging in us-east-1: 500/,
  ],
  [
    'route53_health_check_keeps_its_alarm',
    async ({ p }) => {
      const config =
        '<Type>CLOUDWATCH_METRIC</Type><AlarmIdentifier><Region>us-east-1</Region><Name>tap-dr-x.region-health</Name>' +
        '</AlarmIdentifier><InsufficientDataHealthStatus>Unhealthy</InsufficientDataHealthStatus>';
      const created = await p.restXml(
        'route53',
        'POST',
        '/2013-04-01/healthcheck',
        `<CreateHealthCheckRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><CallerReference>${unique('hc')}` +
          `</CallerReference><HealthCheckConfig>${config}</HealthCheckConfig></CreateHealthCheckRequest>`,
      );
      const [id] = xmlValues(created.text, 'Id');
      if (created.status !== 201 || !id) throw new Error(`CreateHealthCheck was answered ${created.status}`);
      const read = await p.restXml('route53', 'GET', `/2013-04-01/healthcheck/${id}`);
      const [alarm] = xmlValues(read.text, 'Name');
      const [insufficient] = xmlValues(read.text, 'InsufficientDataHealthStatus');
      if (alarm !== 'tap-dr-x.region-health' || insufficient !== 'Unhealthy')
        throw new Error(`GetHealthCheck lost the alarm: alarm ${alarm}, insufficient data ${insufficient}`);
    },
    /GetHealthCheck lost the alarm/,
  ],
  [
    'apigatewayv2_stage_route_settings_need_their_routes',
    async ({ p }) => {
      const api = await httpApi(p);
      const settings = { routeSettings: { 'GET /health': { throttlingRateLimit: 10, throttlingBurstLimit: 20 } } };
      const early = await p.rest('apigateway', 'POST', `/v2/apis/${api}/stages`, { stageName: 'early', ...settings });
      if (early.status !== 404 || !/Unable to find Route by key GET \/health/.test(JSON.stringify(early.json)))
        throw new Error(`a stage naming a missing route was answered ${early.status}`);
      await p.rest('apigateway', 'POST', `/v2/apis/${api}/routes`, { routeKey: 'GET /health' });
      const late = await p.rest('apigateway', 'POST', `/v2/apis/${api}/stages`, { stageName: 'late', ...settings });
      if (late.status !== 200) throw new Error(`a stage after its route was answered ${late.status}`);
    },
    /a stage naming a missing route was answered 200/,
  ],
  [
    'apigatewayv2_stage_access_log_variables_are_http_api_ones',
    async ({ p }) => {
      const api = await httpApi(p);
      const stage = (format: string) =>
        p.rest('apigateway', 'POST', `/v2/apis/${api}/stages`, {
          stageName: unique('s'),
          accessLogSettings: { destinationArn: `arn:aws:logs:${PRIMARY}:${ACCOUNT}:log-group:x`, format },
        });
      const rest = await stage('{"tls":"$context.tlsVersion","id":"$context.requestId"}');
      if (rest.status !== 400 || !/\$context\.tlsVersion/.test(JSON.stringify(rest.json)))
        throw new Error(`a REST-only log variable was answered ${rest.status}`);
      const ok = await stage('{"id":"$context.requestId","caller":"$context.identity.caller"}');
      if (ok.status !== 200) throw new Error(`HTTP API log variables were answered ${ok.status}`);
    },
    /a REST-only log variable was answered 200/,
  ],
];

/** A bare HTTP API; its id. */
async function httpApi(p: RegionClients): Promise<string> {
  const r = await p.rest('apigateway', 'POST', '/v2/apis', { name: unique('api'), protocolType: 'HTTP' });
  if (r.status !== 201 && r.status !== 200) throw new Error(`CreateApi: ${r.status}`);
  return r.json.apiId;
}

const describeIfEmulator = emulatorAvailable() || process.env.CI ? describe : describe.skip;

describeIfEmulator('emulated two-region AWS', () => {
  const worlds = new Map<string, World>();
  const world = (emu: Emulator): World => ({
    emu,
    p: regionClients(PRIMARY, emu.endpointFor(PRIMARY)),
    s: regionClients(SECONDARY, emu.endpointFor(SECONDARY)),
  });

  beforeAll(async () => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    // One emulator with every patch and one without each: thirteen, forked from one server.
    const without = [[], ...PROOFS.map(([patch]) => [patch])];
    const all = await startEmulators(without.map((w) => ({ regions: [PRIMARY, SECONDARY], withoutPatches: w })));
    worlds.set('all', world(all[0]));
    PROOFS.forEach(([patch], i) => worlds.set(patch, world(all[i + 1])));
  }, 90_000);
  afterAll(() => Promise.all([...worlds.values()].map((w) => w.emu.stop())));

  it('applies every patch and names it', async () => {
    expect((await worlds.get('all')!.emu.state()).patches).toEqual(PROOFS.map(([patch]) => patch));
  });

  describe.each(PROOFS)('%s', (patch, scenario, symptom) => {
    it('restores the AWS behaviour', async () => {
      await scenario(worlds.get('all')!);
    });
    it('is needed: without it, the same scenario fails', async () => {
      await expect(scenario(worlds.get(patch)!)).rejects.toThrow(symptom);
    });
  });

  describe('per-region fronts', () => {
    const ping = (url: string, ms = 10_000) => fetch(`${url}/_emulator/state`, { signal: AbortSignal.timeout(ms) });
    const cause = (e: any) => String(e?.cause?.code ?? e?.name ?? e);

    it('makes one region refuse connections, then restores it on the same port', async () => {
      const { emu } = worlds.get('all')!;
      const url = emu.endpointFor(PRIMARY);
      await emu.region(PRIMARY).unreachable();
      await expect(ping(url).catch((e) => Promise.reject(new Error(cause(e))))).rejects.toThrow('ECONNREFUSED');
      expect((await ping(emu.endpointFor(SECONDARY))).ok).toBe(true);
      await emu.region(PRIMARY).restore();
      expect((await ping(url)).ok).toBe(true);
    });

    it('resets connections, or accepts and never answers', async () => {
      const { emu } = worlds.get('all')!;
      const url = emu.endpointFor(SECONDARY);
      await emu.region(SECONDARY).unreachable('reset');
      await expect(ping(url).catch((e) => Promise.reject(new Error(cause(e))))).rejects.toThrow(
        /ECONNRESET|UND_ERR_SOCKET|other side closed/,
      );
      await emu.region(SECONDARY).unreachable('blackhole');
      await expect(ping(url, 500).catch((e) => Promise.reject(new Error(cause(e))))).rejects.toThrow(
        /TimeoutError|AbortError/,
      );
      await emu.region(SECONDARY).restore();
      expect((await ping(url)).ok).toBe(true);
    });

    it('slows one region down', async () => {
      const { emu } = worlds.get('all')!;
      await emu.region(PRIMARY).slow(400);
      const t = Date.now();
      await ping(emu.endpointFor(PRIMARY));
      expect(Date.now() - t).toBeGreaterThanOrEqual(400);
      await emu.region(PRIMARY).restore();
    });
  });

  describe('replication controls', () => {
    const read = (w: World, table: string) =>
      w.s.dynamodb.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'k' } } }));
    const write = (w: World, table: string, v: string) =>
      w.p.dynamodb.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'k' }, v: { S: v } } }));

    it('applies a write after the configured lag, and lists it as pending until then', async () => {
      const w = worlds.get('all')!;
      const table = await globalTable(w);
      await w.emu.replication.set({ lagMs: 500 });
      try {
        await write(w, table, 'lagged');
        expect((await read(w, table)).Item).toBeUndefined();
        expect(await w.emu.replication.pending()).toEqual([
          expect.objectContaining({ kind: 'dynamodb', from: PRIMARY, to: SECONDARY, resource: table }),
        ]);
        await w.emu.replication.drain(5000);
        expect((await read(w, table)).Item?.v).toEqual({ S: 'lagged' });
      } finally {
        await w.emu.replication.set({ lagMs: 0 });
      }
    });

    it('holds everything while paused or while either region is unreachable', async () => {
      const w = worlds.get('all')!;
      const table = await globalTable(w);
      await w.emu.replication.set({ paused: true });
      await write(w, table, 'paused');
      await new Promise((r) => setTimeout(r, 300));
      expect((await read(w, table)).Item).toBeUndefined();
      await w.emu.region(PRIMARY).unreachable();
      await w.emu.replication.set({ paused: false });
      await new Promise((r) => setTimeout(r, 300));
      expect((await w.emu.replication.pending()).length).toBe(1);
      await w.emu.region(PRIMARY).restore();
      await w.emu.replication.drain(5000);
      expect((await read(w, table)).Item?.v).toEqual({ S: 'paused' });
    });
  });
});
