// Lint: typescript-eslint's recommended rules, type-aware checks for promises nobody awaits, and the
// architectural line that keeps the pure core pure. Import cycles: scripts/check-cycles.ts (npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = ['fs', 'net', 'child_process', 'http', 'https', 'dgram', 'worker_threads', 'cluster'];
const ioPatterns = IO_MODULES.flatMap((m) => [m, `node:${m}`, `${m}/*`, `node:${m}/*`]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/out/**', 'tmp/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Source files: a promise is awaited, returned or explicitly voided (a dropped rejection is a lost error).
    files: ['packages/*/src/**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  {
    // The pure packages never touch disk, network or child processes. Only the ledger's bin/ edge may.
    files: ['packages/ledger/src/**/*.ts', 'packages/core/src/**/*.ts'],
    ignores: ['packages/ledger/src/bin/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ioPatterns, message: 'this package is pure: do I/O in an adapter (packages/runtime) or in the ledger’s src/bin/' }] },
      ],
    },
  },
  {
    // An effect's return value is its cleanup: an expression-bodied effect hands React whatever the
    // expression gives (scrollIntoView returns a Promise in current Chromium), and React then calls
    // it on unmount ("l is not a function", a blank page). Effects have block bodies.
    files: ['packages/web/src/**/*.tsx', 'packages/web/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.name=/^use(Layout|Insertion)?Effect$/] > ArrowFunctionExpression[body.type!="BlockStatement"]',
          message: 'give the effect a block body: an expression body becomes its cleanup',
        },
        {
          selector: 'CallExpression[callee.name=/^use(Layout|Insertion)?Effect$/] > Identifier:first-child',
          message: 'wrap the function in a block-bodied arrow: whatever it returns becomes the cleanup',
        },
      ],
    },
  },
);
