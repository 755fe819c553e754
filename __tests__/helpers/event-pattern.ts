/**
 * EventBridge's event-pattern matching, for the operators the recovery-control watch uses, as the
 * EventBridge user guide states them ("Creating event patterns", "Content filtering in event
 * patterns"):
 *
 *   - a pattern is a tree whose leaves are arrays of allowed values; every leaf must match (AND),
 *     any one value of a leaf may (OR);
 *   - a literal (string, number, boolean, null) matches an equal JSON value, exactly;
 *   - `{ "prefix": s }` matches a string value that starts with s;
 *   - `{ "exists": true | false }` matches when the field is present (as a leaf) or absent;
 *   - arrays in the event are matched element-wise: a leaf matches if any element matches, and an
 *     array of objects is flattened, so `{"resources": {"ARN": [...]}}` reads every element's ARN.
 *
 * No maintained npm package implements these semantics offline (AWS's own matcher is the Java
 * library "event-ruler"; the SDK's TestEventPattern calls AWS). Anything else in a pattern is
 * refused, so a watch rule cannot start using an operator this matcher would misread.
 */
type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Every leaf value at `path`, through arrays (flattened as EventBridge does). */
function valuesAt(value: Json | undefined, path: readonly string[]): Json[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (path.length === 0) return value !== null && typeof value === 'object' ? [] : [value];
  if (value === null || typeof value !== 'object') return [];
  return valuesAt(value[path[0]], path.slice(1));
}

function leafMatches(allowed: Json, found: Json[]): boolean {
  if (allowed !== null && typeof allowed === 'object' && !Array.isArray(allowed)) {
    const keys = Object.keys(allowed);
    if (keys.length === 1 && keys[0] === 'prefix' && typeof allowed.prefix === 'string')
      return found.some((v) => typeof v === 'string' && v.startsWith(allowed.prefix as string));
    if (keys.length === 1 && keys[0] === 'exists' && typeof allowed.exists === 'boolean')
      return allowed.exists ? found.length > 0 : found.length === 0;
    throw new Error(`event-pattern: unsupported operator ${JSON.stringify(allowed)}`);
  }
  if (Array.isArray(allowed)) throw new Error('event-pattern: a value list cannot nest another list');
  return found.some((v) => v === allowed);
}

/** Whether `event` matches `pattern`. Throws on an operator this matcher does not implement. */
export function matchesPattern(pattern: Json, event: Json, path: string[] = []): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern))
    throw new Error(`event-pattern: ${path.join('.') || 'the pattern'} must be an object`);
  return Object.entries(pattern).every(([key, sub]) => {
    const at = [...path, key];
    if (Array.isArray(sub)) {
      if (sub.length === 0) throw new Error(`event-pattern: ${at.join('.')} is an empty list`);
      const found = valuesAt(event, at);
      return sub.some((allowed) => leafMatches(allowed, found));
    }
    if (key.startsWith('$')) throw new Error(`event-pattern: unsupported operator ${key}`);
    return matchesPattern(sub, event, at);
  });
}
