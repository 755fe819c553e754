/** RETAIN_ON_DELETE for the CloudFormation templates: the one pass that applies it (src/retention.ts says what). */
import { retention, statefulKind } from '../retention';
import { CfnResource, Template } from './intrinsics';

/**
 * Every stateful resource of a finished template states its policy (cfn-lint I3011): Delete so
 * test stacks tear down (seed fix 1), Retain when the environment retains data on delete; keys
 * and the table get the switch's waiting period and deletion protection. Properties the template
 * lays out are overwritten in place, so the template keeps AWS's property order.
 */
export function retainStateful(template: Template, retainOnDelete: boolean): Template {
  const r = retention(retainOnDelete);
  const policy = r.keep ? 'Retain' : 'Delete';
  const resources: Record<string, CfnResource> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    const kind = statefulKind('cloudformation', resource.Type);
    if (!kind) {
      resources[id] = resource;
      continue;
    }
    const props = resource.Properties as Record<string, any>;
    if (kind === 'key') props.PendingWindowInDays = r.kmsDeletionWindowDays;
    if (kind === 'table')
      for (const replica of props.Replicas) replica.DeletionProtectionEnabled = r.deletionProtection;
    resources[id] = { ...resource, DeletionPolicy: policy, UpdateReplacePolicy: policy };
  }
  return { ...template, Resources: resources };
}
