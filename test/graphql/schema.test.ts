import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, printedSchema } from '../../src/graphql/print-schema.js';

describe('schema artefacts', () => {
  it('schema/schema.graphql is the printed, sorted schema (run npm run generate when this fails)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('the REST operations were generated from the current schema and documents', async () => {
    const { generate } = await import('@graphql-codegen/cli');
    const { default: config } = await import('../../codegen.js');
    const [output] = await generate({ ...config, silent: true }, false);
    const committed = await readFile('src/rest/generated/operations.ts', 'utf8');
    expect(committed).toBe(output.content);
  });
});
