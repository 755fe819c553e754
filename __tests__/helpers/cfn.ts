import { buildCloudFormationTemplates, CloudFormationTemplates, Template } from '../../src/cloudformation';
import { loadConfig } from '../../src/config';
import { testBundle } from '../../harness/bundle';

export function templatesFor(env: Record<string, string> = {}): CloudFormationTemplates {
  return buildCloudFormationTemplates(loadConfig(env, {}), testBundle().code);
}

export const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

export interface Reference {
  readonly kind: 'Ref' | 'Fn::GetAtt' | 'Fn::Sub';
  readonly target: string;
  readonly attribute?: string;
  readonly at: string;
}

/** Every Ref, Fn::GetAtt and Fn::Sub variable in a value, with where it was found. */
export function referencesIn(value: unknown, at = '$'): Reference[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => referencesIn(v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  if (typeof obj.Ref === 'string') return [{ kind: 'Ref', target: obj.Ref, at }];
  if (Array.isArray(obj['Fn::GetAtt'])) {
    const [target, attribute] = obj['Fn::GetAtt'] as [string, string];
    return [{ kind: 'Fn::GetAtt', target, attribute, at }];
  }
  if (typeof obj['Fn::Sub'] === 'string') {
    return [...(obj['Fn::Sub'] as string).matchAll(/\$\{([^}!]+)\}/g)].map((m) => {
      const [target, attribute] = m[1].split('.');
      return { kind: 'Fn::Sub' as const, target, attribute, at };
    });
  }
  return Object.entries(obj).flatMap(([k, v]) => referencesIn(v, `${at}.${k}`));
}

/** References that point at nothing: not a parameter, resource or pseudo-parameter. */
export function danglingReferences(t: Template): Reference[] {
  const params = new Set(Object.keys(t.Parameters));
  const resources = new Set(Object.keys(t.Resources));
  return referencesIn({ Resources: t.Resources, Outputs: t.Outputs, Conditions: t.Conditions, Rules: t.Rules }).filter(
    (r) => {
      if (r.attribute !== undefined || r.kind === 'Fn::GetAtt') return !resources.has(r.target);
      return !(params.has(r.target) || resources.has(r.target) || PSEUDO_PARAMETERS.has(r.target));
    },
  );
}

/** Every condition a resource, output or Fn::If names: each must be declared in Conditions. */
export function undeclaredConditions(t: Template): string[] {
  const named: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['Fn::If'])) named.push(o['Fn::If'][0] as string);
    if (typeof o.Condition === 'string') named.push(o.Condition);
    Object.values(o).forEach(walk);
  };
  walk({ Resources: t.Resources, Outputs: t.Outputs, Conditions: t.Conditions });
  return [...new Set(named)].filter((c) => !(c in (t.Conditions ?? {})));
}

/** The resources of a template that carry a condition, by condition. */
export function resourcesUnder(t: Template, condition: string): string[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Condition === condition)
    .map(([id]) => id)
    .sort();
}
