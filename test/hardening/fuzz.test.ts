import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/errors.js';
import { routes } from '../../src/rest/routes.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

const CODES = Object.keys(ERROR_STATUS);

function expectEnvelope(res: { status: number; body: any; headers: Record<string, string> }) {
  expect(res.status).toBeLessThan(500);
  expect(res.headers['x-request-id']).toBeTruthy();
  if (res.status >= 400) {
    expect(res.body.success).toBe(false);
    expect(CODES).toContain(res.body.error.code);
    expect(ERROR_STATUS[res.body.error.code as keyof typeof ERROR_STATUS]).toBe(res.status);
    expect(typeof res.body.error.message).toBe('string');
    expect(typeof res.body.error.details).toBe('object');
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  } else if (res.status !== 204) {
    expect(res.body.success).toBe(true);
    expect('data' in res.body).toBe(true);
  }
}

/** Property-based: random and malformed input never yields a 5xx, always a valid envelope, and a refused request stores nothing. */
describe('fuzzing', () => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let agentId: string;
  let conversationId: string;

  beforeAll(async () => {
    app = await startTestApp('pglite');
    ({ key, accountId } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Fuzz' })).body.data.id;
    conversationId = (await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' })).body.data.conversationId;
  });
  afterAll(() => app?.close());

  const snapshot = () =>
    Promise.all([
      app.db.prisma.agent.count({ where: { accountId } }),
      app.db.prisma.message.count({ where: { accountId } }),
      app.db.prisma.apiKey.count({ where: { accountId } }),
      app.db.prisma.conversation.count({ where: { accountId } }),
      app.db.prisma.account.count(),
    ]);

  const pathParam = fc.oneof(
    fc.constantFrom('agt_01J0000000000000000000000Z', 'cnv_01J0000000000000000000000Z', 'key_x', '%00', '..', 'a'.repeat(300)),
    fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s) || 'x'),
  );
  const body = fc.oneof(
    fc.anything({ maxDepth: 4 }),
    fc.json({ maxDepth: 4 }).map((j) => ({ raw: j })),
    fc.string({ maxLength: 200 }).map((raw) => ({ raw })),
    fc.record({ name: fc.anything(), text: fc.anything(), userId: fc.anything(), scopes: fc.anything(), model: fc.anything() }, { requiredKeys: [] }),
  );
  const query = fc.dictionary(fc.constantFrom('page', 'limit', 'userId', 'text', 'x', 'first', 'q', 'from', 'to', 'agentId'), fc.string({ maxLength: 12 }), { maxKeys: 3 });
  const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '');
  const authorization = fc.constantFrom('valid', 'none', 'Bearer orn_live_bogus', 'Basic abc', 'Bearer ', 'bearer  ');

  it.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_name, route) => {
    await fc.assert(
      fc.asyncProperty(pathParam, body, query, contentType, authorization, async (param, payload, q, type, auth) => {
        const before = await snapshot();
        const path = `/v1${route.path.replace(/:\w+/g, () => param)}`;
        const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
        let req = app.http[method](path).query(q);
        if (auth === 'valid') req = req.set(bearer(key));
        else if (auth !== 'none') req = req.set('Authorization', auth);
        if (type) req = req.set('Content-Type', type);
        const send =
          payload && typeof payload === 'object' && 'raw' in (payload as object)
            ? req.send(String((payload as { raw: unknown }).raw))
            : req.send(JSON.stringify(payload ?? null));
        const res = await send;
        expectEnvelope(res as never);
        if (res.status >= 400) expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 25 },
    );
  });

  it('GraphQL documents: random, and valid ones with random variables', async () => {
    const docs = Object.values(OPS);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.constantFrom(...docs),
          fc.tuple(fc.constantFrom(...docs), fc.nat(400), fc.string({ maxLength: 5 })).map(([d, at, junk]) => d.slice(0, at) + junk + d.slice(at)),
        ),
        fc.dictionary(fc.constantFrom('agentId', 'input', 'page', 'limit', 'conversationId', 'keyId', 'userId'), fc.anything({ maxDepth: 3 }), { maxKeys: 4 }),
        authorization,
        async (query, variables, auth) => {
          const before = await snapshot();
          const res = await graphql(app, auth === 'valid' ? key : auth === 'none' ? undefined : 'orn_live_bogus', query, variables);
          expect(res.status).toBeLessThan(500);
          expect(typeof res.body).toBe('object');
          if (res.body.errors) {
            for (const error of res.body.errors) {
              expect(typeof error.message).toBe('string');
              expect(CODES).toContain(error.extensions.code);
              expect(error.extensions.requestId).toBe(res.headers['x-request-id']);
            }
            if (!res.body.data) expect(await snapshot()).toEqual(before);
          } else {
            expect(res.body.data).toBeTypeOf('object');
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random headers on a valid request never break it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('X-Request-Id', 'Idempotency-Key', 'Accept', 'Accept-Encoding', 'X-Forwarded-For', 'Content-Length-Extra'),
          fc.string({ maxLength: 300 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
          { maxKeys: 4 },
        ),
        async (headers) => {
          const res = await app.http.get(`/v1/agents/${agentId}`).set(bearer(key)).set(headers);
          // None of these headers changes what a GET of one's own agent answers (an
          // Idempotency-Key applies to POST only, Accept-Encoding and X-Forwarded-For to nothing here).
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toMatch(/^application\/json/);
          expectEnvelope(res as never);
          expect(res.body.data).toMatchObject({ id: agentId, name: 'Fuzz' });
        },
      ),
      { numRuns: 60 },
    );
    expect(conversationId).toMatch(/^cnv_/);
  });
});
