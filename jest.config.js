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

// SLOW: `npm run test:slow`, the suites whose floor is the provider's fixed waits; `npm test` runs
// everything else and `.ci/run` runs both. Defined (and each path checked) in __tests__/helpers/suites.js.
const { SLOW } = require('./__tests__/helpers/suites');
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  // The long files first, longest first (a fresh clone has no timing cache): __tests__/helpers/suites.js.
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
