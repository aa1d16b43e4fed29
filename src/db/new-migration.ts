// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the committed migrations to prisma/schema.prisma. Runs offline: the committed
// migrations are applied to a throw-away in-memory PGlite and the schema engine diffs against it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PGLITE_EXTENSIONS } from './pglite-extensions.js';
import { MIGRATIONS_DIR, applyMigrations, diffSchemaAgainstDatabase } from './schema-engine.js';

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration -- <name>   (name: lowercase letters, digits, _)');
    process.exit(2);
  }
  const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
  try {
    const factory = new PrismaPGlite(pglite);
    await applyMigrations(factory);
    const sql = await diffSchemaAgainstDatabase(factory);
    if (!sql.trim() || /^-- This is an empty migration\.\s*$/.test(sql)) {
      console.log('prisma/schema.prisma matches the committed migrations: nothing to write.');
      return;
    }
    await mkdir(MIGRATIONS_DIR, { recursive: true });
    await writeFile(
      path.join(MIGRATIONS_DIR, 'migration_lock.toml'),
      '# Written by npm run db:migration; keep it under version control.\nprovider = "postgresql"\n',
    );
    const dir = path.join(MIGRATIONS_DIR, `${timestamp()}_${name}`);
    await mkdir(dir);
    await writeFile(path.join(dir, 'migration.sql'), sql);
    console.log(`wrote ${path.relative(process.cwd(), path.join(dir, 'migration.sql'))}`);
  } finally {
    await pglite.close();
  }
}

await main();
