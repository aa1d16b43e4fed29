import type { CodegenConfig } from '@graphql-codegen/cli';

// Types the REST layer's hand-written operations against the printed schema.
// Regenerate with `npm run generate` (prints the schema first).
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: 'src/rest/operations/*.graphql',
  generates: {
    'src/rest/generated/operations.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false },
        scalars: {
          DateTime: { input: 'string', output: 'string' },
          StringMap: { input: 'Record<string, string>', output: 'Record<string, string>' },
        },
      },
    },
  },
};

export default config;
