import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * Arrows one way (DESIGN.md): the parts each folder of devkit/src must not import. cli/ sits on top;
 * rehearse/ and rightsize/ below it, side by side (neither imports the other); deploy/ reaches the
 * cloud over HTTP only, like AWS; the cloud never imports the pipeline; load/, net/ and stack/ are
 * leaves. `npm run lint` fails on an upward import.
 */
const top = ['cli', 'rehearse', 'rightsize'];
const forbidden = {
  rehearse: ['cli', 'rightsize'],
  rightsize: ['cli', 'rehearse'],
  deploy: [...top, 'cloud', 'gemini'],
  gemini: top,
  cloud: [...top, 'deploy', 'gemini', 'stack'],
  stack: [...top, 'deploy', 'cloud', 'gemini'],
  host: [...top, 'deploy', 'cloud', 'gemini', 'stack'],
  net: [...top, 'deploy', 'cloud', 'gemini', 'stack', 'host'],
  load: [...top, 'deploy', 'cloud', 'gemini', 'stack', 'host'],
};
const upward = (parts) => ({
  regex: `^(\\.\\./)+(${parts.join('|')})/`,
  message: `an upward import: this folder must not import ${parts.map((p) => `${p}/`).join(', ')} (DESIGN.md's arrows)`,
});
/** A cloud service never imports another (what they share lives in services/common.ts). */
const otherService = {
  regex: '^\\.\\./[^./][^/]*/',
  message: 'a cloud service must not import another service: share through services/common.ts',
};
/**
 * The console (cloud/console/) sits on top of the cloud: it reads the services' state and serves
 * pages, and only server.ts mounts it; nothing else in the cloud imports it.
 */
const intoConsole = {
  regex: '^(\\.\\./)+console/',
  message: 'only cloud/server.ts mounts the console: the cloud parts never import cloud/console/',
};
const arrows = [
  ...Object.entries(forbidden).map(([folder, parts]) => ({
    files: [`devkit/src/${folder}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [upward(parts)] }] },
  })),
  {
    files: ['devkit/src/cloud/*/**/*.ts'],
    ignores: ['devkit/src/cloud/console/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [upward(forbidden.cloud), intoConsole] }] },
  },
  {
    files: ['devkit/src/cloud/services/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [upward(forbidden.cloud), otherService, intoConsole] }],
    },
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.toolchain/**', 'reports/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  // Plain JavaScript runs on Node (TypeScript files get their globals from @types/node).
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  // The console's browser script: the page's globals, and echarts (loaded before it by the page).
  {
    files: ['devkit/src/cloud/console/assets/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        EventSource: 'readonly',
        echarts: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Type-aware rules for TypeScript: a promise nobody awaits or catches (an unhandled rejection
  // ends the process) and a switch that silently misses a case of its union.
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
    },
  },
  ...arrows,
);
