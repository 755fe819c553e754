import { emulatorAvailable, EMULATOR_INSTALL_HINT } from '../../emulator/emulator';
import { describeWithTerraform } from '../helpers/terraform';
import { LifecycleResult, runLifecycle, STAGES } from './lifecycle';

/**
 * Deploy for real, offline: `terraform apply`, a clean re-plan and `destroy` of the synthesized
 * stack with the real hashicorp/aws provider against the emulated two-region AWS
 * (emulator/), for four configurations side by side. Each region is checked through the
 * AWS APIs, and the built handler runs in each region against what was applied.
 *
 * `npm run test:e2e` runs this file alone; `npm test` runs it with everything else.
 * E2E_CONFIGS=default,retain picks configurations by id.
 */

const CONFIGS: Array<[id: string, name: string, env: Record<string, string>]> = [
  ['default', 'default configuration (us-east-1 -> us-west-2)', {}],
  ['no-standby', 'STANDBY_PROCESSOR=false', { STANDBY_PROCESSOR: 'false' }],
  [
    'eu',
    'another region pair (eu-west-1 -> eu-central-1)',
    { PRIMARY_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-central-1', ENVIRONMENT_SUFFIX: 'eu' },
  ],
  ['retain', 'RETAIN_ON_DELETE=true', { RETAIN_ON_DELETE: 'true' }],
];

const selected = process.env.E2E_CONFIGS?.split(',').map((s) => s.trim());
const configs = CONFIGS.filter(([id]) => !selected || selected.includes(id));

describeWithTerraform('e2e: apply, check, re-plan and destroy on the emulated two-region AWS', () => {
  const results = new Map<string, Promise<LifecycleResult>>();

  beforeAll(() => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    const mirror = process.env.TF_PROVIDER_MIRROR!;
    // All configurations at once: most of an apply is the provider waiting, not the CPU.
    for (const [id, name, env] of configs) {
      const p = runLifecycle(name, env, mirror);
      p.catch(() => undefined); // reported by the tests below
      results.set(id, p);
    }
  });

  afterAll(async () => {
    const settled = await Promise.allSettled(results.values());
    const lines = settled.map((s) =>
      s.status === 'fulfilled'
        ? `  ${s.value.name}: init ${s.value.ms.init ?? '-'} ms, apply ${s.value.ms.apply ?? '-'} ms, re-plan ${s.value.ms.replan ?? '-'} ms, destroy ${s.value.ms.destroy ?? '-'} ms${s.value.notes.length ? `\n    ${s.value.notes.join('\n    ')}` : ''}`
        : `  ${String(s.reason)}`,
    );
    console.log(`e2e wall times:\n${lines.join('\n')}`);
  }, 1_200_000);

  describe.each(configs)('%s: %s', (id) => {
    it.each(STAGES)(
      '%s',
      async (stage) => {
        const result = await results.get(id)!;
        const error = result.errors[stage];
        if (error) throw error;
      },
      1_200_000,
    );
  });
});
