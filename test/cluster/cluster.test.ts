// Three instances behind a real HAProxy (deploy/haproxy.cfg), one PostgreSQL schema, one Redis:
// what a production user runs, proven under faults. One cluster for the whole file, in order:
// cluster-wide semantics through the balancer, a rolling restart under load, kill -9 under load,
// and PostgreSQL unreachable for 10 s.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrionOS, OrionOSError } from '../../src/sdk/index.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { PROCESS_ADMIN_KEY, killAllServers } from '../support/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhooks.js';
import { EventSourceParserStream } from 'eventsource-parser/stream';

type Answer = { status: number; body: any; headers: Headers };

/** One request on a connection of its own, never hanging: 10 s at most. */
async function call(
  baseUrl: string,
  key: string | undefined,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(new URL(route, baseUrl), {
    method,
    headers: {
      Accept: 'application/json',
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text.
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const gql = (baseUrl: string, key: string, query: string, variables: Record<string, unknown> = {}) =>
  call(baseUrl, key, 'POST', '/graphql', { query, variables });

/** The error code of an answer, REST envelope or GraphQL error alike. */
const codeOf = (a: Answer): string | undefined =>
  a.body?.success === false ? a.body.error.code : a.body?.errors?.[0]?.extensions?.code;

/** A streamed send through the balancer: every event, parsed; throws if the stream breaks. */
async function streamedSend(baseUrl: string, key: string, agentId: string, text: string): Promise<{ status: number; events: { event?: string; data: any }[] }> {
  const res = await fetch(new URL(`/v1/agents/${agentId}/messages`, baseUrl), {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ text, userId: 'streamer', stream: true }),
    signal: AbortSignal.timeout(20_000),
  });
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return { status: res.status, events: [] };
  const events: { event?: string; data: any }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    events.push({ event: value.event, data: JSON.parse(value.data) });
  }
  return { status: res.status, events };
}

async function newAccount(url: string, fields: Record<string, unknown>): Promise<{ key: string; accountId: string }> {
  const created = await call(url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', { name: 'Cluster test', tier: 'enterprise', ...fields });
  expect(created.status).toBe(201);
  return { key: created.body.data.secret, accountId: created.body.data.account.id };
}

/** Which instances' access logs show a request of this account (by instance name). */
function instancesThatServed(cluster: Cluster, accountId: string, since: number): string[] {
  return cluster.instances
    .filter((i) => i.server.logLines().some((r) => r.accountId === accountId && Number(r.time) >= since))
    .map((i) => i.name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a cluster behind HAProxy', () => {
  let cluster: Cluster;
  let db: pg.Client;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    cluster = await startCluster({
      instances: 3,
      env: {
        // Webhooks go to a receiver on loopback; attempts fail fast in this test.
        ORION_ALLOW_PRIVATE_NETWORKS: 'true',
        ORION_WEBHOOK_RETRY_SCHEDULE: Array(20).fill('1s').join(','),
        ORION_WEBHOOK_TIMEOUT_MS: '2000',
        ORION_WEBHOOK_LEASE_MS: '3000',
      },
    });
    db = new pg.Client({ connectionString: cluster.databaseUrl.replace(/\?schema=.*$/, '') });
    await db.connect();
    await db.query(`SET search_path TO "${new URL(cluster.databaseUrl).searchParams.get('schema')}"`);
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await db?.end();
    await cluster?.close();
    await killAllServers();
  });

  describe('cluster-wide semantics through the balancer', () => {
    it('a burst is limited to exactly the account rate limit, REST and GraphQL together, across instances', async () => {
      const since = Date.now();
      const { key, accountId } = await newAccount(cluster.url, { rateLimitPerMinute: 20 });
      const burst = await Promise.all(
        Array.from({ length: 36 }, (_, i) => (i % 2 ? call(cluster.url, key, 'GET', '/v1/agents') : gql(cluster.url, key, '{ viewer { id } }'))),
      );
      const ok = burst.filter((a) => a.status === 200);
      const limited = burst.filter((a) => a.status === 429);
      expect([ok.length, limited.length]).toEqual([20, 16]);
      for (const a of limited) {
        expect(codeOf(a)).toBe('RATE_LIMIT_EXCEEDED');
        expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      // The burst was spread: the limit held across processes, not within one.
      expect(instancesThatServed(cluster, accountId, since).length).toBeGreaterThanOrEqual(2);
    });

    it('a monthly quota is exact under concurrent sends spread over the instances', async () => {
      const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 10_000, monthlyMessageQuota: 7 });
      const agent = await call(cluster.url, key, 'POST', '/v1/agents', { name: 'Quota' });
      const sends = await Promise.all(
        Array.from({ length: 12 }, (_, i) => call(cluster.url, key, 'POST', `/v1/agents/${agent.body.data.id}/messages`, { text: `hello ${i}`, userId: `u${i}` })),
      );
      expect(sends.filter((a) => a.status === 201)).toHaveLength(7);
      const refused = sends.filter((a) => a.status !== 201);
      expect(refused.map(codeOf)).toEqual(Array(5).fill('INSUFFICIENT_QUOTA'));
      expect(refused[0]!.body.error.details).toMatchObject({ quota: 7, used: 7 });
      const usage = await gql(cluster.url, key, '{ viewer { messageUsage { used quota } } }');
      expect(usage.body.data.viewer.messageUsage).toEqual({ used: 7, quota: 7 });
    });

    it('a revoked key is refused by every instance within a second, in both protocols', async () => {
      const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 10_000 });
      const second = await call(cluster.url, key, 'POST', '/v1/api-keys', { name: 'to revoke', scopes: ['agents:read'] });
      expect(second.status).toBe(201);
      const secret: string = second.body.data.secret;
      // Cached for authentication on every instance.
      for (const i of cluster.instances) expect((await call(i.url, secret, 'GET', '/v1/agents')).status).toBe(200);
      expect((await call(cluster.url, key, 'DELETE', `/v1/api-keys/${second.body.data.apiKey.id}`)).status).toBe(200);
      const revokedAt = Date.now();
      const refusedAfter = await Promise.all(
        cluster.instances.map(async (i) => {
          for (;;) {
            const rest = await call(i.url, secret, 'GET', '/v1/agents');
            if (rest.status === 401) {
              const graphql = await gql(i.url, secret, '{ viewer { id } }');
              expect([graphql.status, codeOf(graphql)]).toEqual([401, 'UNAUTHORIZED']);
              expect(codeOf(rest)).toBe('UNAUTHORIZED');
              return Date.now() - revokedAt;
            }
            expect(rest.status).toBe(200);
            if (Date.now() - revokedAt > 5_000) return Infinity;
            await sleep(20);
          }
        }),
      );
      for (const ms of refusedAfter) expect(ms).toBeLessThan(1_000);
    });

    it('an idempotent retry that lands on another instance is replayed; another body is a conflict', async () => {
      const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 10_000 });
      const headers = { 'Idempotency-Key': 'cluster-replay-1' };
      const [a, b, c] = cluster.instances;
      const first = await call(a!.url, key, 'POST', '/v1/agents', { name: 'Once' }, headers);
      expect(first.status).toBe(201);
      const again = await call(b!.url, key, 'POST', '/v1/agents', { name: 'Once' }, headers);
      expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
      expect(again.body).toEqual(first.body);
      const viaBalancer = await call(cluster.url, key, 'POST', '/v1/agents', { name: 'Once' }, headers);
      expect([viaBalancer.status, viaBalancer.body]).toEqual([201, first.body]);
      const other = await call(c!.url, key, 'POST', '/v1/agents', { name: 'Another' }, headers);
      expect([other.status, codeOf(other)]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
      // GraphQL, with a key of its own: replayed by another instance too.
      const mutation = 'mutation($i: CreateAgentInput!) { createAgent(input: $i) { id name } }';
      const gqlHeaders = { 'Idempotency-Key': 'cluster-replay-gql' };
      const g1 = await call(a!.url, key, 'POST', '/graphql', { query: mutation, variables: { i: { name: 'Once via GraphQL' } } }, gqlHeaders);
      const g2 = await call(c!.url, key, 'POST', '/graphql', { query: mutation, variables: { i: { name: 'Once via GraphQL' } } }, gqlHeaders);
      expect(g1.status).toBe(200);
      expect({ status: g2.status, replayed: g2.headers.get('idempotent-replayed'), body: g2.body }).toEqual({ status: 200, replayed: 'true', body: g1.body });
      const agents = await call(cluster.url, key, 'GET', '/v1/agents');
      expect(agents.body.data.items.map((x: { name: string }) => x.name).sort()).toEqual(['Once', 'Once via GraphQL']);
    });

    it('a retry sent the moment the answer arrives is replayed by another instance, never "in progress" (REST and GraphQL, 25 times each)', async () => {
      // GraphQL answers used to be written whole before their end, which waited for the record:
      // a client had all of it, retried at once elsewhere and met 409 "in progress" (1 in ~40).
      const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 100_000 });
      const [a, b] = cluster.instances;
      const mutation = 'mutation($i: CreateAgentInput!) { createAgent(input: $i) { id name } }';
      const misses: unknown[] = [];
      for (let n = 0; n < 25; n++) {
        const restHeaders = { 'Idempotency-Key': `at-once-rest-${n}` };
        const r1 = await call(a!.url, key, 'POST', '/v1/agents', { name: `At once ${n}` }, restHeaders);
        const r2 = await call(b!.url, key, 'POST', '/v1/agents', { name: `At once ${n}` }, restHeaders);
        if (r2.headers.get('idempotent-replayed') !== 'true' || JSON.stringify(r2.body) !== JSON.stringify(r1.body)) misses.push({ rest: n, r2: r2.body });
        const gqlHeaders = { 'Idempotency-Key': `at-once-gql-${n}` };
        const body = { query: mutation, variables: { i: { name: `At once via GraphQL ${n}` } } };
        const g1 = await call(a!.url, key, 'POST', '/graphql', body, gqlHeaders);
        const g2 = await call(b!.url, key, 'POST', '/graphql', body, gqlHeaders);
        if (g2.headers.get('idempotent-replayed') !== 'true' || JSON.stringify(g2.body) !== JSON.stringify(g1.body)) misses.push({ graphql: n, g2: g2.body });
      }
      expect(misses).toEqual([]);
    });

    it('webhook events are delivered once each, whichever instance made or dispatched them', async () => {
      const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 10_000 });
      const endpoint = await call(cluster.url, key, 'POST', '/v1/webhooks', { url: receiver.url, events: ['agent.created'] });
      expect(endpoint.status).toBe(201);
      receiver.setSecrets([endpoint.body.data.secret]);
      const created = await Promise.all(Array.from({ length: 15 }, (_, i) => call(cluster.url, key, 'POST', '/v1/agents', { name: `Hooked ${i}` })));
      const ids = created.map((a) => a.body.data.id as string);
      await receiver.waitFor(15, (d) => d.payload?.type === 'agent.created', 15_000);
      // Nothing more comes later: no second delivery of any event.
      await sleep(1_500);
      const deliveries = receiver.received.filter((d) => d.payload?.type === 'agent.created');
      expect(deliveries.every((d) => d.verified)).toBe(true);
      expect(deliveries).toHaveLength(15);
      expect(new Set(deliveries.map((d) => d.id)).size).toBe(15);
      expect(deliveries.map((d) => d.payload.data.id).sort()).toEqual([...ids].sort());
    });
  });

  it('a rolling restart under steady reads, creates and streamed sends: 0 failed requests, every stream completes', { timeout: 120_000 }, async () => {
    const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 1_000_000, monthlyMessageQuota: 1_000_000 });
    const agent = (await call(cluster.url, key, 'POST', '/v1/agents', { name: 'Steady' })).body.data.id as string;
    const failures: string[] = [];
    const counts = { reads: 0, creates: 0, streams: 0 };
    const created: string[] = [];
    let running = true;
    const reads = async () => {
      while (running) {
        const a = await call(cluster.url, key, 'GET', `/v1/agents/${agent}`).catch((e: Error) => ({ status: 0, body: e.message }) as Answer);
        if (a.status !== 200) failures.push(`read: ${a.status} ${JSON.stringify(a.body)}`);
        counts.reads++;
      }
    };
    const creates = async (loop: number) => {
      for (let n = 0; running; n++) {
        const name = `Rolling ${loop}-${n}`;
        const a = await call(cluster.url, key, 'POST', '/v1/agents', { name }).catch((e: Error) => ({ status: 0, body: e.message }) as Answer);
        if (a.status !== 201) failures.push(`create: ${a.status} ${JSON.stringify(a.body)}`);
        else created.push(name);
        counts.creates++;
      }
    };
    const streams = async (loop: number) => {
      for (let n = 0; running; n++) {
        const s = await streamedSend(cluster.url, key, agent, `stream ${loop}-${n}`).catch((e: Error) => ({ status: 0, events: [], error: e.message }));
        const last = s.events.at(-1);
        if (s.status !== 200 || last?.event !== 'message.completed') failures.push(`stream: ${s.status} ${JSON.stringify(s.events.slice(-2))} ${'error' in s ? s.error : ''}`);
        counts.streams++;
      }
    };
    const load = [reads(), reads(), creates(0), creates(1), streams(0), streams(1)];
    await sleep(1_000);
    const pids = cluster.instances.map((i) => i.server.pid);
    for (let i = 0; i < cluster.instances.length; i++) {
      const exit = await cluster.stop(i, 'SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      await cluster.start(i);
      await cluster.waitFor('UP', [cluster.instances[i]!.name]);
    }
    await sleep(1_000);
    running = false;
    await Promise.all(load);
    console.info(`[rolling restart] ${counts.reads} reads, ${counts.creates} creates, ${counts.streams} streamed sends; ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(Math.min(counts.reads, counts.creates, counts.streams)).toBeGreaterThan(10);
    expect(cluster.instances.map((i) => i.server.pid).filter((p) => pids.includes(p))).toEqual([]);
    // Every acknowledged create is there, once.
    const { rows } = await db.query<{ name: string; n: number }>(
      `SELECT name, count(*)::int AS n FROM "Agent" WHERE name LIKE 'Rolling %' GROUP BY 1`,
    );
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.map((r) => r.name).sort()).toEqual([...created].sort());
  });

  it('kill -9 of one instance under load: reads never fail, the SDK retries every write to success (or a definite answer_lost), nothing lost or doubled', { timeout: 120_000 }, async () => {
    const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 1_000_000, monthlyMessageQuota: 1_000_000 });
    // Every attempt the SDK makes, as HAProxy answered it.
    const attempts: { status: number }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      try {
        const res = await fetch(input, init);
        attempts.push({ status: res.status });
        return res;
      } catch (error) {
        attempts.push({ status: 0 });
        throw error;
      }
    };
    const sdk = new OrionOS({ apiKey: key, baseUrl: `${cluster.url}/v1`, maxRetries: 10, maxRetryDelayMs: 2_000, timeoutMs: 15_000, fetch: recordingFetch });
    const agent = (await sdk.agents.create({ name: 'Crash target' })).data.id;
    type Outcome = { kind: 'create' | 'send'; label: string; result: 'ok' | 'answer_lost' | string; id?: string };
    const outcomes: Outcome[] = [];
    const readFailures: string[] = [];
    let running = true;
    const writes = async (loop: number) => {
      for (let n = 0; running; n++) {
        const kind = n % 2 ? 'send' : 'create';
        const label = `crash ${loop}-${n}`;
        try {
          if (kind === 'create') outcomes.push({ kind, label, result: 'ok', id: (await sdk.agents.create({ name: label })).data.id });
          else outcomes.push({ kind, label, result: 'ok', id: (await sdk.agents.sendMessage(agent, { text: label, userId: `crash-${loop}` })).data.id });
        } catch (error) {
          const lost = error instanceof OrionOSError && error.code === 'IDEMPOTENCY_CONFLICT' && error.details['reason'] === 'answer_lost';
          outcomes.push({ kind, label, result: lost ? 'answer_lost' : `${(error as Error).message}` });
        }
      }
    };
    const reads = async () => {
      while (running) {
        const a = await call(cluster.url, key, 'GET', `/v1/agents/${agent}`).catch((e: Error) => ({ status: 0, body: e.message }) as Answer);
        if (a.status !== 200) readFailures.push(`${a.status} ${JSON.stringify(a.body)}`);
      }
    };
    const load = [...Array.from({ length: 6 }, (_, i) => writes(i)), reads(), reads()];
    await sleep(1_500);
    const killedAt = new Date();
    expect(await cluster.stop(1, 'SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // What the dead instance had claimed stays "in progress" until it is stale (MODEL_TIMEOUT_MS +
    // 60 s): as if that time had passed (the requests still running on the others finish first).
    await sleep(1_000);
    const stale = await db.query(
      `UPDATE "IdempotencyRecord" SET "createdAt" = "createdAt" - interval '1 hour' WHERE state <> 'completed' AND "createdAt" < $1`,
      [killedAt],
    );
    await sleep(3_000);
    running = false;
    await Promise.all(load);
    const failed = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'answer_lost');
    const lost = outcomes.filter((o) => o.result === 'answer_lost');
    console.info(`[kill -9] ${outcomes.length} SDK writes, ${lost.length} answer_lost, ${stale.rowCount} claims of the dead instance taken over; ${failed.length} failed`);
    expect(failed).toEqual([]);
    expect(readFailures).toEqual([]);
    // Only what was in flight on the dead instance failed (at most one per writing loop): HAProxy
    // answered those 503; everything sent after went to the survivors.
    const unavailable = attempts.filter((a) => a.status === 503 || a.status === 0);
    console.info(`[kill -9] ${attempts.length} HTTP attempts by the SDK, ${unavailable.length} failed (503 from HAProxy or cut off)`);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.length).toBeLessThanOrEqual(6);
    expect(lost.length).toBeLessThanOrEqual(6);

    // Nothing acknowledged is missing, nothing is there twice (a create or a user turn), and an
    // answer_lost write is there exactly once.
    const agents = await db.query<{ name: string; n: number }>(`SELECT name, count(*)::int AS n FROM "Agent" WHERE name LIKE 'crash %' GROUP BY 1`);
    const turns = await db.query<{ text: string; n: number }>(
      `SELECT text, count(*)::int AS n FROM "Message" WHERE role = 'user' AND text LIKE 'crash %' AND status = 'completed' GROUP BY 1`,
    );
    expect([...agents.rows, ...turns.rows].filter((r) => r.n !== 1)).toEqual([]);
    const stored = new Set([...agents.rows.map((r) => r.name), ...turns.rows.map((r) => r.text)]);
    expect(outcomes.filter((o) => !stored.has(o.label)).map((o) => o.label)).toEqual([]);

    // Back in: the instance starts again and HAProxy sends it traffic.
    await cluster.start(1);
    await cluster.waitFor('UP');
  });

  it('PostgreSQL unreachable for 10 s: 503 envelopes from every instance and the balancer, then recovery without a restart', { timeout: 90_000 }, async () => {
    const { key } = await newAccount(cluster.url, { rateLimitPerMinute: 1_000_000 });
    const before = await call(cluster.url, key, 'POST', '/v1/agents', { name: 'Before the outage' });
    expect(before.status).toBe(201);
    const pids = cluster.instances.map((i) => i.server.pid);

    await cluster.dbProxy.cut('refuse');
    const cutAt = Date.now();
    // Every instance, asked directly: the envelope, 503, in both protocols.
    for (const i of cluster.instances) {
      const rest = await call(i.url, key, 'GET', '/v1/agents');
      expect([rest.status, codeOf(rest)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
      expect(rest.headers.get('retry-after')).toMatch(/^\d+$/);
      const graphql = await gql(i.url, key, '{ agents(first: 1) { nodes { id } } }');
      expect([graphql.status, codeOf(graphql)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    }
    // Through the balancer, all through the outage: 503 SERVICE_UNAVAILABLE in the envelope,
    // answered by an instance or (once every instance is out) by HAProxy itself.
    const seen = new Set<string>();
    while (Date.now() - cutAt < 10_000) {
      const [read, write, graphql] = await Promise.all([
        call(cluster.url, key, 'GET', '/v1/agents'),
        call(cluster.url, key, 'POST', '/v1/agents', { name: 'During the outage' }),
        gql(cluster.url, key, '{ viewer { id } }'),
      ]);
      // A GraphQL client reads a GraphQL error, whoever answered.
      expect(graphql.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      for (const a of [read, write, graphql]) {
        expect([a.status, codeOf(a)]).toEqual([503, 'SERVICE_UNAVAILABLE']);
        seen.add(a.body?.error?.details?.reason ?? a.body?.errors?.[0]?.extensions?.details?.reason ?? 'none');
      }
      await sleep(250);
    }
    await cluster.waitFor('DOWN');
    expect(seen).toContain('no_instance_available');

    await cluster.dbProxy.restore();
    const restoredAt = Date.now();
    await cluster.waitFor('UP', undefined, 20_000);
    console.info(`[database outage] back through the balancer ${Date.now() - restoredAt} ms after PostgreSQL; reasons seen: ${[...seen].join(', ')}`);
    const list = await call(cluster.url, key, 'GET', '/v1/agents');
    expect(list.status).toBe(200);
    expect(list.body.data.items.map((a: { name: string }) => a.name)).toEqual(['Before the outage']);
    expect((await call(cluster.url, key, 'POST', '/v1/agents', { name: 'After the outage' })).status).toBe(201);
    // No instance was restarted.
    expect(cluster.instances.map((i) => i.server.pid)).toEqual(pids);
    for (const i of cluster.instances) expect(i.server.child.exitCode).toBeNull();
  });
});
