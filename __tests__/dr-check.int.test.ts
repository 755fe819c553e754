import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { ScanCommand, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DisableKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import {
  DeleteBucketReplicationCommand,
  DeleteObjectCommand,
  GetBucketReplicationCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  ReplicationConfiguration,
} from '@aws-sdk/client-s3';
import { AccessOptions, awsAccess, ObservedCall, xmlText } from '../dr/check-aws';
import { ArgError, parseCheckArgs } from '../dr/check-args';
import { CANARY } from '../dr/check-canary';
import { main, runCheck } from '../dr/check';
import { Deployment, deploymentFrom, parseOutputsJson } from '../dr/check-input';
import { Row } from '../dr/check-report';
import { alertTopicArn, heartbeatRows } from '../dr/check-signals';
import { regionClients, RegionClients } from '../emulator/aws';
import { stackRun, StackRun, synthConfiguration, writeEmulatorOverride } from '../harness/terraform';
import { Emulator, emulatorAvailable, EMULATOR_INSTALL_HINT, startEmulator } from '../emulator/emulator';
import { Gateway, GATEWAY_CREDENTIALS, startGateway } from '../emulator/gateway-control';
import { testBundle } from '../harness/bundle';
import { appliesTo, PolicyDocument, Request, Statement } from './helpers/policy';
import { describeWithTerraform } from './helpers/terraform';
import { DNS_FAILOVER, outputs, standbyOutputs } from '../src/design';
import { names } from '../src/naming';
import { DOCUMENT_PREFIX, DR_CHECK_CANARY } from '../src/contract';
import { KEY_STATE_CACHE_MS } from '../lambda/health';

/**
 * `npm run dr:check` against the emulated two-region AWS (emulator/) with the default
 * stack applied by Terraform once, and each region's API Gateway stood in for by
 * emulator/gateway-control.ts (moto stores HTTP APIs but never runs them). The check runs
 * in-process; every AWS call goes to the emulator's regional fronts (endpoint overrides, fixed
 * test credentials) and every /health call to a local gateway: nothing reaches AWS. The
 * documents buckets keep their policy (the emulator evaluates its conditions), so the canary
 * document's put is shown to satisfy it.
 *
 * Healthy, every check passes. Then each fault the emulator can inject is applied, the check
 * run, exactly the checks that fault should break are asserted FAIL, the canaries are asserted
 * gone, and the fault is undone before the next one.
 */

describe('dr:check arguments', () => {
  const source = ['--terraform-outputs', 'out.json'];
  it.each([
    [
      ['--rto-target-seconds', '5', ...source],
      '--rto-target-seconds "5" is invalid: expected a whole number of seconds from 30 to 86400',
    ],
    [
      ['--rpo-target-seconds', '1.5', ...source],
      '--rpo-target-seconds "1.5" is invalid: expected a whole number of seconds from 10 to 3600',
    ],
    [
      [],
      'no stack outputs given: expected exactly one of --terraform-dir DIR, --terraform-outputs FILE or --cloudformation STACK --region R --secondary-region R2',
    ],
    [['--terraform-dir', 'd', ...source], '--terraform-dir and --terraform-outputs cannot be combined'],
    [
      ['--cloudformation', 'TapStack', '--region', 'us-east-1'],
      '--cloudformation needs --secondary-region R: expected an AWS region name such as us-east-1',
    ],
    [
      ['--cloudformation', 'TapStack', '--region', 'Virginia', '--secondary-region', 'us-west-2'],
      '--region "Virginia" is invalid: expected an AWS region name such as us-east-1',
    ],
    [['--region', 'us-east-1', ...source], '--region only goes with --cloudformation'],
    [['--canary-timeout', '3', ...source], '"--canary-timeout" is not an option'],
    [['--document-timeout-seconds', ...source], '--document-timeout-seconds needs a value'],
  ])('%j is refused, naming the argument and the accepted form', (argv, message) => {
    expect(() => parseCheckArgs(argv)).toThrow(ArgError);
    expect(() => parseCheckArgs(argv)).toThrow(message);
  });

  it('exits 2 on a bad argument, before reading any outputs', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--rto-target-seconds', 'soon', ...source])).toBe(2);
      expect(String(stderr.mock.calls[0][0])).toContain('--rto-target-seconds "soon" is invalid');
    } finally {
      stderr.mockRestore();
    }
  });

  it('reads both forms of saved outputs and refuses what is not a tap-dr stack', () => {
    const outputs = {
      KMSKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1',
      SecondaryKMSKeyArn: 'arn:aws:kms:eu-central-1:111122223333:key/mrk-1',
      DynamoDBTableName: 'transactions-prod',
      S3BucketName: 'b',
      PrimaryApiEndpoint: 'https://a.example/',
    };
    const wrapped = Object.fromEntries(
      Object.entries(outputs).map(([k, v]) => [k, { value: v, type: 'string', sensitive: false }]),
    );
    for (const text of [JSON.stringify(outputs), JSON.stringify(wrapped)]) {
      const d = deploymentFrom(parseOutputsJson(text, 'f'), 'f');
      expect(d).toMatchObject({
        primaryRegion: 'eu-west-1',
        secondaryRegion: 'eu-central-1',
        suffix: 'prod',
        account: '111122223333',
        standby: false,
      });
    }
    expect(() => deploymentFrom({ ...outputs, DynamoDBTableName: 'orders' }, 'f')).toThrow(
      'is not a tap-dr table name',
    );
    expect(() => deploymentFrom({ KMSKeyArn: outputs.KMSKeyArn }, 'f')).toThrow(
      'lacks the output(s) SecondaryKMSKeyArn, DynamoDBTableName, S3BucketName, PrimaryApiEndpoint',
    );
  });
});

const SUFFIX = 'drcheck';
/** The role dr:check runs as (DR_CHECK_PRINCIPALS), and the session API Gateway reports for it. */
const CHECK_ROLE = 'arn:aws:iam::123456789012:role/ops/tap-dr-check';
const CHECK_SESSION = 'arn:aws:sts::123456789012:assumed-role/tap-dr-check/dr-check-run';
/** Short waits: the emulator replicates in milliseconds, so a canary missing after 3 s is a fault. */
const FAST = ['--canary-timeout-seconds', '3', '--document-timeout-seconds', '5'];

describeWithTerraform('dr:check on the emulated two-region AWS', () => {
  let root: string;
  let emu: Emulator;
  let run: StackRun;
  let outputsFile: string;
  let d: Deployment;
  let regions: { primary: string; standby: string };
  let clients: { primary: RegionClients; standby: RegionClients };
  let gateways: { primary: Gateway; standby: Gateway };
  let access: AccessOptions;
  /** The same, without recording: the test's own setup calls are not dr:check's. */
  let testAccess: AccessOptions;
  /** Another stand-in for the standby's API, reporting requests as signed by `principalArn`. */
  let startStandbyGatewayAs: (principalArn: string) => Promise<Gateway>;
  const notes: string[] = [];
  /** Every AWS call dr:check makes in this file, for the IAM policy test at the end. */
  const calls: ObservedCall[] = [];

  beforeAll(async () => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-check-'));
    const synth = synthConfiguration({ ENVIRONMENT_SUFFIX: SUFFIX, DR_CHECK_PRINCIPALS: CHECK_ROLE }, root);
    regions = { primary: synth.config.primaryRegion, standby: synth.config.secondaryRegion };
    emu = await startEmulator({ regions: [regions.primary, regions.standby] });
    writeEmulatorOverride(synth.dir, synth.synthesized, (r) => emu.endpointFor(r));
    run = stackRun('dr-check', synth, process.env.TF_PROVIDER_MIRROR!);
    await run.tf(['init', '-input=false'], { timeoutMs: 60_000 });
    // The provider waits on each bucket's lifecycle configuration; on a loaded 2-core machine that is minutes.
    await run.tf(['apply', '-auto-approve', '-input=false', '-lock=false'], { timeoutMs: 420_000 });
    outputsFile = path.join(root, 'outputs.json');
    fs.writeFileSync(outputsFile, (await run.tf(['output', '-json'], { timeoutMs: 30_000 })).stdout);
    d = deploymentFrom(parseOutputsJson(fs.readFileSync(outputsFile, 'utf8'), outputsFile), outputsFile);
    clients = {
      primary: regionClients(regions.primary, emu.endpointFor(regions.primary)),
      standby: regionClients(regions.standby, emu.endpointFor(regions.standby)),
    };
    const gateway = (c: RegionClients, principalArn = CHECK_SESSION) =>
      startGateway({
        principalArn,
        clients: c,
        bundle: testBundle().file,
        functions: {
          processor: names.processorFunction({ suffix: SUFFIX }),
          health: names.healthFunction({ suffix: SUFFIX }),
          heartbeat: names.heartbeatFunction({ suffix: SUFFIX }),
        },
        heartbeatMs: 1000,
      });
    gateways = { primary: await gateway(clients.primary), standby: await gateway(clients.standby) };
    startStandbyGatewayAs = (principalArn) => gateway(clients.standby, principalArn);
    const apis: Record<string, string> = {
      [d.apis.primary]: gateways.primary.url,
      [d.apis.standby!]: gateways.standby.url,
    };
    access = {
      endpointFor: (_service, region) => emu.endpointFor(region),
      credentials: GATEWAY_CREDENTIALS,
      httpUrlFor: (endpoint) => apis[endpoint] ?? 'http://127.0.0.1:9/not-a-test-endpoint',
      callTimeoutMs: 5000,
      observe: (call) => void calls.push(call),
    };
    // The test's own setup calls (stand-in stacks, canary cleanup) are not what dr:check is timed
    // on: a loaded machine must not fail them at dr:check's 5 s deadline.
    testAccess = { ...access, observe: undefined, callTimeoutMs: 30_000 };
    // An operator subscribes the alert topics (the stack adds an email subscription only with
    // ALERT_EMAIL): an SQS queue each, which SNS confirms at once.
    for (const region of [regions.primary, regions.standby])
      subscriptions[region] = await subscribeQueue(region, alertTopicArn(d, region));
    // /health needs each region's first heartbeat to have replicated into the other.
    await waitFor(
      async () =>
        (await fetch(`${gateways.standby.url}/health`)).status === 200 &&
        (await fetch(`${gateways.primary.url}/health`)).status === 200,
      15_000,
    );
    // And each region's heartbeat metric: on a loaded machine the first beat's can lag the first test.
    await waitFor(
      async () => (await heartbeatRows(d, awsAccess(testAccess))).every((r) => r.verdict === 'PASS'),
      30_000,
    );
  }, 540_000);

  afterAll(async () => {
    await Promise.allSettled([gateways?.primary.stop(), gateways?.standby.stop()]);
    await emu?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (notes.length) console.log(`dr:check test notes:\n  ${notes.join('\n  ')}`);
  }, 30_000);

  const subscriptions: Record<string, string> = {};
  const sns = (region: string) =>
    new SNSClient({ region, endpoint: emu.endpointFor(region), credentials: GATEWAY_CREDENTIALS });
  async function subscribeQueue(region: string, TopicArn: string): Promise<string> {
    const sqs = new SQSClient({ region, endpoint: emu.endpointFor(region), credentials: GATEWAY_CREDENTIALS });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `drcheck-alerts-${region}` }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const out = await sns(region).send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: attrs.Attributes!.QueueArn }),
    );
    return out.SubscriptionArn!;
  }

  async function waitFor(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond().catch(() => false))) {
      if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const checkNow = async (extra: string[] = []): Promise<Row[]> => {
    const args = parseCheckArgs(['--terraform-outputs', outputsFile, ...FAST, ...extra]);
    return (await runCheck(d, awsAccess(access), args)).rows;
  };

  /** `<check id>@<region>` of every FAIL row, sorted. */
  const failures = (rows: Row[]) =>
    rows
      .filter((r) => r.verdict === 'FAIL')
      .map((r) => `${r.id}@${r.region}`)
      .sort();

  /** Items of both canaries: the direct one and the one sent through the standby processor. */
  const canaryItems = async (c: RegionClients) =>
    (
      await c.dynamodb.send(
        new ScanCommand({
          TableName: d.tableName,
          ConsistentRead: true,
          FilterExpression: 'begins_with(transactionId, :p) OR begins_with(transactionId, :q)',
          ExpressionAttributeValues: {
            ':p': { S: CANARY.itemPrefix },
            ':q': { S: DR_CHECK_CANARY.transactionIdPrefix },
          },
        }),
      )
    ).Items ?? [];
  const canaryObjects = async (c: RegionClients, bucket: string) => {
    const versions = async (Prefix: string) => {
      const out = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix }));
      return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
    };
    const all = [
      ...(await versions(CANARY.objectPrefix)),
      ...(await versions(`${DOCUMENT_PREFIX}${DR_CHECK_CANARY.accountId}/`)),
    ];
    return all.map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
  };

  async function expectNoCanaries(): Promise<void> {
    expect(await canaryItems(clients.primary)).toEqual([]);
    expect(await canaryItems(clients.standby)).toEqual([]);
    expect(await canaryObjects(clients.primary, d.buckets.primary)).toEqual([]);
    expect(await canaryObjects(clients.standby, d.buckets.secondary!)).toEqual([]);
  }

  async function removeAllCanaryObjects(): Promise<number> {
    let n = 0;
    for (const [c, bucket] of [
      [clients.primary, d.buckets.primary],
      [clients.standby, d.buckets.secondary!],
    ] as const) {
      for (const v of await canaryObjects(c, bucket)) {
        await c.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }));
        n++;
      }
    }
    return n;
  }

  it('healthy: every check passes, the canaries are removed, and the exit code is 0', async () => {
    let printed = '';
    const code = await main(['--terraform-dir', run.dir, ...FAST], access, (s) => void (printed += s));
    expect(printed).toMatch(/dr:check: all \d+ checks passed/);
    expect(code).toBe(0);
    const rows = await checkNow();
    expect(failures(rows)).toEqual([]);
    // Without a Route 53 health check on the primary API's host there is no DNS failover to time.
    expect(rows.find((r) => r.id === 'dns-failover')).toMatchObject({
      verdict: 'SKIP',
      measured: expect.stringContaining('DNS failover not deployed'),
    });
    expect(rows.filter((r) => r.verdict === 'PASS').map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'transaction-replication',
        'document-replication',
        'pitr',
        'key',
        'alarms',
        'alarm-actions',
        'alert-subscriptions',
        'heartbeat',
        'health',
        'standby-write-path',
        'failback-transaction',
        'failback-document',
        'canaries-removed',
      ]),
    );
    // The RPO target is the deployment's own (its RpoTargetSeconds output), not an alarm threshold.
    expect(d.rpoTargetSeconds).toBe(60);
    expect(printed).toMatch(/RPO 60 s \(from the RpoTargetSeconds output\)/);
    await expectNoCanaries();
  }, 60_000);

  it("no confirmed subscriber on the standby's alert topic: only that region's subscription check fails", async () => {
    await sns(regions.standby).send(new UnsubscribeCommand({ SubscriptionArn: subscriptions[regions.standby] }));
    try {
      expect(failures(await checkNow())).toEqual([`alert-subscriptions@${regions.standby}`]);
    } finally {
      subscriptions[regions.standby] = await subscribeQueue(regions.standby, alertTopicArn(d, regions.standby));
    }
  }, 60_000);

  it('replication paused: the canary transaction (and document) do not arrive, and both replication checks fail', async () => {
    await emu.replication.set({ paused: true });
    try {
      const rows = await checkNow();
      // The emulator's pause stops table and document replication alike (an AWS FIS pause stops only the table's).
      expect(failures(rows)).toEqual([
        `document-replication@${d.primaryRegion} -> ${d.secondaryRegion}`,
        `failback-document@${d.secondaryRegion} -> ${d.primaryRegion}`,
        `failback-transaction@${d.secondaryRegion} -> ${d.primaryRegion}`,
        `transaction-replication@${d.primaryRegion} -> ${d.secondaryRegion}`,
      ]);
      expect(rows.find((r) => r.id === 'transaction-replication')!.measured).toBe(
        `not in ${d.secondaryRegion} after 3 s`,
      );
      await expectNoCanaries();
    } finally {
      await emu.replication.set({ paused: false });
    }
    await emu.replication.drain(30_000);
    // The queued delete follows the queued put into the secondary: the item converges to absent.
    expect(await canaryItems(clients.standby)).toEqual([]);
    // On AWS, replication of an object version deleted before it replicated fails (the source
    // version is gone); the emulator copies it anyway from what it captured at the put. That late
    // copy is the emulator's, not dr:check's, so it is removed here.
    const late = await removeAllCanaryObjects();
    if (late)
      notes.push(`replication paused: removed ${late} emulator-only late replica(s) of a deleted canary version`);
    await expectNoCanaries();
  }, 60_000);

  it(
    "a key disabled: the key check fails, and so does that region's /health, which reports the key",
    async () => {
      // By key id: moto 5.2's DisableKey/EnableKey do not resolve a key ARN (a 500), AWS takes either.
      const KeyId = d.keys.secondary.split('/').pop()!;
      await clients.standby.kms.send(new DisableKeyCommand({ KeyId }));
      try {
        // /health reuses DescribeKey's answer for KEY_STATE_CACHE_MS (docs/HEALTH.md, "Its cost"); on AWS
        // its table read fails too once DynamoDB notices the key, which moto never does.
        await new Promise((r) => setTimeout(r, KEY_STATE_CACHE_MS + 1000));
        const rows = await checkNow();
        // On AWS a disabled replica-region key also stops S3 re-encrypting replicas into that region
        // (the document check would fail too); moto does not consult key state for S3 or DynamoDB.
        expect(failures(rows)).toEqual([`health@${d.secondaryRegion}`, `key@${d.secondaryRegion}`]);
        expect(rows.find((r) => r.id === 'key' && r.region === d.secondaryRegion)!.measured).toBe('Disabled');
        expect(rows.find((r) => r.id === 'health' && r.region === d.secondaryRegion)!.measured).toContain(
          '503 degraded (key: failed)',
        );
        await expectNoCanaries();
      } finally {
        await clients.standby.kms.send(new EnableKeyCommand({ KeyId }));
        // The same cache the other way: the checks after this one need the standby's /health ok again.
        await waitFor(
          async () => (await fetch(`${gateways.standby.url}/health`)).status === 200,
          KEY_STATE_CACHE_MS + 15_000,
        );
      }
    },
    60_000 + 2 * KEY_STATE_CACHE_MS,
  );

  it("PITR switched off on the secondary replica: only that region's PITR check fails", async () => {
    const pitr = (enabled: boolean) =>
      new UpdateContinuousBackupsCommand({
        TableName: d.tableName,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: enabled },
      });
    await clients.standby.dynamodb.send(pitr(false));
    try {
      const rows = await checkNow();
      expect(failures(rows)).toEqual([`pitr@${d.secondaryRegion}`]);
      expect(rows.find((r) => r.id === 'pitr' && r.region === d.secondaryRegion)!.measured).toMatch(/^DISABLED/);
      let printed = '';
      expect(await main(['--terraform-outputs', outputsFile, ...FAST], access, (t) => void (printed += t))).toBe(1);
      expect(printed).toContain('dr:check: 1 of 21 checks FAILED');
      await expectNoCanaries();
    } finally {
      await clients.standby.dynamodb.send(pitr(true));
    }
  }, 60_000);

  it("an alarm in ALARM: only that region's alarm check fails, naming the alarm", async () => {
    const alarm = names.alarm({ suffix: SUFFIX }, 'lambda-errors', '-standby');
    const cw = new CloudWatchClient({
      region: d.secondaryRegion,
      endpoint: emu.endpointFor(d.secondaryRegion),
      credentials: GATEWAY_CREDENTIALS,
    });
    const set = (StateValue: 'ALARM' | 'OK') =>
      cw.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue, StateReason: 'dr:check test' }));
    // On AWS, SetAlarmState holds only until the alarm's next evaluation (within its 60 s period)
    // puts it back. moto never evaluates alarms, so the state would stay: the test runs the check
    // at once (as on AWS, inside that period) and then sets OK itself, as AWS's evaluation would.
    await set('ALARM');
    try {
      const rows = await checkNow();
      expect(failures(rows)).toEqual([`alarms@${d.secondaryRegion}`]);
      expect(rows.find((r) => r.id === 'alarms' && r.region === d.secondaryRegion)!.measured).toBe(
        `8/8 exist, 1 in ALARM; ALARM: ${alarm}`,
      );
      await expectNoCanaries();
    } finally {
      await set('OK');
    }
  }, 60_000);

  it("the primary region's API down: only the primary /health check fails", async () => {
    await gateways.primary.down();
    try {
      const rows = await checkNow();
      expect(failures(rows)).toEqual([`health@${d.primaryRegion}`]);
      expect(rows.find((r) => r.id === 'health' && r.region === d.primaryRegion)!.measured).toMatch(
        /^error: TypeError: fetch failed \(ECONNREFUSED\)/,
      );
      await expectNoCanaries();
    } finally {
      await gateways.primary.up();
    }
  }, 60_000);

  it('the document replication rule removed: only the document check fails', async () => {
    const saved = (await clients.primary.s3.send(new GetBucketReplicationCommand({ Bucket: d.buckets.primary })))
      .ReplicationConfiguration as ReplicationConfiguration;
    await clients.primary.s3.send(new DeleteBucketReplicationCommand({ Bucket: d.buckets.primary }));
    try {
      const rows = await checkNow();
      expect(failures(rows)).toEqual([`document-replication@${d.primaryRegion} -> ${d.secondaryRegion}`]);
      expect(rows.find((r) => r.id === 'document-replication')!.measured).toBe(
        `not in ${d.buckets.secondary} after 5 s`,
      );
      await expectNoCanaries();
    } finally {
      await clients.primary.s3.send(
        new PutBucketReplicationCommand({ Bucket: d.buckets.primary, ReplicationConfiguration: saved }),
      );
    }
  }, 60_000);

  it("the standby's replication rule removed: only the failback document check fails", async () => {
    const bucket = d.buckets.secondary!;
    const saved = (await clients.standby.s3.send(new GetBucketReplicationCommand({ Bucket: bucket })))
      .ReplicationConfiguration as ReplicationConfiguration;
    await clients.standby.s3.send(new DeleteBucketReplicationCommand({ Bucket: bucket }));
    try {
      const rows = await checkNow();
      expect(failures(rows)).toEqual([`failback-document@${d.secondaryRegion} -> ${d.primaryRegion}`]);
      expect(rows.find((r) => r.id === 'failback-document')!.measured).toBe(`not in ${d.buckets.primary} after 5 s`);
      await expectNoCanaries();
    } finally {
      await clients.standby.s3.send(
        new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: saved }),
      );
    }
  }, 60_000);

  it('dr:check as a role outside DR_CHECK_PRINCIPALS: the standby refuses the canary (403), and nothing is written', async () => {
    const other = await startStandbyGatewayAs('arn:aws:sts::123456789012:assumed-role/payments/s-1');
    try {
      const asOther = {
        ...access,
        httpUrlFor: (e: string) => (e === d.apis.standby ? other.url : access.httpUrlFor!(e)),
      };
      const rows = (
        await runCheck(d, awsAccess(asOther), parseCheckArgs(['--terraform-outputs', outputsFile, ...FAST]))
      ).rows;
      expect(failures(rows)).toEqual([`standby-write-path@${d.secondaryRegion}`]);
      expect(rows.find((r) => r.id === 'standby-write-path')!.measured).toMatch(
        /^403 .*Forbidden.*DR_CHECK_PRINCIPALS/,
      );
      expect(rows.filter((r) => r.id.startsWith('failback-')).map((r) => r.verdict)).toEqual(['SKIP', 'SKIP']);
      await expectNoCanaries();
    } finally {
      await other.stop();
    }
  }, 60_000);

  it('a deployment without DR_CHECK_PRINCIPALS: the standby write path is SKIP, saying what to set', async () => {
    const rows = (
      await runCheck(
        { ...d, drCheckPrincipals: [] },
        awsAccess(testAccess),
        parseCheckArgs(['--terraform-outputs', outputsFile, ...FAST]),
      )
    ).rows;
    const path = rows.filter((r) => ['standby-write-path', 'failback-transaction', 'failback-document'].includes(r.id));
    expect(path.map((r) => r.verdict)).toEqual(['SKIP', 'SKIP', 'SKIP']);
    expect(path[0].measured).toContain('DR_CHECK_PRINCIPALS');
    expect(failures(rows)).toEqual([]);
  }, 60_000);

  /**
   * The CloudFormation deliverable's two stacks, stood in for by stacks whose outputs are this
   * deployment's (moto cannot deploy the templates themselves): the outputs are read from both
   * and checked as the Terraform ones are.
   */
  it("--cloudformation: reads TapStack.json's and TapStack-secondary.json's outputs and checks the same deployment", async () => {
    const tf = parseOutputsJson(fs.readFileSync(outputsFile, 'utf8'), outputsFile);
    const secondaryIds = ['SecondaryKMSKeyArn', ...standbyOutputs.map((o) => o.id)];
    const createStack = async (region: string, stack: string, ids: string[]) => {
      const template = {
        Resources: { Marker: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: Object.fromEntries(ids.filter((id) => tf[id]).map((id) => [id, { Value: tf[id] }])),
      };
      const form = {
        Action: 'CreateStack',
        Version: '2010-05-15',
        StackName: stack,
        TemplateBody: JSON.stringify(template),
      };
      const r = await awsAccess(testAccess).signed({
        service: 'cloudformation',
        region,
        method: 'POST',
        path: '/',
        form,
      });
      if (r.status !== 200) throw new Error(`CreateStack ${stack}: ${r.status} ${r.text}`);
    };
    await createStack(
      d.primaryRegion,
      'tap-dr-drcheck',
      outputs.map((o) => o.id),
    );
    await createStack(d.secondaryRegion, 'tap-dr-drcheck-secondary', secondaryIds);
    const cfn = [
      '--cloudformation',
      'tap-dr-drcheck',
      '--region',
      d.primaryRegion,
      '--secondary-region',
      d.secondaryRegion,
    ];
    let printed = '';
    expect(await main([...cfn, ...FAST], access, (t) => void (printed += t))).toBe(0);
    expect(printed).toContain(
      'CloudFormation stacks tap-dr-drcheck (us-east-1) and tap-dr-drcheck-secondary (us-west-2)',
    );
    expect(printed).toMatch(/dr:check: all \d+ checks passed/);
    await expectNoCanaries();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main([...cfn, '--secondary-stack', 'elsewhere', ...FAST], access, () => undefined)).toBe(2);
      expect(String(stderr.mock.calls[0][0])).toContain(
        'Stack with id elsewhere does not exist (the secondary stack: name it with --secondary-stack NAME)',
      );
    } finally {
      stderr.mockRestore();
    }
  }, 60_000);

  /**
   * The emulator cannot apply DNS failover (it needs a real hosted zone and ACM validation), so
   * these create the health check the stack would (src/failover/dns-failover.ts) directly in Route 53.
   */
  describe('DNS failover, on the region-health alarm', () => {
    const alarm = names.alarm({ suffix: SUFFIX }, DNS_FAILOVER.alarm.nameSuffix);
    /** Creates a health check with this HealthCheckConfig body; returns its id. */
    const createHealthCheckWith = async (healthCheckConfig: string): Promise<string> => {
      const xml = `<?xml version="1.0" encoding="UTF-8"?><CreateHealthCheckRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><CallerReference>dr-check-${Date.now()}-${Math.random()}</CallerReference><HealthCheckConfig>${healthCheckConfig}</HealthCheckConfig></CreateHealthCheckRequest>`;
      const r = await awsAccess(testAccess).signed({
        service: 'route53',
        region: d.primaryRegion,
        method: 'POST',
        path: '/2013-04-01/healthcheck',
        xml,
      });
      if (r.status !== 201) throw new Error(`CreateHealthCheck: ${r.status} ${r.text}`);
      return xmlText(r.text, 'Id')!;
    };
    /** A CLOUDWATCH_METRIC check as src/failover/dns-failover.ts creates it, with `config` overriding. */
    const createHealthCheck = (config: { alarm?: string; insufficient?: string } = {}): Promise<string> =>
      createHealthCheckWith(
        `<Type>CLOUDWATCH_METRIC</Type><AlarmIdentifier><Region>${d.primaryRegion}</Region><Name>${config.alarm ?? alarm}</Name></AlarmIdentifier><InsufficientDataHealthStatus>${config.insufficient ?? DNS_FAILOVER.insufficientDataHealthStatus}</InsufficientDataHealthStatus>`,
      );
    const deleteHealthCheck = (id: string) =>
      awsAccess(testAccess).signed({
        service: 'route53',
        region: d.primaryRegion,
        method: 'DELETE',
        path: `/2013-04-01/healthcheck/${id}`,
      });
    const named = async (id: string) =>
      (
        await runCheck(
          { ...d, dnsHealthCheckId: id },
          awsAccess(testAccess),
          parseCheckArgs(['--terraform-outputs', outputsFile, ...FAST]),
        )
      ).rows.find((r) => r.id === 'dns-failover')!;

    it('as deployed (3 x 60 s + 60 s read + 60 s TTL = 300 s): within the default 300 s RTO target', async () => {
      const id = await createHealthCheck();
      try {
        const rows = await checkNow();
        expect(failures(rows)).toEqual([]);
        const measured = `alarm 3 x 60 s + 60 s read + 60 s alias TTL = 300 s (health check ${id}, status: Success: HTTP Status Code: 200. Resolved IP: 127.0.13.37. OK)`;
        expect(rows.find((r) => r.id === 'dns-failover')).toMatchObject({ verdict: 'PASS', measured });
        // With a DnsHealthCheckId output the check reads that health check (GetHealthCheck) instead of
        // listing them all. Not recorded for the policy test: the published policy lists, and says
        // what replaces ListHealthChecks when the output exists.
        expect(await named(id)).toMatchObject({ verdict: 'PASS', measured });
      } finally {
        await deleteHealthCheck(id);
      }
    }, 90_000);

    it('a tighter RTO target than the alarm allows fails only the DNS check', async () => {
      const id = await createHealthCheck();
      try {
        const rows = await checkNow(['--rto-target-seconds', '240']);
        expect(failures(rows)).toEqual(['dns-failover@Route 53']);
        await expectNoCanaries();
      } finally {
        await deleteHealthCheck(id);
      }
    }, 90_000);

    it("fails a check on another alarm, or that counts the alarm's insufficient data as healthy", async () => {
      const wrongAlarm = await createHealthCheck({ alarm: `${alarm}-elsewhere` });
      const healthy = await createHealthCheck({ insufficient: 'Healthy' });
      try {
        expect(await named(wrongAlarm)).toMatchObject({
          verdict: 'FAIL',
          measured: expect.stringContaining(`follows alarm ${alarm}-elsewhere, not ${alarm}`),
        });
        // Listing finds the one on this deployment's alarm; the other belongs to nobody here.
        const rows = await checkNow();
        expect(failures(rows)).toEqual(['dns-failover@Route 53']);
        expect(rows.find((r) => r.id === 'dns-failover')!.measured).toContain(
          `health check ${healthy}, status: Success: HTTP Status Code: 200. Resolved IP: 127.0.13.37. OK); insufficient data counts as Healthy, not Unhealthy`,
        );
      } finally {
        await deleteHealthCheck(wrongAlarm);
        await deleteHealthCheck(healthy);
      }
    }, 90_000);

    it('fails an endpoint probe left on the primary API by a deployment from before the alarm', async () => {
      const host = new URL(d.apis.primary).hostname;
      const id = await createHealthCheckWith(
        `<Type>HTTPS</Type><FullyQualifiedDomainName>${host}</FullyQualifiedDomainName><Port>443</Port><ResourcePath>/health</ResourcePath><RequestInterval>10</RequestInterval><FailureThreshold>3</FailureThreshold>`,
      );
      try {
        expect(await named(id)).toMatchObject({
          verdict: 'FAIL',
          measured: expect.stringContaining('type HTTPS, not CLOUDWATCH_METRIC: traffic from outside can move DNS'),
        });
      } finally {
        await deleteHealthCheck(id);
      }
    }, 90_000);
  });
  /**
   * docs/DR-CHECK.md publishes the policy dr:check needs. Each call dr:check made above is turned
   * into the IAM request(s) AWS evaluates for it, including the KMS calls DynamoDB and S3 make
   * with the caller's permissions, and evaluated against the published policy.
   */
  describe('the IAM policy in docs/DR-CHECK.md', () => {
    const doc = () => fs.readFileSync(path.join(__dirname, '..', 'docs', 'DR-CHECK.md'), 'utf8');
    /** The published JSON blocks with this deployment's values. The evaluator (helpers/policy.ts)
     *  knows single-valued operators; LeadingKeys has one value per item call, where
     *  ForAllValues:StringLike is StringLike. */
    const published = (): Statement[] => {
      const values: Record<string, string> = {
        '<account>': d.account,
        '<primary-region>': d.primaryRegion,
        '<secondary-region>': d.secondaryRegion,
        '<suffix>': SUFFIX,
        '<KMSKeyArn>': d.keys.primary,
        '<SecondaryKMSKeyArn>': d.keys.secondary,
        '<stack>': 'tap-dr-drcheck',
        '<secondary-stack>': 'tap-dr-drcheck-secondary',
        '<standby-api-id>': apiId(d.apis.standby!),
      };
      const blocks = [...doc().matchAll(/```json\n([\s\S]*?)```/g)].map((m) =>
        m[1].replace(/<[\w-]+>/g, (p) => values[p] ?? p),
      );
      const [policy, cloudformation] = blocks.map((b) =>
        JSON.parse(b.replace(/ForAllValues:StringLike/g, 'StringLike')),
      );
      return [...(policy as PolicyDocument).Statement, cloudformation as Statement];
    };

    /** The API id in an HTTP API's endpoint, https://<id>.execute-api.<region>.amazonaws.com. */
    const apiId = (endpoint: string) => /^https:\/\/([^.]+)\.execute-api\./.exec(endpoint)![1];

    function requests(c: ObservedCall): Request[] {
      const i = c.input as Record<string, any>;
      const arn = (service: string, resource: string) => `arn:aws:${service}:${c.region}:${d.account}:${resource}`;
      const key = c.region === d.primaryRegion ? d.keys.primary : d.keys.secondary;
      const through = (service: string, actions: string[], extra: Record<string, string> = {}) =>
        actions.map((action) => ({
          action,
          resource: key,
          context: { 'kms:ViaService': `${service}.${c.region}.amazonaws.com`, ...extra },
        }));
      const item = (action: string, leadingKey: string, kms: string[]) => [
        { action, resource: arn('dynamodb', `table/${i.TableName}`), context: { 'dynamodb:LeadingKeys': leadingKey } },
        ...through('dynamodb', kms),
      ];
      switch (`${c.service}:${c.operation}`) {
        case 'dynamodb:PutItem':
          return item('dynamodb:PutItem', i.Item.transactionId.S, ['kms:GenerateDataKey', 'kms:Decrypt']);
        case 'dynamodb:GetItem':
          return item('dynamodb:GetItem', i.Key.transactionId.S, ['kms:Decrypt']);
        case 'dynamodb:DeleteItem':
          return item('dynamodb:DeleteItem', i.Key.transactionId.S, ['kms:GenerateDataKey', 'kms:Decrypt']);
        case 'dynamodb:DescribeContinuousBackups':
          return [
            {
              action: 'dynamodb:DescribeContinuousBackups',
              resource: arn('dynamodb', `table/${i.TableName}`),
              context: {},
            },
          ];
        case 'execute-api:Invoke':
          return [
            {
              action: 'execute-api:Invoke',
              resource: arn('execute-api', `${apiId(i.apiEndpoint)}/$default/${i.method}${i.path}`),
              context: {},
            },
          ];
        case 'kms:DescribeKey':
          return [{ action: 'kms:DescribeKey', resource: i.KeyId, context: {} }];
        case 'monitoring:DescribeAlarms':
          return (i.AlarmNames as string[]).map((n) => ({
            action: 'cloudwatch:DescribeAlarms',
            resource: arn('cloudwatch', `alarm:${n}`),
            context: {},
          }));
        case 's3:PutObject':
          return [
            {
              action: 's3:PutObject',
              resource: `arn:aws:s3:::${i.Bucket}/${i.Key}`,
              context: {
                's3:x-amz-server-side-encryption': i.ServerSideEncryption,
                's3:x-amz-server-side-encryption-aws-kms-key-id': i.SSEKMSKeyId,
              },
            },
            // With a bucket key, S3 asks for a data key under the bucket's ARN as encryption context.
            {
              action: 'kms:GenerateDataKey',
              resource: i.SSEKMSKeyId,
              context: {
                'kms:ViaService': `s3.${c.region}.amazonaws.com`,
                'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${i.Bucket}`,
              },
            },
          ];
        case 's3:ListObjectVersions':
          return [
            {
              action: 's3:ListBucketVersions',
              resource: `arn:aws:s3:::${i.Bucket}`,
              context: { 's3:prefix': i.Prefix },
            },
          ];
        case 's3:HeadObject':
          return [{ action: 's3:GetObject', resource: `arn:aws:s3:::${i.Bucket}/${i.Key}`, context: {} }];
        case 's3:DeleteObject':
          return [
            {
              action: i.VersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
              resource: `arn:aws:s3:::${i.Bucket}/${i.Key}`,
              context: {},
            },
          ];
        case 'sns:ListSubscriptionsByTopic':
          return [{ action: 'sns:ListSubscriptionsByTopic', resource: i.TopicArn, context: {} }];
        case 'monitoring:GetMetricStatistics':
          return [{ action: 'cloudwatch:GetMetricStatistics', resource: '*', context: {} }];
        case 'route53:ListHealthChecks':
          return [{ action: 'route53:ListHealthChecks', resource: '*', context: {} }];
        case 'route53:GetHealthCheckStatus':
          return [
            {
              action: 'route53:GetHealthCheckStatus',
              resource: `arn:aws:route53:::healthcheck/${String(i.path).split('/')[3]}`,
              context: {},
            },
          ];
        case 'cloudformation:DescribeStacks':
          return [
            {
              action: 'cloudformation:DescribeStacks',
              resource: arn('cloudformation', `stack/${i.StackName}/0b1c2d3e-0000-4000-8000-000000000000`),
              context: {},
            },
          ];
        default:
          throw new Error(
            `dr:check called ${c.service} ${c.operation}: map it to its IAM request(s) here, and publish the permission in docs/DR-CHECK.md`,
          );
      }
    }

    const allowedBy = (statements: Statement[], r: Request) =>
      statements.filter((s) => s.Effect === 'Allow' && appliesTo(s, r));

    it('allows every call dr:check made, and needs every statement', () => {
      const statements = published();
      // Less the --secondary-stack test's deliberately wrong stack name, which the policy rightly denies.
      const made = calls.filter((c) => c.input.StackName !== 'elsewhere').flatMap(requests);
      expect(made.length).toBeGreaterThan(100);
      expect(made.filter((r) => allowedBy(statements, r).length === 0)).toEqual([]);
      const used = new Set(made.flatMap((r) => allowedBy(statements, r).map((s) => s.Sid)));
      expect(statements.map((s) => s.Sid).filter((sid) => !used.has(sid))).toEqual([]);
    });

    it('denies the same calls on anything but the canaries', () => {
      const statements = published();
      const elsewhere = (r: Request): Request => ({
        ...r,
        resource: r.resource
          .replace(/\/dr-check\/[^/]+$/, '/documents/acct-1/txn-1/0f1e2d')
          .replace(/\/documents\/dr-check\/.+$/, '/documents/acct-1/txn-1/0f1e2d'),
        context: Object.fromEntries(
          Object.entries(r.context).map(([k, v]) => [
            k,
            k === 'dynamodb:LeadingKeys' ? 'txn-1' : k === 's3:prefix' ? 'documents/' : v,
          ]),
        ),
      });
      const scoped = calls
        .flatMap(requests)
        .filter((r) =>
          /^(dynamodb:(Put|Get|Delete)Item|s3:(PutObject|GetObject|DeleteObjectVersion|ListBucketVersions))$/.test(
            r.action,
          ),
        );
      expect(scoped.length).toBeGreaterThan(10);
      expect(scoped.map(elsewhere).filter((r) => allowedBy(statements, r).length > 0)).toEqual([]);
      // And the item calls only where the check makes them: no PutItem in the secondary, no GetItem in the primary.
      const table = (region: string) => `arn:aws:dynamodb:${region}:${d.account}:table/${d.tableName}`;
      const canary = { 'dynamodb:LeadingKeys': `${CANARY.itemPrefix}x` };
      expect(
        allowedBy(statements, { action: 'dynamodb:PutItem', resource: table(d.secondaryRegion), context: canary }),
      ).toEqual([]);
      expect(
        allowedBy(statements, { action: 'dynamodb:GetItem', resource: table(d.primaryRegion), context: canary }),
      ).toEqual([]);
    });
  });
});
