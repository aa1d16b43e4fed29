import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createAccount } from '../../src/services/accounts.js';
import { bootstrapOperator } from '../../src/services/bootstrap.js';
import { KeyCache } from '../../src/services/key-cache.js';
import { RateLimits } from '../../src/services/rate-limits.js';
import { ADMIN_KEY, TEST_APP_CONFIG, bearer, dropPostgresSchema, freshPostgresUrl } from '../support/app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two instances on one PostgreSQL and one Redis: a revocation on one is seen by the other at once. */
describe('authentication cache across instances', () => {
  let db: Database;
  let schema: string;
  const caches: KeyCache[] = [];
  const limits: RateLimits[] = [];
  let a: ReturnType<typeof supertest.agent>;
  let b: ReturnType<typeof supertest.agent>;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    db = await openDatabase({ kind: 'postgres', url: fresh.url });
    await prepareDatabase(db, () => bootstrapOperator(db.prisma, ADMIN_KEY));
    const logger = createLogger('silent');
    const instance = async () => {
      const keyCache = await KeyCache.withRedis(REDIS_URL, logger);
      const limit = await RateLimits.withRedis(REDIS_URL, logger, `orion-test-${randomBytes(4).toString('hex')}`);
      caches.push(keyCache);
      limits.push(limit);
      return supertest.agent(createApp({ config: TEST_APP_CONFIG, db, logger, limits: limit, keyCache }).app);
    };
    a = await instance();
    b = await instance();
    // Wait until both caches listen to invalidations (they do not cache before).
    for (let i = 0; i < 100 && !caches.every((c) => (c as any).usable()); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    for (const c of caches) await c.close();
    for (const l of limits) await l.close();
    await db?.close();
    if (schema) await dropPostgresSchema(schema);
  });

  it('revoking on instance A refuses the key on instance B at once, though B had cached it', async () => {
    const { secret } = await createAccount(db.prisma, { name: 'cached', tier: 'enterprise' });
    const created = await a.post('/v1/api-keys').set(bearer(secret)).send({ name: 'victim', scopes: ['agents:read'] });
    const victim = created.body.data;
    expect((await b.get('/v1/agents').set(bearer(victim.secret))).status).toBe(200);
    expect((await b.get('/v1/agents').set(bearer(victim.secret))).status).toBe(200);
    const revoked = await a.delete(`/v1/api-keys/${victim.apiKey.id}`).set(bearer(secret));
    expect(revoked.status).toBe(200);
    let status = 0;
    for (let i = 0; i < 20; i++) {
      status = (await b.get('/v1/agents').set(bearer(victim.secret))).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(401);
  });

  it('an account change on A (new rate limit) applies on B at once', async () => {
    const { account, secret } = await createAccount(db.prisma, { name: 'limits', tier: 'enterprise', rateLimitPerMinute: 500 });
    expect((await b.get('/v1/agents').set(bearer(secret))).headers['x-ratelimit-limit']).toBe('500');
    await a.patch(`/v1/accounts/${account.id}`).set(bearer(ADMIN_KEY)).send({ rateLimitPerMinute: 700 });
    let limit = '';
    for (let i = 0; i < 20; i++) {
      limit = String((await b.get('/v1/agents').set(bearer(secret))).headers['x-ratelimit-limit']);
      if (limit === '700') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(limit).toBe('700');
  });
});

/** Without Redis, two instances on one PostgreSQL tell each other through LISTEN/NOTIFY. */
describe('authentication cache across instances, PostgreSQL only', () => {
  let db: Database;
  let schema: string;
  const caches: KeyCache[] = [];
  let a: ReturnType<typeof supertest.agent>;
  let b: ReturnType<typeof supertest.agent>;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    db = await openDatabase({ kind: 'postgres', url: fresh.url });
    await prepareDatabase(db, () => bootstrapOperator(db.prisma, ADMIN_KEY));
    const logger = createLogger('silent');
    const instance = async () => {
      const keyCache = await KeyCache.withPostgres(fresh.url, logger);
      caches.push(keyCache);
      return supertest.agent(createApp({ config: TEST_APP_CONFIG, db, logger, limits: RateLimits.inMemory(), keyCache }).app);
    };
    a = await instance();
    b = await instance();
    for (let i = 0; i < 100 && !caches.every((c) => (c as any).usable()); i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    for (const c of caches) await c.close();
    await db?.close();
    if (schema) await dropPostgresSchema(schema);
  });

  it('revoking on A refuses the key on B at once, though B had cached it', async () => {
    expect(caches.every((c) => (c as any).usable())).toBe(true);
    const { secret } = await createAccount(db.prisma, { name: 'pg-cached', tier: 'enterprise' });
    const victim = (await a.post('/v1/api-keys').set(bearer(secret)).send({ name: 'victim', scopes: ['agents:read'] })).body.data;
    expect((await b.get('/v1/agents').set(bearer(victim.secret))).status).toBe(200);
    // Cached now: the database is not asked again...
    const hash = (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: victim.apiKey.id } })).hash;
    expect(caches[1]!.get(hash)).toBeDefined();
    await a.delete(`/v1/api-keys/${victim.apiKey.id}`).set(bearer(secret));
    let status = 0;
    for (let i = 0; i < 50; i++) {
      status = (await b.get('/v1/agents').set(bearer(victim.secret))).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(401);
  });
});
