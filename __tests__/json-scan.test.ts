/**
 * The bounded duplicate-key scan (lambda/json-scan.ts) against a full JSON parser used as the
 * reference (momoa, in tests only): on random JSON texts with escapes, nesting and repeated keys,
 * the scan reports a duplicate exactly when the reference finds one, and names the same path.
 */
import { parse } from '@humanwhocodes/momoa';
import { MAX_DEPTH, scanJson } from '../lambda/json-scan';
import { ValidationError } from '../lambda/validate';

/** The first duplicate key's path per the reference AST (depth-first, in text order), or undefined. */
function referenceDuplicate(text: string): string | undefined {
  const walk = (node: any, path: string): string | undefined => {
    if (node.type === 'Object') {
      const seen = new Set<string>();
      for (const m of node.members) {
        const key = m.name.value;
        const here = path ? `${path}.${key}` : key;
        if (seen.has(key)) return here;
        seen.add(key);
        const inner = walk(m.value, here);
        if (inner !== undefined) return inner;
      }
    } else if (node.type === 'Array') {
      for (const e of node.elements) {
        const inner = walk(e.value, `${path}[]`);
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  };
  return walk(parse(text).body, '');
}

function scanned(text: string): string | undefined {
  try {
    scanJson(text);
    return undefined;
  } catch (e) {
    if (e instanceof ValidationError) return e.field;
    throw e;
  }
}

/** A small deterministic generator, so a failure reproduces from its seed. */
function generator(seed: number) {
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const KEYS = ['a', 'b', 'é', '"', '\\', 'a b', '', 'amount'];
  /** A key, spelled plainly or with escapes of some of its characters. */
  const spell = (k: string) =>
    [...k]
      .map((c) => {
        const r = rand(4);
        if (c === '"' || c === '\\') return r ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
        if (r === 0) return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
        if (r === 1) return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        return c;
      })
      .join('');
  const value = (depth: number): string => {
    const r = rand(depth > 4 ? 4 : 7);
    if (r === 0) return String(rand(1000) - 500);
    if (r === 1) return `"${spell(KEYS[rand(KEYS.length)])}{[,:]}"`;
    if (r === 2) return ['true', 'false', 'null'][rand(3)];
    if (r === 3) return '"\\\\\\""';
    if (r === 4 || r === 5) {
      const n = rand(5);
      const members = Array.from(
        { length: n },
        () => `${ws()}"${spell(KEYS[rand(KEYS.length)])}"${ws()}:${ws()}${value(depth + 1)}`,
      );
      return `{${members.join(',')}}`;
    }
    return `[${Array.from({ length: rand(3) }, () => value(depth + 1)).join(',')}]`;
  };
  const ws = () => [' ', '', '\n', '\t', ''][rand(5)];
  return () =>
    `{${Array.from({ length: 1 + rand(5) }, () => `"${spell(KEYS[rand(KEYS.length)])}":${value(1)}`).join(',')}}`;
}

describe('the duplicate-key scan agrees with a full parser', () => {
  it('on 5,000 random JSON texts with escaped keys, nesting and repeats', () => {
    const next = generator(17);
    let duplicates = 0;
    for (let i = 0; i < 5000; i++) {
      const text = next();
      const expected = referenceDuplicate(text);
      if (expected !== undefined) duplicates++;
      expect([text, scanned(text)]).toEqual([text, expected]);
    }
    // The generator exercises both outcomes.
    expect(duplicates).toBeGreaterThan(500);
    expect(duplicates).toBeLessThan(4500);
  });

  it.each([
    ['a plain repeat', '{"a":1,"a":2}', 'a'],
    ['an escaped spelling', '{"a":1,"\\u0061":2}', 'a'],
    ['upper-case hex', '{"é":1,"\\u00E9":2}', 'é'],
    ['an escaped quote', '{"\\"":1,"\\u0022":2}', '"'],
    ['inside a nested object', '{"m":{"k":1,"x":[1,{"k":2}],"k":3}}', 'm.k'],
    ['in an object in an array', '{"x":[{"a":1},{"b":1,"b":2}]}', 'x[].b'],
  ])('names %s', (_why, text, field) => {
    expect(scanned(text)).toBe(field);
    expect(referenceDuplicate(text)).toBe(field);
  });

  it.each([
    ['keys inside strings', '{"a":"\\"a\\":1","b":"a"}'],
    ['the same key in sibling objects', '{"x":{"a":1},"y":{"a":1}}'],
    ['a string ending in an escaped backslash', '{"a":"\\\\","b":"\\\\\\""}'],
    ['keys that differ only in case', '{"a":1,"A":1}'],
  ])('accepts %s', (_why, text) => {
    expect(scanned(text)).toBeUndefined();
    expect(referenceDuplicate(text)).toBeUndefined();
  });

  it('refuses nesting past MAX_DEPTH before any parser runs, and is linear on a large body', () => {
    expect(scanned(`${'['.repeat(MAX_DEPTH + 1)}`)).toBe('body');
    expect(scanned(`{"a":${'{"a":'.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}}`)).toBe('body');
    expect(scanned(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`)).toBeUndefined();
    const big = `{"document":{"contentType":"a/b","content":"${'A'.repeat(1_400_000)}"},"a":1}`;
    const started = Date.now();
    for (let i = 0; i < 10; i++) expect(scanned(big)).toBeUndefined();
    expect((Date.now() - started) / 10).toBeLessThan(50);
  });

  it('leaves text that is not JSON to JSON.parse, without throwing anything else', () => {
    for (const text of ['{"a', '{"a":"\\x"}', '{"\\u00zz":1}', '}}}]]', '"', '{"a":1,"a"'])
      expect(() => scanJson(text)).not.toThrow(TypeError);
  });
});
