import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, printedSchema } from '../../src/graphql/print-schema.js';

describe('schema artefacts', () => {
  it('schema/schema.graphql is the printed, sorted schema (run npm run generate when this fails)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('the REST and MCP operations were generated from the current schema and documents', async () => {
    const { generate } = await import('@graphql-codegen/cli');
    const { default: config } = await import('../../codegen.js');
    const outputs: { filename: string; content: string }[] = await generate({ ...config, silent: true }, false);
    expect(outputs.map((o) => o.filename).sort()).toEqual(['src/mcp/generated/operations.ts', 'src/rest/generated/operations.ts']);
    for (const output of outputs) expect(await readFile(output.filename, 'utf8')).toBe(output.content);
  });
});
