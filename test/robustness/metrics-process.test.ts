// The real process with METRICS_PORT and METRICS_TOKEN: Prometheus metrics are served on their own
// port only, behind the token, and label requests by route pattern, never by raw ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  freePort,
  killAllServers,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';

const METRICS_TOKEN = 'metrics-token-for-the-test-0123456789';

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('metrics on their own port, behind a token (server process)', () => {
  let schema: string | undefined;
  let server: StartedServer;
  let metricsUrl: string;
  let agentId: string;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    const metricsPort = await freePort();
    server = await startServer(
      await serverEnv({
        DATABASE_URL: fresh.url,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        METRICS_PORT: String(metricsPort),
        METRICS_TOKEN,
        SHUTDOWN_TIMEOUT_MS: '',
      }),
    );
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

    // A few API calls, so there is something to count.
    const created = await api(server.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', { name: 'Counted' });
    expect(created.status).toBe(201);
    agentId = created.body.data.id;
    expect((await api(server.url, PROCESS_ADMIN_KEY, 'GET', `/v1/agents/${agentId}`)).status).toBe(200);
    expect((await api(server.url, PROCESS_ADMIN_KEY, 'GET', `/v1/agents/${agentId}`)).status).toBe(200);
    expect((await api(server.url, PROCESS_ADMIN_KEY, 'GET', '/v1/agents/agt_01JZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await api(server.url, PROCESS_ADMIN_KEY, 'GET', '/v1/agents')).status).toBe(200);
  });

  afterAll(async () => {
    await killAllServers();
    if (schema) await dropPostgresSchema(schema);
  });

  it('serves Prometheus text on METRICS_PORT with the token, labelled by route pattern', async () => {
    const res = await get(metricsUrl, { Authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = res.text;
    expect(body).toContain('# TYPE orion_http_request_duration_seconds histogram');
    const counts = body.split('\n').filter((l) => l.startsWith('orion_http_request_duration_seconds_count{'));
    expect(counts).toContainEqual(expect.stringMatching(/route="\/v1\/agents\/:agentId",status="200"\} 2$/));
    expect(counts).toContainEqual(expect.stringMatching(/route="\/v1\/agents\/:agentId",status="404"\} 1$/));
    expect(counts).toContainEqual(expect.stringMatching(/method="POST",route="\/v1\/agents",status="201"\} 1$/));
    // Never a raw id (the one that exists, or the one that does not) in any label.
    expect(body).not.toContain(agentId);
    expect(body).not.toContain('agt_01JZZZZZZZZZZZZZZZZZZZZZZZ');
    // Process metrics too, under the same prefix.
    expect(body).toMatch(/^orion_process_cpu_user_seconds_total /m);
  });

  it('401 without the token, or with a wrong one', async () => {
    const missing = await get(metricsUrl);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(JSON.parse(missing.text)).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
    expect(missing.text).not.toContain('orion_http_request_duration_seconds');

    const wrong = await get(metricsUrl, { Authorization: `Bearer ${METRICS_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('orion_http_request_duration_seconds');
    // The API's admin key is not the metrics token.
    expect((await get(metricsUrl, { Authorization: `Bearer ${PROCESS_ADMIN_KEY}` })).status).toBe(401);
  });

  it('is not served on the API port (404), token or not', async () => {
    for (const headers of [{}, { Authorization: `Bearer ${METRICS_TOKEN}` }] as Record<string, string>[]) {
      const res = await get(`${server.url}/metrics`, headers);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('orion_http_request_duration_seconds');
      expect(JSON.parse(res.text)).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('the metrics port serves metrics only', async () => {
    const other = await get(metricsUrl.replace('/metrics', '/v1/agents'), { Authorization: `Bearer ${PROCESS_ADMIN_KEY}` });
    expect(other.status).toBe(404);
    expect(other.text).not.toContain(agentId);
  });
});
