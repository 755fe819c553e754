/** The tier's recovery-control watch and its alert topic's policy, as src/watch/recovery-watch.ts builds them. */
import { names } from '../naming';
import { alertTopicPolicy, watchScope, watchSpecs } from '../watch/spec';
import { cfnNames } from './common';
import { cfnDialect, Fragment, ref, sub } from './intrinsics';
import { TierContext } from './tier-context';

/** One rule per recovery control, each publishing to the tier's topic, and who may publish there. */
export function watchFragment(ctx: TierContext): Fragment {
  const { ids, env } = ctx;
  const topic = ref(ids.topic);
  const scope = watchScope(
    cfnDialect,
    env,
    cfnNames,
    { tableName: ctx.table.name, documentsBucketName: ref(ids.documentsBucket), keyArn: ctx.keyArn },
    sub,
  );
  const out: Fragment = {
    [ids.topicPolicy]: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: { Topics: [topic], PolicyDocument: alertTopicPolicy(cfnDialect, env, cfnNames) },
    },
  };
  for (const spec of watchSpecs(scope)) {
    out[ids.watch(spec.id)] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: sub(names.watchRule(cfnNames, spec.id)),
        Description: spec.description,
        State: 'ENABLED',
        EventPattern: spec.pattern,
        Targets: [{ Id: 'alert-topic', Arn: topic }],
      },
    };
  }
  return out;
}
