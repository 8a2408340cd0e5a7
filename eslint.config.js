// Import boundaries from STYLE.md, made mechanical. Each folder's rule lists what it may never reach.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'url', 'util', 'stream', 'events', 'worker_threads'];
const nativeModules = ['better-sqlite3', 'node-pty', 'ws', 'simple-git'];

function restrict(patterns, message) {
  return {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  };
}

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-output/**', '.tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // Tool configs are loaded by their tools, which expect a default export.
    files: ['*.config.ts', '*.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/shared/**'],
    rules: restrict(
      ['electron', 'react', 'react-dom', ...nodeBuiltins, ...nativeModules, '**/main/**', '**/preload/**', '**/renderer/**'],
      'src/shared is pure TypeScript: it imports only src/shared and zod.',
    ),
  },
  {
    files: ['src/preload/**'],
    rules: restrict(
      [...nodeBuiltins, ...nativeModules, 'react', '**/main/**', '**/renderer/**'],
      'The preload bridges the contract: only src/shared and electron.',
    ),
  },
  {
    // Baseline pages the UI benchmarks load in Chromium.
    files: ['bench/pages/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrict(
      ['electron', ...nodeBuiltins, ...nativeModules, '**/main/**', '**/preload/**'],
      'The renderer talks to the core only through BooApi (src/shared/contract.ts).',
    ),
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/shell/**'],
    rules: restrict(
      ['electron', '**/preload/**', '**/renderer/**'],
      'The core never imports electron (only src/main/shell does), nor preload or renderer code.',
    ),
  },
  {
    files: ['src/main/shell/**'],
    rules: restrict(['**/preload/**', '**/renderer/**'], 'The shell wires the core to electron; it never imports preload or renderer code.'),
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: restrict(['electron'], 'Electron cannot run in tests or benchmarks; test the core instead.'),
  },
);
