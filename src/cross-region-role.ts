import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { crossRegionPolicy, CrossRegionRefs, crossRegionTrustPolicy, Env } from './design';
import { names, NameParts } from './naming';
import { policyJson, tfDialect } from './tf-support';

export interface CrossRegionRoleProps extends CrossRegionRefs<string> {
  readonly names: NameParts;
  readonly env: Env<string>;
  /** Must be presented as sts:ExternalId when assuming the role (confused-deputy guard). */
  readonly externalId: string;
}

/** The role operators and failover tooling assume to work with the table in either region. */
export class CrossRegionRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: CrossRegionRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: names.crossRegionRole(props.names),
      description: 'Cross-region access to the tap-dr transactions table (requires the external id)',
      assumeRolePolicy: policyJson(crossRegionTrustPolicy(tfDialect, props.env, props.externalId)),
      maxSessionDuration: 3600,
    });
    new IamRolePolicy(this, 'policy', {
      name: 'cross-region-access',
      role: this.role.id,
      policy: policyJson(crossRegionPolicy(tfDialect, props.env, props.names, props)),
    });
  }
}
