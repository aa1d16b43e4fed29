// `npm run db:migrate`: applies pending migrations to the configured database and exits.
import { ConfigError, loadConfigFromEnvironment } from '../config.js';
import { dataSourceOf } from './data-source.js';
import { openDatabase } from './client.js';
import { prepareDatabase } from './migrate.js';

try {
  const config = loadConfigFromEnvironment();
  const db = await openDatabase(dataSourceOf(config));
  try {
    const { applied } = await prepareDatabase(db, async () => undefined);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(`orion: ${error instanceof ConfigError ? error.message : String((error as Error).message ?? error)}`);
  process.exit(1);
}
