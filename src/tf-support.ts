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
  const previous = PREVIOUS_ADDRESSES[`${resource.terraformResourceType}.${name}`];
  if (previous) resource.moveFromId(previous);
  return resource;
}

/**
 * Where the first version of the stack put the resources that now have readable addresses:
 * a `moved` block for each, so a stack applied from that version moves them in state instead
 * of destroying and recreating them. (The table replica was an inline `replica` block then:
 * no address to move from.) Kept until every deployment has applied a version with them.
 */
const PREVIOUS_ADDRESSES: Readonly<Record<string, string>> = {
  'aws_kms_key.primary': 'aws_kms_key.keys_primary_575DA221',
  'aws_kms_replica_key.secondary': 'aws_kms_replica_key.keys_secondary_E5A8406F',
  'aws_dynamodb_table.transactions': 'aws_dynamodb_table.transactions_table_E247E900',
  'aws_s3_bucket.documents': 'aws_s3_bucket.documents_bucket_87EAE372',
  'aws_s3_bucket.standby_documents': 'aws_s3_bucket.standby-documents_bucket_2AA26585',
  'aws_cloudwatch_log_group.processor_logs': 'aws_cloudwatch_log_group.processor_logs_D44D1348',
  'aws_cloudwatch_log_group.standby_processor_logs': 'aws_cloudwatch_log_group.standby-processor_logs_D60690DC',
};
