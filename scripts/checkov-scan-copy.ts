/**
 * `node --require tsx/cjs scripts/checkov-scan-copy.ts <stack dir> <scan dir>`: writes a copy of a
 * synthesized Terraform stack that checkov's Terraform-JSON runner can read (docs/SECURITY.md,
 * "Running checkov and cdk-nag yourself").
 *
 * checkov's Terraform scan stops with an error on our cdk.tf.json: on its top-level `moved` blocks
 * (the state moves docs/UPGRADING.md describes) and on `terraform.required_version`. Neither says
 * anything about a resource's security, so the copy leaves them out and keeps every resource, data
 * source, provider and output as synthesized. The stack directory itself is never changed: the
 * copy is for scanning only, never for `terraform apply` (without the moves, an upgraded stack
 * would plan replacements).
 */
import * as fs from 'fs';
import * as path from 'path';

export const STACK_FILE = 'cdk.tf.json';

/** What a scan copy leaves out, as `path: why`. */
export const LEFT_OUT = {
  moved: 'state moves between addresses: no resource settings',
  'terraform.required_version': 'a Terraform CLI constraint: no resource settings',
} as const;

/** The stack's JSON without what checkov cannot read; `removed` names what was there. */
export function scanCopyOf(stack: Record<string, any>): { json: Record<string, any>; removed: string[] } {
  const { moved, ...rest } = stack;
  const removed: string[] = moved === undefined ? [] : ['moved'];
  if (rest.terraform && typeof rest.terraform === 'object' && 'required_version' in rest.terraform) {
    const { required_version: _ignored, ...terraform } = rest.terraform;
    rest.terraform = terraform;
    removed.push('terraform.required_version');
  }
  return { json: rest, removed };
}

function readStack(stackDir: string): Record<string, any> {
  const file = path.join(stackDir, STACK_FILE);
  if (!fs.existsSync(file))
    throw new Error(`${file} not found: give the synthesized stack directory (cdktf.out/stacks/tap-dr-<suffix>)`);
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (json === null || typeof json !== 'object' || Array.isArray(json) || !json.resource)
      throw new Error('it has no "resource" block');
    return json;
  } catch (e) {
    throw new Error(`${file} is not a synthesized Terraform stack: ${(e as Error).message}`);
  }
}

/**
 * Writes `<scanDir>/cdk.tf.json`, the scan copy. Refuses, writing nothing, when the stack is
 * missing or not a stack, or when `scanDir` is the stack directory or exists and is not empty.
 */
export function writeScanCopy(stackDir: string, scanDir: string): { file: string; removed: string[] } {
  const stack = readStack(stackDir);
  if (path.resolve(scanDir) === path.resolve(stackDir))
    throw new Error('the scan copy must go to another directory: the stack keeps its moved blocks');
  if (fs.existsSync(scanDir) && fs.readdirSync(scanDir).length > 0)
    throw new Error(`${scanDir} is not empty: give a new or empty directory for the scan copy`);
  const { json, removed } = scanCopyOf(stack);
  fs.mkdirSync(scanDir, { recursive: true });
  const file = path.join(scanDir, STACK_FILE);
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  return { file, removed };
}

function main(argv: string[]): number {
  const [stackDir, scanDir] = argv;
  if (!stackDir || !scanDir || argv.length !== 2) {
    process.stderr.write('usage: node --require tsx/cjs scripts/checkov-scan-copy.ts <stack dir> <scan dir>\n');
    return 2;
  }
  try {
    const { file, removed } = writeScanCopy(stackDir, scanDir);
    const what = removed.map((r) => `${r} (${LEFT_OUT[r as keyof typeof LEFT_OUT]})`).join('; ') || 'nothing';
    process.stdout.write(`${file}: left out ${what}\nscan it: checkov -d ${scanDir} --framework terraform_json\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`checkov-scan-copy: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
