// `npm run bench:messages`: the platform's own cost per message with the local engine
// (validation, conversation lookup, history, the writes, the engine, the envelope), on embedded
// PGlite and on PostgreSQL, at concurrency 1 and 32, beside a floor: a route behind the same
// front (cached key, rate limit, security headers, request id, access log) doing nothing but the
// two inserts a message needs. Per row a warm-up, then BENCH_ROUNDS alternating repetitions in
// rotated order; medians; the server's CPU time per message.
import {
  api,
  benchAccount,
  cpuMs,
  load,
  machineLine,
  markdownTable,
  median,
  saveResults,
  startScript,
  startServer,
  type LoadResult,
  type Storage,
} from './harness.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const WARMUP_S = Math.min(2, DURATION_S);

type Variant = { name: string; pid: number; url: string; key: string; peakRssMiB: () => Promise<number> };

/** One load run; with `userId`, every send is that one user's (one conversation), else spread over 200 users. */
async function run(v: Variant, connections: number, seconds: number, userId?: string): Promise<LoadResult & { cpu: number }> {
  let n = 0;
  const before = await cpuMs(v.pid);
  const result = await load({
    url: v.url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${v.key}`, 'content-type': 'application/json' },
    // Many end users, each with a short history, as a real deployment would see.
    requests: [
      {
        setupRequest: (req) => {
          const i = n++;
          return { ...req, body: JSON.stringify({ text: `I feel curious about my project number ${i}`, userId: userId ?? `user-${i % 200}` }) };
        },
      },
    ],
  });
  const used = (await cpuMs(v.pid)) - before;
  return { ...result, cpu: result.total ? used / result.total : NaN };
}

async function measure(storage: Storage) {
  const server = await startServer(storage, {}, { accessLog: true });
  const floor = await startScript('bench/baseline/two-inserts.ts', storage, { accessLog: true });
  try {
    const key = await benchAccount(server.url);
    const agent = await api(server.url, key, 'POST', '/v1/agents', {
      name: 'Bench',
      personality: { traits: ['friendly'], tone: 'warm' },
    });
    const variants: Variant[] = [
      { name: 'OrionOS POST /v1/agents/{id}/messages', pid: server.pid, url: `${server.url}/v1/agents/${agent.id}/messages`, key, peakRssMiB: server.peakRssMiB },
      {
        name: 'floor: two Prisma inserts, same front',
        pid: floor.pid,
        url: `${floor.url}/v1/agents/${floor.ready.agentId}/messages`,
        key: floor.ready.key as string,
        peakRssMiB: floor.peakRssMiB,
      },
    ];
    const rows: (string | number)[][] = [];
    for (const connections of [1, 32]) {
      for (const v of variants) await run(v, connections, WARMUP_S);
      const results = new Map(variants.map((v) => [v.name, [] as Awaited<ReturnType<typeof run>>[]]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 ? [...variants].reverse() : variants;
        for (const v of order) results.get(v.name)!.push(await run(v, connections, DURATION_S));
      }
      const rps = (name: string) => median(results.get(name)!.map((r) => r.requestsPerSec));
      const floorRps = rps(variants[1]!.name);
      for (const v of variants) {
        const runs = results.get(v.name)!;
        rows.push([
          storage,
          connections,
          v.name,
          rps(v.name).toFixed(0),
          median(runs.map((r) => r.p50)),
          median(runs.map((r) => r.p99)),
          runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
          median(runs.map((r) => r.cpu)).toFixed(2),
          await v.peakRssMiB(),
          (rps(v.name) / floorRps).toFixed(2),
        ]);
      }
    }
    return rows;
  } finally {
    await server.stop();
    await floor.stop();
  }
}

/**
 * The growth table: one end user's conversation holding 10, 100 or 1000 turns before the run,
 * then sends in that conversation (concurrency 1). History feeds the model at most the latest
 * MESSAGE_LIMITS.history turns, read newest first through the (conversationId, id) index, so the
 * cost of a send should not grow with the conversation.
 */
async function growth(storage: Storage) {
  const server = await startServer(storage, {}, { accessLog: true });
  try {
    const key = await benchAccount(server.url);
    const rows: (string | number)[][] = [];
    for (const prior of [10, 100, 1000]) {
      const agent = await api(server.url, key, 'POST', '/v1/agents', { name: `Growth ${prior}` });
      const url = `${server.url}/v1/agents/${agent.id}/messages`;
      // Each send stores two turns: the user's and the reply.
      for (let i = 0; i < prior / 2; i++) await api(server.url, key, 'POST', `/v1/agents/${agent.id}/messages`, { text: `earlier turn ${i}`, userId: 'long' });
      const variant: Variant = { name: `${prior} prior turns`, pid: server.pid, url, key, peakRssMiB: server.peakRssMiB };
      await run(variant, 1, WARMUP_S, 'long');
      const runs = [];
      for (let round = 0; round < ROUNDS; round++) runs.push(await run(variant, 1, DURATION_S, 'long'));
      rows.push([
        storage,
        prior,
        median(runs.map((r) => r.requestsPerSec)).toFixed(0),
        median(runs.map((r) => r.p50)),
        median(runs.map((r) => r.p99)),
        median(runs.map((r) => r.cpu)).toFixed(2),
      ]);
    }
    return rows;
  } finally {
    await server.stop();
  }
}

const rows = [...(await measure('pglite')), ...(await measure('postgres'))];
const growthRows = [...(await growth('pglite')), ...(await growth('postgres'))];
const table = markdownTable(
  ['storage', 'concurrency', 'implementation', 'messages/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server CPU ms/message', 'server peak RSS MiB', '× floor'],
  rows,
);
const markdown = [
  `### Send message, local engine (per row a ${WARMUP_S} s warm-up, then ${ROUNDS} alternating rounds of ${DURATION_S} s; medians; ${machineLine()})`,
  '',
  'The floor runs behind exactly the front OrionOS runs (request id, access log line to /dev/null, metrics, helmet, cached API key, rate limit in the same memory store, JSON body, idempotency) and does only the two inserts every message needs (the user turn and the reply), so `× floor` is what the rest of a send costs: validation, conversation and history reads, quota, counters, the engine, the GraphQL translation. Server CPU counts the server process only (on PGlite the database runs inside it). The machine (2 cores) may be shared with other work: compare ratios within a run.',
  '',
  table,
  '',
  `### Send message as a conversation grows (concurrency 1, ${ROUNDS} rounds of ${DURATION_S} s after a warm-up; the turns the run adds come on top)`,
  '',
  markdownTable(['storage', 'turns before the run', 'messages/s', 'p50 ms', 'p99 ms', 'server CPU ms/message'], growthRows),
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('messages', markdown)}`);
