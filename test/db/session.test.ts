// The PostgreSQL session every connection of the app opens: dates are sent by Prisma's adapter
// without an offset, so the session must read them as UTC whatever the server's (or the role's)
// default zone; analytics ranges and search bounds compare them in SQL.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';
import { POSTGRES_URL } from '../support/app.js';

const ROLE = 'orion_test_new_york';

describe('the PostgreSQL session (postgres)', () => {
  let db: Database | undefined;
  beforeAll(async () => {
    // A role whose sessions default to New York time, as a server configured so would.
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`DO $$ BEGIN CREATE ROLE ${ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
      await admin.query(`ALTER ROLE ${ROLE} SET TimeZone = 'America/New_York'`);
    } finally {
      await admin.end();
    }
    const url = new URL(POSTGRES_URL);
    url.username = ROLE;
    url.password = '';
    db = await openDatabase({ kind: 'postgres', url: url.toString() });
  });
  afterAll(() => db?.close());

  it('reads dates as UTC, whatever the default zone of the server or role', async () => {
    const [zone] = await db!.prisma.$queryRaw<{ TimeZone: string }[]>`SHOW TimeZone`;
    expect(zone!.TimeZone).toBe('UTC');
    const at = new Date('2026-03-01T12:00:00.000Z');
    const [row] = await db!.prisma.$queryRaw<{ hour: number }[]>`SELECT extract(hour FROM ${at}::timestamptz AT TIME ZONE 'UTC')::int AS hour`;
    expect(row!.hour).toBe(12);
  });
});
