import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The offline provider mirror, as scripts/test.sh finds it; a clear error when there is none. */
export function findMirror(): string {
  const candidates = [
    process.env.TF_PROVIDER_MIRROR,
    '/opt/tf-plugins',
    path.join(os.homedir(), '.terraform.d', 'plugins'),
  ];
  const found = candidates.find((c) => c && fs.existsSync(path.join(c, 'registry.terraform.io', 'hashicorp', 'aws')));
  if (!found) {
    throw new Error(
      'no Terraform provider mirror of hashicorp/aws found. Fix: export TF_PROVIDER_MIRROR=<dir> (see DEVELOPERS.md, "Offline Terraform")',
    );
  }
  return found;
}
