// ESLint (flat config) with typescript-eslint: `npm run lint` (part of `npm test`).
// Formatting is Prettier's job (.prettierrc.json); these rules are about correctness.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Function length (about a screen) and cyclomatic complexity, for production code. */
const SIZE_RULES = {
  'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
  complexity: ['error', { max: 15 }],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/', '.venv/', '.gen/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Lazy require() is deliberate: synth never loads cdktf for CloudFormation, and the handler
      // loads an SDK client only when it first needs it (cold-start cost).
      '@typescript-eslint/no-require-imports': 'off',
      // AWS payloads and JSON walked by tests are untyped by nature; `any` stays a visible choice.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Functions fit on a screen (DEVELOPERS.md): production code only; tests keep long describe blocks.
    files: [
      'src/**/*.ts',
      'lambda/**/*.ts',
      'client/**/*.ts',
      'dr/**/*.ts',
      'scripts/**/*.ts',
      'harness/**/*.ts',
      'emulator/*.ts',
      'main.ts',
    ],
    rules: SIZE_RULES,
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
