import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import {
  CROSS_REGION_ROLE,
  CROSS_REGION_ROLE_DESCRIPTION,
  crossRegionPolicy,
  CrossRegionRefs,
  crossRegionTrustPolicy,
} from './spec';
import { Env } from '../dialect';
import { splitRolePolicy } from '../keys/role-policies';
import { names, NameParts } from '../naming';
import { policyJson, tfDialect } from '../tf-support';

export interface CrossRegionRoleProps extends CrossRegionRefs<string> {
  readonly names: NameParts;
  readonly env: Env<string>;
  /** The only roles that may assume it (validated role ARNs; never the account root). */
  readonly trustedPrincipals: readonly string[];
}

/** The role failover automation and break-glass operators assume: read either region, write through the processor. */
export class CrossRegionRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: CrossRegionRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: names.crossRegionRole(props.names),
      description: CROSS_REGION_ROLE_DESCRIPTION,
      assumeRolePolicy: policyJson(crossRegionTrustPolicy(props.trustedPrincipals)),
      maxSessionDuration: CROSS_REGION_ROLE.maxSessionDuration,
    });
    splitRolePolicy(this, {
      name: CROSS_REGION_ROLE.policyName,
      role: this.role.id,
      policy: crossRegionPolicy(tfDialect, props.env, props.names, props),
      keyArns: [props.primaryKeyArn, props.secondaryKeyArn],
    });
  }
}
