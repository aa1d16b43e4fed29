// `npm run bench:webhooks`: what webhooks cost. POST /v1/agents for an account without any
// endpoint and for one whose endpoint subscribes to agent.created (its event written in the
// change's transaction, then delivered to a loopback receiver by the server's dispatcher),
// alternating rounds in one run: requests/s, and the server's CPU per request including the
// delivery of each request's event (each round waits until the receiver has them all). Then the
// dispatcher alone: every delivery made pending again at once, drained to the receiver
// (delivered events per second). On embedded PGlite and on PostgreSQL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type DataSource } from '../src/db/client.js';
import {
  ADMIN_KEY,
  POSTGRES_URL,
  api,
  cpuMs,
  load,
  machineLine,
  markdownTable,
  median,
  saveResults,
  startServer,
  type RunningServer,
  type Storage,
} from './harness.js';

const SECONDS = Number(process.env.BENCH_DURATION_S ?? 3);
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = 10;
const SECRET_KEY = `bench-webhooks-server-key-${'b'.repeat(32)}`;
const ENV = { ORION_SECRET_KEY: SECRET_KEY, ORION_ALLOW_PRIVATE_NETWORKS: 'true' };

/** Counts deliveries; answers 204 at once. */
async function startReceiver() {
  const times: number[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      times.push(performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    times,
    async waitFor(count: number, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      while (times.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver: ${times.length} of ${count} deliveries`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * The running server, with a way to work on its database directly: live on PostgreSQL; on the
 * embedded database (one process only) the server is stopped meanwhile and started again.
 */
class Deployment {
  server!: RunningServer;
  private dataDir?: string;
  constructor(readonly storage: Storage) {}

  async start() {
    if (this.storage === 'pglite') {
      this.dataDir ??= await mkdtemp(path.join(tmpdir(), 'orion-bench-webhooks-'));
      this.server = await startServer('pglite', ENV, { dataDir: this.dataDir, keepDataDir: true });
    } else {
      this.server = await startServer('postgres', ENV);
    }
  }

  async withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
    const source: DataSource =
      this.storage === 'pglite'
        ? { kind: 'pglite', dataDir: this.dataDir! }
        : { kind: 'postgres', url: `${POSTGRES_URL}?schema=${this.server.schema}` };
    if (this.storage === 'pglite') await this.server.stop();
    const db = await openDatabase(source);
    try {
      return await fn(db);
    } finally {
      await db.close();
      if (this.storage === 'pglite') await this.start();
    }
  }

  async stop() {
    await this.server.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function newAccount(url: string) {
  const created = await api(url, ADMIN_KEY, 'POST', '/v1/accounts', {
    name: 'bench',
    tier: 'enterprise',
    rateLimitPerMinute: 1_000_000,
    monthlyMessageQuota: 1_000_000_000,
  });
  return { key: created.secret as string, accountId: created.account.id as string };
}

type Run = { rps: number; p50: number; p99: number; cpuMsPerRequest: number; requests: number };

async function createRound(d: Deployment, key: string, receiver: Receiver | undefined): Promise<Run> {
  const expected = receiver ? receiver.times.length : 0;
  const before = await cpuMs(d.server.pid);
  const r = await load({
    url: `${d.server.url}/v1/agents`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench agent', personality: { traits: ['calm'] } }),
  });
  if (r.non2xx || r.errors) throw new Error(`create: ${r.non2xx} non-2xx, ${r.errors} errors`);
  // The work a request causes includes delivering its event.
  if (receiver) await receiver.waitFor(expected + r.total);
  const used = (await cpuMs(d.server.pid)) - before;
  return { rps: r.requestsPerSec, p50: r.p50, p99: r.p99, cpuMsPerRequest: used / r.total, requests: r.total };
}

async function bench(storage: Storage) {
  const receiver = await startReceiver();
  const d = new Deployment(storage);
  await d.start();
  try {
    const plain = await newAccount(d.server.url);
    const hooked = await newAccount(d.server.url);
    await api(d.server.url, hooked.key, 'POST', '/v1/webhooks', { url: receiver.url, events: ['agent.created'] });
    // Warm-up of both paths.
    await createRound(d, plain.key, undefined);
    await createRound(d, hooked.key, receiver);
    const without: Run[] = [];
    const withEndpoint: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const);
      for (const variant of order) {
        if (variant === 'with') withEndpoint.push(await createRound(d, hooked.key, receiver));
        else without.push(await createRound(d, plain.key, undefined));
      }
    }

    // Latency at idle: a request sent → its event received (the dispatcher wakes on the commit).
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const expected = receiver.times.length + 1;
      const sent = performance.now();
      await api(d.server.url, hooked.key, 'POST', '/v1/agents', { name: 'latency' });
      await receiver.waitFor(expected);
      latencies.push(receiver.times[expected - 1]! - sent);
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
    }

    // The dispatcher alone: every delivery so far pending again, due now. Receipts are counted
    // from before: on PGlite the server restarts in withDatabase and may deliver at once.
    const start = receiver.times.length;
    const backlog = await d.withDatabase(async (db) => {
      const updated = await db.prisma.webhookDelivery.updateMany({
        where: { accountId: hooked.accountId },
        data: { status: 'pending', nextAttemptAt: new Date() },
      });
      return updated.count;
    });
    const cpuBefore = await cpuMs(d.server.pid);
    await receiver.waitFor(start + backlog);
    const cpuUsed = (await cpuMs(d.server.pid)) - cpuBefore;
    const first = receiver.times[start]!;
    const last = receiver.times[start + backlog - 1]!;
    const drain = { events: backlog, perSecond: ((backlog - 1) * 1000) / (last - first), cpuMsPerDelivery: cpuUsed / backlog };

    const summary = (runs: Run[]) => ({
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpu: median(runs.map((r) => r.cpuMsPerRequest)),
    });
    return { storage, without: summary(without), with: summary(withEndpoint), drain, latency: { median: median(latencies), max: Math.max(...latencies) } };
  } finally {
    await d.stop();
    await receiver.close();
  }
}

const results = [];
for (const storage of ['pglite', 'postgres'] as const) results.push(await bench(storage));

const markdown = [
  '# Webhooks: the cost of an event, and delivery throughput',
  '',
  `${machineLine()}; POST /v1/agents with ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per variant (medians).`,
  'With an endpoint, each agent.created event is written in the change\'s transaction and delivered by the server\'s dispatcher (default settings: concurrency 32, poll 1 s, woken by this instance\'s commits) to a loopback receiver that answers 204; each round waits for all its deliveries, and the server CPU counted includes them. Drain: every delivery made pending again at once, delivered events per second from the first receipt to the last. Server CPU: user + system of the server process (/proc/<pid>/stat); on PGlite the database runs inside it, on PostgreSQL the database server\'s CPU is not counted. The machine may be shared: compare ratios within a run.',
  '',
  markdownTable(
    ['storage', 'create req/s without endpoint', 'with endpoint', 'req/s ratio', 'server CPU ms/request without', 'with (incl. delivery)', 'CPU ratio', 'p99 ms without / with', 'drain: events delivered/s', 'server CPU ms/delivery (drain)', 'idle latency request → receipt ms (median / max of 20)'],
    results.map((r) => [
      r.storage,
      r.without.rps.toFixed(0),
      r.with.rps.toFixed(0),
      (r.with.rps / r.without.rps).toFixed(2),
      r.without.cpu.toFixed(3),
      r.with.cpu.toFixed(3),
      (r.with.cpu / r.without.cpu).toFixed(2),
      `${r.without.p99} / ${r.with.p99}`,
      `${r.drain.perSecond.toFixed(0)} (${r.drain.events} events)`,
      r.drain.cpuMsPerDelivery.toFixed(3),
      `${r.latency.median.toFixed(0)} / ${r.latency.max.toFixed(0)}`,
    ]),
  ),
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('webhooks', markdown)}`);
