/**
 * The recovery-control watch (issue 21, point 5): each region's EventBridge rules alert on the
 * calls that switch recovery off, and only on this stack's controls; the trail that feeds them
 * records write management events in that region; the alert topic and its key let the rules
 * publish; and no replication alarm can go silent unnoticed. The patterns are tested against sample
 * events in AWS's documented shape (__tests__/fixtures/watch-events.ts), as the spec writes them and
 * as both deliverables render them.
 */
import { alarmSpecs, REGION_HEALTH } from '../src/alarms';
import { names } from '../src/naming';
import { WATCH_IDS, WatchId, watchSpecs } from '../src/watch/spec';
import { matchesPattern } from './helpers/event-pattern';
import { templatesFor } from './helpers/cfn';
import { resourcesOf, synthStack } from './helpers/synth';
import * as ev from './fixtures/watch-events';

const { OURS, THEIRS, ACCOUNT } = ev;

/** What must raise each alert, and what must not raise any. */
const SHOULD_ALERT: Record<WatchId, Array<[string, ev.WatchEvent]>> = {
  'table-replication': [
    ['a replica removed', ev.removeReplica()],
    ['deletion protection switched off', ev.unprotectTable()],
    ['the table deleted', ev.deleteTable()],
  ],
  'document-replication': [
    ['the replication rule deleted', ev.deleteBucketReplication()],
    ['the replication rule replaced (disabled)', ev.putBucketReplication()],
  ],
  'pitr-off': [['point-in-time recovery turned off', ev.pitr(false)]],
  'trail-off': [
    ['the trail stopped, named by ARN', ev.stopLogging(OURS.trailArn)],
    ['the trail stopped, named by name', ev.stopLogging(OURS.trailName)],
    ['the trail deleted', ev.deleteTrail()],
  ],
  'alarms-off': [
    ['an alarm deleted', ev.deleteAlarms('tap-dr-dev.heartbeat-staleness')],
    ['one of several alarms deleted', ev.deleteAlarms('someone-else', 'tap-dr-dev.region-health-standby')],
    ["an alarm's actions disabled", ev.disableAlarmActions('tap-dr-dev.lambda-errors')],
  ],
  'key-off': [
    ['the key disabled, by key id', ev.disableKey()],
    ['the key disabled, by ARN', ev.disableKey(OURS.keyArn, OURS.keyArn)],
    ['the key scheduled for deletion, by alias', ev.scheduleKeyDeletion()],
  ],
};

const NO_ALERT: Array<[string, ev.WatchEvent]> = [
  ["another environment's replica removed", ev.removeReplica(THEIRS.tableName)],
  ["another environment's table deleted", ev.deleteTable(THEIRS.tableName)],
  ['point-in-time recovery turned on', ev.pitr(true)],
  ["another environment's PITR turned off", ev.pitr(false, THEIRS.tableName)],
  ['a read-only call on the table', ev.describeTable()],
  ["another environment's replication rule deleted", ev.deleteBucketReplication(THEIRS.documentsBucketName)],
  ["another environment's trail stopped", ev.stopLogging(THEIRS.trailArn)],
  ["another environment's alarm deleted (suffix dev2)", ev.deleteAlarms(THEIRS.alarmName)],
  ['another key disabled', ev.disableKey(THEIRS.keyArn)],
  ['another key scheduled for deletion', ev.scheduleKeyDeletion(THEIRS.keyArn, THEIRS.keyArn)],
];

const specs = watchSpecs<never>(OURS);
const patternOf = (id: WatchId) => specs.find((s) => s.id === id)!.pattern as any;

describe('the event-pattern matcher', () => {
  it('follows EventBridge on literals, prefix, exists, nesting and arrays of objects', () => {
    const e = { a: 'x', n: 5, b: false, list: ['p', 'q'], objs: [{ k: 'one' }, { k: 'two' }], nested: { deep: 'y' } };
    expect(matchesPattern({ a: ['x'] }, e)).toBe(true);
    expect(matchesPattern({ a: ['X'] }, e)).toBe(false); // case-sensitive
    expect(matchesPattern({ n: [5], b: [false] }, e)).toBe(true);
    expect(matchesPattern({ b: ['false'] }, e)).toBe(false); // a string is not the boolean
    expect(matchesPattern({ list: ['q'] }, e)).toBe(true);
    expect(matchesPattern({ objs: { k: ['two'] } }, e)).toBe(true);
    expect(matchesPattern({ nested: { deep: [{ prefix: 'y' }] } }, e)).toBe(true);
    expect(matchesPattern({ nested: { deep: [{ prefix: 'z' }] } }, e)).toBe(false);
    expect(matchesPattern({ missing: [{ exists: false }] }, e)).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }], missing: ['x'] }, e)).toBe(false); // AND across fields
    expect(() => matchesPattern({ a: [{ 'anything-but': 'x' }] }, e)).toThrow(/unsupported operator/);
  });
});

describe.each(WATCH_IDS.map((id) => [id]))('the %s watch rule', (id) => {
  it.each(SHOULD_ALERT[id])('alerts when %s', (_what, event) => {
    expect(matchesPattern(patternOf(id), event as any)).toBe(true);
  });

  it('alerts on nothing another rule is for, nor on anything that leaves recovery on', () => {
    const others = WATCH_IDS.filter((o) => o !== id).flatMap((o) => SHOULD_ALERT[o]);
    for (const [what, event] of [...others, ...NO_ALERT])
      expect([what, matchesPattern(patternOf(id), event as any)]).toEqual([what, false]);
  });
});

/** Tokens of a synthesized deliverable, resolved as the fixtures' account would have them. */
function resolveTerraform(text: string): string {
  return text
    .replace(/\$\{data\.aws_partition\.partition\.partition\}/g, 'aws')
    .replace(/\$\{data\.aws_caller_identity\.account\.account_id\}/g, ACCOUNT)
    .replace(/\$\{aws_kms_key\.keys_primary\.arn\}/g, OURS.keyArn)
    .replace(/\$\{aws_dynamodb_table\.transactions_table\.name\}/g, OURS.tableName)
    .replace(/\$\{aws_s3_bucket\.primary_documents_bucket\.bucket\}/g, OURS.documentsBucketName);
}

describe('as deployed: the synthesized rules match the documented events', () => {
  const json = synthStack().json;
  const rules = resourcesOf(json, 'aws_cloudwatch_event_rule').filter((r) => r.event_pattern);

  it('Terraform: each region has one rule per control, named for this environment, each matching its events', () => {
    for (const provider of [undefined, 'aws.secondary']) {
      const inRegion = rules.filter((r) => r.provider === provider);
      expect(inRegion.map((r) => r.name).sort()).toEqual(
        WATCH_IDS.map((id) => names.watchRule({ suffix: 'dev' }, id)).sort(),
      );
    }
    for (const id of WATCH_IDS) {
      const rule = rules.find((r) => r.provider === undefined && r.name === names.watchRule({ suffix: 'dev' }, id))!;
      const pattern = JSON.parse(resolveTerraform(rule.event_pattern));
      for (const [what, event] of SHOULD_ALERT[id])
        expect([what, matchesPattern(pattern, event as any)]).toEqual([what, true]);
      for (const [what, event] of NO_ALERT)
        expect([what, matchesPattern(pattern, event as any)]).toEqual([what, false]);
    }
  });

  it("Terraform: every watch rule's only target is its own region's alert topic", () => {
    const targets = resourcesOf(json, 'aws_cloudwatch_event_target');
    for (const rule of rules) {
      const address = Object.entries(json.resource.aws_cloudwatch_event_rule).find(([, r]) => r === rule)![0];
      const mine = targets.filter((t) => t.rule === `\${aws_cloudwatch_event_rule.${address}.name}`);
      const region = rule.provider === undefined ? 'primary' : 'secondary';
      expect(mine.map((t) => [t.arn, t.provider])).toEqual([
        [`\${aws_sns_topic.${region}_alerts_topic.arn}`, rule.provider],
      ]);
    }
  });

  it('CloudFormation: the same rules in both templates, each targeting its own topic', () => {
    const t = templatesFor();
    for (const [template, prefix] of [
      [t.primary, ''],
      [t.secondary, 'Standby'],
    ] as const) {
      const watch = Object.entries(template.Resources).filter(
        ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern,
      );
      expect(watch).toHaveLength(WATCH_IDS.length);
      for (const [, r] of watch)
        expect(r.Properties.Targets).toEqual([{ Id: 'alert-topic', Arn: { Ref: `${prefix}AlertSNSTopic` } }]);
    }
  });
});

describe('what EventBridge needs to receive them', () => {
  const managementWrites = (selectors: any[], field: string, equals: string) =>
    selectors.some(
      (s) =>
        JSON.stringify(s).includes('"Management"') &&
        s[field].some((f: any) => (f.field ?? f.Field) === 'readOnly' && (f.equals ?? f.Equals)?.[0] === equals),
    );

  it('a trail records write management events in every region that has a watch (Terraform)', () => {
    const json = synthStack().json;
    for (const provider of [undefined, 'aws.secondary']) {
      const trails = resourcesOf(json, 'aws_cloudtrail').filter((t) => t.provider === provider);
      expect(trails).toHaveLength(1);
      expect(managementWrites(trails[0].advanced_event_selector, 'field_selector', 'false')).toBe(true);
    }
  });

  it('a trail records write management events in every region that has a watch (CloudFormation)', () => {
    const t = templatesFor();
    for (const [template, id] of [
      [t.primary, 'DocumentsTrail'],
      [t.secondary, 'StandbyDocumentsTrail'],
    ] as const) {
      const p = template.Resources[id].Properties as Record<string, any>;
      expect(p.IsLogging).toBe(true);
      expect(managementWrites(p.AdvancedEventSelectors, 'FieldSelectors', 'false')).toBe(true);
    }
  });

  it("the topic lets only this environment's watch rules and alarms publish, and the key lets the rules use it", () => {
    const json = synthStack().json;
    const policy = JSON.parse(resourcesOf(json, 'aws_sns_topic_policy').find((p) => !p.provider)!.policy);
    const events = policy.Statement.find((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    expect(events).toMatchObject({ Effect: 'Allow', Action: ['sns:Publish'] });
    expect(events.Condition.StringEquals['aws:SourceAccount']).toBe('${data.aws_caller_identity.account.account_id}');
    expect(events.Condition.ArnLike['aws:SourceArn']).toMatch(/:events:us-east-1:.*:rule\/tap-dr-dev\.watch-\*$/);
    const cloudwatch = policy.Statement.find((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cloudwatch.Condition.ArnLike['aws:SourceArn']).toMatch(/:cloudwatch:us-east-1:.*:alarm:tap-dr-dev\.\*$/);
    for (const key of [...resourcesOf(json, 'aws_kms_key'), ...resourcesOf(json, 'aws_kms_replica_key')]) {
      const st = JSON.parse(key.policy).Statement.find((s: any) => s.Principal?.Service === 'events.amazonaws.com');
      expect(st.Action.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(st.Condition.ArnLike['aws:SourceArn']).toMatch(/:rule\/tap-dr-dev\.watch-\*$/);
    }
  });

  it("no environment's watch-rule pattern matches another's rules (suffixes never contain '.')", () => {
    const asRegex = (p: string) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const suffixes = ['dev', 'dev2', 'de', 'dev-standby', 'prod', 'a', 'a-b'];
    for (const a of suffixes)
      for (const b of suffixes)
        for (const id of WATCH_IDS)
          expect(asRegex(names.watchRulePattern({ suffix: a })).test(names.watchRule({ suffix: b }, id))).toBe(a === b);
  });
});

describe('replication alarms cannot go silent while replication is expected', () => {
  const all = alarmSpecs({ rpoTargetSeconds: 60, watchesPeer: true, replicatesDocuments: true });

  it('every alarm says why it treats missing data as it does', () => {
    for (const a of all) expect([a.logicalId, a.missingDataReason.length > 20]).toEqual([a.logicalId, true]);
  });

  it('a replication alarm that reads silence as OK is backed by one that does not, and by the watch rule for its off switch', () => {
    const silentOk = all.filter(
      (a) => ['tableReplication', 'documentReplication'].includes(a.target) && a.treatMissingData !== 'breaching',
    );
    expect(silentOk.map((a) => a.logicalId).sort()).toEqual([
      'DocumentReplicationFailedAlarm',
      'DocumentReplicationLatencyAlarm',
      'ReplicationLatencyAlarm',
    ]);
    // Table replication: the heartbeat's staleness alarm breaches on silence; the table watch catches replica removal.
    expect(all.find((a) => a.logicalId === 'HeartbeatStalenessAlarm')!.treatMissingData).toBe('breaching');
    // Documents: S3 stops publishing when the rule goes; deleting or replacing it raises the document watch.
    for (const id of ['table-replication', 'document-replication'] as const) expect(WATCH_IDS).toContain(id);
    expect(matchesPattern(patternOf('document-replication'), ev.deleteBucketReplication() as any)).toBe(true);
  });

  it('the region-health alarm that DNS failover follows reads a silent canary as unhealthy', () => {
    expect(REGION_HEALTH).toMatchObject({
      treatMissingData: 'breaching',
      namespace: 'AWS/Lambda',
      metrics: [{ stat: 'Sum' }],
    });
  });
});
