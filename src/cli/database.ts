// Opening the configured database for a command, as the server does (src/config.ts, src/db/client.ts),
// and turning every way that can fail into one clear line.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfigFromEnvironment, type Config } from '../config.js';
import type { Database } from '../db/client.js';
import { dataSourceOf } from '../db/data-source.js';
import { DataDirLockedError } from '../db/datadir-lock.js';
import { CliError } from './errors.js';

export { CliError };

export function readConfig(): Config {
  try {
    return loadConfigFromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

/** Where the data is, for people: the embedded directory, or the server and schema (never the password). */
export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `the embedded database in ${config.dataDir}`;
  const url = new URL(config.databaseUrl);
  const schema = url.searchParams.get('schema') ?? 'public';
  return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname} (schema ${schema})`;
}

/**
 * The embedded database belongs to one process at a time: while a server runs on it, a command
 * that opened it too would corrupt it. Says so, and what to do instead, in one line.
 */
export function lockedMessage(error: DataDirLockedError, whileRunning: string): string {
  const holder = /^(.*?in use by another process \(pid \d+\))/.exec(error.message)?.[1] ?? error.message;
  return `${holder}, probably a running OrionOS server; nothing was changed. Stop it first, or ${whileRunning}`;
}

export async function openConfiguredDatabase(config: Config, whileRunning: string): Promise<Database> {
  // Loaded here, not up front: Prisma and the embedded PostgreSQL are most of a command's start-up.
  const { openDatabase } = await import('../db/client.js');
  try {
    return await openDatabase(dataSourceOf(config));
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new CliError(lockedMessage(error, whileRunning));
    throw new CliError(`cannot open ${describeDatabase(config)}: ${(error as Error).message ?? String(error)}`);
  }
}

/**
 * Runs `fn` with the configured database, which must be migrated already (a command never changes
 * the schema behind a server's back: that is `orion migrate`'s job, or the server's at start-up).
 */
export async function withMigratedDatabase<T>(whileRunning: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const config = readConfig();
  if (!config.databaseUrl && !existsSync(path.join(config.dataDir, 'PG_VERSION'))) {
    // Opening would create an empty database there: a mistyped ORION_DATA_DIR is better told.
    throw new CliError(`there is no database in ${config.dataDir}: run \`orion migrate\` (or start the server) first`);
  }
  const db = await openConfiguredDatabase(config, whileRunning);
  try {
    const { migrationStatus } = await import('../db/migrate.js');
    const { pending } = await migrationStatus(db);
    if (pending.length) {
      throw new CliError(
        `${describeDatabase(config)} is missing ${pending.length} migration(s): run \`orion migrate\` (or start the server) first`,
      );
    }
    return await fn(db);
  } finally {
    await db.close();
  }
}
