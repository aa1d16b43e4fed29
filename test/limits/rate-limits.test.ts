// Per-minute request limits with the in-memory store: the X-RateLimit-* headers, 429
// RATE_LIMIT_EXCEEDED in both protocols, one count per HTTP request whatever the protocol,
// per-account buckets, the per-address bucket for missing or bad keys, and exactness under
// concurrency.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

type Headers = Record<string, string | undefined>;

/** The X-RateLimit-* headers, as numbers (NaN when missing). */
function rateHeaders(headers: Headers) {
  return {
    limit: Number(headers['x-ratelimit-limit']),
    remaining: Number(headers['x-ratelimit-remaining']),
    reset: Number(headers['x-ratelimit-reset']),
  };
}

/** X-RateLimit-Reset is Unix seconds, within the next minute (a fixed 60 s window). */
function expectResetWithinAMinute(reset: number, sentAtMs: number) {
  expect(Number.isInteger(reset)).toBe(true);
  expect(reset).toBeGreaterThanOrEqual(Math.floor(sentAtMs / 1000));
  expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
}

/** Retry-After: an integer number of seconds, at least 1, at most the window; returns it. */
function expectRetryAfter(headers: Headers): number {
  const header = headers['retry-after'];
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

/** A 429 in the REST envelope, its Retry-After equal to details.retryAfter. */
function expectRestLimited(res: { status: number; body: any; headers: Headers }, limit: number) {
  expect(res.status).toBe(429);
  expect(res.body.success).toBe(false);
  expect(res.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  const retryAfter = expectRetryAfter(res.headers);
  expect(res.body.error.details).toEqual({ retryAfter, limit });
  expect(rateHeaders(res.headers)).toMatchObject({ limit, remaining: 0 });
}

/** A 429 as a GraphQL error response, its Retry-After equal to details.retryAfter. */
function expectGraphqlLimited(res: { status: number; body: any; headers: Headers }, limit: number) {
  expect(res.status).toBe(429);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  const [error] = res.body.errors;
  expect(typeof error.message).toBe('string');
  expect(error.extensions.code).toBe('RATE_LIMIT_EXCEEDED');
  expect(error.extensions.requestId).toBe(res.headers['x-request-id']);
  const retryAfter = expectRetryAfter(res.headers);
  expect(error.extensions.details).toEqual({ retryAfter, limit });
  expect(rateHeaders(res.headers)).toMatchObject({ limit, remaining: 0 });
}

const badKey = () => `orn_live_${randomBytes(32).toString('base64url')}`;

const CREATE_AGENT = 'mutation($i: CreateAgentInput!) { createAgent(input: $i) { id name } }';

describe('rate limits (memory store)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(() => app?.close());

  const agentsOf = (accountId: string) => app.db.prisma.agent.count({ where: { accountId } });

  describe('X-RateLimit-* headers', () => {
    it('every authenticated response carries them; REST and GraphQL requests count down one shared budget', async () => {
      const limit = 8;
      const { key } = await app.newAccount('Counted', { rateLimitPerMinute: limit });
      const sentAt = Date.now();
      // Successes and errors alike, alternating protocols.
      const requests: (() => Promise<{ status: number; headers: Headers }>)[] = [
        () => app.http.get('/v1/agents').set(bearer(key)),
        () => graphql(app, key, '{ agents { totalCount } }'),
        () => app.http.get('/v1/agents/agt_01J00000000000000000000000').set(bearer(key)),
        () => graphql(app, key, '{ agents { nope } }'),
        () => app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Counted agent' }),
        () => graphql(app, key, CREATE_AGENT, { i: { name: 'Counted agent 2' } }),
        () => app.http.post('/v1/agents').set(bearer(key)).send({}),
        () => graphql(app, key, '{ viewer { id } }'),
      ];
      const statuses: number[] = [];
      const resets: number[] = [];
      for (const [i, send] of requests.entries()) {
        const res = await send();
        statuses.push(res.status);
        const h = rateHeaders(res.headers);
        expect({ request: i, limit: h.limit, remaining: h.remaining }).toEqual({
          request: i,
          limit,
          remaining: limit - 1 - i,
        });
        expectResetWithinAMinute(h.reset, sentAt);
        resets.push(h.reset);
      }
      // The requests above really were a mix of successes and failures (so both kinds carry the headers).
      expect(statuses.slice(0, 3)).toEqual([200, 200, 404]);
      expect(statuses[3]).toBeGreaterThanOrEqual(200);
      expect(statuses.slice(4, 6)).toEqual([201, 200]);
      expect(statuses[6]).toBe(400);
      // One fixed window: every response names the same reset (give or take the rounding second).
      expect(Math.max(...resets) - Math.min(...resets)).toBeLessThanOrEqual(1);

      // The budget is spent: the next request of either protocol is refused, still with the headers.
      const rest = await app.http.get('/v1/agents').set(bearer(key));
      expectRestLimited(rest, limit);
      expectResetWithinAMinute(rateHeaders(rest.headers).reset, sentAt);
      expectGraphqlLimited(await graphql(app, key, '{ agents { totalCount } }'), limit);
    });

    it("a standard-tier account without its own limit gets the tier's 60 per minute", async () => {
      const { key } = await app.newAccount('Standard', { tier: 'standard', rateLimitPerMinute: undefined });
      const sentAt = Date.now();
      const first = await app.http.get('/v1/agents').set(bearer(key));
      expect(first.status).toBe(200);
      expect(rateHeaders(first.headers)).toMatchObject({ limit: 60, remaining: 59 });
      expectResetWithinAMinute(rateHeaders(first.headers).reset, sentAt);
      const second = await graphql(app, key, '{ viewer { tier rateLimitPerMinute } }');
      expect(second.body.data.viewer).toEqual({ tier: 'standard', rateLimitPerMinute: 60 });
      expect(rateHeaders(second.headers)).toMatchObject({ limit: 60, remaining: 58 });
      expectResetWithinAMinute(rateHeaders(second.headers).reset, sentAt);
    });
  });

  describe('over the limit', () => {
    it('POST /v1/agents refused with 429 RATE_LIMIT_EXCEEDED creates nothing', async () => {
      const { key, accountId } = await app.newAccount('Limited', { rateLimitPerMinute: 2 });
      expect((await app.http.get('/v1/agents').set(bearer(key))).status).toBe(200);
      expect((await graphql(app, key, '{ agents { totalCount } }')).status).toBe(200);

      const refused = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Refused' });
      expectRestLimited(refused, 2);
      expect(refused.body.error.message).toContain(String(refused.body.error.details.retryAfter));
      expect(await agentsOf(accountId)).toBe(0);
    });

    it('a limit lowered mid-window applies to what was already counted (REST and GraphQL changes)', async () => {
      const { key, accountId } = await app.newAccount('Lowered', { rateLimitPerMinute: 5 });
      for (let i = 0; i < 5; i++) expect((await app.http.get('/v1/agents').set(bearer(key))).status).toBe(200);
      expectRestLimited(await app.http.get('/v1/agents').set(bearer(key)), 5);
      const lowered = await app.http.patch(`/v1/accounts/${accountId}`).set(bearer(app.adminKey)).send({ rateLimitPerMinute: 4 });
      expect(lowered.status).toBe(200);
      // Already 6 counted this minute: 4 more are not served.
      expectRestLimited(await app.http.get('/v1/agents').set(bearer(key)), 4);
      expectGraphqlLimited(await graphql(app, key, '{ agents { totalCount } }'), 4);
      const changed = await graphql(app, app.adminKey, 'mutation($id: ID!) { updateAccount(id: $id, input: {rateLimitPerMinute: 3}) { id } }', { id: accountId });
      expect(changed.body.errors).toBeUndefined();
      expectRestLimited(await app.http.get('/v1/agents').set(bearer(key)), 3);
      // Raised above what was counted (9): served again, counting on from there.
      await app.http.patch(`/v1/accounts/${accountId}`).set(bearer(app.adminKey)).send({ rateLimitPerMinute: 11 });
      const served = await app.http.get('/v1/agents').set(bearer(key));
      expect([served.status, rateHeaders(served.headers).remaining]).toEqual([200, 1]);
    });

    it('createAgent over GraphQL refused with 429 and a GraphQL error creates nothing', async () => {
      const { key, accountId } = await app.newAccount('Limited GraphQL', { rateLimitPerMinute: 2 });
      expect((await graphql(app, key, CREATE_AGENT, { i: { name: 'Allowed 1' } })).status).toBe(200);
      expect((await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Allowed 2' })).status).toBe(201);
      expect(await agentsOf(accountId)).toBe(2);

      const refused = await graphql(app, key, CREATE_AGENT, { i: { name: 'Refused' } });
      expectGraphqlLimited(refused, 2);
      const rest = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Refused too' });
      expectRestLimited(rest, 2);
      expect(await agentsOf(accountId)).toBe(2);
      const names = await app.db.prisma.agent.findMany({ where: { accountId }, select: { name: true } });
      expect(names.map((a) => a.name).sort()).toEqual(['Allowed 1', 'Allowed 2']);
    });

    it('a refused message (plain or streamed) stores no conversation and no message', async () => {
      const { key, accountId } = await app.newAccount('Limited messages', { rateLimitPerMinute: 2 });
      const agent = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Talker' });
      expect(agent.status).toBe(201);
      expect((await app.http.get(`/v1/agents/${agent.body.data.id}`).set(bearer(key))).status).toBe(200);

      const plain = await app.http
        .post(`/v1/agents/${agent.body.data.id}/messages`)
        .set(bearer(key))
        .send({ text: 'hello', userId: 'u1' });
      expectRestLimited(plain, 2);
      const streamed = await app.http
        .post(`/v1/agents/${agent.body.data.id}/messages`)
        .set(bearer(key))
        .set('Accept', 'text/event-stream')
        .send({ text: 'hello', userId: 'u1', stream: true });
      expect(streamed.headers['content-type']).toMatch(/application\/json/);
      expectRestLimited(streamed, 2);
      expect(await app.db.prisma.conversation.count({ where: { accountId } })).toBe(0);
      expect(await app.db.prisma.message.count({ where: { accountId } })).toBe(0);
    });
  });

  describe('per-account buckets', () => {
    it("account A using up its limit leaves account B's untouched", async () => {
      const a = await app.newAccount('A', { rateLimitPerMinute: 2 });
      const b = await app.newAccount('B', { rateLimitPerMinute: 2 });
      for (let i = 0; i < 2; i++) expect((await app.http.get('/v1/agents').set(bearer(a.key))).status).toBe(200);
      expectRestLimited(await app.http.get('/v1/agents').set(bearer(a.key)), 2);
      expectGraphqlLimited(await graphql(app, a.key, '{ viewer { id } }'), 2);

      const b1 = await app.http.get('/v1/agents').set(bearer(b.key));
      expect(b1.status).toBe(200);
      expect(rateHeaders(b1.headers)).toMatchObject({ limit: 2, remaining: 1 });
      const b2 = await graphql(app, b.key, '{ viewer { id } }');
      expect(b2.body.data.viewer.id).toBe(b.accountId);
      expect(rateHeaders(b2.headers)).toMatchObject({ limit: 2, remaining: 0 });
      expectRestLimited(await app.http.get('/v1/agents').set(bearer(b.key)), 2);
    });

    it("an account's keys share the account's one budget", async () => {
      const { key, accountId } = await app.newAccount('Two keys', { rateLimitPerMinute: 3 });
      const other = await app.keyWithScopes(accountId, ['agents:read']);
      const r1 = await app.http.get('/v1/agents').set(bearer(key));
      const r2 = await app.http.get('/v1/agents').set(bearer(other));
      const r3 = await graphql(app, other, '{ agents { totalCount } }');
      expect([r1, r2, r3].map((r) => [r.status, rateHeaders(r.headers).remaining])).toEqual([
        [200, 2],
        [200, 1],
        [200, 0],
      ]);
      expectRestLimited(await app.http.get('/v1/agents').set(bearer(key)), 3);
    });
  });

  describe('concurrency', () => {
    let server: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      server = await listen(app.app);
    });
    afterAll(() => server?.close());

    it('with a limit of 10, exactly 10 of 40 concurrent requests (REST and GraphQL) succeed', async () => {
      const limit = 10;
      const { key, accountId } = await app.newAccount('Concurrent', { rateLimitPerMinute: limit });
      const headers = { ...bearer(key), 'Content-Type': 'application/json', Accept: 'application/json' };
      const results = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const res =
            i % 2 === 0
              ? await fetch(`${server.url}/v1/agents`, {
                  method: 'POST',
                  headers,
                  body: JSON.stringify({ name: `rest-${i}` }),
                })
              : await fetch(`${server.url}/graphql`, {
                  method: 'POST',
                  headers,
                  body: JSON.stringify({ query: CREATE_AGENT, variables: { i: { name: `gql-${i}` } } }),
                });
          const body: any = await res.json();
          return { status: res.status, remaining: Number(res.headers.get('x-ratelimit-remaining')), body };
        }),
      );
      const ok = results.filter((r) => r.status >= 200 && r.status < 300);
      const refused = results.filter((r) => r.status === 429);
      expect(ok).toHaveLength(limit);
      expect(refused).toHaveLength(40 - limit);
      // Each success got its own slot of the budget.
      expect(ok.map((r) => r.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const r of refused) {
        expect(r.body.success === false ? r.body.error.code : r.body.errors[0].extensions.code).toBe(
          'RATE_LIMIT_EXCEEDED',
        );
      }
      // Exactly the served requests created agents.
      expect(await agentsOf(accountId)).toBe(limit);
    });
  });
});

describe('rate limits for requests without a valid key (per client address)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite', { anonymousRateLimitPerMinute: 3 });
  });
  afterAll(() => app?.close());

  it('the 4th request with a bad or no key gets 429 instead of 401; a valid key is still served', async () => {
    const sentAt = Date.now();
    const first = await app.http.get('/v1/agents').set(bearer(badKey()));
    expect([first.status, first.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(rateHeaders(first.headers)).toMatchObject({ limit: 3, remaining: 2 });
    expectResetWithinAMinute(rateHeaders(first.headers).reset, sentAt);

    const second = await graphql(app, badKey(), '{ viewer { id } }');
    expect([second.status, second.body.errors[0].extensions.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(rateHeaders(second.headers)).toMatchObject({ limit: 3, remaining: 1 });

    // No key at all counts against the same address.
    const third = await app.http.get('/v1/agents');
    expect([third.status, third.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(rateHeaders(third.headers)).toMatchObject({ limit: 3, remaining: 0 });

    // Past the address's limit, a bad or missing key is answered 429, no longer 401.
    expectRestLimited(await app.http.get('/v1/agents').set(bearer(badKey())), 3);
    expectGraphqlLimited(await graphql(app, badKey(), '{ viewer { id } }'), 3);
    expectRestLimited(await app.http.post('/v1/agents').send({ name: 'anon' }), 3);
    expectRestLimited(await app.http.get('/v1/agents').set('Authorization', 'Basic Zm9vOmJhcg=='), 3);

    // A valid key from the same address has its account's own bucket.
    const { key } = await app.newAccount('Valid', { rateLimitPerMinute: 5 });
    const valid = await app.http.get('/v1/agents').set(bearer(key));
    expect(valid.status).toBe(200);
    expect(rateHeaders(valid.headers)).toMatchObject({ limit: 5, remaining: 4 });
    const validGraphql = await graphql(app, key, '{ agents { totalCount } }');
    expect(validGraphql.status).toBe(200);
    expect(rateHeaders(validGraphql.headers)).toMatchObject({ limit: 5, remaining: 3 });
    const admin = await app.http.get('/v1/accounts').set(bearer(app.adminKey));
    expect(admin.status).toBe(200);

    // ...and serving it did not refill the address's bucket.
    expectRestLimited(await app.http.get('/v1/agents').set(bearer(badKey())), 3);
  });
});

// Regression: TRUST_PROXY=true believed the left-most X-Forwarded-For address, which the client
// writes itself, so rotating it lifted the anonymous limit. Now only hops or addresses are trusted
// (true is refused at start-up: test/process/config.test.ts).
describe.for([
  { name: 'one trusted hop (TRUST_PROXY=1)', trustProxy: 1 as const },
  { name: 'trusted proxy addresses (TRUST_PROXY=loopback)', trustProxy: ['loopback'] },
])('the per-address limit behind a proxy: $name', ({ trustProxy }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite', { anonymousRateLimitPerMinute: 3, trustProxy });
  });
  afterAll(() => app?.close());

  it('a client rotating its own X-Forwarded-For still meets the limit of the address the proxy saw', async () => {
    // What the client wrote, then what the proxy (here: the loopback peer) appended.
    const through = (forged: string) =>
      app.http.get('/v1/agents').set(bearer(badKey())).set('X-Forwarded-For', `${forged}, 203.0.113.7`);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await through(`198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // Another client behind the same proxy has its own budget.
    const other = await app.http.get('/v1/agents').set(bearer(badKey())).set('X-Forwarded-For', '203.0.113.8');
    expect(other.status).toBe(401);
  });
});
