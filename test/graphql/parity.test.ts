import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

/** REST and GraphQL give the same data and the same error codes, route by route. */
describe.each(STORAGES)('REST ↔ GraphQL parity (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let readOnly: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    const account = await app.newAccount();
    key = account.key;
    readOnly = await app.keyWithScopes(account.accountId, ['agents:read']);
  });
  afterAll(() => app?.close());

  const codeOf = (body: { errors?: { extensions: { code: string } }[] }) => body.errors?.[0]?.extensions.code;

  it('create: same shape, same validation errors, same auth errors', async () => {
    const input = { name: 'Twin', personality: { traits: ['x'] }, metadata: { k: 'v' } };
    const rest = await app.http.post('/v1/agents').set(bearer(key)).send(input);
    const gql = await graphql(app, key, OPS.createAgent, { input });
    const strip = ({ id, createdAt, updatedAt, ...rest }: any) => rest;
    expect(strip(gql.body.data.createAgent)).toEqual(strip(rest.body.data));
    expect(Object.keys(gql.body.data.createAgent)).toEqual(Object.keys(rest.body.data));

    for (const bad of [{ name: '' }, { name: 'a', foo: 1 }, { name: 'a', model: { temperature: 9 } }, {}]) {
      const r = await app.http.post('/v1/agents').set(bearer(key)).send(bad);
      const g = await graphql(app, key, OPS.createAgent, { input: bad });
      expect(r.body.error.code).toBe('INVALID_REQUEST');
      expect(codeOf(g.body)).toBe('INVALID_REQUEST');
      expect(g.body.errors![0].extensions.details).toEqual(r.body.error.details);
      expect(g.body.errors![0].message).toBe(r.body.error.message);
    }
    const r = await app.http.post('/v1/agents').set(bearer(readOnly)).send(input);
    const g = await graphql(app, readOnly, OPS.createAgent, { input });
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect([g.status, codeOf(g.body)]).toEqual([403, 'FORBIDDEN']);
    expect(g.body.errors![0].extensions.details).toEqual(r.body.error.details);

    const r2 = await app.http.post('/v1/agents').send(input);
    const g2 = await graphql(app, undefined, OPS.createAgent, { input });
    expect([r2.status, r2.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    expect([g2.status, codeOf(g2.body)]).toEqual([401, 'UNAUTHORIZED']);
    expect(g2.headers['www-authenticate']).toBe('Bearer');
    expect(g2.body.errors![0].extensions.requestId).toBe(g2.headers['x-request-id']);
  });

  it('get, list, update, delete: identical data and identical errors', async () => {
    const created = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'P' })).body.data;

    const rGet = await app.http.get(`/v1/agents/${created.id}`).set(bearer(key));
    const gGet = await graphql(app, key, OPS.getAgent, { agentId: created.id });
    expect(gGet.body.data.agent).toEqual(rGet.body.data);

    const rList = await app.http.get('/v1/agents?page=1&limit=5').set(bearer(key));
    const gList = await graphql(app, key, OPS.listAgents, { page: 1, limit: 5 });
    expect(gList.body.data.agents).toEqual(rList.body.data);

    for (const [query, variables] of [
      ['limit=0', { limit: 0 }],
      ['limit=101', { limit: 101 }],
      ['page=0', { page: 0 }],
    ] as const) {
      const r = await app.http.get(`/v1/agents?${query}`).set(bearer(key));
      const g = await graphql(app, key, OPS.listAgents, variables);
      expect(r.body.error.code).toBe('INVALID_REQUEST');
      expect(codeOf(g.body)).toBe('INVALID_REQUEST');
      expect(g.body.errors![0].extensions.details).toEqual(r.body.error.details);
    }

    const missing = 'agt_01J0000000000000000000000Z';
    const rMissing = await app.http.get(`/v1/agents/${missing}`).set(bearer(key));
    const gMissing = await graphql(app, key, OPS.getAgent, { agentId: missing });
    expect([rMissing.status, rMissing.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    expect([gMissing.status, codeOf(gMissing.body)]).toEqual([404, 'AGENT_NOT_FOUND']);
    expect(gMissing.body.errors![0].message).toBe(rMissing.body.error.message);

    const rPatch = await app.http.patch(`/v1/agents/${created.id}`).set(bearer(key)).send({ description: 'r' });
    const gPatch = await graphql(app, key, OPS.updateAgent, { agentId: created.id, input: { description: 'r' } });
    expect({ ...gPatch.body.data.updateAgent, updatedAt: 0 }).toEqual({ ...rPatch.body.data, updatedAt: 0 });
    const rBadPatch = await app.http.patch(`/v1/agents/${created.id}`).set(bearer(key)).send({ name: null });
    const gBadPatch = await graphql(app, key, OPS.updateAgent, { agentId: created.id, input: { name: null } });
    expect(rBadPatch.body.error.code).toBe('INVALID_REQUEST');
    expect(codeOf(gBadPatch.body)).toBe('INVALID_REQUEST');

    const gDelete = await graphql(app, key, OPS.deleteAgent, { agentId: created.id });
    expect(gDelete.body.data.deleteAgent).toEqual({ id: created.id, deleted: true });
    const rDelete = await app.http.delete(`/v1/agents/${created.id}`).set(bearer(key));
    expect([rDelete.status, rDelete.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    const gDeleteAgain = await graphql(app, key, OPS.deleteAgent, { agentId: created.id });
    expect(codeOf(gDeleteAgain.body)).toBe('AGENT_NOT_FOUND');
  });

  it('create account: same shape and the same admin-only rule', async () => {
    const input = { name: 'Parity Inc', tier: 'pro' };
    const rest = await app.http.post('/v1/accounts').set(bearer(app.adminKey)).send(input);
    const gql = await graphql(app, app.adminKey, OPS.createAccount, { input });
    expect(rest.status).toBe(201);
    expect(Object.keys(gql.body.data.createAccount)).toEqual(Object.keys(rest.body.data));
    expect(gql.body.data.createAccount.account).toMatchObject({ name: 'Parity Inc', tier: 'pro', rateLimitPerMinute: 300 });
    const r = await app.http.post('/v1/accounts').set(bearer(key)).send(input);
    const g = await graphql(app, key, OPS.createAccount, { input });
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect([g.status, codeOf(g.body)]).toEqual([403, 'FORBIDDEN']);
  });
});
