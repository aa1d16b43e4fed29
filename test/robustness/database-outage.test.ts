// The database goes away under a running server (PostgreSQL behind a TCP proxy that the test can
// cut and restore): requests fail with 503 SERVICE_UNAVAILABLE within seconds instead of hanging or
// crashing the process, readiness follows the database, liveness does not, and everything works
// again once the database is back, with the data written before the outage. Three ways to lose it:
// connections refused (stopped server), reset (crashing server), or left silent (a host that stopped
// answering: only the pool's connection timeout, 5 s, stands between the request and a hang).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';
import { startTcpProxy, type CutMode, type TcpProxy } from '../support/tcp-proxy.js';

/** Not a speed measurement: the line between "answered" and "hung". */
const NO_HANG_MS = 10_000;

type Answer = { status: number; body: any; ms: number };

/** A request on a connection of its own, aborted (and so failed) if it takes longer than NO_HANG_MS. */
async function timed(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const started = performance.now();
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set('Content-Type', 'application/json');
  const res = await fetch(url, {
    ...init,
    headers,
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
    signal: AbortSignal.timeout(NO_HANG_MS),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text.
  }
  return { status: res.status, body, ms: performance.now() - started };
}

describe('the database becomes unreachable under a running server (PostgreSQL through a proxy)', () => {
  let proxy: TcpProxy;
  let schema: string;
  let server: StartedServer;
  let agentId: string;
  const auth = { Authorization: `Bearer ${PROCESS_ADMIN_KEY}` };

  beforeAll(async () => {
    const target = new URL(POSTGRES_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    const proxied = new URL(fresh.url);
    proxied.hostname = proxy.host;
    proxied.port = String(proxy.port);
    server = await startServer(
      await serverEnv({
        DATABASE_URL: proxied.toString(),
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        METRICS_PORT: '',
        METRICS_TOKEN: '',
        SHUTDOWN_TIMEOUT_MS: '',
      }),
    );
    const created = await api(server.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', { name: 'Before the outage' });
    expect(created.status).toBe(201);
    agentId = created.body.data.id;
    // Everything the server does with the database goes through the proxy.
    expect(proxy.accepted).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await killAllServers();
    await proxy?.close();
    if (schema) await dropPostgresSchema(schema);
  });

  it.for<CutMode>(['refuse', 'reset', 'blackhole'])(
    'outage (%s): 503 SERVICE_UNAVAILABLE without hanging, readiness fails, liveness holds; then it recovers',
    async (mode) => {
      // The server is healthy to begin with (and has pooled connections to lose).
      expect((await timed(`${server.url}/v1/agents`, { headers: auth })).status).toBe(200);
      expect((await timed(`${server.url}/readyz`)).status).toBe(200);

      await proxy.cut(mode);

      // Several at once, as traffic would be; each must answer, none may hang.
      const [rest, restWrite, gql, ready, health] = await Promise.all([
        timed(`${server.url}/v1/agents`, { headers: auth }),
        timed(`${server.url}/v1/agents`, { method: 'POST', headers: auth, json: { name: 'During the outage' } }),
        timed(`${server.url}/graphql`, {
          method: 'POST',
          headers: { ...auth, Accept: 'application/json' },
          json: { query: '{ agents(first: 5) { nodes { id } } }' },
        }),
        timed(`${server.url}/readyz`),
        timed(`${server.url}/healthz`),
      ]);

      // REST: the envelope, 503. The API key lookup is the first thing to touch the database.
      expect(rest.status).toBe(503);
      expect(rest.body).toMatchObject({
        success: false,
        error: { code: 'SERVICE_UNAVAILABLE', details: { reason: 'database_unavailable' } },
      });
      expect(rest.body.error.requestId).toMatch(/\S/);
      expect(restWrite.status).toBe(503);
      expect(restWrite.body.error.code).toBe('SERVICE_UNAVAILABLE');

      // GraphQL: a GraphQL error, same code.
      expect(gql.status).toBe(503);
      expect(gql.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(gql.body.data ?? null).toBeNull();

      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        success: false,
        error: { code: 'SERVICE_UNAVAILABLE', details: { checks: { database: 'unavailable' } } },
      });
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ success: true, data: { status: 'ok' } });

      // Still failing cleanly a moment later (the pool has given up on its old connections).
      const again = await timed(`${server.url}/v1/agents/${agentId}`, { headers: auth });
      expect([again.status, again.body.error?.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);

      // Nothing leaked as a 500, and the process is alive.
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
      const unhandled = server.logLines().filter((r) => r.msg === 'unhandled error');
      expect(unhandled).toEqual([]);

      await proxy.restore();

      // Back within a bounded time, with the data from before the outage.
      const deadline = Date.now() + 20_000;
      let listed: Answer;
      for (;;) {
        listed = await timed(`${server.url}/v1/agents?limit=100`, { headers: auth });
        if (listed.status === 200 || Date.now() > deadline) break;
        expect(listed.status).toBe(503);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(listed.status).toBe(200);
      const ids = listed.body.data.items.map((a: { id: string }) => a.id);
      expect(ids).toContain(agentId);
      expect((await timed(`${server.url}/readyz`)).status).toBe(200);
      const fetched = await timed(`${server.url}/v1/agents/${agentId}`, { headers: auth });
      expect([fetched.status, fetched.body.data?.name]).toEqual([200, 'Before the outage']);
      const created = await timed(`${server.url}/v1/agents`, { method: 'POST', headers: auth, json: { name: `After (${mode})` } });
      expect(created.status).toBe(201);
      expect(server.child.exitCode).toBeNull();
    },
  );

  it('shuts down cleanly afterwards', async () => {
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
