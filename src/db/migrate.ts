import type { Database } from './client.js';
import { applyMigrations, readMigrationsList } from './schema-engine.js';

/**
 * The committed migrations (prisma/migrations), and those the database has not applied. A plain
 * query: starting the schema engine (WebAssembly) only to learn that nothing is pending would
 * cost most of a restart.
 */
export async function migrationStatus(db: Database): Promise<{ known: string[]; pending: string[] }> {
  const known = (await readMigrationsList()).migrationDirectories.map((d) => d.path);
  let applied = new Set<string>();
  try {
    const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    applied = new Set(rows.map((r) => r.migration_name));
  } catch {
    // No migrations table yet: a new database.
  }
  return { known, pending: known.filter((name) => !applied.has(name)) };
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
    const { pending } = await migrationStatus(db);
    const applied = pending.length ? await applyMigrations(db.adapterFactory) : [];
    return { applied, result: await andThen() };
  });
}
