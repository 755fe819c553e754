/**
 * A bounded scan of raw JSON text for what JSON.parse silently accepts: duplicate keys (the last
 * one wins, so what a log or a proxy reads can differ from what is stored) and nesting deep enough
 * to cost a stack. One pass, no tree: it jumps from one structural character to the next, and a
 * string is skipped with indexOf, so a 1 MiB base64 document costs one search.
 *
 * Keys are compared after unescaping ("a" and "\u0061" are one key), in every object at any depth
 * (metadata and document included). A duplicate is a ValidationError naming its path
 * ("amount", "metadata.k"). Text that is not JSON is left for JSON.parse to refuse.
 */
import { ValidationError } from './validate';

/** A valid event nests 2 deep (the event, then metadata or document). */
export const MAX_DEPTH = 8;

const STRUCTURE = /["{}[\],:]/g;

interface Frame {
  readonly keys?: Set<string>; // objects only
  readonly path: string;
  expectKey: boolean;
  /** The last key read in this object: the path of a nested value. */
  key: string;
}

export function scanJson(text: string): void {
  const stack: Frame[] = [];
  STRUCTURE.lastIndex = 0;
  for (let m = STRUCTURE.exec(text); m; m = STRUCTURE.exec(text)) {
    const top = stack[stack.length - 1];
    switch (m[0]) {
      case '"':
        if (!readString(text, m.index, top)) return; // not JSON: left for JSON.parse to refuse
        break;
      case '{':
      case '[':
        stack.push(open(m[0], stack.length, top));
        break;
      case '}':
      case ']':
        stack.pop();
        break;
      case ',':
        if (top?.keys) top.expectKey = true;
        break;
      // ':' needs nothing: the key was read
    }
  }
}

/**
 * Skips the string opening at `start` (STRUCTURE resumes after it) and, when it is a key, records
 * it in its object, refusing a duplicate. False when the text is not JSON (unterminated, bad escape).
 */
function readString(text: string, start: number, top: Frame | undefined): boolean {
  const end = stringEnd(text, start);
  if (end < 0) return false;
  STRUCTURE.lastIndex = end + 1;
  if (!top?.keys || !top.expectKey) return true;
  const raw = text.slice(start + 1, end);
  const key = raw.includes('\\') ? unescape(raw) : raw;
  if (key === undefined) return false;
  const path = top.path ? `${top.path}.${key}` : key;
  if (top.keys.has(key)) throw new ValidationError(path, 'each key at most once in an object');
  top.keys.add(key);
  top.key = key;
  top.expectKey = false;
  return true;
}

/** The frame of an object or array opening at depth `depth`, inside `top`. */
function open(bracket: string, depth: number, top: Frame | undefined): Frame {
  if (depth >= MAX_DEPTH) throw new ValidationError('body', `JSON nested at most ${MAX_DEPTH} levels deep`);
  const path = !top ? '' : top.keys ? (top.path ? `${top.path}.${top.key}` : top.key) : `${top.path}[]`;
  return { keys: bracket === '{' ? new Set() : undefined, path, expectKey: bracket === '{', key: '' };
}

/** The index of the quote closing the string opening at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  for (let i = text.indexOf('"', start + 1); i >= 0; i = text.indexOf('"', i + 1)) {
    let slashes = 0;
    while (text.charCodeAt(i - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return i;
  }
  return -1;
}

function unescape(raw: string): string | undefined {
  try {
    return JSON.parse(`"${raw}"`);
  } catch {
    return undefined;
  }
}
