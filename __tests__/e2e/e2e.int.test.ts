import { describeWithTerraform } from '../helpers/terraform';
import { describeLifecycles, E2E_TITLE } from './configurations';

/**
 * Deploy for real, offline: `terraform apply`, a clean re-plan and `destroy` of the synthesized
 * stack with the real hashicorp/aws provider against the emulated two-region AWS
 * (emulator/). Each region is checked through the AWS APIs, and the built handler runs in each
 * region against what was applied.
 *
 * `npm test` runs the default configuration here; `npm run test:slow` the others
 * (e2e.slow.int.test.ts, configurations.ts says which and why).
 */
describeWithTerraform(E2E_TITLE, () => describeLifecycles('test'));
