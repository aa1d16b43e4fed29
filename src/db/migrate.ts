import type { Database } from './client.js';
import { applyMigrations } from './schema-engine.js';

/**
 * Brings the database up to date under the start-up lock: migrations (as `prisma migrate deploy`
 * does), then whatever else must happen once across all instances (`andThen`).
 */
export async function prepareDatabase<T>(
  db: Database,
  andThen: () => Promise<T>,
): Promise<{ applied: string[]; result: T }> {
  return db.withStartupLock(async () => {
    const applied = await applyMigrations(db.adapterFactory);
    return { applied, result: await andThen() };
  });
}
