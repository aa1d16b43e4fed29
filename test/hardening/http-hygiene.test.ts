import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

describe('HTTP hygiene, health and readiness', () => {
  let app: TestApp;
  let withCors: TestApp;
  let key: string;
  beforeAll(async () => {
    app = await startTestApp('pglite');
    withCors = await startTestApp('pglite', { corsOrigins: ['https://app.example'] });
    ({ key } = await app.newAccount());
  });
  afterAll(async () => {
    await app?.close();
    await withCors?.close();
  });

  it('security headers on every response', async () => {
    for (const res of [await app.http.get('/v1/agents').set(bearer(key)), await app.http.get('/nowhere')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  // Regression: answers carrying a secret shown once (a new key, a rotated one, a new account)
  // could be kept by a browser or proxy cache.
  it('Cache-Control: no-store on API answers, in both protocols, secrets shown once included', async () => {
    const created = await app.http.post('/v1/api-keys').set(bearer(key)).send({ name: 'cached?', scopes: ['agents:read'] });
    expect(created.status).toBe(201);
    const rotated = await app.http.post(`/v1/api-keys/${created.body.data.apiKey.id}/rotate`).set(bearer(key)).send({});
    expect(rotated.status).toBe(201);
    const account = await app.http.post('/v1/accounts').set(bearer(app.adminKey)).send({ name: 'Cached?' });
    expect(account.status).toBe(201);
    const rest = [created, rotated, account, await app.http.get('/v1/agents').set(bearer(key)), await app.http.get('/v1/agents')];
    for (const res of rest) expect(res.headers['cache-control']).toBe('no-store');

    const gqlKey = await graphql(app, key, 'mutation { createApiKey(input: {name: "g", scopes: ["agents:read"]}) { secret } }');
    expect(gqlKey.body.data.createApiKey.secret).toMatch(/^orn_/);
    const gqlAccount = await graphql(app, app.adminKey, 'mutation { createAccount(input: {name: "G"}) { secret } }');
    expect(gqlAccount.body.data.createAccount.secret).toMatch(/^orn_/);
    const gqlRead = await graphql(app, key, '{ viewer { id } }');
    const gqlRefused = await graphql(app, undefined, '{ viewer { id } }');
    for (const res of [gqlKey, gqlAccount, gqlRead, gqlRefused]) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('CORS is off by default and answers only the configured origins', async () => {
    const off = await app.http.options('/v1/agents').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'POST');
    expect(off.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await withCors.http
      .options('/v1/agents')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(preflight.headers['access-control-allow-headers']).toContain('Idempotency-Key');
    const other = await withCors.http.get('/v1/agents').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const { key: corsKey } = await withCors.newAccount();
    const simple = await withCors.http.get('/v1/agents').set(bearer(corsKey)).set('Origin', 'https://app.example');
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(simple.headers['access-control-expose-headers']).toContain('X-RateLimit-Remaining');
    // Browser MCP clients: the preflight of /mcp allows the header they send after initialising.
    const mcp = await withCors.http
      .options('/mcp')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,mcp-protocol-version');
    expect(mcp.status).toBe(204);
    expect(mcp.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(mcp.headers['access-control-allow-headers']).toContain('Mcp-Protocol-Version');
    const mcpSimple = await withCors.http.post('/mcp').set('Origin', 'https://app.example').send({});
    expect([mcpSimple.status, mcpSimple.headers['access-control-allow-origin']]).toEqual([401, 'https://app.example']);
  });

  it('deeply nested JSON is refused with 400 before anything walks it', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const res = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'deep', metadata: deep });
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.error.message).toMatch(/nested deeper than 32/);
  });

  it('wrong methods answer 405 with Allow on every known path', async () => {
    for (const [method, path] of [
      ['put', '/v1/agents'],
      ['put', '/v1/agents/agt_01J0000000000000000000000Z'],
      ['get', '/v1/agents/agt_01J0000000000000000000000Z/messages'],
      ['post', '/v1/conversations/cnv_01J0000000000000000000000Z'],
      ['patch', '/v1/api-keys'],
    ] as const) {
      const res = await app.http[method](path).set(bearer(key)).send({});
      expect([res.status, res.body.error.code], `${method} ${path}`).toEqual([405, 'METHOD_NOT_ALLOWED']);
      expect(res.headers.allow).toBeTruthy();
      for (const allowed of String(res.headers.allow).split(', ')) expect(res.body.error.details.allowed).toContain(allowed);
    }
  });

  it('/healthz answers while alive; /readyz checks the database and turns 503 on shutdown', async () => {
    expect((await app.http.get('/healthz')).body).toEqual({ success: true, data: { status: 'ok' } });
    const ready = await app.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.data).toEqual({ status: 'ready', checks: { database: 'ok' } });
    app.state.shuttingDown = true;
    try {
      const stopping = await app.http.get('/readyz');
      expect([stopping.status, stopping.body.error.code, stopping.body.error.details.reason]).toEqual([503, 'SERVICE_UNAVAILABLE', 'shutting_down']);
      const refused = await app.http.get('/v1/agents').set(bearer(key));
      expect([refused.status, refused.body.error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      expect(refused.headers.connection).toBe('close');
      const gql = await graphql(app, key, '{ viewer { id } }');
      expect(gql.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      app.state.shuttingDown = false;
    }
  });
});
