import { emulatorAvailable, EMULATOR_INSTALL_HINT } from '../../emulator/emulator';
import { LifecycleResult, runLifecycle, STAGES } from './lifecycle';

/**
 * The configurations the e2e applies, checks, re-plans and destroys, and which suite runs each.
 * `npm test` runs the default configuration (e2e.int.test.ts); `npm run test:slow` runs the rest
 * (e2e.slow.int.test.ts), whose floor is the provider's fixed waits: RETAIN_ON_DELETE=true waits
 * 2 x 90 s on the replica's deletion protection, and every apply waits 55 s on the S3 lifecycle
 * configurations, so they gain nothing from a faster machine. `.ci/run` runs both suites.
 * E2E_CONFIGS=default,retain picks configurations by id, in either suite.
 */
export const CONFIGS: ReadonlyArray<[id: string, name: string, env: Record<string, string>, suite: 'test' | 'slow']> = [
  ['default', 'default configuration (us-east-1 -> us-west-2)', {}, 'test'],
  ['no-standby', 'STANDBY_PROCESSOR=false', { STANDBY_PROCESSOR: 'false' }, 'slow'],
  [
    'eu',
    'another region pair (eu-west-1 -> eu-central-1)',
    { PRIMARY_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-central-1', ENVIRONMENT_SUFFIX: 'eu' },
    'slow',
  ],
  ['retain', 'RETAIN_ON_DELETE=true', { RETAIN_ON_DELETE: 'true' }, 'slow'],
];

/** One suite's configurations, side by side: most of an apply is the provider waiting, not the CPU. */
export function describeLifecycles(suite: 'test' | 'slow'): void {
  const selected = process.env.E2E_CONFIGS?.split(',').map((s) => s.trim());
  const configs = CONFIGS.filter(([id, , , s]) => s === suite && (!selected || selected.includes(id)));
  if (!configs.length) {
    it.skip(`no ${suite} configuration selected by E2E_CONFIGS=${process.env.E2E_CONFIGS}`, () => undefined);
    return;
  }
  const results = new Map<string, Promise<LifecycleResult>>();

  beforeAll(() => {
    if (!emulatorAvailable()) throw new Error(EMULATOR_INSTALL_HINT);
    const mirror = process.env.TF_PROVIDER_MIRROR!;
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

  describe.each(configs.map(([id, name]) => [id, name]))('%s: %s', (id) => {
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
}

export const E2E_TITLE = 'e2e: apply, check, re-plan and destroy on the emulated two-region AWS';
