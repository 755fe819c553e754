/**
 * Creation order as each engine sees it: a resource is created after everything it references
 * or explicitly depends on, transitively. AWS validates some literal cross-references at create
 * time (a route key in route settings, a principal in a trust or key policy), so those need an
 * edge here, not just a matching name.
 */
import type { Template } from '../../src/cloudformation';
import { referencesIn } from './cfn';
import type { TerraformJson } from './synth';

/** `type.name` of every managed resource `${type.name.attr}` or `depends_on` names in a value. */
function terraformEdges(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)[.}[]/g)].map((m) => m[1]);
}

/** Every address the resource at `address` is created after (transitively). */
export function terraformPrerequisites(json: TerraformJson, address: string): Set<string> {
  const seen = new Set<string>();
  const todo = [address];
  while (todo.length > 0) {
    const [type, name] = todo.pop()!.split('.');
    const body = json.resource[type]?.[name];
    if (!body) continue;
    const direct = [...terraformEdges(body), ...((body.depends_on as string[] | undefined) ?? [])];
    for (const next of direct.filter((n) => !seen.has(n))) {
      seen.add(next);
      todo.push(next);
    }
  }
  return seen;
}

/** Every logical id the resource `id` is created after (transitively): Ref, GetAtt, Sub, DependsOn. */
export function cloudFormationPrerequisites(template: Template, id: string): Set<string> {
  const seen = new Set<string>();
  const todo = [id];
  while (todo.length > 0) {
    const resource = template.Resources[todo.pop()!];
    if (!resource) continue;
    const direct = [
      ...referencesIn(resource).map((r) => r.target),
      ...((resource as { DependsOn?: string[] }).DependsOn ?? []),
    ];
    for (const next of direct.filter((n) => template.Resources[n] && !seen.has(n))) {
      seen.add(next);
      todo.push(next);
    }
  }
  return seen;
}
