import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SERVER_KEY, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';

const PROVIDER_CREDENTIAL = 'sk-provider-secret-credential-987654321';
const METRICS_TOKEN = 'metrics-token-for-observability-0123';

describe('logs and metrics', () => {
  let app: TestApp;
  let provider: ProviderServer;
  const lines: string[] = [];

  beforeAll(async () => {
    provider = await startOpenAIServer();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    app = await startTestApp('pglite', {
      logger: pino({ level: 'trace' }, sink),
      openaiApiKey: PROVIDER_CREDENTIAL,
      openaiBaseUrl: provider.baseUrl,
      modelTimeoutMs: 4000,
      metricsToken: METRICS_TOKEN,
    });
  });
  afterAll(async () => {
    await app?.close();
    await provider?.close();
  });

  it('logs one structured line per request, with request id, route, status, latency and account', async () => {
    const { key, accountId } = await app.newAccount();
    const res = await app.http.get('/v1/agents').set(bearer(key)).set('X-Request-Id', 'log-test-1');
    expect(res.status).toBe(200);
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'log-test-1' && l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', route: '/v1/agents', status: 200, accountId });
    expect(typeof line.latencyMs).toBe('number');
  });

  // Regression: a client could send a server-format id another request already had; it was
  // echoed and logged as if the server had made it.
  it('never takes a client X-Request-Id that looks like a server one (req_…): a new one is made', async () => {
    const { key } = await app.newAccount();
    const first = await app.http.get('/v1/agents').set(bearer(key));
    const taken = String(first.headers['x-request-id']);
    expect(taken).toMatch(/^req_[0-9A-Z]{26}$/);
    for (const impostor of [taken, 'req_mine', 'REQ_01JD4S9X6Q0M4W2T8ZK7Y3N5HB']) {
      const res = await app.http.get('/v1/nowhere').set(bearer(key)).set('X-Request-Id', impostor);
      expect(res.headers['x-request-id']).toMatch(/^req_[0-9A-Z]{26}$/);
      expect(res.headers['x-request-id']).not.toBe(impostor);
      expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
      const gql = await app.http.post('/graphql').set(bearer(key)).set('X-Request-Id', impostor).send({ query: '{ nope }' });
      expect(gql.headers['x-request-id']).not.toBe(impostor);
      expect(gql.body.errors[0].extensions.requestId).toBe(gql.headers['x-request-id']);
    }
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.requestId === taken);
    expect(logged).toHaveLength(1);
  });

  it('never logs an Authorization header, an API key, a new secret or a provider credential', async () => {
    const { key } = await app.newAccount();
    const created = await app.http.post('/v1/api-keys').set(bearer(key)).send({ name: 'logged?', scopes: ['agents:read'] });
    const newSecret = created.body.data.secret;
    await app.http.get('/v1/agents').set(bearer('orn_live_this-is-a-wrong-key-that-must-not-be-logged-000'));
    await app.http.get('/v1/agents').set('Authorization', 'Basic dXNlcjpwYXNzd29yZA==');
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'R', model: { provider: 'openai', name: 'gpt-test' } })).body.data;
    await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    provider.mode = '500';
    await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    provider.mode = 'malformed';
    await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    provider.mode = 'ok';
    await graphql(app, key, '{ viewer { id } }');
    await graphql(app, app.adminKey, 'mutation { createAccount(input: {name: "L"}) { secret } }');
    // An agent's tool-signing secret: shown on its first tool and by a rotation, never logged.
    const toolBody = { name: 'lookup', description: 'd', parameters: { type: 'object' }, url: 'https://tools.example.com/l' };
    const toolSecret = (await app.http.post(`/v1/agents/${agent.id}/tools`).set(bearer(key)).send(toolBody)).body.data.signingSecret;
    const rotatedSecret = (await app.http.post(`/v1/agents/${agent.id}/tools/secret`).set(bearer(key))).body.data.secret;
    const gqlRotated = await graphql(app, key, 'mutation($id: ID!) { rotateToolSecret(agentId: $id) { secret } }', { id: agent.id });
    expect([toolSecret, rotatedSecret, gqlRotated.body.data.rotateToolSecret.secret]).toEqual([
      expect.stringMatching(/^whsec_/),
      expect.stringMatching(/^whsec_/),
      expect.stringMatching(/^whsec_/),
    ]);
    // An MCP server's header values: stored sealed, never answered, never logged.
    const mcpHeaderValue = 'mcp-header-value-that-must-not-be-logged';
    const mcp = await app.http
      .post('/v1/mcp-servers')
      .set(bearer(key))
      .send({ name: 'logged', url: 'https://mcp.example.com/mcp', timeoutMs: 1000, headers: { 'X-Api-Key': mcpHeaderValue } });
    expect(mcp.status).toBe(201);
    await app.http.patch(`/v1/mcp-servers/${mcp.body.data.id}`).set(bearer(key)).send({ headers: { 'X-Api-Key': `${mcpHeaderValue}-2` } });
    const all = lines.join('\n');
    expect(all).not.toContain(mcpHeaderValue);
    expect(lines.length).toBeGreaterThan(5);
    const toolSecrets = [toolSecret, rotatedSecret, gqlRotated.body.data.rotateToolSecret.secret, TEST_SERVER_KEY];
    for (const secret of [key, newSecret, app.adminKey, PROVIDER_CREDENTIAL, METRICS_TOKEN, 'this-is-a-wrong-key', 'dXNlcjpwYXNzd29yZA', 'Bearer ', ...toolSecrets]) {
      expect(all).not.toContain(secret);
    }
    expect(all.toLowerCase()).not.toContain('authorization');
  });

  it('exposes Prometheus metrics: HTTP latency by route pattern and status, model latency and tokens, rate-limit rejections', async () => {
    const limited = await app.newAccount('limited', { rateLimitPerMinute: 1 });
    await app.http.get('/v1/agents').set(bearer(limited.key));
    await app.http.get('/v1/agents').set(bearer(limited.key));
    const res = await app.http.get('/metrics').set(bearer(METRICS_TOKEN));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.text;
    expect(text).toMatch(/orion_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/agents"[^}]*status="200"/);
    expect(text).toMatch(/orion_http_request_duration_seconds_count\{[^}]*route="\/v1\/agents\/:agentId\/messages"/);
    expect(text).toMatch(/orion_model_request_duration_seconds_count\{provider="openai",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/orion_model_request_duration_seconds_count\{provider="openai",outcome="MODEL_ERROR"\} [1-9]/);
    expect(text).toMatch(/orion_model_tokens_total\{provider="openai",direction="input"\} [1-9]/);
    expect(text).toMatch(/orion_rate_limit_rejections_total\{scope="account"\} [1-9]/);
    expect(text).not.toMatch(/agt_[0-9A-Z]{26}/);
  });
});

// Regression: /metrics was public by default (Node version, memory, descriptors, route counts).
describe('metrics without METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(() => app?.close());

  it('are not served on the API: 404 in the envelope, with or without a bearer', async () => {
    for (const res of [await app.http.get('/metrics'), await app.http.get('/metrics').set(bearer('anything'))]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
      expect(res.text).not.toContain('orion_');
    }
  });
});

describe('metrics behind a token', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite', { metricsToken: 'metrics-token-123' });
  });
  afterAll(() => app?.close());

  it('401 without the token, 200 with it', async () => {
    expect((await app.http.get('/metrics')).status).toBe(401);
    expect((await app.http.get('/metrics').set(bearer('wrong'))).status).toBe(401);
    expect((await app.http.get('/metrics').set(bearer('metrics-token-123'))).status).toBe(200);
  });
});
