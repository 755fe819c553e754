import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { anchorsMissingIn, commentLines, missingIn, pathsNamedIn, slug, tokensOf } from './repo-paths';

/**
 * Every repository path named in README.md, DEVELOPERS.md, docs/ and the code comments exists
 * (the rule is in ./repo-paths.ts). A failure names the file, the line and the path.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CODE_DIRS = ['src', 'lambda', 'client', 'dr', 'harness', 'emulator', 'scripts', 'bench', '__tests__'];
const CODE = /\.(ts|js|mjs|cjs|py|sh)$/;
const SKIP_DIRS = new Set(['node_modules', '__pycache__', '.venv', 'fixtures']);

function walk(dir: string, keep: (f: string) => boolean): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : walk(rel, keep);
    return keep(rel) ? [rel] : [];
  });
}

const docs = ['README.md', 'DEVELOPERS.md', 'emulator/README.md', ...walk('docs', (f) => f.endsWith('.md'))];
// This file's own fixtures name paths that must not exist.
const SELF = '__tests__/docs/paths.test.ts';
const code = [
  'main.ts',
  ...CODE_DIRS.flatMap((d) => walk(d, (f) => CODE.test(f) && !f.endsWith('.generated.ts') && f !== SELF)),
  '.ci/run',
];

/**
 * Pages another change creates, linked ahead of it. Each must still be missing here: when it lands,
 * this list fails until the entry is removed.
 */
const PENDING: Record<string, string> = {};
const pending = (file: string, token: string) =>
  Object.hasOwn(PENDING, path.relative(ROOT, path.resolve(ROOT, path.dirname(file), token))) ||
  Object.hasOwn(PENDING, token);

describe('the path rule', () => {
  it('counts root-prefixed tokens, relative links and ./ paths; skips URLs, placeholders and globs', () => {
    const line =
      'see `src/naming.ts`, [x](UPGRADING.md#why), src/keys/ and ./a.ts:12; not https://x.io/src/a, ' +
      '`cdktf.out/stacks/x`, `tap-dr-<suffix>/x`, src/*/spec.ts, [y](#anchor) or [z](https://a/b)';
    expect(tokensOf(line, true)).toEqual(['UPGRADING.md', 'src/naming.ts', 'src/keys/', './a.ts']);
    expect(tokensOf(line, false)).toEqual(['src/naming.ts', 'src/keys/', './a.ts']);
  });

  it('reads only comments in code', () => {
    const ts = "import x from 'src/a';\n// see src/b.ts\n * and src/c.ts\nf(); // src/d.ts\nconst u = 'src/e.ts';";
    expect(commentLines(ts, false).flatMap((l) => tokensOf(l, false))).toEqual(['src/b.ts', 'src/c.ts', 'src/d.ts']);
    const sh = '#!/usr/bin/env bash\n# runs scripts/a.sh\necho scripts/b.sh # and scripts/c.sh';
    expect(commentLines(sh, true).flatMap((l) => tokensOf(l, false))).toEqual(['scripts/a.sh', 'scripts/c.sh']);
  });

  it('fails on a planted bad path, naming file, line and path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-paths-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'real.ts'), '// fine: src/real.ts\n// moved: src/gone.ts\n');
    fs.writeFileSync(path.join(dir, 'README.md'), 'Read [it](src/real.ts) and `src/old/` ([x](docs/X.md)).\n');
    expect([...missingIn(dir, 'src/real.ts'), ...missingIn(dir, 'README.md')]).toEqual([
      { file: 'src/real.ts', line: 2, token: 'src/gone.ts' },
      { file: 'README.md', line: 1, token: 'docs/X.md' },
      { file: 'README.md', line: 1, token: 'src/old/' },
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('every repository path the docs and code comments name exists', () => {
  it('scans the files it should', () => {
    expect(docs.length).toBeGreaterThan(15);
    expect(code.length).toBeGreaterThan(100);
    expect(pathsNamedIn(ROOT, 'README.md').length).toBeGreaterThan(30);
  });

  it.each([
    ['README.md, DEVELOPERS.md and docs/', docs],
    ['code comments', code],
  ])('%s', (_what, files) => {
    const missing = files
      .flatMap((f) => missingIn(ROOT, f))
      .filter((m) => !pending(m.file, m.token))
      .map((m) => `${m.file}:${m.line}: ${m.token}`);
    expect(missing).toEqual([]);
  });

  it('and every #anchor a Markdown link names is a heading of its page', () => {
    expect(slug('`npm run dr:check`: verify a deployment')).toBe('npm-run-drcheck-verify-a-deployment');
    const broken = docs.flatMap((f) => anchorsMissingIn(ROOT, f)).map((m) => `${m.file}:${m.line}: ${m.token}`);
    expect(broken).toEqual([]);
  });

  it('links ahead only to pages that are still missing (remove an entry from PENDING once it exists)', () => {
    expect(Object.keys(PENDING).filter((file) => fs.existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
