import { offlineTerraformUnavailable } from '../../harness/offline-terraform';

/** Skips loudly outside CI; in CI a missing tool is a failure, not a skip. */
export function describeWithTerraform(name: string, fn: () => void): void {
  const why = offlineTerraformUnavailable();
  if (why && process.env.CI) {
    describe(name, () => {
      it('has offline terraform available in CI', () => {
        throw new Error(`offline Terraform checks cannot run: ${why}`);
      });
    });
    return;
  }
  if (why) {
    console.warn(`\n*** SKIPPING "${name}": ${why} ***\n`);
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}
