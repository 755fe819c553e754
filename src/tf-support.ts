/**
 * Small helpers for rendering the shared design (src/design.ts) into Terraform.
 */
import { Construct } from 'constructs';
import { TerraformElement, TerraformResource, TerraformStack } from 'cdktf';
import { Dialect, PolicyDocument } from './dialect';

/** In Terraform every reference is a string token, so joining is plain concatenation. */
export const tfDialect: Dialect<string> = { join: (...parts) => parts.join('') };

/** Policies are rendered with JSON.stringify: tokens stay as "${aws_x.y.arn}" interpolations
 *  inside the JSON string, which Terraform resolves and tests can still JSON.parse. */
export function policyJson(doc: PolicyDocument<string>): string {
  return JSON.stringify(doc);
}

/**
 * The one rule for Terraform addresses, so a reviewer reads `aws_lambda_function.primary_processor_function`
 * and a refactor that keeps the construct tree keeps every address: the construct path below the
 * stack, in snake_case, with the standby tier (which serves the secondary region) spelled `secondary`,
 * and a segment its child repeats said once (`api/api` is `api`).
 */
export function addressOf(path: readonly string[]): string {
  const words = path
    .filter((segment, i) => segment !== path[i - 1])
    .map((segment) =>
      segment
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
        .toLowerCase()
        .replace(/-/g, '_'),
    )
    .join('_')
    .split('_');
  return words.map((w) => (w === 'standby' ? 'secondary' : w)).join('_');
}

/** Moves a stack's state from earlier addresses; rendered as top-level `moved` blocks. */
class MovedBlocks extends TerraformElement {
  constructor(
    scope: Construct,
    private readonly moves: ReadonlyArray<{ from: string; to: string }>,
  ) {
    super(scope, 'moved-blocks');
  }

  toTerraform(): any {
    return { moved: this.moves.length > 0 ? [...this.moves] : undefined };
  }

  toHclTerraform(): any {
    return this.toTerraform();
  }
}

/** A resource's construct path below its stack. */
function pathOf(element: TerraformElement, stack: TerraformStack): string[] {
  const scopes = element.node.scopes;
  return scopes.slice(scopes.indexOf(stack) + 1).map((s) => s.node.id);
}

/**
 * A resource's logical id in its stack: `addressOf` its path (cdktf's default is the path plus a
 * hash). The stack allocates the id when a resource is first referenced, so that is where it asks.
 */
export function resourceAddress(resource: TerraformResource, stack: TerraformStack): string {
  return addressOf(pathOf(resource, stack));
}

/**
 * Adds a `moved` block from each address an earlier version gave a resource of the stack, so an
 * applied stack moves in state instead of replacing. Call once, when the stack is complete; it
 * also fails the synth if two resources of one type would share an address.
 */
export function movedFromEarlierAddresses(stack: TerraformStack): void {
  const moves: Array<{ from: string; to: string }> = [];
  const taken = new Set<string>();
  for (const r of stack.node.findAll().filter(TerraformResource.isTerraformResource) as TerraformResource[]) {
    const address = `${r.terraformResourceType}.${r.friendlyUniqueId}`;
    if (taken.has(address)) throw new Error(`two resources would share the address ${address}`);
    taken.add(address);
    const previous = BEFORE_READABLE_ADDRESSES[pathOf(r, stack).join('/')];
    if (previous === undefined) continue;
    const earlier = `${r.terraformResourceType}.${previous}`;
    if (FIRST_VERSION_ADDRESSES[earlier]) moves.push({ from: FIRST_VERSION_ADDRESSES[earlier], to: earlier });
    if (earlier !== address) moves.push({ from: earlier, to: address });
  }
  new MovedBlocks(stack, moves);
}

/**
 * Where the first version of the stack put the resources that the next one pinned to readable
 * addresses (keys are those pinned addresses): chained in front of the move below, so a stack
 * applied from either version moves. (The table replica was an inline `replica` block then: no
 * address to move from.) Kept until every deployment has applied a version with readable addresses.
 */
const FIRST_VERSION_ADDRESSES: Readonly<Record<string, string>> = {
  'aws_kms_key.primary': 'aws_kms_key.keys_primary_575DA221',
  'aws_kms_replica_key.secondary': 'aws_kms_replica_key.keys_secondary_E5A8406F',
  'aws_dynamodb_table.transactions': 'aws_dynamodb_table.transactions_table_E247E900',
  'aws_s3_bucket.documents': 'aws_s3_bucket.documents_bucket_87EAE372',
  'aws_s3_bucket.standby_documents': 'aws_s3_bucket.standby-documents_bucket_2AA26585',
  'aws_cloudwatch_log_group.processor_logs': 'aws_cloudwatch_log_group.processor_logs_D44D1348',
  'aws_cloudwatch_log_group.standby_processor_logs': 'aws_cloudwatch_log_group.standby-processor_logs_D60690DC',
};

/**
 * Each resource's address (its name part) before every address followed `addressOf`, by construct
 * path: cdktf's hashed ids, and the stateful resources' pinned names. Frozen: it says where deployed
 * state is, so it never follows a later change to the tree.
 */
const BEFORE_READABLE_ADDRESSES: Readonly<Record<string, string>> = {
  'cross-region/policy': 'cross-region_policy_E2E37C02',
  'cross-region/role': 'cross-region_role_682A90DC',
  'dns-failover/primary-certificate': 'dns-failover_primary-certificate_CD908C90',
  'dns-failover/primary-domain': 'dns-failover_primary-domain_B6F7579F',
  'dns-failover/primary-health': 'dns-failover_primary-health_3F9B8094',
  'dns-failover/primary-mapping': 'dns-failover_primary-mapping_E70FF21F',
  'dns-failover/primary-record': 'dns-failover_primary-record_674A8B86',
  'dns-failover/primary-validation': 'dns-failover_primary-validation_E1666AA7',
  'dns-failover/standby-certificate': 'dns-failover_standby-certificate_FD4C2A40',
  'dns-failover/standby-domain': 'dns-failover_standby-domain_512903CA',
  'dns-failover/standby-mapping': 'dns-failover_standby-mapping_3364A47E',
  'dns-failover/standby-record': 'dns-failover_standby-record_1BDAA255',
  'dns-failover/standby-validation': 'dns-failover_standby-validation_B71424B8',
  'dns-failover/validation-record': 'dns-failover_validation-record_2B074E77',
  'document-failback/policy': 'document-failback_policy_6F4BB332',
  'document-failback/role': 'document-failback_role_3CCF81A7',
  'document-failback/rule': 'document-failback_rule_F97D5D65',
  'document-replication/policy': 'document-replication_policy_0DF3C4E5',
  'document-replication/role': 'document-replication_role_CF513127',
  'document-replication/rule': 'document-replication_rule_F3622BCD',
  'fis-drill/policy': 'fis-drill_policy_26A4CB10',
  'fis-drill/role': 'fis-drill_role_633645E1',
  'fis-drill/template': 'fis-drill_template_23FF5579',
  'keys/primary': 'primary',
  'keys/primary-alias': 'keys_primary-alias_91CEB516',
  'keys/secondary': 'secondary',
  'keys/secondary-alias': 'keys_secondary-alias_E260ED2A',
  'primary/alarms/DocumentReplicationFailedAlarm': 'primary_alarms_DocumentReplicationFailedAlarm_FE890BBF',
  'primary/alarms/DocumentReplicationLatencyAlarm': 'primary_alarms_DocumentReplicationLatencyAlarm_49470383',
  'primary/alarms/DynamoDBThrottleAlarm': 'primary_alarms_DynamoDBThrottleAlarm_C7422A2F',
  'primary/alarms/HeartbeatStalenessAlarm': 'primary_alarms_HeartbeatStalenessAlarm_11F847EC',
  'primary/alarms/LambdaErrorAlarm': 'primary_alarms_LambdaErrorAlarm_1CE0D506',
  'primary/alarms/LambdaThrottleAlarm': 'primary_alarms_LambdaThrottleAlarm_97B042BC',
  'primary/alarms/ReplicationLatencyAlarm': 'primary_alarms_ReplicationLatencyAlarm_1C6225DE',
  'primary/alerts/email': 'primary_alerts_email_D7C939F8',
  'primary/alerts/topic': 'primary_alerts_topic_50B8FC9C',
  'primary/api/access-logs': 'api_access_logs',
  'primary/api/api': 'primary_api_AD433095',
  'primary/api/health-integration': 'primary_api_health-integration_5F9977A2',
  'primary/api/health-permission': 'primary_api_health-permission_00FD45AD',
  'primary/api/health-route': 'primary_api_health-route_3E497174',
  'primary/api/stage': 'primary_api_stage_74C5C462',
  'primary/api/transactions-integration': 'primary_api_transactions-integration_DD927157',
  'primary/api/transactions-permission': 'primary_api_transactions-permission_3A846FB0',
  'primary/api/transactions-route': 'primary_api_transactions-route_815546E6',
  'primary/audit-trail/bucket/bucket': 'audit_trail',
  'primary/audit-trail/bucket/encryption': 'primary_audit-trail_bucket_encryption_8070FE5D',
  'primary/audit-trail/bucket/lifecycle': 'primary_audit-trail_bucket_lifecycle_21464562',
  'primary/audit-trail/bucket/ownership': 'primary_audit-trail_bucket_ownership_B35AF284',
  'primary/audit-trail/bucket/policy': 'primary_audit-trail_bucket_policy_A645ED50',
  'primary/audit-trail/bucket/public-access-block': 'primary_audit-trail_bucket_public-access-block_55E61CF7',
  'primary/audit-trail/bucket/versioning': 'primary_audit-trail_bucket_versioning_899CF512',
  'primary/audit-trail/trail': 'primary_audit-trail_14A6E08C',
  'primary/documents/bucket': 'documents',
  'primary/documents/encryption': 'primary_documents_encryption_A47EFD2F',
  'primary/documents/lifecycle': 'primary_documents_lifecycle_7E5C7B9A',
  'primary/documents/ownership': 'primary_documents_ownership_FC066F9A',
  'primary/documents/policy': 'primary_documents_policy_2398DBBE',
  'primary/documents/public-access-block': 'primary_documents_public-access-block_24216E42',
  'primary/documents/versioning': 'primary_documents_versioning_2FE41878',
  'primary/health/function': 'primary_health_function_1CE3224D',
  'primary/health/logs': 'health_logs',
  'primary/health/policy': 'primary_health_policy_1FFEFC7F',
  'primary/health/role': 'primary_health_role_B1B5BE8A',
  'primary/heartbeat-no-retries': 'primary_heartbeat-no-retries_D65976CA',
  'primary/heartbeat-permission': 'primary_heartbeat-permission_33F74D4D',
  'primary/heartbeat-schedule': 'primary_heartbeat-schedule_02C61ED7',
  'primary/heartbeat-target': 'primary_heartbeat-target_20DC42E5',
  'primary/heartbeat/function': 'primary_heartbeat_function_D3D4A967',
  'primary/heartbeat/logs': 'heartbeat_logs',
  'primary/heartbeat/policy': 'primary_heartbeat_policy_5CE06998',
  'primary/heartbeat/role': 'primary_heartbeat_role_7BF88539',
  'primary/processor/function': 'primary_processor_function_877F3074',
  'primary/processor/logs': 'processor_logs',
  'primary/processor/policy': 'primary_processor_policy_7339DA38',
  'primary/processor/role': 'primary_processor_role_8BCCBE35',
  'standby/alarms/DocumentReplicationFailedAlarm': 'standby_alarms_DocumentReplicationFailedAlarm_0B383636',
  'standby/alarms/DocumentReplicationLatencyAlarm': 'standby_alarms_DocumentReplicationLatencyAlarm_828D0924',
  'standby/alarms/DynamoDBThrottleAlarm': 'standby_alarms_DynamoDBThrottleAlarm_883EEF64',
  'standby/alarms/HeartbeatStalenessAlarm': 'standby_alarms_HeartbeatStalenessAlarm_21822954',
  'standby/alarms/LambdaErrorAlarm': 'standby_alarms_LambdaErrorAlarm_640D2953',
  'standby/alarms/LambdaThrottleAlarm': 'standby_alarms_LambdaThrottleAlarm_984ED3AC',
  'standby/alarms/ReplicationLatencyAlarm': 'standby_alarms_ReplicationLatencyAlarm_46EBBC74',
  'standby/alerts/email': 'standby_alerts_email_25EBBCE8',
  'standby/alerts/topic': 'standby_alerts_topic_DDBECE8E',
  'standby/api/access-logs': 'standby_api_access_logs',
  'standby/api/api': 'standby_api_EEB5F053',
  'standby/api/health-integration': 'standby_api_health-integration_A89534CB',
  'standby/api/health-permission': 'standby_api_health-permission_08CD6C0A',
  'standby/api/health-route': 'standby_api_health-route_402742D5',
  'standby/api/stage': 'standby_api_stage_4C22AA4B',
  'standby/api/transactions-integration': 'standby_api_transactions-integration_816D707C',
  'standby/api/transactions-permission': 'standby_api_transactions-permission_7301B3C7',
  'standby/api/transactions-route': 'standby_api_transactions-route_B3604243',
  'standby/audit-trail/bucket/bucket': 'standby_audit_trail',
  'standby/audit-trail/bucket/encryption': 'standby_audit-trail_bucket_encryption_5A449500',
  'standby/audit-trail/bucket/lifecycle': 'standby_audit-trail_bucket_lifecycle_99CC7698',
  'standby/audit-trail/bucket/ownership': 'standby_audit-trail_bucket_ownership_C11851A7',
  'standby/audit-trail/bucket/policy': 'standby_audit-trail_bucket_policy_73AF4962',
  'standby/audit-trail/bucket/public-access-block': 'standby_audit-trail_bucket_public-access-block_7AA66152',
  'standby/audit-trail/bucket/versioning': 'standby_audit-trail_bucket_versioning_31D22A16',
  'standby/audit-trail/trail': 'standby_audit-trail_CD0DC1AB',
  'standby/documents/bucket': 'standby_documents',
  'standby/documents/encryption': 'standby_documents_encryption_B3991A17',
  'standby/documents/lifecycle': 'standby_documents_lifecycle_551D6F6E',
  'standby/documents/ownership': 'standby_documents_ownership_521677C9',
  'standby/documents/policy': 'standby_documents_policy_DB27A902',
  'standby/documents/public-access-block': 'standby_documents_public-access-block_1DA71605',
  'standby/documents/versioning': 'standby_documents_versioning_1EFDB8E8',
  'standby/health/function': 'standby_health_function_7293EFDE',
  'standby/health/logs': 'standby_health_logs',
  'standby/health/policy': 'standby_health_policy_8BED1081',
  'standby/health/role': 'standby_health_role_6B554F7C',
  'standby/heartbeat-no-retries': 'standby_heartbeat-no-retries_F2934C5F',
  'standby/heartbeat-permission': 'standby_heartbeat-permission_57CE4930',
  'standby/heartbeat-schedule': 'standby_heartbeat-schedule_9A024E0D',
  'standby/heartbeat-target': 'standby_heartbeat-target_05C4D0A1',
  'standby/heartbeat/function': 'standby_heartbeat_function_4E861B31',
  'standby/heartbeat/logs': 'standby_heartbeat_logs',
  'standby/heartbeat/policy': 'standby_heartbeat_policy_94B1D9FA',
  'standby/heartbeat/role': 'standby_heartbeat_role_896AE0EF',
  'standby/processor/function': 'standby_processor_function_12C8727F',
  'standby/processor/logs': 'standby_processor_logs',
  'standby/processor/policy': 'standby_processor_policy_F1572607',
  'standby/processor/role': 'standby_processor_role_C850C31A',
  'transactions/replica': 'transactions_secondary',
  'transactions/table': 'transactions',
};
