// `npm run bench:http`: OrionOS side by side with what a user compares it to, in one run, doing
// equal work. Reads of one agent through REST and /graphql; the same read as a hand-written
// Express + Prisma route (the baseline) and through SOFA over OrionOS's own schema, both behind
// exactly OrionOS's front (bench/baseline/front.ts: cached key, rate limit, security headers,
// request id, access log line to /dev/null); raw node:http as the ceiling. Then creates and sends.
// Each on embedded PGlite and on PostgreSQL. Per variant: a warm-up, then BENCH_ROUNDS
// repetitions alternating in rotated order; medians; the server's CPU time per request.
import { rm } from 'node:fs/promises';
import {
  api,
  benchAccount,
  cpuMs,
  load,
  machineLine,
  markdownTable,
  median,
  resetPeakRss,
  saveResults,
  startScript,
  startServer,
  type LoadResult,
  type Storage,
} from './harness.js';

const SECONDS = Number(process.env.BENCH_DURATION_S ?? 4);
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const WARMUP_S = Math.min(2, SECONDS);
const CONNECTIONS = 16;
/** Targets this benchmark reports (never asserted in tests). */
const TARGETS = { cpuVsBaseline: 1.15, rpsVsSofa: 1.0, postgresPeakRssMiB: 256 };

type Variant = { name: string; pid: number; options: () => Parameters<typeof load>[0] };
type Run = LoadResult & { cpuMsPerRequest: number };

const REST = 'read: REST GET /v1/agents/{id}';
const GRAPHQL = 'read: GraphQL agent(id)';
const BASELINE = 'read: hand-written Express + Prisma (baseline)';
const SOFA = 'read: SOFA GET /v1/agents/{id} over the same schema';
const CEILING = 'read: raw node:http, fixed JSON (ceiling)';

async function run(v: Variant, seconds: number): Promise<Run> {
  const before = await cpuMs(v.pid);
  const r = await load({ connections: CONNECTIONS, duration: seconds, ...v.options() });
  const used = (await cpuMs(v.pid)) - before;
  return { ...r, cpuMsPerRequest: r.total ? used / r.total : NaN };
}

/** Warm-up, then ROUNDS repetitions, each round in an order rotated by one. */
async function measure(variants: Variant[]): Promise<Map<string, Run[]>> {
  for (const v of variants) await run(v, WARMUP_S);
  const results = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const shift = round % variants.length;
    for (const v of [...variants.slice(shift), ...variants.slice(0, shift)]) results.get(v.name)!.push(await run(v, SECONDS));
  }
  return results;
}

function summary(runs: Run[]) {
  return {
    rps: median(runs.map((r) => r.requestsPerSec)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpu: median(runs.map((r) => r.cpuMsPerRequest)),
    non2xx: runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
  };
}

const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

async function measureStorage(storage: Storage): Promise<{ rows: (string | number)[][]; targets: string[] }> {
  const orion = await startServer(storage, {}, { accessLog: true });
  const baseline = await startScript('bench/baseline/handwritten.ts', storage, { accessLog: true });
  const sofa = await startScript('bench/baseline/sofa.ts', storage, { accessLog: true });
  const ceiling = await startScript('bench/baseline/ceiling.ts', 'none');
  try {
    // The same data the peers' front creates: one account, the agent read, 30 more.
    const key = await benchAccount(orion.url);
    const auth = { authorization: `Bearer ${key}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const agent = await api(orion.url, key, 'POST', '/v1/agents', { name: 'Bench', personality: { traits: ['friendly'] } });
    for (let i = 0; i < 30; i++) await api(orion.url, key, 'POST', '/v1/agents', { name: `Filler ${i}` });
    const graphqlBody = JSON.stringify({
      query: 'query($id: ID!) { agent(id: $id) { id name description personality { traits tone bio style examples { user agent } } systemPrompt model { provider name temperature maxTokens } status metadata createdAt updatedAt } }',
      variables: { id: agent.id },
    });
    const peer = (p: typeof baseline) => ({
      url: `${p.url}/v1/agents/${p.ready.agentId}`,
      headers: { authorization: `Bearer ${p.ready.key}` },
    });
    // Reads first, all rounds of them, on data nothing changes meanwhile.
    const reads: Variant[] = [
      { name: REST, pid: orion.pid, options: () => ({ url: `${orion.url}/v1/agents/${agent.id}`, headers: auth }) },
      { name: GRAPHQL, pid: orion.pid, options: () => ({ url: `${orion.url}/graphql`, method: 'POST', headers: json, body: graphqlBody }) },
      { name: BASELINE, pid: baseline.pid, options: () => peer(baseline) },
      { name: SOFA, pid: sofa.pid, options: () => peer(sofa) },
      { name: CEILING, pid: ceiling.pid, options: () => ({ url: ceiling.url }) },
      { name: 'list: REST GET /v1/agents?limit=20', pid: orion.pid, options: () => ({ url: `${orion.url}/v1/agents?limit=20`, headers: auth }) },
    ];
    for (const pid of [orion.pid, baseline.pid, sofa.pid, ceiling.pid]) await resetPeakRss(pid);
    const readResults = await measure(reads);
    const readRss = new Map([
      [orion.pid, await orion.peakRssMiB()],
      [baseline.pid, await baseline.peakRssMiB()],
      [sofa.pid, await sofa.peakRssMiB()],
      [ceiling.pid, await ceiling.peakRssMiB()],
    ]);
    let n = 0;
    const writes: Variant[] = [
      {
        name: 'create: REST POST /v1/agents',
        pid: orion.pid,
        options: () => ({ url: `${orion.url}/v1/agents`, method: 'POST', headers: json, body: JSON.stringify({ name: 'Created' }) }),
      },
      {
        name: 'send message (local engine)',
        pid: orion.pid,
        options: () => ({
          url: `${orion.url}/v1/agents/${agent.id}/messages`,
          method: 'POST',
          headers: json,
          requests: [{ setupRequest: (req: any) => ({ ...req, body: JSON.stringify({ text: `I feel fine ${n}`, userId: `u${n++ % 100}` }) }) }],
        }),
      },
    ];
    const writeResults = await measure(writes);
    const writeRss = await orion.peakRssMiB();

    const s = (name: string) => summary(readResults.get(name)!);
    const base = s(BASELINE);
    const top = s(CEILING);
    const sofaRead = s(SOFA);
    const rows: (string | number)[][] = [];
    for (const [variants, results, rss] of [
      [reads, readResults, (v: Variant) => readRss.get(v.pid)!],
      [writes, writeResults, () => writeRss],
    ] as const) {
      for (const v of variants) {
        const a = summary(results.get(v.name)!);
        const isRead = v.name.startsWith('read');
        rows.push([
          storage,
          v.name,
          a.rps.toFixed(0),
          a.p50,
          a.p99,
          a.non2xx,
          Number.isFinite(a.cpu) ? a.cpu.toFixed(3) : '—',
          rss(v as Variant),
          isRead ? (a.rps / base.rps).toFixed(2) : '',
          isRead ? (a.cpu / base.cpu).toFixed(2) : '',
          isRead ? (a.rps / sofaRead.rps).toFixed(2) : '',
          isRead ? (a.rps / top.rps).toFixed(3) : '',
        ]);
      }
    }
    const rest = s(REST);
    const cpuRatio = rest.cpu / base.cpu;
    const sofaRatio = rest.rps / sofaRead.rps;
    // A peer that answered errors did other work than OrionOS: its ratios measure nothing.
    const answered = { 'OrionOS REST': rest, baseline: base, SOFA: sofaRead };
    const invalid = Object.entries(answered).filter(([, peer]) => peer.non2xx).map(([name]) => name);
    if (invalid.length) throw new Error(`non-2xx answers from ${invalid.join(', ')} on ${storage}: no ratio is valid`);
    const targets = [
      `- ${storage}: REST read server CPU per request ${rest.cpu.toFixed(3)} ms vs baseline ${base.cpu.toFixed(3)} ms = ${cpuRatio.toFixed(2)}× (target ≤ ${TARGETS.cpuVsBaseline}×): ${verdict(cpuRatio <= TARGETS.cpuVsBaseline)}`,
      `- ${storage}: REST read requests/s ${rest.rps.toFixed(0)} vs SOFA ${sofaRead.rps.toFixed(0)} = ${sofaRatio.toFixed(2)}× (target ≥ ${TARGETS.rpsVsSofa.toFixed(1)}×): ${verdict(sofaRatio >= TARGETS.rpsVsSofa)}`,
    ];
    if (storage === 'postgres') {
      const peak = readRss.get(orion.pid)!;
      targets.push(
        `- ${storage}: OrionOS peak RSS under the read load ${peak} MiB (target ≤ ${TARGETS.postgresPeakRssMiB} MiB): ${verdict(peak <= TARGETS.postgresPeakRssMiB)}`,
      );
    }
    return { rows, targets };
  } finally {
    await orion.stop();
    await baseline.stop();
    await sofa.stop();
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
  return { bundle: median(times.bundle), source: median(times.source) };
}

const measured = [await measureStorage('pglite'), await measureStorage('postgres')];
const ready = await readyTimes();
const markdown = [
  `### HTTP, side by side (${CONNECTIONS} connections; per variant a ${WARMUP_S} s warm-up, then ${ROUNDS} alternating rounds of ${SECONDS} s in rotated order; medians; ${machineLine()})`,
  '',
  'Equal work: the baseline (a hand-written Express + Prisma route) and SOFA (sofa-api over OrionOS\'s executable schema, its answer wrapped in the same envelope) run behind exactly the front OrionOS runs, the same middleware functions in the same order: request id, an access log line (pino, standard output pointed at /dev/null, for every server measured), metrics, helmet with the same options, API key through the same in-memory key cache, rate limit in the same rate-limiter-flexible memory store under the same key, JSON body, idempotency. They answer the same `{success,data}` bytes with the same database round trips (one `findFirst` per read; the key lookup is cached). So the ratios to the baseline and to SOFA measure the cost of the GraphQL translation and nothing else. Reads run first, all their rounds, on data nothing changes; creates and sends after.',
  '',
  'Server CPU ms/request: user + system time of the server process (/proc/<pid>/stat, before and after each run) over the requests it completed. On PGlite the database runs inside the server process and is counted; on PostgreSQL the database server\'s own CPU is not. Peak RSS is read after the read rounds (reset before them) for reads, after the write rounds for writes. The load generator runs on the same machine; this machine (2 cores) may be shared with other work, so compare ratios within a run rather than absolute numbers across runs.',
  '',
  markdownTable(
    ['storage', 'scenario', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server CPU ms/request', 'server peak RSS MiB', 'req/s × baseline', 'CPU × baseline', 'req/s × SOFA', 'req/s × ceiling'],
    measured.flatMap((m) => m.rows),
  ),
  '',
  'Targets (reported, never asserted in tests):',
  '',
  ...measured.flatMap((m) => m.targets),
  '',
  `Ready to serve on an existing embedded data directory, from process start to the first answered request (median of ${READY_ROUNDS} starts, alternating): ${ready.bundle.toFixed(0)} ms for the bundle \`npm start\` runs; ${ready.source.toFixed(0)} ms for the TypeScript sources through tsx (${(ready.bundle / ready.source).toFixed(2)}×).`,
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('http', markdown)}`);
