/**
 * CloudFormation's template shape and the intrinsics this emitter produces, with typed
 * logical ids, parameters and conditions (src/cloudformation/ids.ts). No cdktf here.
 */
import type { Dialect } from '../design';
import type { ConditionId, LogicalId, ParameterId } from './ids';

/** What Ref accepts: a resource, a parameter, or a pseudo parameter. */
export type PseudoParameter = 'AWS::AccountId' | 'AWS::Partition' | 'AWS::Region' | 'AWS::NoValue';
export type Referable = LogicalId | ParameterId | PseudoParameter;

export type CfnExpr =
  | { Ref: string }
  | { 'Fn::GetAtt': [string, string] }
  | { 'Fn::Sub': string }
  | { 'Fn::If': [string, unknown, unknown] };
export type CfnValue = string | CfnExpr;

export interface CfnResource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: 'Retain' | 'Delete';
  UpdateReplacePolicy?: 'Retain' | 'Delete';
}

/** A piece of a template: resources under typed logical ids. */
export type Fragment = Partial<Record<LogicalId, CfnResource>>;

export interface CfnOutput {
  Description: string;
  Value: CfnValue;
  Export: { Name: CfnValue };
  Condition?: string;
}

export type Template = {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata?: Record<string, unknown>;
  Parameters: Record<string, Record<string, unknown>>;
  Rules?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs: Record<string, CfnOutput>;
};

export const ref = (name: Referable): CfnExpr => ({ Ref: name });
export const getAtt = (resource: LogicalId, attribute: string): CfnExpr => ({ 'Fn::GetAtt': [resource, attribute] });
export const fnIf = (condition: ConditionId, whenTrue: unknown, whenFalse: unknown): CfnExpr => ({
  'Fn::If': [condition, whenTrue, whenFalse],
});
export const NO_VALUE = ref('AWS::NoValue');

/** A flat settings object with CloudFormation's property names: where they are Terraform's, capitalised. */
export function pascalKeys<V>(o: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k[0].toUpperCase() + k.slice(1), v]));
}

/** A string with ${...} placeholders becomes Fn::Sub; a plain string stays a string. */
export function sub(s: string): CfnValue {
  return s.includes('${') ? { 'Fn::Sub': s } : s;
}

/** Expressions as Fn::Sub text: Ref X -> ${X}, GetAtt [R, A] -> ${R.A}. */
export function subText(part: CfnValue): string {
  if (typeof part === 'string') return part;
  if ('Ref' in part) return `\${${part.Ref}}`;
  if ('Fn::GetAtt' in part) return `\${${part['Fn::GetAtt'].join('.')}}`;
  if ('Fn::Sub' in part) return part['Fn::Sub'];
  throw new Error(`cannot join ${JSON.stringify(part)}`);
}

/** Joins into a single readable Fn::Sub rather than nested Fn::Join. */
export const cfnDialect: Dialect<CfnExpr> = { join: (...parts) => sub(parts.map(subText).join('')) };

/** `Condition` on every resource of a fragment (the standby tier's switch); none: unchanged. */
export function underCondition(condition: ConditionId | undefined, fragment: Fragment): Fragment {
  if (!condition) return fragment;
  return Object.fromEntries(
    Object.entries(fragment).map(([id, r]) => [id, { Condition: condition, ...r }]),
  ) as Fragment;
}

/** Fn::Equals [Ref param, ''] negated: "the parameter was given". */
export function isSet(parameter: ParameterId): unknown {
  return { 'Fn::Not': [{ 'Fn::Equals': [ref(parameter), ''] }] };
}
