// SHUTDOWN_DELAY_MS, for instances behind a load balancer: after SIGTERM, /readyz fails at once
// (so the balancer takes the instance out of rotation) while requests are still served, on new
// connections too, until the delay ends; then the listener closes as without a delay, and the
// process exits 0. Without the delay (the default) nothing changes: see sigterm.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { PROCESS_ADMIN_KEY, api, killAllServers, serverEnv, startServer } from '../support/server-process.js';

const DELAY_MS = 2_000;

const reachable = (url: string) =>
  fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );

describe('SIGTERM with SHUTDOWN_DELAY_MS', () => {
  const { url: databaseUrl, schema } = freshPostgresUrl();

  afterAll(async () => {
    await killAllServers();
    await dropPostgresSchema(schema);
  });

  it('fails readiness at once, keeps serving until the delay ends, then stops accepting and exits 0', { timeout: 60_000 }, async () => {
    const server = await startServer(
      await serverEnv({
        DATABASE_URL: databaseUrl,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        ORION_SECRET_KEY: `shutdown-delay-${'d'.repeat(32)}`,
        SHUTDOWN_DELAY_MS: String(DELAY_MS),
        METRICS_PORT: '',
        METRICS_TOKEN: '',
      }),
    );
    expect((await api(server.url, undefined, 'GET', '/readyz')).status).toBe(200);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));

    // Within the delay: not ready, but every request is served, REST and GraphQL, reads and writes.
    const ready = await api(server.url, undefined, 'GET', '/readyz');
    expect([ready.status, ready.body.error?.code, ready.body.error?.details?.reason]).toEqual([503, 'SERVICE_UNAVAILABLE', 'shutting_down']);
    expect((await api(server.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', { name: 'During the delay' })).status).toBe(201);
    const graphql = await api(server.url, PROCESS_ADMIN_KEY, 'POST', '/graphql', { query: '{ agents(first: 5) { nodes { name } } }' });
    expect([graphql.status, graphql.body.data?.agents?.nodes]).toEqual([200, [{ name: 'During the delay' }]]);
    expect(Date.now() - signalledAt).toBeLessThan(DELAY_MS);

    // After it: new connections are refused, and the process ends cleanly.
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DELAY_MS);
    expect(await reachable(server.url)).toBe(false);
    const draining = server.logLines().find((r) => r.msg === 'draining: readiness fails, still serving until the delay ends');
    expect(draining?.delayMs).toBe(DELAY_MS);
  });
});
