// Lint is where the design's import rules live: a wrong arrow between layers fails `npm test`.
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const layer = (name) => `(^|/)(\\.\\./)+(${name})(/|$)`;
const NODE_BUILTINS = '^(node:.*|fs|path|os|child_process|http|https|net|crypto|url|util|worker_threads|stream|events)$';

const ONLY_THE_SERVICE = {
  regex: '(^|/)(\\.\\./)+node/(?!service$)',
  message: 'A face (main, web, cli) imports src/node/service only, never another adapter (see design.md, import rules).',
};

const forbid = (layers, extra = []) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...layers.map((name) => ({ regex: layer(name), message: `This layer may not import src/${name} (see design.md, import rules).` })),
        ...extra,
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', '.devcarry/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // A dropped promise is a failure nobody sees (a cancel that silently did nothing; a test's un-awaited
  // `expect(...).rejects` that passes whatever happens), so TypeScript files are linted with types.
  // React's onClick ignores a handler's result, hence attributes: false.
  {
    files: ['src/**/*.{ts,tsx}', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  // A file past a few hundred lines usually holds more than one job. Tests and benches read as lists of
  // cases over shared fixtures, so they may run longer before a split helps a reader.
  { files: ['src/**'], rules: { 'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }] } },
  { files: ['test/**', 'bench/**'], rules: { 'max-lines': ['error', { max: 700, skipBlankLines: true, skipComments: true }] } },
  // React's recommended hooks rules (version 7 adds the compiler's checks, such as no setState in an
  // effect's body); exhaustive-deps as an error, since a stale dependency is a stale screen.
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    rules: { ...reactHooks.configs.flat.recommended.rules, 'react-hooks/exhaustive-deps': 'error' },
  },
  // shared imports nothing of ours; core imports shared only and no Node APIs.
  { files: ['src/shared/**'], rules: forbid(['core', 'node', 'main', 'preload', 'renderer', 'cli', 'web']) },
  {
    files: ['src/core/**'],
    rules: forbid(
      ['node', 'main', 'preload', 'renderer', 'cli', 'web'],
      [
        { regex: NODE_BUILTINS, message: 'src/core is pure: no Node APIs (do I/O in src/node).' },
        { regex: '^(systeminformation|node-llama-cpp|electron)$', message: 'src/core is pure: adapters live in src/node.' },
      ],
    ),
  },
  // node imports core and shared.
  { files: ['src/node/**'], rules: forbid(['main', 'preload', 'renderer', 'cli', 'web']) },
  // main, web and cli (the faces) import the service, core and shared: never another adapter, so a
  // face only translates its transport and formats.
  { files: ['src/main/**'], rules: forbid(['preload', 'renderer', 'cli', 'web'], [ONLY_THE_SERVICE]) },
  { files: ['src/web/**'], rules: forbid(['main', 'preload', 'renderer', 'cli'], [ONLY_THE_SERVICE]) },
  { files: ['src/cli/**'], rules: forbid(['main', 'preload', 'renderer'], [ONLY_THE_SERVICE]) },
  // preload imports shared only; renderer imports shared and its own folder.
  { files: ['src/preload/**'], rules: forbid(['core', 'node', 'main', 'renderer', 'cli', 'web']) },
  {
    files: ['src/renderer/**'],
    rules: forbid(
      ['core', 'node', 'main', 'preload', 'cli', 'web'],
      [
        { regex: NODE_BUILTINS, message: 'The renderer runs sandboxed: no Node APIs.' },
        { regex: '^(systeminformation|node-llama-cpp|electron)$', message: 'The renderer talks to HostApi only.' },
      ],
    ),
  },
);
