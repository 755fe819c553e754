/** dr:check's rows on hand-made answers: alarm actions, subscriptions, heartbeat recency, the RPO target's source, the DNS health check. */
import type { AwsAccess } from '../dr/check-aws';
import { Deployment, deploymentFrom, InputError } from '../dr/check-input';
import { alarmActionRow, alertTopicArn, heartbeatRows, subscriptionRows } from '../dr/check-signals';
import { dnsHealthAlarmName, HealthCheck, healthCheckFlaws } from '../dr/check-endpoints';

const OUTPUTS = {
  KMSKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/mrk-1',
  SecondaryKMSKeyArn: 'arn:aws:kms:us-west-2:111122223333:key/mrk-1',
  DynamoDBTableName: 'transactions-dev',
  S3BucketName: 'tap-docs-dev-111122223333-us-east-1',
  PrimaryApiEndpoint: 'https://a.execute-api.us-east-1.amazonaws.com',
  StandbyApiEndpoint: 'https://b.execute-api.us-west-2.amazonaws.com',
  SecondaryS3BucketName: 'tap-docs-dev-111122223333-us-west-2',
};
const d: Deployment = deploymentFrom({ ...OUTPUTS, RpoTargetSeconds: '45' }, 'test');

/** An AwsAccess whose SNS and CloudWatch clients answer `reply(command)`. */
function fakeAws(reply: (command: any, region: string) => unknown): AwsAccess {
  const client = (region: string) => ({ send: async (command: unknown) => reply(command, region) });
  return { sns: client, cloudwatch: client, deadline: () => ({}) } as unknown as AwsAccess;
}

describe('the RPO target comes from the deployment', () => {
  it('reads RpoTargetSeconds, and refuses a value that is not whole seconds', () => {
    expect(d.rpoTargetSeconds).toBe(45);
    expect(deploymentFrom(OUTPUTS, 'old').rpoTargetSeconds).toBeUndefined();
    expect(() => deploymentFrom({ ...OUTPUTS, RpoTargetSeconds: '1.5' }, 'x')).toThrow(InputError);
  });
});

describe('alarm actions', () => {
  const topic = alertTopicArn(d, 'us-east-1');
  it('passes when every alarm notifies the topic with actions enabled', () => {
    expect(topic).toBe('arn:aws:sns:us-east-1:111122223333:tap-dr-alerts-dev');
    const row = alarmActionRow(d, 'us-east-1', [{ AlarmName: 'a', ActionsEnabled: true, AlarmActions: [topic] }]);
    expect(row.verdict).toBe('PASS');
  });
  it('fails, naming them, on disabled actions or another topic', () => {
    const row = alarmActionRow(d, 'us-east-1', [
      { AlarmName: 'a', ActionsEnabled: false, AlarmActions: [topic] },
      { AlarmName: 'b', ActionsEnabled: true, AlarmActions: ['arn:aws:sns:us-east-1:111122223333:elsewhere'] },
      { AlarmName: 'c', ActionsEnabled: true, AlarmActions: [topic] },
    ]);
    expect(row).toMatchObject({ verdict: 'FAIL', measured: '2/3 silent: a, b' });
  });
});

describe('subscriptions', () => {
  it('needs a confirmed subscription in each region; pending ones do not count', async () => {
    const aws = fakeAws((_c, region) => ({
      Subscriptions:
        region === 'us-east-1'
          ? [{ SubscriptionArn: `${alertTopicArn(d, region)}:1`, Protocol: 'email' }]
          : [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email' }],
    }));
    const rows = await subscriptionRows(d, aws);
    expect(rows.map((r) => [r.region, r.verdict, r.measured])).toEqual([
      ['us-east-1', 'PASS', '1 confirmed (email), 0 pending'],
      ['us-west-2', 'FAIL', '0 confirmed, 1 pending'],
    ]);
  });
});

describe('heartbeat recency', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  it('passes within 3 intervals, fails beyond or without datapoints, per receiving region', async () => {
    const aws = fakeAws((c, region) => {
      expect(c.input.Dimensions).toEqual([
        { Name: 'SourceRegion', Value: region === 'us-east-1' ? 'us-west-2' : 'us-east-1' },
        { Name: 'ReceivingRegion', Value: region },
      ]);
      return { Datapoints: region === 'us-east-1' ? [{ Timestamp: new Date(now - 120_000) }] : [] };
    });
    const rows = await heartbeatRows(d, aws, () => now);
    expect(rows.map((r) => [r.region, r.verdict, r.measured])).toEqual([
      ['us-east-1', 'PASS', 'newest 120 s old'],
      ['us-west-2', 'FAIL', 'no datapoint in the last 15 min'],
    ]);
    const stale = fakeAws(() => ({ Datapoints: [{ Timestamp: new Date(now - 181_000) }] }));
    expect((await heartbeatRows(d, stale, () => now)).map((r) => r.verdict)).toEqual(['FAIL', 'FAIL']);
  });
});

describe("the DNS failover health check follows this deployment's region-health alarm", () => {
  const alarmName = dnsHealthAlarmName(d);
  const alarm = { AlarmName: alarmName, ActionsEnabled: true, AlarmActions: [alertTopicArn(d, 'us-east-1')] };
  const deployed: HealthCheck = {
    id: 'hc-1',
    type: 'CLOUDWATCH_METRIC',
    alarm: { name: alarmName, region: 'us-east-1' },
    insufficientDataHealthStatus: 'Unhealthy',
    disabled: false,
    inverted: false,
  };
  it('has no flaw as src/failover/dns-failover.ts creates it', () => {
    expect(alarmName).toBe('tap-dr-dev.region-health');
    expect(healthCheckFlaws(d, deployed, alarm)).toEqual([]);
  });
  it.each<[string, Partial<HealthCheck>, string]>([
    [
      'another alarm',
      { alarm: { name: 'tap-dr-prod.region-health', region: 'us-east-1' } },
      'follows alarm tap-dr-prod.region-health, not tap-dr-dev.region-health',
    ],
    [
      'the alarm in another region',
      { alarm: { name: alarmName, region: 'us-west-2' } },
      'alarm region us-west-2, not us-east-1',
    ],
    [
      'insufficient data as healthy',
      { insufficientDataHealthStatus: 'Healthy' },
      'insufficient data counts as Healthy, not Unhealthy',
    ],
    [
      'insufficient data as last known',
      { insufficientDataHealthStatus: 'LastKnownStatus' },
      'insufficient data counts as LastKnownStatus, not Unhealthy',
    ],
    [
      'an HTTPS probe',
      { type: 'HTTPS', alarm: undefined, insufficientDataHealthStatus: undefined },
      'type HTTPS, not CLOUDWATCH_METRIC: traffic from outside can move DNS',
    ],
    ['disabled', { disabled: true }, 'health check DISABLED (always healthy: no failover)'],
    ['inverted', { inverted: true }, 'health check INVERTED'],
  ])('fails %s', (_what, change, flaw) => {
    expect(healthCheckFlaws(d, { ...deployed, ...change }, alarm)).toEqual([flaw]);
  });
  it('fails when the alarm is missing, or would tell nobody', () => {
    expect(healthCheckFlaws(d, deployed, undefined)).toEqual([`alarm ${alarmName} missing in us-east-1`]);
    expect(healthCheckFlaws(d, deployed, { ...alarm, ActionsEnabled: false })).toEqual([
      `alarm ${alarmName} does not notify ${alertTopicArn(d, 'us-east-1')}`,
    ]);
  });
});
