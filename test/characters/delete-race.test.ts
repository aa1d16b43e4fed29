import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

/**
 * A character deleted while an agent is being attached to it: the agent's write fails its
 * foreign key. The client must get the same 404 as for a character that never existed, and the
 * agent must be unchanged. Only PostgreSQL runs writes concurrently (PGlite serialises them).
 */
describe('attaching a character while it is deleted (postgres)', () => {
  let app: TestApp;
  let key: string;
  let schema: string;

  beforeAll(async () => {
    app = await startTestApp('postgres');
    ({ key } = await app.newAccount());
    const [row] = await app.db.prisma.$queryRaw<{ schema: string }[]>`SELECT current_schema() AS schema`;
    schema = row!.schema;
  });
  afterAll(() => app?.close());

  const post = async (path: string, body: object) => {
    const res = await app.http.post(`/v1${path}`).set(bearer(key)).send(body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body.data;
  };

  /**
   * Holds the character's row lock in another session, starts `attach`, waits until the
   * attaching write is blocked on that row (its foreign-key check), then deletes the character
   * and commits, so the write meets a character that no longer exists.
   */
  async function deleteDuring<T>(characterId: string, attach: () => Promise<T>): Promise<T> {
    const holder = new pg.Client({ connectionString: POSTGRES_URL });
    const watcher = new pg.Client({ connectionString: POSTGRES_URL });
    await Promise.all([holder.connect(), watcher.connect()]);
    try {
      // As the app's connections do: the triggers the delete fires name tables without a schema.
      await holder.query(`SET search_path TO "${schema}"`);
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM "${schema}"."Character" WHERE "id" = $1 FOR UPDATE`, [characterId]);
      const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const attaching = attach();
      for (let waited = 0; ; waited += 20) {
        const { rows } = await watcher.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holderPid]);
        if (rows[0].n > 0) break;
        if (waited > 10_000) throw new Error('the attaching write never waited on the character row');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.query(`DELETE FROM "${schema}"."Character" WHERE "id" = $1`, [characterId]);
      await holder.query('COMMIT');
      return await attaching;
    } finally {
      await Promise.all([holder.end(), watcher.end()]);
    }
  }

  it('PATCH /v1/agents/{id} answers 404 NOT_FOUND for the character and leaves the agent as it was', async () => {
    const agent = await post('/agents', { name: 'Racer' });
    const character = await post('/characters', { name: 'Fleeting' });
    const res = await deleteDuring(character.id, () =>
      app.http.patch(`/v1/agents/${agent.id}`).set(bearer(key)).send({ characterId: character.id }).then((r) => r),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    const after = await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key));
    expect(after.body.data.characterId).toBeNull();
  });

  it('POST /v1/agents answers 404 NOT_FOUND for the character and creates no agent', async () => {
    const character = await post('/characters', { name: 'Fleeting' });
    const before = (await app.http.get('/v1/agents').set(bearer(key))).body.data.pagination.totalItems;
    const res = await deleteDuring(character.id, () =>
      app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Late', characterId: character.id }).then((r) => r),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect((await app.http.get('/v1/agents').set(bearer(key))).body.data.pagination.totalItems).toBe(before);
  });

  it('GraphQL updateAgent answers the same NOT_FOUND', async () => {
    const agent = await post('/agents', { name: 'Racer' });
    const character = await post('/characters', { name: 'Fleeting' });
    const res = await deleteDuring(character.id, () =>
      graphql(app, key, 'mutation($id: ID!, $c: ID) { updateAgent(id: $id, input: { characterId: $c }) { id } }', {
        id: agent.id,
        c: character.id,
      }),
    );
    expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(res.body)).toBe('NOT_FOUND');
  });
});
