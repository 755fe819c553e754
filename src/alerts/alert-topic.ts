import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { PolicyDocument } from '../dialect';
import { policyJson } from '../tf-support';

export interface AlertTopicProps {
  readonly topicName: string;
  readonly kmsKeyArn: string;
  /** Optional on-call address; AWS sends a confirmation mail before delivery starts. */
  readonly alertEmail?: string;
  /** The region's provider; the default (primary) provider when absent. */
  readonly provider?: AwsProvider;
  /** Who may publish (src/watch/spec.ts alertTopicPolicy). */
  readonly policy: PolicyDocument<string>;
}

/** The operational alert topic, KMS-encrypted, with its publishers' policy and an optional email subscription. */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'topic', {
      provider: props.provider,
      name: props.topicName,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    new SnsTopicPolicy(this, 'policy', {
      provider: props.provider,
      arn: this.topic.arn,
      policy: policyJson(props.policy),
    });
    if (props.alertEmail) {
      new SnsTopicSubscription(this, 'email', {
        provider: props.provider,
        topicArn: this.topic.arn,
        protocol: 'email',
        endpoint: props.alertEmail,
      });
    }
  }
}
