/**
 * RETAIN_ON_DELETE is applied in one place per deliverable, by kind (src/retention.ts): the
 * RetainOnDelete aspect for Terraform, retainStateful for CloudFormation. Components never see it,
 * so a stateful resource a component adds tomorrow is kept without anyone threading the switch.
 */
import { App, TerraformStack, Testing } from 'cdktf';
import { Aspects } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { retainStateful } from '../src/cloudformation/retention';
import { retention, STATEFUL_KINDS, statefulKind } from '../src/retention';
import { RetainOnDelete } from '../src/retention-aspect';
import type { Template } from '../src/cloudformation';
import { templatesFor } from './helpers/cfn';
import { synthStack } from './helpers/synth';

const TF_STATEFUL: string[] = Object.values(STATEFUL_KINDS).flatMap((k) => [...k.terraform]);

describe('the switch, said once', () => {
  it('keeps, protects and waits 30 days when retaining; destroys, unprotected, after 7 days otherwise', () => {
    expect(retention(true)).toEqual({
      keep: true,
      kmsDeletionWindowDays: 30,
      deletionProtection: true,
      forceDestroy: false,
    });
    expect(retention(false)).toEqual({
      keep: false,
      kmsDeletionWindowDays: 7,
      deletionProtection: false,
      forceDestroy: true,
    });
  });

  it('knows each stateful type in both deliverables, and nothing else', () => {
    expect(statefulKind('terraform', 'aws_kms_replica_key')).toBe('key');
    expect(statefulKind('cloudformation', 'AWS::DynamoDB::GlobalTable')).toBe('table');
    expect(statefulKind('terraform', 'aws_s3_bucket_policy')).toBeUndefined();
    expect(statefulKind('cloudformation', 'AWS::KMS::Alias')).toBeUndefined();
  });
});

describe('Terraform: the RetainOnDelete aspect', () => {
  /** A bare stack of one stateful and one stateless resource, with only the aspect applied. */
  const bare = (retain: boolean) => {
    const stack = new TerraformStack(Testing.app() as App, 'bare');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new S3Bucket(stack, 'new-bucket', { bucket: 'b' });
    new CloudwatchLogGroup(stack, 'new-logs', { name: 'l', lifecycle: { ignoreChanges: ['tags'] } });
    new SnsTopic(stack, 'topic', { name: 't' });
    Aspects.of(stack).add(new RetainOnDelete(retain));
    const resources = JSON.parse(Testing.synth(stack)).resource as Record<string, Record<string, any>>;
    // One resource of each type: cdktf's own (hashed) names do not matter here.
    return Object.fromEntries(Object.entries(resources).map(([type, byName]) => [type, Object.values(byName)[0]]));
  };

  it('keeps a stateful resource no component told about the switch, and merges its own lifecycle', () => {
    const r = bare(true);
    expect(r.aws_s3_bucket).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(r.aws_cloudwatch_log_group.lifecycle).toEqual({ prevent_destroy: true, ignore_changes: ['tags'] });
    expect(r.aws_sns_topic.lifecycle).toBeUndefined();
  });

  it('leaves a disposable stack destroyable', () => {
    const r = bare(false);
    expect(r.aws_s3_bucket.force_destroy).toBe(true);
    expect(r.aws_s3_bucket.lifecycle).toBeUndefined();
  });

  it.each([
    ['RETAIN_ON_DELETE=true', { RETAIN_ON_DELETE: 'true' }, true],
    ['default', {}, false],
  ])('in the stack (%s), prevent_destroy is on exactly the stateful resources', (_label, env, keep) => {
    const { json } = synthStack(env);
    for (const [type, byName] of Object.entries(json.resource)) {
      for (const [name, r] of Object.entries(byName)) {
        const expected = keep && TF_STATEFUL.includes(type) ? true : undefined;
        expect([type, name, r.lifecycle?.prevent_destroy]).toEqual([type, name, expected]);
      }
    }
  });
});

describe('CloudFormation: the retainStateful pass', () => {
  const stateful = (t: Template) =>
    Object.entries(t.Resources).filter(([, r]) => statefulKind('cloudformation', r.Type) !== undefined);

  it.each([
    ['RETAIN_ON_DELETE=true', { RETAIN_ON_DELETE: 'true' }, 'Retain'],
    ['default', {}, 'Delete'],
  ])('every stateful resource of both templates states its policy, nothing else does (%s)', (_label, env, policy) => {
    const { primary, secondary } = templatesFor(env);
    for (const t of [primary, secondary]) {
      expect(stateful(t).length).toBeGreaterThan(0);
      for (const [id, r] of Object.entries(t.Resources)) {
        const expected = statefulKind('cloudformation', r.Type) ? policy : undefined;
        expect([id, r.DeletionPolicy, r.UpdateReplacePolicy]).toEqual([id, expected, expected]);
      }
    }
  });

  it('keeps a stateful resource no fragment told about the switch', () => {
    const t = {
      Resources: {
        NewBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      },
    } as unknown as Template;
    const out = retainStateful(t, true);
    expect(out.Resources.NewBucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(out.Resources.Topic.DeletionPolicy).toBeUndefined();
  });

  it("sets the key window and the replicas' deletion protection from the switch", () => {
    const { primary } = templatesFor({ RETAIN_ON_DELETE: 'true' });
    const p = primary.Resources.TransactionDynamoDBTable.Properties as any;
    expect(p.Replicas.map((r: any) => r.DeletionProtectionEnabled)).toEqual([true, true]);
    expect((primary.Resources.TransactionKMSKey.Properties as any).PendingWindowInDays).toBe(30);
  });
});
