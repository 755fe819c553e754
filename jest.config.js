const fs = require('fs');
const path = require('path');

// @swc/jest strips types only (fast, ~170 MB); type-checking is `npm run typecheck` (tsc --noEmit).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFilesAfterEnv: ['<rootDir>/setup.js'],
};

/**
 * `npm run test:slow`: the suites whose floor is the provider's fixed waits (55 s on every S3
 * lifecycle configuration, 2 x 90 s on a replica's deletion protection), not the CPU. `npm test`
 * runs everything else; `.ci/run` runs both. Defined here only; a missing path is an error, so a
 * rename cannot silently drop a suite from both.
 */
const SLOW = [
  // STANDBY_PROCESSOR=false, another region pair and RETAIN_ON_DELETE=true (configurations.ts).
  '__tests__/e2e/e2e.slow.int.test.ts',
  // A full apply (cdktf deploy), then plan, apply and destroy through the users' commands.
  '__tests__/user-tools.int.test.ts',
  // A full apply, then every fault dr:check detects.
  '__tests__/dr-check.int.test.ts',
  // Two targeted applies (the API stage and what it needs: keys, roles, functions, routes).
  '__tests__/e2e/stage-order.int.test.ts',
];
for (const file of SLOW) {
  if (!fs.existsSync(path.join(__dirname, file)))
    throw new Error(`jest.config.js: SLOW names ${file}, which does not exist`);
}
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  // Long waits first, so they overlap the CPU-bound files (a fresh clone has no timing cache).
  testSequencer: '<rootDir>/__tests__/helpers/sequencer.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      // docs/examples/: the synth test the README tells users to keep in their own CI runs here too.
      testMatch: ['<rootDir>/__tests__/**/*.test.ts', '<rootDir>/docs/examples/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/**/*.int.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...SLOW.map((f) => `/${escapeRegExp(f)}$`)],
    },
    {
      ...common,
      displayName: 'slow',
      testMatch: SLOW.map((f) => `<rootDir>/${f}`),
    },
  ],
};
