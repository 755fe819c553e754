/**
 * scripts/checkov-scan-copy.ts (issue 21, point 7): checkov's Terraform-JSON scan stops on our
 * synthesized stack's `moved` blocks and `terraform.required_version`; the scan copy leaves those
 * out and nothing else, and never touches the stack itself. docs/SECURITY.md tells users to run it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LEFT_OUT, scanCopyOf, STACK_FILE, writeScanCopy } from '../scripts/checkov-scan-copy';
import { synthStack } from './helpers/synth';

const stack = synthStack({ HOSTED_ZONE_ID: 'Z0123456789ABCDEFGHIJ', DOMAIN_NAME: 'pay.example.com' }).json as any;
let tmp: string;
let stackDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-dr-checkov-'));
  stackDir = path.join(tmp, 'stack');
  fs.mkdirSync(stackDir);
  fs.writeFileSync(path.join(stackDir, STACK_FILE), JSON.stringify(stack));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the checkov scan copy', () => {
  it('starts from a stack that has what checkov stops on', () => {
    expect(stack.moved.length).toBeGreaterThan(0);
    expect(stack.terraform.required_version).toEqual(expect.any(String));
  });

  it('leaves out the moved blocks and required_version, and keeps everything else as synthesized', () => {
    const { json, removed } = scanCopyOf(stack);
    expect(removed).toEqual(Object.keys(LEFT_OUT));
    expect(json.moved).toBeUndefined();
    expect(json.terraform.required_version).toBeUndefined();
    const { moved: _m, terraform, ...rest } = stack;
    const { required_version: _r, ...keptTerraform } = terraform;
    expect(json).toEqual({ ...rest, terraform: keptTerraform });
    // Nothing of the input was changed in place.
    expect(stack.moved.length).toBeGreaterThan(0);
    expect(stack.terraform.required_version).toEqual(expect.any(String));
  });

  it('writes the copy to a new directory and leaves the stack file byte for byte as it was', () => {
    const before = fs.readFileSync(path.join(stackDir, STACK_FILE), 'utf8');
    const scanDir = path.join(tmp, 'scan');
    const { file, removed } = writeScanCopy(stackDir, scanDir);
    expect(removed).toEqual(['moved', 'terraform.required_version']);
    const copy = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(copy.resource)).toEqual(Object.keys(stack.resource));
    expect(copy.moved).toBeUndefined();
    expect(fs.readFileSync(path.join(stackDir, STACK_FILE), 'utf8')).toBe(before);
  });

  it.each([
    ['a directory with no stack', () => [path.join(tmp, 'nowhere'), path.join(tmp, 'scan')], /cdk\.tf\.json not found/],
    ['the stack directory itself', () => [stackDir, stackDir], /another directory/],
    [
      'a scan directory that is not empty',
      () => {
        fs.mkdirSync(path.join(tmp, 'busy'));
        fs.writeFileSync(path.join(tmp, 'busy', 'keep.txt'), 'x');
        return [stackDir, path.join(tmp, 'busy')];
      },
      /not empty/,
    ],
  ])('refuses %s with a clear error and writes nothing', (_what, dirs, error) => {
    const [from, to] = dirs();
    const listing = () => fs.readdirSync(tmp, { recursive: true }).sort();
    const before = listing();
    expect(() => writeScanCopy(from, to)).toThrow(error);
    expect(listing()).toEqual(before);
  });

  it('refuses a file that is not a synthesized stack', () => {
    fs.writeFileSync(path.join(stackDir, STACK_FILE), '{"not": "a stack"}');
    expect(() => writeScanCopy(stackDir, path.join(tmp, 'scan'))).toThrow(/not a synthesized Terraform stack/);
    expect(fs.existsSync(path.join(tmp, 'scan'))).toBe(false);
  });

  it('runs from the command line as docs/SECURITY.md shows, and says how to scan', () => {
    const script = path.join(__dirname, '..', 'scripts', 'checkov-scan-copy.ts');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--require', 'tsx/cjs', script, ...args], { encoding: 'utf8', timeout: 60_000 });
    const ok = run(stackDir, path.join(tmp, 'scan'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('left out moved');
    expect(ok.stdout).toContain(`checkov -d ${path.join(tmp, 'scan')} --framework terraform_json`);
    const usage = run(stackDir);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^usage:/);
  }, 90_000);
});
