// `npm run lint`: a few type-aware rules, each for a real defect; nothing about style (tsc and
// review cover the rest). Types come from the same configs as `npm run typecheck`.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'test-output/', 'reports/', '.stryker-tmp/'] },
  {
    files: ['src/**/*.ts', 'workers/**/*.ts', 'test/**/*.ts', 'vitest*.config.ts', 'bench/**/*.mjs'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json', './bench/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_x` marks a parameter an interface makes us take; `{ a, ...rest }` is how we drop a key.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A promise nobody awaits loses its rejection; `void p` says fire-and-forget on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (event handlers): its rejection goes nowhere.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests walk parsed YAML and JSON (k8s manifests, IAM policies) whose shape is what they assert:
    // `unknown` there would take a cast at every step and check nothing more. Results parsed from
    // the CLI are typed (`Result`), so this is not needed for them.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
