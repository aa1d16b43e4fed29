import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';

describe.each(STORAGES)('REST /v1/agents (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key, accountId } = await app.newAccount());
  });
  afterAll(() => app?.close());

  const count = () => app.db.prisma.agent.count({ where: { accountId } });

  function expectError(res: { status: number; body: any; headers: any }, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.body.success).toBe(false);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.body.error.details).toBeTypeOf('object');
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  }

  describe('POST /v1/agents', () => {
    it('creates an agent with defaults (201, seed envelope)', async () => {
      const res = await app.http.post('/v1/agents').set(bearer(key)).send({
        name: 'MyAgent',
        personality: { traits: ['helpful', 'friendly'] },
      });
      expect(res.status).toBe(201);
      expect(res.headers['x-request-id']).toMatch(/^req_/);
      expect(res.body.success).toBe(true);
      const agent = res.body.data;
      expect(agent).toMatchObject({
        name: 'MyAgent',
        description: null,
        personality: { traits: ['helpful', 'friendly'], tone: 'neutral', bio: '', style: [], examples: [] },
        systemPrompt: null,
        model: { provider: 'local', name: 'orion-local-1', temperature: 0.7, maxTokens: 1024 },
        status: 'active',
        metadata: {},
      });
      expect(agent.id).toMatch(/^agt_[0-9A-Z]{26}$/);
      expect(new Date(agent.createdAt).toISOString()).toBe(agent.createdAt);
    });

    it('stores every field it is given', async () => {
      const input = {
        name: 'Full',
        description: 'does everything',
        personality: {
          traits: ['curious'],
          tone: 'warm',
          bio: 'A test agent.',
          style: ['short sentences'],
          examples: [{ user: 'hi', agent: 'hello!' }],
        },
        systemPrompt: 'Be brief.',
        model: { provider: 'openai', name: 'gpt-4o', temperature: 0.2, maxTokens: 500 },
        status: 'paused',
        metadata: { team: 'support' },
      };
      const res = await app.http.post('/v1/agents').set(bearer(key)).send(input);
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject(input);
      const got = await app.http.get(`/v1/agents/${res.body.data.id}`).set(bearer(key));
      expect(got.body.data).toEqual(res.body.data);
    });

    it('defaults the model name by provider', async () => {
      const res = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'C', model: { provider: 'anthropic' } });
      expect(res.body.data.model.name).toBe('claude-sonnet-4-5');
    });

    const invalid: [string, unknown, string][] = [
      ['missing name', {}, 'name'],
      ['empty name', { name: '   ' }, 'name'],
      ['name over 100 characters', { name: 'x'.repeat(101) }, 'name'],
      ['name of the wrong type', { name: 42 }, 'name'],
      ['unknown field', { name: 'a', foo: 1 }, 'foo'],
      ['mass-assigned id', { name: 'a', id: 'agt_01J000000000000000000000000' }, 'id'],
      ['mass-assigned accountId', { name: 'a', accountId: 'acc_x' }, 'accountId'],
      ['mass-assigned createdAt', { name: 'a', createdAt: '2020-01-01T00:00:00Z' }, 'createdAt'],
      ['temperature above 2', { name: 'a', model: { temperature: 2.5 } }, 'model.temperature'],
      ['maxTokens not an integer', { name: 'a', model: { maxTokens: 1.5 } }, 'model.maxTokens'],
      ['unknown provider', { name: 'a', model: { provider: 'gpt' } }, 'model.provider'],
      ['too many traits', { name: 'a', personality: { traits: Array.from({ length: 21 }, (_, i) => `t${i}`) } }, 'personality.traits'],
      ['unknown personality field', { name: 'a', personality: { mood: 'x' } }, 'personality.mood'],
      ['metadata with 17 pairs', { name: 'a', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      ['metadata with a non-string value', { name: 'a', metadata: { n: 1 } }, 'metadata.n'],
      ['bad status', { name: 'a', status: 'sleeping' }, 'status'],
    ];
    it.each(invalid)('rejects %s with 400 INVALID_REQUEST naming the field, storing nothing', async (_label, body, field) => {
      const before = await count();
      const res = await app.http.post('/v1/agents').set(bearer(key)).send(body as object);
      expectError(res, 400, 'INVALID_REQUEST');
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(await count()).toBe(before);
    });

    it('rejects malformed JSON, a non-JSON content type, a non-object body and an empty body', async () => {
      const before = await count();
      const malformed = await app.http.post('/v1/agents').set(bearer(key)).set('Content-Type', 'application/json').send('{"name":');
      expectError(malformed, 400, 'INVALID_REQUEST');
      const text = await app.http.post('/v1/agents').set(bearer(key)).set('Content-Type', 'text/plain').send('name=x');
      expectError(text, 400, 'INVALID_REQUEST');
      const form = await app.http.post('/v1/agents').set(bearer(key)).type('form').send({ name: 'x' });
      expectError(form, 400, 'INVALID_REQUEST');
      const array = await app.http.post('/v1/agents').set(bearer(key)).send([{ name: 'x' }]);
      expectError(array, 400, 'INVALID_REQUEST');
      const empty = await app.http.post('/v1/agents').set(bearer(key));
      expectError(empty, 400, 'INVALID_REQUEST');
      expect(await count()).toBe(before);
    });

    it('rejects a body over 1 MiB with 413 PAYLOAD_TOO_LARGE, storing nothing', async () => {
      const before = await count();
      const res = await app.http
        .post('/v1/agents')
        .set(bearer(key))
        .send({ name: 'big', description: 'x'.repeat(1024 * 1024 + 1) });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(await count()).toBe(before);
    });
  });

  describe('authentication and scopes', () => {
    it('401 UNAUTHORIZED with WWW-Authenticate for a missing, malformed or unknown key', async () => {
      for (const headers of [
        {},
        { Authorization: 'Basic abc' },
        { Authorization: 'Bearer' },
        bearer('orn_live_unknownunknownunknownunknownunknownunkno'),
        bearer('x'.repeat(300)),
      ]) {
        const before = await count();
        const res = await app.http.post('/v1/agents').set(headers).send({ name: 'nope' });
        expectError(res, 401, 'UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(await count()).toBe(before);
      }
    });

    it('401 for a revoked key and for an expired key', async () => {
      const revoked = await app.keyWithScopes(accountId, ['agents:read']);
      await app.db.prisma.apiKey.updateMany({ where: { accountId, name: 'scoped' }, data: { revokedAt: new Date() } });
      app.keyCache.clear();
      expectError(await app.http.get('/v1/agents').set(bearer(revoked)), 401, 'UNAUTHORIZED');
      const expired = await app.keyWithScopes(accountId, ['agents:read']);
      await app.db.prisma.apiKey.updateMany({
        where: { accountId, name: 'scoped', revokedAt: null },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      app.keyCache.clear();
      const res = await app.http.get('/v1/agents').set(bearer(expired));
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.body.error.message).toMatch(/expired/);
    });

    it('403 FORBIDDEN naming the missing scope', async () => {
      const readOnly = await app.keyWithScopes(accountId, ['agents:read']);
      const before = await count();
      const res = await app.http.post('/v1/agents').set(bearer(readOnly)).send({ name: 'x' });
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body.error.details.requiredScope).toBe('agents:write');
      expect(await count()).toBe(before);
      const writeOnly = await app.keyWithScopes(accountId, ['agents:write']);
      const list = await app.http.get('/v1/agents').set(bearer(writeOnly));
      expectError(list, 403, 'FORBIDDEN');
      expect(list.body.error.details.requiredScope).toBe('agents:read');
    });
  });

  describe('GET, PATCH, DELETE /v1/agents/{agentId}', () => {
    let agent: any;
    beforeAll(async () => {
      agent = (
        await app.http.post('/v1/agents').set(bearer(key)).send({
          name: 'Editable',
          description: 'before',
          personality: { traits: ['a', 'b'], tone: 'dry' },
          metadata: { x: '1' },
        })
      ).body.data;
    });

    it('GET returns the agent', async () => {
      const res = await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: agent });
    });

    it('GET an unknown or malformed id → 404 AGENT_NOT_FOUND', async () => {
      expectError(await app.http.get('/v1/agents/agt_01J0000000000000000000000Z').set(bearer(key)), 404, 'AGENT_NOT_FOUND');
      expectError(await app.http.get('/v1/agents/not-an-id').set(bearer(key)), 404, 'AGENT_NOT_FOUND');
    });

    it('PATCH replaces the named fields, null clears, the rest stays', async () => {
      const res = await app.http
        .patch(`/v1/agents/${agent.id}`)
        .set(bearer(key))
        .send({ description: null, personality: { traits: ['c'] }, status: 'paused' });
      expect(res.status).toBe(200);
      const updated = res.body.data;
      expect(updated.description).toBeNull();
      expect(updated.personality).toEqual({ traits: ['c'], tone: 'neutral', bio: '', style: [], examples: [] });
      expect(updated.status).toBe('paused');
      expect(updated.name).toBe('Editable');
      expect(updated.metadata).toEqual({ x: '1' });
      expect(updated.createdAt).toBe(agent.createdAt);
      expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(agent.updatedAt).getTime());
      agent = updated;
    });

    it('PATCH rejects bad input and changes nothing', async () => {
      for (const body of [{ name: null }, { name: '' }, { foo: 'x' }, { model: { temperature: -1 } }, { id: 'agt_x' }]) {
        const res = await app.http.patch(`/v1/agents/${agent.id}`).set(bearer(key)).send(body);
        expectError(res, 400, 'INVALID_REQUEST');
      }
      const res = await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key));
      expect(res.body.data).toEqual(agent);
    });

    it('PATCH an unknown agent → 404 AGENT_NOT_FOUND', async () => {
      const res = await app.http.patch('/v1/agents/agt_01J0000000000000000000000Z').set(bearer(key)).send({ name: 'x' });
      expectError(res, 404, 'AGENT_NOT_FOUND');
    });

    it('DELETE removes it; afterwards GET, PATCH and DELETE answer 404', async () => {
      const res = await app.http.delete(`/v1/agents/${agent.id}`).set(bearer(key));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ success: true, data: { id: agent.id, deleted: true } });
      expectError(await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key)), 404, 'AGENT_NOT_FOUND');
      expectError(await app.http.patch(`/v1/agents/${agent.id}`).set(bearer(key)).send({ name: 'x' }), 404, 'AGENT_NOT_FOUND');
      expectError(await app.http.delete(`/v1/agents/${agent.id}`).set(bearer(key)), 404, 'AGENT_NOT_FOUND');
    });
  });

  describe('routing', () => {
    it('unknown /v1 routes and other versions → 404 NOT_FOUND envelope', async () => {
      expectError(await app.http.get('/v1/nothing').set(bearer(key)), 404, 'NOT_FOUND');
      expectError(await app.http.get('/v2/agents').set(bearer(key)), 404, 'NOT_FOUND');
      expectError(await app.http.get('/'), 404, 'NOT_FOUND');
    });

    it('a known path with the wrong method → 405 METHOD_NOT_ALLOWED with Allow', async () => {
      const res = await app.http.put('/v1/agents').set(bearer(key)).send({});
      expectError(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('POST, GET, HEAD, OPTIONS');
      const one = await app.http.post(`/v1/agents/agt_01J0000000000000000000000Z`).set(bearer(key)).send({});
      expectError(one, 405, 'METHOD_NOT_ALLOWED');
      expect(one.headers.allow).toBe('GET, PATCH, DELETE, HEAD, OPTIONS');
    });

    it('keeps a sane client X-Request-Id and replaces an unsafe one', async () => {
      const kept = await app.http.get('/v1/agents').set(bearer(key)).set('X-Request-Id', 'client-123');
      expect(kept.headers['x-request-id']).toBe('client-123');
      const replaced = await app.http.get('/v1/agents').set(bearer(key)).set('X-Request-Id', 'bad id\twith spaces');
      expect(replaced.headers['x-request-id']).toMatch(/^req_/);
    });
  });
});
