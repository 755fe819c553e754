import { Construct } from 'constructs';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { PolicyDocument } from '../dialect';
import { policyJson, tfDialect } from '../tf-support';
import { rolePolicyParts } from './spec';

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
  const [main, keys] = rolePolicyParts(props.name, tfDialect, props.policy, props.keyArns);
  const policy = new IamRolePolicy(scope, 'policy', {
    name: main.PolicyName,
    role: props.role,
    policy: policyJson(main.PolicyDocument),
  });
  if (!keys) return [policy];
  return [
    policy,
    new IamRolePolicy(scope, 'key-policy', {
      name: keys.PolicyName,
      role: props.role,
      policy: policyJson(keys.PolicyDocument),
    }),
  ];
}
