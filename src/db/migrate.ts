import type { Database } from './client.js';
import { applyMigrations, readMigrationsList } from './schema-engine.js';

/**
 * Whether every committed migration is recorded as applied. A plain query: starting the schema
 * engine (WebAssembly) only to learn that nothing is pending would cost most of a restart.
 */
async function everythingApplied(db: Database): Promise<boolean> {
  const { migrationDirectories } = await readMigrationsList();
  try {
    const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return migrationDirectories.every((m) => applied.has(m.path));
  } catch {
    return false; // No migrations table yet: a new database.
  }
}

/**
 * Brings the database up to date under the start-up lock: migrations (as `prisma migrate deploy`
 * does), then whatever else must happen once across all instances (`andThen`).
 */
export async function prepareDatabase<T>(
  db: Database,
  andThen: () => Promise<T>,
): Promise<{ applied: string[]; result: T }> {
  return db.withStartupLock(async () => {
    const applied = (await everythingApplied(db)) ? [] : await applyMigrations(db.adapterFactory);
    return { applied, result: await andThen() };
  });
}
