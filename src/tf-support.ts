/**
 * Small helpers for rendering the shared design (src/design.ts) into Terraform.
 */
import { TerraformResource, TerraformResourceLifecycle } from 'cdktf';
import { Dialect, PolicyDocument } from './dialect';

/** In Terraform every reference is a string token, so joining is plain concatenation. */
export const tfDialect: Dialect<string> = { join: (...parts) => parts.join('') };

/** Policies are rendered with JSON.stringify: tokens stay as "${aws_x.y.arn}" interpolations
 *  inside the JSON string, which Terraform resolves and tests can still JSON.parse. */
export function policyJson(doc: PolicyDocument<string>): string {
  return JSON.stringify(doc);
}

/** prevent_destroy on stateful resources when the environment retains data on delete. */
export function retainLifecycle(retainOnDelete: boolean): TerraformResourceLifecycle | undefined {
  return retainOnDelete ? { preventDestroy: true } : undefined;
}

/**
 * Pins a stateful resource to a readable Terraform address (e.g. aws_dynamodb_table.transactions)
 * instead of cdktf's path hash, so a refactor that moves the construct cannot rename, and so
 * replace, it. __tests__/addresses.test.ts holds the list.
 */
export function pinAddress<R extends TerraformResource>(resource: R, name: string): R {
  resource.overrideLogicalId(name);
  return resource;
}
