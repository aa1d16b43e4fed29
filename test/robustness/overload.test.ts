// A transaction that cannot get a database connection in time (Prisma P2028, "Unable to start a
// transaction in the given time") is a temporary overload: 503 SERVICE_UNAVAILABLE with
// Retry-After, in both protocols, never 500. Provoked for real: every connection of the app's
// PostgreSQL pool is held by a slow statement while a request needs a transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresConfig } from '../../src/db/client.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';

const POOL_SIZE = postgresConfig('postgresql://x@127.0.0.1/db').poolConfig.max!;
// Longer than Prisma's default wait for a transaction's connection (2 s), so the wait runs out.
const HOLD_SECONDS = 4;

describe('a transaction that cannot start in time (postgres)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('postgres');
    // Authenticates the admin key once, so the requests below go straight to their transaction.
    expect((await app.http.get('/v1/accounts').set(bearer(app.adminKey))).status).toBe(200);
  });
  afterAll(() => app?.close());

  /** Runs `during` while every pooled connection sleeps in PostgreSQL. */
  async function withPoolHeld<T>(during: () => Promise<T>): Promise<T> {
    // `.then` sends them now (a Prisma query runs only once it is awaited).
    const holders = Array.from({ length: POOL_SIZE }, () =>
      app.db.prisma.$queryRawUnsafe(`SELECT pg_sleep(${HOLD_SECONDS})`).then(() => undefined),
    );
    try {
      return await during();
    } finally {
      await Promise.allSettled(holders);
    }
  }

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After over REST and GraphQL', async () => {
    const [rest, graphql] = await withPoolHeld(() =>
      Promise.all([
        app.http.post('/v1/accounts').set(bearer(app.adminKey)).send({ name: 'during overload' }),
        app.http
          .post('/graphql')
          .set(bearer(app.adminKey))
          .set('Accept', 'application/graphql-response+json')
          .send({ query: 'mutation { createAccount(input: { name: "during overload" }) { account { id } } }' }),
      ]),
    );
    expect(rest.status).toBe(503);
    expect(rest.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(Number(rest.headers['retry-after'])).toBeGreaterThan(0);
    expect(graphql.status).toBe(503);
    expect(graphql.body.errors[0].extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(Number(graphql.headers['retry-after'])).toBeGreaterThan(0);
    // Nothing was written, and the service is back once the connections are free.
    expect(await app.db.prisma.account.count({ where: { name: 'during overload' } })).toBe(0);
    const after = await app.http.post('/v1/accounts').set(bearer(app.adminKey)).send({ name: 'after overload' });
    expect(after.status).toBe(201);
  });
});
