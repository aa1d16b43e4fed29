import type { Config } from '../config.js';
import type { DataSource } from './client.js';

/** Where the configured data lives: PostgreSQL when DATABASE_URL is set, else the embedded database. */
export function dataSourceOf(config: Pick<Config, 'databaseUrl' | 'dataDir'>): DataSource {
  return config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir };
}
