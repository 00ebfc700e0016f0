// Lint: typescript-eslint's recommended rules plus the layering rules of
// docs/DESIGN.md §2 (also enforced by test/unit/layering.test.ts).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { electronLayers, forbiddenFor } from './scripts/electron-layers.js';

const electronOnly = { name: 'electron', message: "Only electron/main, electron/preload and electron/ipc may import 'electron' (services must run in plain Node)." };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'e2e/artifacts/**', 'test-results/**', 'resources/lab/.state/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: [electronOnly] }],
    },
  },
  // Inside electron/, folders import downward only. Tests may reach anywhere (a test sets up the whole app).
  ...electronLayers.flat().map((folder) => ({
    files: [`electron/${folder}/**`],
    ignores: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['main', 'preload', 'ipc'].includes(folder) ? [] : [electronOnly],
        patterns: forbiddenFor(folder).map((f) => ({ regex: `(^|/)\\.\\.?/(\\.\\./)*${f}/`, message: `electron/${folder} may not import electron/${f}: folders import downward only (scripts/electron-layers.js).` })),
      }],
    },
  })),
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnly],
        patterns: [
          { regex: '^node:', message: 'shared/ is pure TypeScript: no node: modules.' },
          { regex: '^(fs|path|os|child_process|net|http|crypto)$', message: 'shared/ is pure TypeScript: no Node built-ins.' },
          { regex: '(^|/)(electron|renderer)/', message: 'shared/ may not import electron/ or renderer/.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [electronOnly],
        patterns: [
          { regex: '^node:', message: 'The renderer runs in a browser: no node: modules.' },
          { regex: '(^|/)electron/', message: 'renderer/ imports only shared/ and renderer/; call main through the contract.' },
        ],
      }],
    },
  },
);
