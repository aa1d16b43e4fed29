// The committed migrations: applied once under the start-up lock (even by instances racing on one
// PostgreSQL schema), never again, and in step with prisma/schema.prisma.
import { readdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PGLITE_EXTENSIONS } from '../../src/db/pglite-extensions.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR, applyMigrations, diffSchemaAgainstDatabase } from '../../src/db/schema-engine.js';
import { POSTGRES_URL, dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { makeTempDir, removeDir } from '../support/server-process.js';

/** The migration directories in prisma/migrations, in the order they apply. */
async function committedMigrations(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

const EMPTY_MIGRATION = /^(-- This is an empty migration\.)?\s*$/;

describe('prepareDatabase on PostgreSQL', () => {
  let schema: string;
  let url: string;
  let dbs: Database[] = [];
  let admin: pg.Client;
  let migrations: string[];

  beforeAll(async () => {
    ({ schema, url } = freshPostgresUrl());
    migrations = await committedMigrations();
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close()));
    await admin?.end();
    if (schema) await dropPostgresSchema(schema);
  });

  const migrationRows = async () =>
    (
      await admin.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(
        `SELECT migration_name, finished_at, rolled_back_at FROM "${schema}"."_prisma_migrations"
         ORDER BY migration_name`,
      )
    ).rows;

  it('two instances racing on one fresh schema: both succeed, the migrations apply once', async () => {
    expect(migrations.length).toBeGreaterThan(0);
    dbs = await Promise.all([
      openDatabase({ kind: 'postgres', url }),
      openDatabase({ kind: 'postgres', url }),
    ]);
    let inside = 0;
    let overlapped = false;
    const andThen = (name: string) => async () => {
      inside++;
      if (inside > 1) overlapped = true;
      // A round trip while "inside": another instance not held off by the lock would get in here.
      await dbs[0]!.ping();
      inside--;
      return name;
    };
    const results = await Promise.all([
      prepareDatabase(dbs[0]!, andThen('first')),
      prepareDatabase(dbs[1]!, andThen('second')),
    ]);

    expect(results.map((r) => r.result)).toEqual(['first', 'second']);
    expect(overlapped).toBe(false);
    const appliedLists = results.map((r) => r.applied);
    expect(appliedLists).toContainEqual(migrations);
    expect(appliedLists).toContainEqual([]);

    const rows = await migrationRows();
    expect(rows.map((r) => r.migration_name)).toEqual(migrations);
    for (const row of rows) {
      expect(row.finished_at).not.toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }

    // The tables are in the URL's schema, where the Prisma client looks for them.
    const tables = await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'Account', 'ApiKey', 'Agent']),
    );
    expect(await dbs[1]!.prisma.agent.count()).toBe(0);
  });

  it('applies nothing the next time', async () => {
    expect(dbs).toHaveLength(2);
    const { applied, result } = await prepareDatabase(dbs[1]!, async () => 'again');
    expect(applied).toEqual([]);
    expect(result).toBe('again');
    expect((await migrationRows()).map((r) => r.migration_name)).toEqual(migrations);
  });

  // Regression: the schema engine's own connections must be closed after a run, or an idle one
  // keeps holding its session advisory lock (72707369) and every other instance migrating in
  // the same database waits for pg's idle timeout.
  it('leaves no connection holding the schema engine\'s migration lock', async () => {
    const { schema: otherSchema, url: otherUrl } = freshPostgresUrl();
    const db = await openDatabase({ kind: 'postgres', url: otherUrl });
    try {
      await prepareDatabase(db, async () => undefined);
      // Test files running in parallel migrate their own schemas in this database and take the
      // same lock for a moment; a connection left idle would hold it for pg's 10 s idle timeout.
      let locked = false;
      for (let attempt = 0; attempt < 40 && !locked; attempt++) {
        const { rows } = await admin.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(72707369) AS locked');
        locked = rows[0]!.locked;
        if (!locked) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(locked).toBe(true);
      await admin.query('SELECT pg_advisory_unlock(72707369)');
    } finally {
      await db.close();
      await dropPostgresSchema(otherSchema);
    }
  });
});

describe('the committed migrations and prisma/schema.prisma', () => {
  const pglites: PGlite[] = [];
  afterAll(async () => {
    await Promise.all(pglites.map((p) => p.close()));
  });

  it('agree: the diff after applying every migration is empty (else: npm run db:migration)', async () => {
    const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
    pglites.push(pglite);
    const factory = new PrismaPGlite(pglite);
    expect(await applyMigrations(factory)).toEqual(await committedMigrations());
    const sql = await diffSchemaAgainstDatabase(factory);
    expect(sql).toMatch(EMPTY_MIGRATION);
  });

  it('the diff does see a difference when there is one', async () => {
    // Without this, a diff that always came back empty would make the check above pass forever.
    const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
    pglites.push(pglite);
    const sql = await diffSchemaAgainstDatabase(new PrismaPGlite(pglite));
    expect(sql).not.toMatch(EMPTY_MIGRATION);
    expect(sql).toContain('CREATE TABLE "Agent"');
  });
});

describe('prepareDatabase on an embedded database in a directory', () => {
  let dataDir: string;
  let db: Database | undefined;

  beforeAll(async () => {
    dataDir = await makeTempDir('orion-migrations-test-');
  });
  afterAll(async () => {
    await db?.close();
    await removeDir(dataDir);
  });

  it('applies the migrations once, and nothing after a close and reopen', async () => {
    const migrations = await committedMigrations();
    db = await openDatabase({ kind: 'pglite', dataDir });
    const first = await prepareDatabase(db, async () => db!.prisma.account.count());
    expect(first).toEqual({ applied: migrations, result: 0 });
    await db.prisma.account.create({ data: { id: 'acc_kept', name: 'Kept' } });
    await db.close();
    db = undefined;

    db = await openDatabase({ kind: 'pglite', dataDir });
    const second = await prepareDatabase(db, async () => db!.prisma.account.count());
    expect(second).toEqual({ applied: [], result: 1 });
    expect(await db.prisma.account.findUnique({ where: { id: 'acc_kept' } })).toMatchObject({ name: 'Kept' });
    // A reopened directory runs with the small buffer pool too (PGlite zeroes all of it at start).
    expect(await db.prisma.$queryRawUnsafe('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
    await db.close();
    db = undefined;
  });
});
