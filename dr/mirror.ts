import { findProviderMirror } from '../harness/offline-terraform';

/** The offline provider mirror (harness/offline-terraform.ts finds it); a clear error when there is none. */
export function findMirror(): string {
  const found = findProviderMirror();
  if (!found) {
    throw new Error(
      'no Terraform provider mirror of hashicorp/aws found. Fix: export TF_PROVIDER_MIRROR=<dir> (see DEVELOPERS.md, "Offline Terraform")',
    );
  }
  return found;
}
