// `orion migrate`: applies pending migrations to the configured database (as the server does at
// start-up, under the same lock) and exits.
import { migrationStatus, prepareDatabase } from '../../db/migrate.js';
import { describeDatabase, openConfiguredDatabase, readConfig } from '../database.js';
import { Progress } from '../progress.js';
import { printJson, printLines } from '../present.js';

const WHILE_RUNNING = 'leave it be: a server applies pending migrations itself when it starts';

export async function migrate(options: { json?: boolean }): Promise<void> {
  const config = readConfig();
  const progress = new Progress(options.json ? undefined : process.stderr);
  const where = describeDatabase(config);
  const db = await progress.step(`Opening ${where}`, () => openConfiguredDatabase(config, WHILE_RUNNING), () => `Opened ${where}`);
  try {
    const { known, pending } = await progress.step(
      'Reading migration status',
      () => migrationStatus(db),
      (s) => `${s.known.length} migration(s) known, ${s.pending.length} pending`,
    );
    const { applied } = await progress.step(
      pending.length ? `Applying ${pending.length} migration(s)` : 'Checking the schema',
      () => prepareDatabase(db, async () => undefined),
      (r) => (r.applied.length ? `Applied ${r.applied.length} migration(s)` : 'Nothing to apply'),
    );
    for (const name of applied) progress.detail(name);
    if (options.json) {
      printJson({ database: db.kind, applied, total: known.length });
      return;
    }
    printLines(
      applied.length
        ? `Database is up to date: applied ${applied.join(', ')}.`
        : `Database is up to date: all ${known.length} migration(s) were already applied.`,
    );
  } finally {
    await db.close();
  }
}
