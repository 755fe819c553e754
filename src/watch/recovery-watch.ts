import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { names, NameParts } from '../naming';
import { WatchScope, watchSpecs } from './spec';

export interface RecoveryWatchProps {
  readonly names: NameParts;
  readonly provider?: AwsProvider;
  /** This region's copies of the recovery controls (src/watch/spec.ts watchScope). */
  readonly scope: WatchScope<string>;
  /** The region's alert topic: its policy lets these rules publish. */
  readonly topicArn: string;
}

/**
 * One EventBridge rule per recovery control, on the default bus of the region, each publishing
 * the matched CloudTrail event to the region's alert topic (docs/RUNBOOK.md says what to do).
 */
export class RecoveryWatch extends Construct {
  readonly rules: CloudwatchEventRule[];

  constructor(scope: Construct, id: string, props: RecoveryWatchProps) {
    super(scope, id);
    this.rules = watchSpecs(props.scope).map((spec) => {
      const rule = new CloudwatchEventRule(this, spec.id, {
        provider: props.provider,
        name: names.watchRule(props.names, spec.id),
        description: spec.description,
        eventPattern: JSON.stringify(spec.pattern),
      });
      new CloudwatchEventTarget(this, `${spec.id}-alert`, {
        provider: props.provider,
        rule: rule.name,
        arn: props.topicArn,
      });
      return rule;
    });
  }
}
