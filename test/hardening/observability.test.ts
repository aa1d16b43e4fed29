import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';

const PROVIDER_CREDENTIAL = 'sk-provider-secret-credential-987654321';

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
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [key, newSecret, app.adminKey, PROVIDER_CREDENTIAL, 'this-is-a-wrong-key', 'dXNlcjpwYXNzd29yZA', 'Bearer ']) {
      expect(all).not.toContain(secret);
    }
    expect(all.toLowerCase()).not.toContain('authorization');
  });

  it('exposes Prometheus metrics: HTTP latency by route pattern and status, model latency and tokens, rate-limit rejections', async () => {
    const limited = await app.newAccount('limited', { rateLimitPerMinute: 1 });
    await app.http.get('/v1/agents').set(bearer(limited.key));
    await app.http.get('/v1/agents').set(bearer(limited.key));
    const res = await app.http.get('/metrics');
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
