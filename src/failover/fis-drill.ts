import { Construct } from 'constructs';
import { FisExperimentTemplate } from '@cdktf/provider-aws/lib/fis-experiment-template';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Env, serviceTrustPolicy } from '../dialect';
import { FIS_DRILL, fisDrillPolicy } from './spec';
import { names, NameParts } from '../naming';
import { policyJson, tfDialect } from '../tf-support';

export interface FisDrillProps {
  readonly names: NameParts;
  /** The standby region as `region`: the experiment runs there, against its replica. */
  readonly env: Env<string>;
  readonly provider: AwsProvider;
  readonly replicaArn: string;
  /** The same, spelled from the table's name, for the role's policy (readable in a first plan). */
  readonly replicaArnByName: string;
  /** The standby's heartbeat staleness alarm: the drill stops as soon as it fires. */
  readonly stopAlarmArn: string;
  readonly pauseMinutes: number;
}

/**
 * The real-account drill as one command (`aws fis start-experiment`): pause replication into
 * the standby replica for at most `pauseMinutes`, stopping as soon as the standby's staleness
 * alarm fires, which is what the drill sets out to show.
 */
export class FisDrill extends Construct {
  readonly template: FisExperimentTemplate;

  constructor(scope: Construct, id: string, props: FisDrillProps) {
    super(scope, id);
    const { provider, env } = props;
    const role = new IamRole(this, 'role', {
      name: names.fisRole(props.names),
      description: 'AWS FIS: pause replication of the tap-dr table for the DR drill',
      assumeRolePolicy: policyJson(
        serviceTrustPolicy('fis.amazonaws.com', {
          e: env,
          sourceArn: tfDialect.join('arn:', env.partition, ':fis:', env.region, ':', env.account, ':experiment/*'),
        }),
      ),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'fis-drill',
      role: role.id,
      policy: policyJson(fisDrillPolicy(tfDialect, props.replicaArnByName)),
    });
    this.template = new FisExperimentTemplate(this, 'template', {
      provider,
      description: FIS_DRILL.description,
      roleArn: role.arn,
      target: [
        {
          name: 'standby-replica',
          resourceType: FIS_DRILL.targetResourceType,
          selectionMode: 'ALL',
          resourceArns: [props.replicaArn],
        },
      ],
      action: [
        {
          name: 'pause-replication',
          actionId: FIS_DRILL.actionId,
          target: { key: 'Tables', value: 'standby-replica' },
          parameter: [{ key: 'duration', value: `PT${props.pauseMinutes}M` }],
        },
      ],
      stopCondition: [{ source: 'aws:cloudwatch:alarm', value: props.stopAlarmArn }],
      dependsOn: [policy],
    });
  }
}
