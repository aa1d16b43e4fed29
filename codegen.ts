import type { CodegenConfig } from '@graphql-codegen/cli';

// Types the REST layer's and the MCP tools' hand-written operations against the printed schema.
// Regenerate with `npm run generate` (prints the schema first).
const operationsConfig = {
  useTypeImports: true,
  enumsAsTypes: true,
  avoidOptionals: { field: true, inputValue: false },
  scalars: {
    DateTime: { input: 'string', output: 'string' },
    StringMap: { input: 'Record<string, string>', output: 'Record<string, string>' },
  },
};

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  generates: {
    'src/rest/generated/operations.ts': {
      documents: 'src/rest/operations/*.graphql',
      plugins: ['typescript-operations', 'typed-document-node'],
      config: operationsConfig,
    },
    // The MCP tools' operations, typed apart from REST's (src/mcp/operations).
    'src/mcp/generated/operations.ts': {
      documents: 'src/mcp/operations/*.graphql',
      plugins: ['typescript-operations', 'typed-document-node'],
      config: operationsConfig,
    },
  },
};

export default config;
