// `npm run bench:auth`: what authentication and rate limiting add to each request.
// In-process, per call: the API-key lookup (embedded PGlite, PostgreSQL) and one rate-limit
// decision (memory store, Redis store). Over HTTP, side by side: the same authenticated read
// with the limits in memory and in Redis.
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PGLITE_EXTENSIONS } from '../src/db/pglite-extensions.js';
import { openDatabase } from '../src/db/client.js';
import { prepareDatabase } from '../src/db/migrate.js';
import { applyMigrations } from '../src/db/schema-engine.js';
import { createLogger } from '../src/logger.js';
import { createAccount } from '../src/services/accounts.js';
import { authenticate } from '../src/services/api-keys.js';
import { RateLimits } from '../src/services/rate-limits.js';
import { PrismaClient } from '../src/db/generated/prisma/client.js';
import {
  POSTGRES_URL,
  api,
  benchAccount,
  load,
  machineLine,
  markdownTable,
  saveResults,
  startServer,
} from './harness.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CALLS = 3_000;

async function perCall(label: string, fn: () => Promise<unknown>): Promise<(string | number)[]> {
  for (let i = 0; i < 200; i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await fn();
  const micros = Number(process.hrtime.bigint() - started) / 1e3 / CALLS;
  return [label, micros.toFixed(0), Math.round(1e6 / micros)];
}

async function inProcess(): Promise<string> {
  const rows: (string | number)[][] = [];
  const pglite = new PGlite({ extensions: PGLITE_EXTENSIONS });
  await applyMigrations(new PrismaPGlite(pglite));
  const embedded = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const { secret } = await createAccount(embedded, { name: 'bench' });
  rows.push(await perCall('API-key lookup, embedded PGlite', () => authenticate(embedded, `Bearer ${secret}`)));
  await embedded.$disconnect();
  await pglite.close();

  const schema = `orion_bench_${randomBytes(4).toString('hex')}`;
  const pg = await openDatabase({ kind: 'postgres', url: `${POSTGRES_URL}?schema=${schema}` });
  await prepareDatabase(pg, async () => undefined);
  const pgKey = (await createAccount(pg.prisma, { name: 'bench' })).secret;
  rows.push(await perCall('API-key lookup, PostgreSQL', () => authenticate(pg.prisma, `Bearer ${pgKey}`)));
  await pg.prisma.$executeRawUnsafe(`DROP SCHEMA "${schema}" CASCADE`);
  await pg.close();

  const memory = RateLimits.inMemory();
  rows.push(await perCall('rate-limit decision, memory store', () => memory.consume('acc:bench', 1_000_000_000)));
  const redis = await RateLimits.withRedis(REDIS_URL, createLogger('silent'), `orion-bench-${randomBytes(4).toString('hex')}`);
  await new Promise((r) => setTimeout(r, 300));
  rows.push(await perCall('rate-limit decision, Redis store', () => redis.consume('acc:bench', 1_000_000_000)));
  await redis.close();

  return markdownTable(['step (sequential, one process)', 'µs per call', 'calls/s'], rows);
}

async function overHttp(): Promise<string> {
  const rows: (string | number)[][] = [];
  const servers = {
    memory: await startServer('postgres'),
    redis: await startServer('postgres', { REDIS_URL }),
  };
  try {
    const targets: Record<string, { url: string; key: string; agentId: string }> = {};
    for (const [name, server] of Object.entries(servers)) {
      const key = await benchAccount(server.url);
      const agent = await api(server.url, key, 'POST', '/v1/agents', { name: 'Bench' });
      targets[name] = { url: server.url, key, agentId: agent.id };
    }
    const results: Record<string, Awaited<ReturnType<typeof load>>[]> = { memory: [], redis: [] };
    // Alternate the variants so machine noise hits both alike.
    for (let round = 0; round < 2; round++) {
      for (const name of ['memory', 'redis']) {
        const t = targets[name]!;
        results[name]!.push(
          await load({
            url: `${t.url}/v1/agents/${t.agentId}`,
            connections: 16,
            duration: DURATION_S / 2,
            headers: { authorization: `Bearer ${t.key}` },
          }),
        );
      }
    }
    const memoryRps = results.memory!.reduce((n, r) => n + r.requestsPerSec, 0) / 2;
    for (const name of ['memory', 'redis']) {
      const r = results[name]!;
      const rps = r.reduce((n, x) => n + x.requestsPerSec, 0) / r.length;
      rows.push([
        `GET /v1/agents/{id}, limits in ${name}`,
        rps.toFixed(0),
        Math.max(...r.map((x) => x.p50)),
        Math.max(...r.map((x) => x.p99)),
        r.reduce((n, x) => n + x.non2xx + x.errors, 0),
        (rps / memoryRps).toFixed(2),
      ]);
    }
  } finally {
    await servers.memory.stop();
    await servers.redis.stop();
  }
  return markdownTable(['over HTTP (PostgreSQL, 16 connections)', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'ratio to memory'], rows);
}

const markdown = [
  `### Authentication and rate limiting (${machineLine()})`,
  '',
  await inProcess(),
  '',
  await overHttp(),
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('auth', markdown)}`);
