// `tsx bench/read-compare.ts`: a quick side-by-side of the REST read against the baseline
// (CPU per request ratio, alternating rounds, medians). BENCH_PROFILE=dir writes a --cpu-prof.
import { api, benchAccount, cpuMs, load, median, resetPeakRss, startScript, startServer, type Storage } from './harness.js';

const storage = (process.env.BENCH_STORAGE ?? 'postgres') as Storage;
const SECONDS = Number(process.env.BENCH_DURATION_S ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const profile = process.env.BENCH_PROFILE;
const orion = await startServer(storage, {}, { accessLog: true, entry: process.env.BENCH_ENTRY === 'source' ? 'source' : 'bundle', nodeArgs: [...(process.env.BENCH_NODE_ARGS?.split(' ') ?? []), ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])] });
const before = process.env.BENCH_BEFORE ? await startServer(storage, {}, { accessLog: true, bundle: process.env.BENCH_BEFORE, nodeArgs: process.env.BENCH_BEFORE_NODE_ARGS?.split(' ') ?? [] }) : undefined;
const baseline = await startScript('bench/baseline/handwritten.ts', storage, { accessLog: true });
try {
  const key = await benchAccount(orion.url);
  const agent = await api(orion.url, key, 'POST', '/v1/agents', { name: 'Bench', personality: { traits: ['friendly'] } });
  const beforeKey = before && (await benchAccount(before.url));
  const beforeAgent = before && (await api(before.url, beforeKey!, 'POST', '/v1/agents', { name: 'Bench', personality: { traits: ['friendly'] } }));
  const variants = [
    ...(before ? [{ name: 'before', pid: before.pid, url: `${before.url}/v1/agents/${beforeAgent.id}`, key: beforeKey! }] : []),
    { name: 'rest', pid: orion.pid, url: `${orion.url}/v1/agents/${agent.id}`, key },
    { name: 'baseline', pid: baseline.pid, url: `${baseline.url}/v1/agents/${baseline.ready.agentId}`, key: baseline.ready.key },
  ];
  const res = new Map<string, { cpu: number; rps: number }[]>(variants.map((v) => [v.name, []]));
  const once = async (v: (typeof variants)[number], s: number) => {
    const before = await cpuMs(v.pid);
    const r = await load({ connections: 16, duration: s, url: v.url, headers: { authorization: `Bearer ${v.key}` } });
    if (r.non2xx || r.errors) console.error(v.name, 'non-2xx', r.non2xx, r.errors);
    return { cpu: ((await cpuMs(v.pid)) - before) / r.total, rps: r.requestsPerSec };
  };
  for (const v of variants) await once(v, 2);
  for (const pid of [orion.pid, baseline.pid, ...(before ? [before.pid] : [])]) await resetPeakRss(pid);
  for (let round = 0; round < ROUNDS; round++) {
    const shift = round % variants.length;
    const order = [...variants.slice(shift), ...variants.slice(0, shift)];
    for (const v of order) res.get(v.name)!.push(await once(v, SECONDS));
  }
  const m = (n: string, k: 'cpu' | 'rps') => median(res.get(n)!.map((r) => r[k]));
  if (before) console.log(`${storage}: before cpu ${m('before', 'cpu').toFixed(3)} ratio ${(m('before', 'cpu') / m('baseline', 'cpu')).toFixed(2)}; rps ratio ${(m('before', 'rps') / m('baseline', 'rps')).toFixed(2)}; peak RSS ${await before.peakRssMiB()} MiB`);
  console.log(`${storage}: rest cpu ${m('rest', 'cpu').toFixed(3)} baseline ${m('baseline', 'cpu').toFixed(3)} ratio ${(m('rest', 'cpu') / m('baseline', 'cpu')).toFixed(2)}; rps ratio ${(m('rest', 'rps') / m('baseline', 'rps')).toFixed(2)}; peak RSS orion ${await orion.peakRssMiB()} MiB baseline ${await baseline.peakRssMiB()} MiB`);
} finally {
  await orion.stop();
  await baseline.stop();
  await before?.stop();
}
