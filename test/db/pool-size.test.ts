// The pool size per instance: 10 connections, or DATABASE_URL's `?connection_limit=` (Prisma's
// convention), which never reaches the PostgreSQL driver as a parameter of its own.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POOL_SIZE, openDatabase, postgresConfig } from '../../src/db/client.js';
import { freshPostgresUrl, dropPostgresSchema } from '../support/app.js';

describe('DATABASE_URL connection_limit', () => {
  it('sizes the pool, and is taken off the URL the driver sees', () => {
    expect(postgresConfig('postgresql://u@127.0.0.1:5432/db').poolConfig.max).toBe(DEFAULT_POOL_SIZE);
    const { poolConfig, schema } = postgresConfig('postgresql://u@127.0.0.1:5432/db?schema=s1&connection_limit=25');
    expect([poolConfig.max, schema]).toEqual([25, 's1']);
    expect(poolConfig.connectionString).toBe('postgresql://u@127.0.0.1:5432/db');
  });

  it.for(['0', '-1', '2.5', 'ten', '', '1000'])('refuses connection_limit=%j with one clear line', (value) => {
    expect(() => postgresConfig(`postgresql://u@127.0.0.1:5432/db?connection_limit=${value}`)).toThrow(
      `DATABASE_URL connection_limit ${JSON.stringify(value)} must be a whole number from 1 to 999`,
    );
  });

  it('a real pool never opens more than the limit, however many queries wait', async () => {
    const { url, schema } = freshPostgresUrl();
    const limited = new URL(url);
    limited.searchParams.set('connection_limit', '3');
    const db = await openDatabase({ kind: 'postgres', url: limited.toString() });
    try {
      const pids = await Promise.all(
        Array.from({ length: 12 }, () => db.prisma.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid FROM pg_sleep(0.05)')),
      );
      expect(new Set(pids.map((rows) => rows[0]!.pid)).size).toBeLessThanOrEqual(3);
    } finally {
      await db.close();
      await dropPostgresSchema(schema);
    }
  });
});
