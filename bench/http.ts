// `npm run bench:http`: OrionOS side by side with what a user compares it to, in one run.
// Reads of one agent through REST, through /graphql, through a hand-written Express + Prisma
// route (the baseline) and raw node:http (the ceiling); then creates, lists and sends. Each on
// embedded PGlite and on PostgreSQL. Variants alternate, round after round, so machine noise
// hits them alike.
import { rm } from 'node:fs/promises';
import { api, benchAccount, load, machineLine, markdownTable, saveResults, startScript, startServer, type LoadResult, type Storage } from './harness.js';

const SECONDS = Number(process.env.BENCH_DURATION_S ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 16;

type Variant = { name: string; options: () => Parameters<typeof load>[0]; rss: () => Promise<number> };

function average(results: LoadResult[]) {
  return {
    rps: results.reduce((n, r) => n + r.requestsPerSec, 0) / results.length,
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx + r.errors, 0),
  };
}

async function measureStorage(storage: Storage): Promise<(string | number)[][]> {
  const orion = await startServer(storage);
  const baseline = await startScript('bench/baseline/handwritten.ts', storage);
  const ceiling = await startScript('bench/baseline/ceiling.ts', 'none');
  try {
    const key = await benchAccount(orion.url);
    const auth = { authorization: `Bearer ${key}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const agent = await api(orion.url, key, 'POST', '/v1/agents', { name: 'Bench', personality: { traits: ['friendly'] } });
    for (let i = 0; i < 30; i++) await api(orion.url, key, 'POST', '/v1/agents', { name: `Filler ${i}` });
    const graphqlBody = JSON.stringify({
      query: 'query($id: ID!) { agent(id: $id) { id name description personality { traits tone bio style examples { user agent } } systemPrompt model { provider name temperature maxTokens } status metadata createdAt updatedAt } }',
      variables: { id: agent.id },
    });
    let n = 0;
    const variants: Variant[] = [
      { name: 'read: REST GET /v1/agents/{id}', options: () => ({ url: `${orion.url}/v1/agents/${agent.id}`, headers: auth }), rss: orion.peakRssMiB },
      { name: 'read: GraphQL agent(id)', options: () => ({ url: `${orion.url}/graphql`, method: 'POST', headers: json, body: graphqlBody }), rss: orion.peakRssMiB },
      {
        name: 'read: hand-written Express + Prisma (baseline)',
        options: () => ({ url: `${baseline.url}/v1/agents/${baseline.ready.agentId}`, headers: { authorization: `Bearer ${baseline.ready.key}` } }),
        rss: baseline.peakRssMiB,
      },
      { name: 'read: raw node:http, fixed JSON (ceiling)', options: () => ({ url: ceiling.url }), rss: ceiling.peakRssMiB },
      {
        name: 'create: REST POST /v1/agents',
        options: () => ({ url: `${orion.url}/v1/agents`, method: 'POST', headers: json, body: JSON.stringify({ name: 'Created' }) }),
        rss: orion.peakRssMiB,
      },
      { name: 'list: REST GET /v1/agents?limit=20', options: () => ({ url: `${orion.url}/v1/agents?limit=20`, headers: auth }), rss: orion.peakRssMiB },
      {
        name: 'send message (local engine)',
        options: () => ({
          url: `${orion.url}/v1/agents/${agent.id}/messages`,
          method: 'POST',
          headers: json,
          requests: [{ setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ text: `I feel fine ${n}`, userId: `u${n++ % 100}` }) }) }],
        }),
        rss: orion.peakRssMiB,
      },
    ];
    const results = new Map<string, LoadResult[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of variants) {
        const r = await load({ connections: CONNECTIONS, duration: SECONDS, ...v.options() });
        results.set(v.name, [...(results.get(v.name) ?? []), r]);
      }
    }
    const rps = (name: string) => average(results.get(name)!).rps;
    const base = rps('read: hand-written Express + Prisma (baseline)');
    const top = rps('read: raw node:http, fixed JSON (ceiling)');
    const gql = rps('read: GraphQL agent(id)');
    const rows: (string | number)[][] = [];
    for (const v of variants) {
      const a = average(results.get(v.name)!);
      const isRead = v.name.startsWith('read');
      rows.push([
        storage,
        v.name,
        a.rps.toFixed(0),
        a.p50,
        a.p99,
        a.non2xx,
        await v.rss(),
        isRead ? (a.rps / base).toFixed(2) : '',
        isRead ? (a.rps / top).toFixed(3) : '',
        v.name.startsWith('read: REST') ? (a.rps / gql).toFixed(2) : '',
      ]);
    }
    return rows;
  } finally {
    await orion.stop();
    await baseline.stop();
    await ceiling.stop();
  }
}

const READY_ROUNDS = 7;

/**
 * Time from process start to the first answered request, on an existing embedded data dir: the
 * bundle `npm start` runs and, for comparison, the TypeScript sources through tsx; alternating,
 * medians of READY_ROUNDS starts each.
 */
async function readyTimes(): Promise<{ bundle: number; source: number }> {
  const first = await startServer('pglite', {}, { keepDataDir: true });
  await first.stop();
  const startOnce = async (entry: 'bundle' | 'source') => {
    const started = performance.now();
    const server = await startServer('pglite', {}, { dataDir: first.dataDir, keepDataDir: true, entry });
    const ms = performance.now() - started;
    await server.stop();
    return ms;
  };
  const times = { bundle: [] as number[], source: [] as number[] };
  for (let round = 0; round < READY_ROUNDS; round++) {
    times.bundle.push(await startOnce('bundle'));
    times.source.push(await startOnce('source'));
  }
  await rm(first.dataDir, { recursive: true, force: true });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { bundle: median(times.bundle), source: median(times.source) };
}

const rows = [...(await measureStorage('pglite')), ...(await measureStorage('postgres'))];
const ready = await readyTimes();
const markdown = [
  `### HTTP, side by side (${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s; ${machineLine()})`,
  '',
  markdownTable(
    ['storage', 'scenario', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server peak RSS MiB', '× baseline', '× ceiling', 'REST ÷ GraphQL'],
    rows,
  ),
  '',
  `Ready to serve on an existing embedded data directory, from process start to the first answered request (median of ${READY_ROUNDS} starts, alternating): ${ready.bundle.toFixed(0)} ms for the bundle \`npm start\` runs; ${ready.source.toFixed(0)} ms for the TypeScript sources through tsx (${(ready.bundle / ready.source).toFixed(2)}×).`,
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('http', markdown)}`);
