// Per-minute request limits kept in Redis: exact under concurrency, one limit shared by every
// server process, and an outage of Redis that neither takes the API down nor lifts the limits.
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, dropPostgresSchema, freshPostgresUrl, startTestApp, type TestApp } from '../support/app.js';
import {
  SHARED_REDIS_URL,
  keysContaining,
  redisClient,
  startRedisServer,
  type RedisServer,
} from '../support/redis-server.js';
import {
  PROCESS_ADMIN_KEY,
  killAllServers,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';
import { eventually, listen } from '../support/sse.js';

const CREATE_AGENT = 'mutation($i: CreateAgentInput!) { createAgent(input: $i) { id name } }';

type Sent = { status: number; body: any; limit: number; remaining: number; reset: number; retryAfter: string | null };

/**
 * One request over a real socket, REST (`/v1/...`) or GraphQL (`{ query }` to /graphql), that
 * must complete within `timeoutMs`: a request that hangs fails the test.
 */
async function send(
  baseUrl: string,
  key: string | undefined,
  request: { rest: string; method?: string; body?: unknown } | { query: string; variables?: Record<string, unknown> },
  timeoutMs = 5_000,
): Promise<Sent> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  const res =
    'rest' in request
      ? await fetch(new URL(request.rest, baseUrl), {
          method: request.method ?? 'GET',
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(timeoutMs),
        })
      : await fetch(new URL('/graphql', baseUrl), {
          method: 'POST',
          headers,
          body: JSON.stringify({ query: request.query, variables: request.variables ?? {} }),
          signal: AbortSignal.timeout(timeoutMs),
        });
  const body: any = await res.json();
  return {
    status: res.status,
    body,
    limit: Number(res.headers.get('x-ratelimit-limit')),
    remaining: Number(res.headers.get('x-ratelimit-remaining')),
    reset: Number(res.headers.get('x-ratelimit-reset')),
    retryAfter: res.headers.get('retry-after'),
  };
}

const LIST_AGENTS = { rest: '/v1/agents' };
const VIEWER = { query: '{ viewer { id } }' };

/** The error code of a refused request, whichever protocol answered. */
const errorCode = (r: Sent): unknown => (r.body.success === false ? r.body.error.code : r.body.errors?.[0]?.extensions?.code);

function expectLimited(r: Sent, limit: number) {
  expect(r.status).toBe(429);
  expect(errorCode(r)).toBe('RATE_LIMIT_EXCEEDED');
  expect(r.retryAfter).toMatch(/^\d+$/);
  expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
  const details = r.body.success === false ? r.body.error.details : r.body.errors[0].extensions.details;
  expect(details).toEqual({ retryAfter: Number(r.retryAfter), limit });
  expect([r.limit, r.remaining]).toEqual([limit, 0]);
}

/** The one Redis key counting this account's requests, once there is one. */
async function counterKey(redis: Redis, accountId: string): Promise<string | undefined> {
  const keys = await keysContaining(redis, `acc:${accountId}`);
  expect(keys.length).toBeLessThanOrEqual(1);
  return keys[0];
}

async function counterValue(redis: Redis, accountId: string): Promise<number | undefined> {
  const key = await counterKey(redis, accountId);
  return key === undefined ? undefined : Number(await redis.get(key));
}

/**
 * Sends requests with `key` until one is counted in Redis (the app's client has connected),
 * each of them served; bounded.
 */
async function untilCountedInRedis(redis: Redis, baseUrl: string, key: string, accountId: string): Promise<void> {
  await eventually(async () => {
    const before = (await counterValue(redis, accountId)) ?? 0;
    const r = await send(baseUrl, key, LIST_AGENTS);
    expect(r.status).toBe(200);
    return ((await counterValue(redis, accountId)) ?? 0) === before + 1;
  }, 15_000);
}

describe('rate limits in Redis (one app)', () => {
  let app: TestApp;
  let server: { url: string; close(): Promise<void> };
  let redis: Redis;

  beforeAll(async () => {
    app = await startTestApp('pglite', { redisUrl: SHARED_REDIS_URL });
    server = await listen(app.app);
    redis = redisClient(SHARED_REDIS_URL);
    const warm = await app.newAccount('Warm-up');
    await untilCountedInRedis(redis, server.url, warm.key, warm.accountId);
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    redis?.disconnect();
  });

  it('exactly 10 of 40 concurrent requests (REST and GraphQL) succeed, all 40 counted in Redis', async () => {
    const limit = 10;
    const { key, accountId } = await app.newAccount('Concurrent', { rateLimitPerMinute: limit });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? send(server.url, key, { rest: '/v1/agents', method: 'POST', body: { name: `rest-${i}` } })
          : send(server.url, key, { query: CREATE_AGENT, variables: { i: { name: `gql-${i}` } } }),
      ),
    );
    const ok = results.filter((r) => r.status >= 200 && r.status < 300);
    const refused = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(limit);
    expect(refused).toHaveLength(40 - limit);
    expect(ok.map((r) => r.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of refused) expectLimited(r, limit);
    expect(await app.db.prisma.agent.count({ where: { accountId } })).toBe(limit);
    expect(await counterValue(redis, accountId)).toBe(40);
  });

  it("the count lives in Redis: what Redis says decides, and Reset follows the key's expiry", async () => {
    const { key, accountId } = await app.newAccount('Redis decides', { rateLimitPerMinute: 3 });
    const first = await send(server.url, key, LIST_AGENTS);
    expect([first.status, first.limit, first.remaining]).toEqual([200, 3, 2]);
    const counter = await counterKey(redis, accountId);
    expect(counter).toBeDefined();
    expect(await redis.get(counter!)).toBe('1');
    const ttlMs = await redis.pttl(counter!);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
    expect(Math.abs(first.reset - (Date.now() + ttlMs) / 1000)).toBeLessThanOrEqual(2);

    // Another instance used up the budget: this one refuses too.
    await redis.set(counter!, '3', 'KEEPTTL');
    const refused = await send(server.url, key, VIEWER);
    expectLimited(refused, 3);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(Math.ceil(ttlMs / 1000));

    // The window ended (the key expired): served again, from a fresh count.
    await redis.del(counter!);
    const again = await send(server.url, key, LIST_AGENTS);
    expect([again.status, again.remaining]).toEqual([200, 2]);
    expect(await redis.get(counter!)).toBe('1');
  });

  it('a limit lowered mid-window applies to what Redis already counted', async () => {
    const { key, accountId } = await app.newAccount('Lowered', { rateLimitPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await send(server.url, key, LIST_AGENTS)).status).toBe(200);
    expectLimited(await send(server.url, key, LIST_AGENTS), 5);
    const lowered = await send(server.url, app.adminKey, { rest: `/v1/accounts/${accountId}`, method: 'PATCH', body: { rateLimitPerMinute: 4 } });
    expect(lowered.status).toBe(200);
    expectLimited(await send(server.url, key, LIST_AGENTS), 4);
    expectLimited(await send(server.url, key, VIEWER), 4);
    expect(await counterValue(redis, accountId)).toBe(8);
  });
});

describe('two server processes share one limit through Redis', () => {
  let redisServer: RedisServer | undefined;
  let redis: Redis | undefined;
  let schema: string | undefined;
  let servers: StartedServer[] = [];

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = redisClient(redisServer.url);
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    const env = { DATABASE_URL: fresh.url, REDIS_URL: redisServer.url, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY };
    servers = await Promise.all([startServer(await serverEnv(env)), startServer(await serverEnv(env))]);
  });
  afterAll(async () => {
    await killAllServers();
    redis?.disconnect();
    await redisServer?.stop();
    if (schema) await dropPostgresSchema(schema);
  });

  it('requests alternating between the two processes count against one limit', async () => {
    const [a, b] = servers as [StartedServer, StartedServer];
    for (const s of servers) {
      expect(s.logLines().find((r) => r.msg === 'OrionOS is listening')).toMatchObject({ rateLimits: 'redis' });
    }
    // Both processes' Redis clients are ready: a request to either is counted in Redis.
    for (const s of servers) {
      await eventually(async () => {
        const before = await operatorCount();
        expect((await send(s.url, PROCESS_ADMIN_KEY, { rest: '/v1/accounts' })).status).toBe(200);
        return (await operatorCount()) === before + 1;
      }, 15_000);
    }

    const created = await send(a.url, PROCESS_ADMIN_KEY, {
      rest: '/v1/accounts',
      method: 'POST',
      body: { name: 'x', tier: 'enterprise', rateLimitPerMinute: 6 },
    });
    expect(created.status).toBe(201);
    const secret: string = created.body.data.secret;
    const accountId: string = created.body.data.account.id;

    const served: [string, number, number, number][] = [];
    for (let i = 0; i < 6; i++) {
      const target = i % 2 === 0 ? a : b;
      const r = await send(target.url, secret, i % 3 === 2 ? VIEWER : LIST_AGENTS);
      served.push([target === a ? 'a' : 'b', r.status, r.limit, r.remaining]);
    }
    expect(served).toEqual([
      ['a', 200, 6, 5],
      ['b', 200, 6, 4],
      ['a', 200, 6, 3],
      ['b', 200, 6, 2],
      ['a', 200, 6, 1],
      ['b', 200, 6, 0],
    ]);
    expectLimited(await send(a.url, secret, LIST_AGENTS), 6);
    expectLimited(await send(b.url, secret, VIEWER), 6);
    expectLimited(await send(b.url, secret, { rest: '/v1/agents', method: 'POST', body: { name: 'refused' } }), 6);
    expect(await counterValue(redis!, accountId)).toBe(9);
    // The refused POST created nothing.
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    try {
      const agents = await db.query(`SELECT count(*)::int AS n FROM "${schema}"."Agent" WHERE "accountId" = $1`, [accountId]);
      expect(agents.rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });

  /** The operator's count (the only account using the admin key), 0 before its first request. */
  async function operatorCount(): Promise<number> {
    const keys = (await keysContaining(redis!, ':rl:')).filter((k) => k.includes(':acc:'));
    expect(keys.length).toBeLessThanOrEqual(1);
    return keys[0] === undefined ? 0 : Number(await redis!.get(keys[0]));
  }
});

describe('a Redis outage', () => {
  let redisServer: RedisServer | undefined;
  let redis: Redis | undefined;
  let app: TestApp;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = redisClient(redisServer.url);
    app = await startTestApp('pglite', { redisUrl: redisServer.url });
    server = await listen(app.app);
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('is survived: served and still limited in memory while Redis is down, shared again once it is back', async () => {
    const warm = await app.newAccount('Warm-up');
    await untilCountedInRedis(redis!, server.url, warm.key, warm.accountId);

    // Redis up: counted there, and what Redis says decides.
    const up = await app.newAccount('Up', { rateLimitPerMinute: 3 });
    const upResults = [
      await send(server.url, up.key, LIST_AGENTS),
      await send(server.url, up.key, VIEWER),
      await send(server.url, up.key, { rest: '/v1/agents', method: 'POST', body: { name: 'up' } }),
    ];
    expect(upResults.map((r) => [r.status, r.remaining])).toEqual([
      [200, 2],
      [200, 1],
      [201, 0],
    ]);
    expect(await counterValue(redis!, up.accountId)).toBe(3);
    expectLimited(await send(server.url, up.key, LIST_AGENTS), 3);
    const shared = await app.newAccount('Shared', { rateLimitPerMinute: 3 });
    expect((await send(server.url, shared.key, LIST_AGENTS)).status).toBe(200);
    await redis!.set((await counterKey(redis!, shared.accountId))!, '3', 'KEEPTTL');
    expectLimited(await send(server.url, shared.key, LIST_AGENTS), 3);

    // Redis down: every request is answered (no 5xx, no hang) and a small limit still holds.
    redis!.disconnect();
    await redisServer!.stop();
    const down = await app.newAccount('Down', { rateLimitPerMinute: 3 });
    const downResults: Sent[] = [];
    for (const request of [
      LIST_AGENTS,
      VIEWER,
      { rest: '/v1/agents', method: 'POST', body: { name: 'down' } },
      LIST_AGENTS,
      VIEWER,
      { rest: '/v1/agents', method: 'POST', body: { name: 'refused while down' } },
    ]) {
      downResults.push(await send(server.url, down.key, request));
    }
    expect(downResults.slice(0, 3).map((r) => [r.status, r.limit, r.remaining])).toEqual([
      [200, 3, 2],
      [200, 3, 1],
      [201, 3, 0],
    ]);
    for (const r of downResults.slice(3)) expectLimited(r, 3);
    expect(await app.db.prisma.agent.count({ where: { accountId: down.accountId } })).toBe(1);
    // Other accounts are served too (their own in-memory buckets).
    expect((await send(server.url, warm.key, LIST_AGENTS)).status).toBe(200);

    // Redis back (empty: nothing was saved): once the app has reconnected, counted there again.
    await redisServer!.start();
    redis = redisClient(redisServer!.url);
    expect(await keysContaining(redis, ':rl:')).toEqual([]);
    await untilCountedInRedis(redis, server.url, warm.key, warm.accountId);
    const back = await app.newAccount('Back', { rateLimitPerMinute: 3 });
    const first = await send(server.url, back.key, LIST_AGENTS);
    expect([first.status, first.remaining]).toEqual([200, 2]);
    expect(await counterValue(redis, back.accountId)).toBe(1);
    await redis.set((await counterKey(redis, back.accountId))!, '3', 'KEEPTTL');
    expectLimited(await send(server.url, back.key, VIEWER), 3);
    expect(await counterValue(redis, back.accountId)).toBe(4);
  });
});

describe('a Redis that stops answering (connection open, no replies)', () => {
  let redisServer: RedisServer | undefined;
  let redis: Redis | undefined;
  let app: TestApp;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    redisServer = await startRedisServer();
    redis = redisClient(redisServer.url);
    app = await startTestApp('pglite', { redisUrl: redisServer.url });
    server = await listen(app.app);
  });
  afterAll(async () => {
    redis?.disconnect();
    await redisServer?.stop(); // First: lets any request still waiting on it finish.
    await server?.close();
    await app?.close();
  });

  // Regression: a Redis that keeps the connection open but stops answering (frozen, overloaded, a
  // partition that drops packets) must not hang requests: commands time out and the insurance
  // limiter takes over.
  it('a request is still answered (insurance limiter) within 2 s', async () => {
    const { key, accountId } = await app.newAccount('Frozen', { rateLimitPerMinute: 3 });
    await untilCountedInRedis(redis!, server.url, key, accountId);
    redis!.disconnect();
    redisServer!.pause();
    const r = await send(server.url, key, LIST_AGENTS, 2_000);
    expect([r.status, r.limit]).toEqual([200, 3]);
  });
});
