// Which suite each long file runs in, and the order the long files start in: read by
// jest.config.js (the slow project) and __tests__/helpers/sequencer.js. Every path is checked here,
// so a rename fails the run instead of silently dropping a file from a suite or from the order.
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');

/**
 * `npm run test:slow`: the suites whose floor is the provider's fixed waits (55 s on every S3
 * lifecycle configuration, 2 x 90 s on a replica's deletion protection), not the CPU. `npm test`
 * runs everything else; `.ci/run` runs both. Longest first.
 */
const SLOW = [
  // STANDBY_PROCESSOR=false, another region pair and RETAIN_ON_DELETE=true (configurations.ts).
  '__tests__/e2e/e2e.slow.int.test.ts',
  // A full apply, then every fault dr:check detects.
  '__tests__/dr-check.int.test.ts',
  // A full apply (cdktf deploy), then plan, apply and destroy through the users' commands.
  '__tests__/user-tools.int.test.ts',
  // Two targeted applies (the API stage and what it needs: keys, roles, functions, routes).
  '__tests__/e2e/stage-order.int.test.ts',
];

/**
 * `npm test`'s long files, longest wall first (measured on 2 cores: the e2e about three minutes, the
 * last here about ten seconds). jest's own order puts a file it has no timing for (a fresh clone) by
 * size, so the small e2e file, which sets the pace, would start last, and a short file that takes a
 * while (terraform validate) would end the run alone. Longest first: the e2e's waits overlap
 * everything else, and the run ends on short files, both workers busy.
 */
const LONGEST_FIRST = [
  '__tests__/e2e/e2e.int.test.ts',
  '__tests__/terraform-plan.int.test.ts',
  '__tests__/cfn-lint.int.test.ts',
  '__tests__/lambda.int.test.ts',
  '__tests__/finality.int.test.ts',
  '__tests__/emulator/emulator.int.test.ts',
  '__tests__/user-tools.test.ts',
  '__tests__/terraform-validate.int.test.ts',
  '__tests__/deploy-cloudformation-cli.int.test.ts',
  '__tests__/authz/authz.test.ts',
  '__tests__/authz/recorded-calls.int.test.ts',
  '__tests__/heartbeat.int.test.ts',
  '__tests__/deploy-cloudformation.test.ts',
  '__tests__/health.int.test.ts',
];

for (const [name, list] of Object.entries({ SLOW, LONGEST_FIRST })) {
  for (const file of list) {
    if (!fs.existsSync(path.join(ROOT, file)))
      throw new Error(`__tests__/helpers/suites.js: ${name} names ${file}, which does not exist`);
  }
}
const overlap = SLOW.filter((f) => LONGEST_FIRST.includes(f));
if (overlap.length) throw new Error(`__tests__/helpers/suites.js: in both SLOW and LONGEST_FIRST: ${overlap}`);

module.exports = { SLOW, LONGEST_FIRST };
