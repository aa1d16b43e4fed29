// SIGTERM with replies in flight (a slow model behind OpenAI's API): the requests already running
// complete and are stored, new connections are turned away at once, and the process exits 0. And
// the grace period is a bound: replies slower than SHUTDOWN_TIMEOUT_MS do not keep it alive.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { POSTGRES_URL, dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  serverEnv,
  startServer,
  type StartedServer,
} from '../support/server-process.js';
import { eventually, postSse } from '../support/sse.js';

const REPLY = 'one two three four five six seven eight nine ten';

/**
 * In front of the provider server: 'slow-stream' slows streamed completions only, while a plain
 * send asks for a non-streamed one (answered at once). This holds those for `plainDelayMs`
 * before forwarding, so plain sends are in flight as long as streamed ones.
 */
async function slowPlainFront(provider: ProviderServer, plainDelayMs: number) {
  const state = { received: 0 };
  const target = new URL(provider.baseUrl);
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    state.received++;
    const streamed = JSON.parse(body.toString('utf8') || '{}').stream === true;
    if (!streamed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, plainDelayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (res.destroyed) return;
    }
    try {
      const upstream = await fetch(new URL(req.url!, target.origin), {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body,
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      const reader = upstream.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (res.destroyed) {
          await reader.cancel().catch(() => {});
          break;
        }
        res.write(value);
      }
      res.end();
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One request on a brand-new connection (no keep-alive pool): its status, or its error code. */
function freshConnectionRequest(url: string, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode }));
      res.once('error', () => resolve({ status: res.statusCode }));
    });
    req.once('timeout', () => {
      req.destroy();
      resolve({ error: 'TIMEOUT' });
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

async function storedTurns(schema: string): Promise<{ role: string; status: string; text: string; userId: string }[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT role::text AS role, status::text AS status, text, "userId" FROM "${schema}"."Message" ORDER BY id`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

afterEach(killAllServers);

describe('SIGTERM with requests in flight (PostgreSQL)', () => {
  const schemas: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await killAllServers();
    await Promise.all(cleanups.map((c) => c()));
    await Promise.all(schemas.map((s) => dropPostgresSchema(s)));
  });

  async function setUp(options: { streamDelayMs: number; plainDelayMs: number; shutdownTimeoutMs?: number; reply?: string }) {
    const provider = await startOpenAIServer();
    provider.mode = 'slow-stream';
    provider.reply = options.reply ?? REPLY;
    provider.streamDelayMs = options.streamDelayMs;
    const front = await slowPlainFront(provider, options.plainDelayMs);
    cleanups.push(front.close, provider.close);
    const { url, schema } = freshPostgresUrl();
    schemas.push(schema);
    const server = await startServer(
      await serverEnv({
        DATABASE_URL: url,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        OPENAI_BASE_URL: front.baseUrl,
        OPENAI_API_KEY: 'sk-test',
        MODEL_TIMEOUT_MS: '60000',
        SHUTDOWN_TIMEOUT_MS: options.shutdownTimeoutMs === undefined ? '' : String(options.shutdownTimeoutMs),
        METRICS_PORT: '',
        METRICS_TOKEN: '',
      }),
    );
    const created = await api(server.url, PROCESS_ADMIN_KEY, 'POST', '/v1/agents', {
      name: 'Slow thinker',
      model: { provider: 'openai', name: 'gpt-test' },
    });
    expect(created.status).toBe(201);
    return { server, front, schema, agentId: created.body.data.id as string };
  }

  function send(server: StartedServer, agentId: string, userId: string) {
    return api(server.url, PROCESS_ADMIN_KEY, 'POST', `/v1/agents/${agentId}/messages`, { text: 'Take your time', userId });
  }
  function stream(server: StartedServer, agentId: string, userId: string) {
    return postSse(
      `${server.url}/v1/agents/${agentId}/messages`,
      { Authorization: `Bearer ${PROCESS_ADMIN_KEY}`, Accept: 'text/event-stream' },
      { text: 'Take your time', userId, stream: true },
    );
  }

  it('lets the 5 requests in flight finish and stores them, refuses new connections, exits 0', { timeout: 60_000 }, async () => {
    // ~13 events at 150 ms: about 2 s per reply, plain or streamed.
    const { server, front, schema, agentId } = await setUp({ streamDelayMs: 150, plainDelayMs: 2_000 });

    const plain = ['plain-1', 'plain-2', 'plain-3'].map((u) => send(server, agentId, u));
    const streams = ['stream-1', 'stream-2'].map((u) => stream(server, agentId, u));
    // All five are with the model (not just sent) when the signal comes.
    await eventually(async () => front.state.received === 5, 15_000);

    server.child.kill('SIGTERM');
    const exitedAt = server.exited.then((exit) => ({ exit, at: performance.now() }));
    await eventually(async () => server.logLines().some((r) => r.msg === 'shutting down'), 10_000);

    // A newcomer is turned away at once: refused, or 503; never left waiting.
    const newcomer = await freshConnectionRequest(`${server.url}/v1/agents`, 5_000);
    expect(newcomer.error === 'ECONNREFUSED' || newcomer.status === 503, JSON.stringify(newcomer)).toBe(true);

    const plainResults = await Promise.all(plain);
    for (const res of plainResults) {
      expect(res.status).toBe(201);
      expect(res.body.data.response).toBe(REPLY);
    }
    const streamResults = await Promise.all(streams);
    for (const res of streamResults) {
      expect(res.status).toBe(200);
      const last = res.events.at(-1);
      expect(last?.event).toBe('message.completed');
      expect(last?.data.response).toBe(REPLY);
    }
    const answeredAt = performance.now();
    const { exit, at } = await exitedAt;
    expect(exit).toEqual({ code: 0, signal: null });
    console.info(`[sigterm] newcomer after SIGTERM: ${JSON.stringify(newcomer)}; exited ${Math.round(at - answeredAt)} ms after the last reply was read`);

    // Every reply is stored, completed, with its user turn.
    const turns = await storedTurns(schema);
    const userIds = ['plain-1', 'plain-2', 'plain-3', 'stream-1', 'stream-2'];
    for (const userId of userIds) {
      expect(turns.filter((t) => t.userId === userId).map((t) => [t.role, t.status, t.text])).toEqual([
        ['user', 'completed', 'Take your time'],
        ['agent', 'completed', REPLY],
      ]);
    }
  });

  it('SHUTDOWN_TIMEOUT_MS is a bound: replies slower than it do not keep the process alive', { timeout: 60_000 }, async () => {
    // ~30 s per reply (27 events, one a second), against a 1 s grace period: a process that waited
    // for them would still be running when the 15 s bound below is up.
    const { server, front, agentId, schema } = await setUp({
      streamDelayMs: 1_000,
      plainDelayMs: 30_000,
      shutdownTimeoutMs: 1_000,
      reply: `${REPLY} ${REPLY} four more words here`,
    });
    const plain = send(server, agentId, 'slow-plain').catch((error: Error) => error);
    const streamed = stream(server, agentId, 'slow-stream').catch((error: Error) => error);
    await eventually(async () => front.state.received === 2, 15_000);

    const signalled = performance.now();
    server.child.kill('SIGTERM');
    const exit = await Promise.race([
      server.exited,
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), 15_000)),
    ]);
    expect(exit).toEqual({ code: 0, signal: null });
    console.info(`[sigterm] SHUTDOWN_TIMEOUT_MS=1000: exited ${Math.round(performance.now() - signalled)} ms after SIGTERM`);

    // The clients got no success: their connections were closed.
    const plainOutcome = await plain;
    expect(plainOutcome instanceof Error || plainOutcome.status !== 201).toBe(true);
    const streamOutcome = await streamed;
    expect(streamOutcome instanceof Error || streamOutcome.events.at(-1)?.event !== 'message.completed').toBe(true);
    // The user turns were stored before the model was asked; no reply was.
    const turns = await storedTurns(schema);
    expect(turns.map((t) => [t.userId, t.role]).sort()).toEqual([
      ['slow-plain', 'user'],
      ['slow-stream', 'user'],
    ]);
    expect(turns.every((t) => t.status !== 'completed')).toBe(true);
  });
});
