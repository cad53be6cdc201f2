// Type-aware lint: floating and misused promises are errors because a dropped promise is a lost page.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'web/dist/**',
      'web/src/api-types.ts',
      'node_modules/**',
      'muster-data/**',
      'coverage/**',
      '.tmp/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself tracks.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      // Fastify handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only src/config reads process.env.',
        },
        {
          selector: "NewExpression[callee.object.name='pg'][callee.property.name=/^(Client|Pool)$/]",
          message:
            'PostgreSQL connections come from the database pool (db.pgPool, made by src/db/pg-pool.ts): its clients ' +
            'have error listeners and are discarded when broken. A client of your own crashes Muster on a restart.',
        },
        {
          selector: "ImportDeclaration[source.value='pg'] ImportSpecifier[imported.name=/^(Client|Pool)$/]",
          message: 'PostgreSQL connections come from the database pool (db.pgPool, made by src/db/pg-pool.ts).',
        },
      ],
    },
  },
  {
    files: [
      'src/config/**',
      'scripts/**',
      'bench/**',
      'e2e/**',
      'src/**/*.test.ts',
      'src/db/testing/**',
      'src/cli/**',
      'src/testing/**',
      'src/db/pg-pool.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.test.ts', 'e2e/**', 'bench/**', 'src/testing/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
