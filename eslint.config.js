// Lint: typescript-eslint's recommended rules, plus the architectural line that keeps the pure core pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = ['fs', 'net', 'child_process', 'http', 'https', 'dgram', 'worker_threads', 'cluster'];
const ioPatterns = IO_MODULES.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/out/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The ledger core is pure: no disk, network or child processes. Only its bin/ edge may do I/O.
    files: ['packages/ledger/src/**/*.ts'],
    ignores: ['packages/ledger/src/bin/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ioPatterns, message: 'the ledger core is pure: do I/O in an adapter or in src/bin/' }] }],
    },
  },
);
