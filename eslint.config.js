// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.stack/**', 'results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'stack/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-nocheck': true, 'ts-expect-error': 'allow-with-description' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='only']", message: 'no focused tests' },
        { selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name='skip']", message: 'no skipped tests' },
      ],
    },
  },
  {
    // Domain code is pure: it never imports a client library (STYLE.md, habit 1).
    files: ['*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['ioredis', 'kafkajs', 'mongodb', 'express'].map((name) => ({ name, message: 'domain code stays free of client libraries' })),
            // The subpaths of common that load a client library or Express; their types cost nothing.
            ...['http', 'kafka', 'mongo', 'credentials'].map((sub) => ({ name: `@attendance/common/${sub}`, allowTypeImports: true, message: 'domain code stays free of client libraries (types only)' })),
          ],
        },
      ],
    },
  },
  {
    // The office page's own code runs in the browser (bundled by dashboard-service at start-up).
    files: ['dashboard-service/office-page/**/*.ts'],
    languageOptions: { globals: globals.browser },
  },
  {
    // vitest matchers (expect.any) are typed any; test doubles need no awaits.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
