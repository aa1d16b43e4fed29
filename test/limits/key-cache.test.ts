import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { prepareDatabase } from '../../src/db/migrate.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createAccount } from '../../src/services/accounts.js';
import { bootstrapOperator } from '../../src/services/bootstrap.js';
import { KeyCache } from '../../src/services/key-cache.js';
import { RateLimits } from '../../src/services/rate-limits.js';
import { ADMIN_KEY, TEST_APP_CONFIG, bearer, dropPostgresSchema, freshPostgresUrl } from '../support/app.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

type Instances = {
  db: Database;
  caches: KeyCache[];
  a: ReturnType<typeof supertest.agent>;
  b: ReturnType<typeof supertest.agent>;
  close(): Promise<void>;
};

/**
 * Two app instances on one fresh PostgreSQL schema, each with the cache and the rate limits
 * `instance` gives it; resolves once both caches hear invalidations (they do not cache before).
 */
async function twoInstances(
  instance: (databaseUrl: string, logger: Logger, index: number) => Promise<{ keyCache: KeyCache; limits: RateLimits }>,
): Promise<Instances> {
  const { url, schema } = freshPostgresUrl();
  const db = await openDatabase({ kind: 'postgres', url });
  await prepareDatabase(db, () => bootstrapOperator(db.prisma, ADMIN_KEY));
  const logger = createLogger('silent');
  const made = [await instance(url, logger, 0), await instance(url, logger, 1)];
  const caches = made.map((m) => m.keyCache);
  const [a, b] = made.map(({ keyCache, limits }) =>
    supertest.agent(createApp({ config: TEST_APP_CONFIG, db, logger, limits, keyCache }).app),
  ) as [Instances['a'], Instances['b']];
  for (let i = 0; i < 100 && !caches.every((c) => (c as any).usable()); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    db,
    caches,
    a,
    b,
    async close() {
      for (const { keyCache, limits } of made) {
        await keyCache.close();
        await limits.close();
      }
      await db.close();
      await dropPostgresSchema(schema);
    },
  };
}

/** Asks `ask` up to `attempts` times, 10 ms apart, until `done` holds; the last answer. */
async function askUntil<T>(ask: () => Promise<T>, done: (answer: T) => boolean, attempts: number): Promise<T> {
  let answer = await ask();
  for (let i = 1; i < attempts && !done(answer); i++) {
    await new Promise((r) => setTimeout(r, 10));
    answer = await ask();
  }
  return answer;
}

/** Two instances on one PostgreSQL and one Redis: a revocation on one is seen by the other at once. */
describe('authentication cache across instances', () => {
  let instances: Instances;
  let db: Database;
  let a: Instances['a'];
  let b: Instances['b'];

  beforeAll(async () => {
    instances = await twoInstances(async (_url, logger) => ({
      keyCache: await KeyCache.withRedis(REDIS_URL, logger),
      limits: await RateLimits.withRedis(REDIS_URL, logger, `orion-test-${randomBytes(4).toString('hex')}`),
    }));
    ({ db, a, b } = instances);
  });
  afterAll(async () => {
    await instances?.close();
  });

  it('revoking on instance A refuses the key on instance B at once, though B had cached it', async () => {
    const { secret } = await createAccount(db.prisma, { name: 'cached', tier: 'enterprise' });
    const created = await a.post('/v1/api-keys').set(bearer(secret)).send({ name: 'victim', scopes: ['agents:read'] });
    const victim = created.body.data;
    expect((await b.get('/v1/agents').set(bearer(victim.secret))).status).toBe(200);
    expect((await b.get('/v1/agents').set(bearer(victim.secret))).status).toBe(200);
    const revoked = await a.delete(`/v1/api-keys/${victim.apiKey.id}`).set(bearer(secret));
    expect(revoked.status).toBe(200);
    const status = await askUntil(async () => (await b.get('/v1/agents').set(bearer(victim.secret))).status, (s) => s === 401, 20);
    expect(status).toBe(401);
  });

  it('an account change on A (new rate limit) applies on B at once', async () => {
    const { account, secret } = await createAccount(db.prisma, { name: 'limits', tier: 'enterprise', rateLimitPerMinute: 500 });
    expect((await b.get('/v1/agents').set(bearer(secret))).headers['x-ratelimit-limit']).toBe('500');
    await a.patch(`/v1/accounts/${account.id}`).set(bearer(ADMIN_KEY)).send({ rateLimitPerMinute: 700 });
    const limit = await askUntil(
      async () => String((await b.get('/v1/agents').set(bearer(secret))).headers['x-ratelimit-limit']),
      (l) => l === '700',
      20,
    );
    expect(limit).toBe('700');
  });
});

/** Without Redis, two instances on one PostgreSQL tell each other through LISTEN/NOTIFY. */
describe('authentication cache across instances, PostgreSQL only', () => {
  let instances: Instances;
  let db: Database;
  let caches: KeyCache[];
  let a: Instances['a'];
  let b: Instances['b'];

  beforeAll(async () => {
    instances = await twoInstances(async (url, logger) => ({
      keyCache: await KeyCache.withPostgres(url, logger),
      limits: RateLimits.inMemory(),
    }));
    ({ db, caches, a, b } = instances);
  });
  afterAll(async () => {
    await instances?.close();
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
    const status = await askUntil(async () => (await b.get('/v1/agents').set(bearer(victim.secret))).status, (s) => s === 401, 50);
    expect(status).toBe(401);
  });
});

/**
 * A mixed deployment: A has REDIS_URL, B (same PostgreSQL) does not. Each is set up as start-up
 * sets up a server with that configuration; a revocation on either side reaches the other.
 */
describe('authentication cache across instances, one with Redis and one without', () => {
  let instances: Instances;
  let db: Database;
  let caches: KeyCache[];
  let a: Instances['a'];
  let b: Instances['b'];

  beforeAll(async () => {
    instances = await twoInstances(async (databaseUrl, logger, index) => ({
      keyCache: await KeyCache.forDeployment({ databaseUrl, redisUrl: index === 0 ? REDIS_URL : undefined }, logger),
      limits: RateLimits.inMemory(),
    }));
    ({ db, caches, a, b } = instances);
  });
  afterAll(async () => {
    await instances?.close();
  });

  it.each([
    ['A (with Redis)', 'B (without)', 0, 1],
    ['B (without Redis)', 'A (with)', 1, 0],
  ] as const)('revoking on %s refuses the key on %s at once, though it had cached it', async (_on, _seen, by, seenBy) => {
    expect(caches.every((c) => (c as any).usable())).toBe(true);
    const agents = [a, b] as const;
    const { secret } = await createAccount(db.prisma, { name: 'mixed', tier: 'enterprise' });
    const victim = (await agents[by].post('/v1/api-keys').set(bearer(secret)).send({ name: 'victim', scopes: ['agents:read'] })).body.data;
    expect((await agents[seenBy].get('/v1/agents').set(bearer(victim.secret))).status).toBe(200);
    const hash = (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: victim.apiKey.id } })).hash;
    expect(caches[seenBy]!.get(hash)).toBeDefined();
    expect((await agents[by].delete(`/v1/api-keys/${victim.apiKey.id}`).set(bearer(secret))).status).toBe(200);
    const status = await askUntil(async () => (await agents[seenBy].get('/v1/agents').set(bearer(victim.secret))).status, (s) => s === 401, 50);
    expect(status).toBe(401);
  });
});
