import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { PGLITE_EXTENSIONS } from '../../src/db/pglite-extensions.js';
import { MIGRATIONS_DIR } from '../../src/db/schema-engine.js';

const KNOWLEDGE = '20261130125117_knowledge';
const OWNER_BEFORE = ['agents:read', 'agents:write', 'characters:read', 'characters:write', 'messages:write', 'conversations:read', 'keys:manage', 'webhooks:manage'];

describe('migration 20261130125117_knowledge on a database with keys', () => {
  it('gives the knowledge scopes to keys that had every owner scope, and to no other key', async () => {
    const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const sql = (name: string) => readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8');
    const db = new PGlite({ extensions: PGLITE_EXTENSIONS });
    try {
      for (const name of names.filter((n) => n < KNOWLEDGE)) await db.exec(await sql(name));
      await db.exec(`INSERT INTO "Account" ("id", "name", "updatedAt") VALUES ('acc_1', 'A', now())`);
      const key = (id: string, scopes: string[]) =>
        db.query(`INSERT INTO "ApiKey" ("id", "accountId", "name", "prefix", "hash", "scopes") VALUES ($1, 'acc_1', $1, 'p', $1, $2)`, [id, scopes]);
      await key('owner', OWNER_BEFORE);
      await key('operator', [...OWNER_BEFORE, 'admin']);
      await key('reader', ['agents:read', 'conversations:read']);
      await db.exec(await sql(KNOWLEDGE));
      const { rows } = await db.query<{ id: string; scopes: string[] }>(`SELECT "id", "scopes" FROM "ApiKey" ORDER BY "id"`);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.scopes]))).toEqual({
        operator: [...OWNER_BEFORE, 'admin', 'knowledge:read', 'knowledge:write'],
        owner: [...OWNER_BEFORE, 'knowledge:read', 'knowledge:write'],
        reader: ['agents:read', 'conversations:read'],
      });
    } finally {
      await db.close();
    }
  });
});
