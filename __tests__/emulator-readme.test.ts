import * as fs from 'fs';
import * as path from 'path';

/**
 * emulator/README.md's patch table is the list of what the emulator restores: it must name exactly
 * the patches emulator/patches.py applies (PATCHES), each with the AWS references its docstring gives.
 */
const EMULATOR = path.resolve(__dirname, '..', 'emulator');
const source = fs.readFileSync(path.join(EMULATOR, 'patches.py'), 'utf8');
const readme = fs.readFileSync(path.join(EMULATOR, 'README.md'), 'utf8');

/** The function names listed in `PATCHES = { f.__name__: f for f in ( ... ) }`, in order. */
function appliedPatches(): string[] {
  const block = /^PATCHES\b[^\n]*\n[\s\S]*?for f in \(([\s\S]*?)\)\s*\n\}/m.exec(source);
  if (!block) throw new Error('patches.py: no PATCHES table found');
  return block[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The AWS documentation addresses in one patch's docstring. */
function referencesOf(name: string): string[] {
  const doc = new RegExp(`^def ${name}\\(\\)[^\\n]*\\n\\s*"""([\\s\\S]*?)"""`, 'm').exec(source);
  if (!doc) throw new Error(`patches.py: no docstring for ${name}`);
  return [...doc[1].matchAll(/https:\/\/docs\.aws\.amazon\.com\/[^\s),]+/g)].map((m) => m[0].replace(/\.$/, ''));
}

/** The README's patch table rows: patch name -> the whole row. */
function readmeRows(): Map<string, string> {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Patches\n'));
  if (!section) throw new Error('emulator/README.md: no "## Patches" section');
  return new Map(
    section
      .split('\n')
      .map((line) => [/^\| `(\w+)` \|/.exec(line)?.[1], line] as const)
      .filter((e): e is readonly [string, string] => e[0] !== undefined),
  );
}

describe("emulator/README.md's patch table", () => {
  const applied = appliedPatches();
  const rows = readmeRows();

  it('reads the patches patches.py applies', () => {
    expect(applied.length).toBeGreaterThanOrEqual(9);
    for (const name of applied) expect(source).toMatch(new RegExp(`^def ${name}\\(\\) -> None:`, 'm'));
  });

  it('has a row for every patch, and none for a patch that does not exist', () => {
    expect([...rows.keys()].sort()).toEqual([...applied].sort());
  });

  it.each(appliedPatches())('gives the AWS references of %s', (name) => {
    const refs = referencesOf(name);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(rows.get(name)).toContain(ref);
  });
});
