/**
 * IAM policy documents as both deliverables write them, and a small evaluator of the parts of
 * AWS's policy logic the security rules rely on: Effect, Principal, Action and Resource
 * wildcards, and the String, Arn, Bool and Null condition operators (with IfExists and the
 * rule that a negated operator matches when its key is absent from the request).
 * Values are strings in which "${...}" stands for a reference (Terraform or CloudFormation).
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Record<string, string | string[]>;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Statement: Statement[];
}

export type PolicyKind = 'trust' | 'identity' | 'key' | 'bucket' | 'topic' | 'lambda-permission';

/** One policy document and what it belongs to. */
export interface OwnedPolicy {
  readonly owner: string;
  readonly ownerType: string;
  readonly kind: PolicyKind;
  readonly document: PolicyDocument;
  /** Identity policies: the role they are attached to (Terraform address or logical id). */
  readonly attachedTo?: string;
}

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A Terraform policy attribute: inline JSON (with ${...} references inside strings). */
export function parsePolicy(owner: string, json: unknown): PolicyDocument {
  if (typeof json !== 'string') throw new Error(`${owner}: policy is not a JSON string`);
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Error(`${owner}: policy is not inline JSON, so no rule can read it: ${json.slice(0, 80)}`);
  }
  return { Statement: list(doc.Statement) };
}

/** IAM's glob: * is any run of characters, ? one character; case-sensitive unless told. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

export function principalsOf(s: Statement, type: 'AWS' | 'Service' | 'Federated'): string[] {
  if (s.Principal === undefined || s.Principal === '*') return [];
  return list(s.Principal[type]);
}

/** Everyone: "*" or {"AWS": "*"}. */
export function isEveryone(s: Statement): boolean {
  return s.Principal === '*' || principalsOf(s, 'AWS').includes('*');
}

export interface Request {
  readonly action: string;
  readonly resource: string;
  /** Request context: condition key -> value; a key that is absent is not in the request. */
  readonly context: Readonly<Record<string, string>>;
}

function conditionHolds(operator: string, key: string, expected: string[], context: Request['context']): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  if (op === 'Null') return expected.map(String).includes(actual === undefined ? 'true' : 'false');
  const negated = /Not/.test(op);
  if (actual === undefined) return ifExists || negated;
  const positive = op.replace('Not', '');
  const match = (e: string): boolean => {
    switch (positive) {
      case 'StringEquals':
      case 'ArnEquals':
        return e === actual;
      case 'StringEqualsIgnoreCase':
        return e.toLowerCase() === actual.toLowerCase();
      case 'StringLike':
      case 'ArnLike':
        return globMatch(e, actual);
      case 'Bool':
        return String(e).toLowerCase() === actual.toLowerCase();
      default:
        throw new Error(`policy evaluator: condition operator ${operator} is not modelled`);
    }
  };
  const any = expected.map(String).some(match);
  return negated ? !any : any;
}

/** Whether every condition of the statement holds for the request. */
export function conditionsHold(s: Statement, context: Request['context']): boolean {
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) =>
      conditionHolds(operator, key, list(values as string | string[]).map(String), context),
    ),
  );
}

export function appliesTo(s: Statement, r: Request): boolean {
  const actionIn = (patterns: string[]) => patterns.some((p) => globMatch(p, r.action, true));
  const resourceIn = (patterns: string[]) => patterns.some((p) => globMatch(p, r.resource));
  const action = s.Action !== undefined ? actionIn(list(s.Action)) : !actionIn(list(s.NotAction));
  const resource = s.Resource !== undefined ? resourceIn(list(s.Resource)) : !resourceIn(list(s.NotResource));
  return action && resource && conditionsHold(s, r.context);
}

/** Whether a resource policy explicitly denies the request to any caller (a Deny for everyone). */
export function deniesEveryone(doc: PolicyDocument, r: Request): boolean {
  return doc.Statement.some((s) => s.Effect === 'Deny' && isEveryone(s) && appliesTo(s, r));
}
