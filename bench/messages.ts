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

async function run(v: Variant, connections: number, seconds: number): Promise<LoadResult & { cpu: number }> {
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
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ text: `I feel curious about my project number ${n}`, userId: `user-${n++ % 200}` }),
        }),
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

const rows = [...(await measure('pglite')), ...(await measure('postgres'))];
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
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('messages', markdown)}`);
