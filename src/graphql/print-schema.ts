// `npm run generate` step 1: writes the printed, sorted SDL to schema/schema.graphql.
// `--check` exits 1 instead when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printSchema } from 'graphql';
import { schema } from './schema.js';

export const SCHEMA_FILE = path.resolve(import.meta.dirname, '../../schema/schema.graphql');

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const printed = printedSchema();
  if (process.argv.includes('--check')) {
    const committed = await readFile(SCHEMA_FILE, 'utf8').catch(() => '');
    if (committed !== printed) {
      console.error('schema/schema.graphql is stale: run npm run generate');
      process.exit(1);
    }
  } else {
    await writeFile(SCHEMA_FILE, printed);
    console.log('wrote schema/schema.graphql');
  }
}
