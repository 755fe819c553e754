import { Construct } from 'constructs';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { PolicyDocument } from '../dialect';
import { policyJson, tfDialect } from '../tf-support';
import { rolePolicyParts } from './spec';

/** The parts' construct ids (so their addresses), in rolePolicyParts' order. */
const PART_IDS = ['policy', 'key-policy'] as const;

/**
 * A role's inline policy as two resources: `policy` (its address unchanged) holds every statement
 * that names no key, so it reads in full in a first plan; `key-policy` holds the statements on
 * `keyArns`, whose ARNs are known only once the keys exist (docs/SECURITY.md, "Reading the policies
 * in a first plan"). Both are returned: whatever needs the role's permissions depends on both.
 */
export function splitRolePolicy(
  scope: Construct,
  props: { name: string; role: string; policy: PolicyDocument<string>; keyArns: readonly string[] },
): IamRolePolicy[] {
  return rolePolicyParts(props.name, tfDialect, props.policy, props.keyArns).map(
    (part, i) =>
      new IamRolePolicy(scope, PART_IDS[i], {
        name: part.PolicyName,
        role: props.role,
        policy: policyJson(part.PolicyDocument),
      }),
  );
}
