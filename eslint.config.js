// Lint: typescript-eslint's strict, type-checked rules. The tests read Kubernetes objects as
// loosely typed JSON (`Obj`), so the rules about `any` are off there, and tests may assert
// non-null where a failure would show anyway.
import tseslint from 'typescript-eslint';

const looseJson = {
  '@typescript-eslint/no-explicit-any': 'off',
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
  '@typescript-eslint/restrict-plus-operands': 'off',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', '.tap/', 'coverage/', 'metacontroller/chart/charts/'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `const { status: _status, ...rest } = o` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Kubernetes objects are JSON maps: removing a field by a computed name is how they are edited.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
  // fastify handlers and plugins are async functions by contract, awaiting or not.
  { files: ['src/server/**'], rules: { '@typescript-eslint/require-await': 'off' } },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      ...looseJson,
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': 'off',
      // tap subtests are async functions by convention, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      // Fixture readers return the type the caller names.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
