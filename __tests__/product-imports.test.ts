import * as fs from 'fs';
import * as path from 'path';

/**
 * Product code never imports the tests. The emulated AWS (emulator/) and the plumbing that applies
 * the stack to it (harness/) are modules of their own because dr:drill and the benchmarks use them;
 * a reach back into __tests__/ would make the product depend on jest-only helpers again.
 */
const ROOT = path.resolve(__dirname, '..');
const PRODUCT = ['main.ts', 'src', 'lambda', 'client', 'dr', 'bench', 'scripts', 'emulator', 'harness'];
const SOURCE = /\.(ts|js|mjs|cjs)$/;

/** Every module specifier in a source text: import/export ... from, bare import, import(), require(). */
function specifiers(text: string): string[] {
  const forms = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return forms.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

/** Whether `spec`, imported from `file`, lands in __tests__/. */
function intoTests(file: string, spec: string): boolean {
  if (!spec.startsWith('.')) return spec.split('/').includes('__tests__');
  const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
  return target.split(path.sep)[0] === '__tests__';
}

function sourceFiles(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!fs.existsSync(full)) return [];
  if (fs.statSync(full).isFile()) return [full];
  return fs
    .readdirSync(full, { withFileTypes: true })
    .filter((e) => e.name !== 'node_modules' && !e.name.startsWith('.'))
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(path.join(entry, e.name)) : SOURCE.test(e.name) ? [path.join(full, e.name)] : [],
    );
}

describe('product code and the emulator modules never import from __tests__/', () => {
  it('reads every import form', () => {
    const text = [
      "import { a } from '../__tests__/helpers/synth';",
      "import type { B } from '../x';",
      "export { c } from './y';",
      "import './side-effect';",
      "const d = require('../__tests__/e2e/aws');",
      "const e = await import('./lazy');",
    ].join('\n');
    expect(specifiers(text).sort()).toEqual(
      ['../__tests__/helpers/synth', '../x', './y', './side-effect', '../__tests__/e2e/aws', './lazy'].sort(),
    );
    expect(intoTests(path.join(ROOT, 'dr', 'drill.ts'), '../__tests__/e2e/aws')).toBe(true);
    expect(intoTests(path.join(ROOT, 'dr', 'drill.ts'), '../emulator/aws')).toBe(false);
  });

  it('finds the product files it scans', () => {
    const files = PRODUCT.flatMap(sourceFiles).map((f) => path.relative(ROOT, f));
    for (const expected of ['main.ts', 'dr/drill.ts', 'bench/bench-lambda.ts', 'emulator/emulator.ts'])
      expect(files).toContain(expected);
  });

  it('has no import into __tests__/', () => {
    const offenders = PRODUCT.flatMap(sourceFiles).flatMap((file) =>
      specifiers(fs.readFileSync(file, 'utf8'))
        .filter((spec) => intoTests(file, spec))
        .map((spec) => `${path.relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});

/**
 * The authorization check's policy engine (@cloud-copilot/iam-simulate and its AGPL-3.0-or-later
 * siblings) is a devDependency used by __tests__/authz/ alone: nothing users deploy, bundle or copy
 * into their CI may load it (docs/SECURITY.md, "Authorization check").
 */
describe('the AGPL policy engine stays in the tests', () => {
  const AGPL = /^@cloud-copilot\/iam-(simulate|policy|utils)(\/|$)/;
  const SHIPPED = ['main.ts', 'src', 'lambda', 'client', 'docs/examples'];

  it('is a devDependency, never a dependency', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).filter((d) => AGPL.test(d))).toEqual([]);
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is imported by nothing in src/, lambda/, client/, main.ts or docs/examples/', () => {
    const files = SHIPPED.flatMap(sourceFiles);
    expect(files.map((f) => path.relative(ROOT, f))).toContain('src/tap-stack.ts');
    const offenders = files.flatMap((file) =>
      specifiers(fs.readFileSync(file, 'utf8'))
        .filter((spec) => AGPL.test(spec))
        .map((spec) => `${path.relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('is not in the Lambda bundle', () => {
    const { testBundle } = require('../harness/bundle');
    expect(testBundle().code).not.toMatch(/cloud-copilot|iam-simulate/);
  });
});
