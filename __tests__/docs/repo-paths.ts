import * as fs from 'fs';
import * as path from 'path';

/**
 * What counts as a repository path in the docs and in code comments, and whether it exists.
 *
 * The rule:
 * - A *path token* starts at a word boundary (start of text, whitespace or one of `("'[<=,`), never
 *   inside a URL, and is a run of letters, digits and `_ . - / @ #`; trailing `.,;:)` are dropped,
 *   and so are a `#anchor` and a `:line` suffix.
 * - It names the repository when its first segment is one of ROOTS followed by `/`
 *   (`src/naming.ts`, `emulator/`), or when it is a Markdown link target that is not a URL or an
 *   anchor (`[x](UPGRADING.md#why)`), or when it starts with `./` or `../`.
 * - Tokens with a placeholder or a glob (`<`, `*`, `{`, `$`, `...`, in it or right after it) name
 *   a pattern, not a file, and are skipped (`src/**` globs, `tap-dr-<suffix>/`).
 * - It exists when it resolves, from the repository root or from the directory of the file that
 *   names it, to a file or directory, as written or with a module's extension (`.ts`, `.js`, `.py`)
 *   or `/index.ts`, as imports name modules.
 * - In Markdown every line counts (prose, code spans, fenced blocks, link targets), except that in a
 *   fenced block `./` and `../` are the reader's own files (an `import` of the reader's module). In code, only
 *   comments: lines starting with `//`, `/*`, `*` or `#` (not `#!`), and trailing `// ...` or
 *   ` # ...` comments.
 */

export const ROOTS = [
  'src',
  'lambda',
  'client',
  'dr',
  'harness',
  'emulator',
  'scripts',
  'bench',
  '__tests__',
  'docs',
  '.ci',
];
const MODULE_SUFFIXES = ['', '.ts', '.js', '.py', '/index.ts'];

export interface Named {
  file: string;
  line: number;
  token: string;
}

const TOKEN = /(?<=^|[\s(`"'[<=,])(\.{0,2}\/)?[\w@.-]+(?:\/[\w@.#-]*)+/g;
const LINK = /\]\(([^)\s]+)\)/g;
const PATTERN_MARK = /[<>*{}$]|\.\.\./;

function clean(token: string): string {
  return token
    .replace(/#.*$/, '')
    .replace(/:\d+(-\d+)?$/, '')
    .replace(/[.,;:)]+$/, '');
}

function namesRepository(token: string): boolean {
  if (token.startsWith('./') || token.startsWith('../')) return true;
  return ROOTS.some((r) => token.startsWith(`${r}/`));
}

/** The path tokens of one line of text; `fenced`: a line of a Markdown code block. */
export function tokensOf(text: string, markdown: boolean, fenced = false): string[] {
  const found: string[] = [];
  if (markdown) {
    for (const m of text.matchAll(LINK)) {
      const target = m[1];
      if (/^[a-z][a-z+.-]*:/i.test(target) || target.startsWith('#')) continue;
      found.push(clean(target));
    }
  }
  for (const m of text.matchAll(TOKEN)) {
    if (PATTERN_MARK.test(text.charAt(m.index + m[0].length))) continue;
    if (fenced && m[0].startsWith('.')) continue;
    if (namesRepository(m[0])) found.push(clean(m[0]));
  }
  return [...new Set(found)].filter((t) => t !== '' && !PATTERN_MARK.test(t));
}

/** The comment text of each line of a source file; code lines give ''. */
export function commentLines(source: string, hashComments: boolean): string[] {
  return source.split('\n').map((line) => {
    const t = line.trim();
    if (hashComments) {
      if (t.startsWith('#!')) return '';
      if (t.startsWith('#')) return t;
      const trailing = /\s#\s(.*)$/.exec(line);
      return trailing ? trailing[1] : '';
    }
    if (t.startsWith('//') || t.startsWith('/*') || t.startsWith('*')) return t;
    const trailing = /\s\/\/\s(.*)$/.exec(line);
    return trailing ? trailing[1] : '';
  });
}

export function exists(root: string, fromDir: string, token: string): boolean {
  const bases = token.startsWith('./') || token.startsWith('../') ? [fromDir] : [root, fromDir];
  return bases.some((b) => MODULE_SUFFIXES.some((s) => fs.existsSync(path.resolve(b, token.replace(/\/$/, '') + s))));
}

/** Every path a file names, with its line. */
export function pathsNamedIn(root: string, file: string): Named[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const markdown = file.endsWith('.md');
  const lines = markdown ? text.split('\n') : commentLines(text, /\.(py|sh)$|(^|\/)\.ci\/run$/.test(file));
  let fenced = false;
  return lines.flatMap((l, i) => {
    if (markdown && l.trimStart().startsWith('```')) fenced = !fenced;
    return tokensOf(l, markdown, fenced).map((token) => ({ file, line: i + 1, token }));
  });
}

/** The paths a file names that do not exist. */
export function missingIn(root: string, file: string): Named[] {
  const dir = path.dirname(path.join(root, file));
  return pathsNamedIn(root, file).filter((n) => !exists(root, dir, n.token));
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  let fenced = false;
  const found = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    const h = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (h) found.add(slug(h[1]));
  }
  return found;
}

/** Links into a Markdown file whose `#anchor` names no heading there (missing files are missingIn's). */
export function anchorsMissingIn(root: string, file: string): Named[] {
  const dir = path.dirname(path.join(root, file));
  return fs
    .readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .flatMap((text, i) =>
      [...text.matchAll(LINK)]
        .map((m) => m[1])
        .filter((t) => !/^[a-z][a-z+.-]*:/i.test(t) && /^[^#]*\.md#|^#/.test(t))
        .filter((t) => {
          const [target, anchor] = t.split('#');
          const abs = target ? path.resolve(dir, target) : path.join(root, file);
          return fs.existsSync(abs) && !anchorsOf(abs).has(anchor);
        })
        .map((token) => ({ file, line: i + 1, token })),
    );
}
