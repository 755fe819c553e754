import { Construct } from 'constructs';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';

export interface AlertTopicProps {
  readonly topicName: string;
  readonly kmsKeyArn: string;
  /** Optional on-call address; AWS sends a confirmation mail before delivery starts. */
  readonly alertEmail?: string;
}

/** The operational alert topic, KMS-encrypted, with an optional email subscription. */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'topic', {
      name: props.topicName,
      kmsMasterKeyId: props.kmsKeyArn,
    });
    if (props.alertEmail) {
      new SnsTopicSubscription(this, 'email', {
        topicArn: this.topic.arn,
        protocol: 'email',
        endpoint: props.alertEmail,
      });
    }
  }
}
