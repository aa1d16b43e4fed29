// `tsx bench/send-compare.ts`: a quick side-by-side of the send (local engine) against the
// two-insert floor, at concurrency 1 and 32 (alternating rounds in rotated order, medians).
// BENCH_BEFORE=<a server bundle built elsewhere> adds that build as "before", to compare a change
// in one run; BENCH_PROFILE=dir writes a --cpu-prof of the current server.
import { api, benchAccount, cpuMs, load, median, startScript, startServer, type Storage } from './harness.js';

const storage = (process.env.BENCH_STORAGE ?? 'postgres') as Storage;
const SECONDS = Number(process.env.BENCH_DURATION_S ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,32').split(',').map(Number);
const profile = process.env.BENCH_PROFILE;

type Variant = { name: string; pid: number; url: string; key: string };
const orion = await startServer(storage, {}, { accessLog: true, nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [] });
let before: Awaited<ReturnType<typeof startServer>> | undefined;
let floor: Awaited<ReturnType<typeof startScript>> | undefined;
try {
  if (process.env.BENCH_BEFORE) before = await startServer(storage, {}, { accessLog: true, bundle: process.env.BENCH_BEFORE });
  floor = await startScript('bench/baseline/two-inserts.ts', storage, { accessLog: true });
  const variant = async (name: string, server: { url: string; pid: number }): Promise<Variant> => {
    const key = await benchAccount(server.url);
    const agent = await api(server.url, key, 'POST', '/v1/agents', { name: 'Bench', personality: { traits: ['friendly'], tone: 'warm' } });
    return { name, pid: server.pid, url: `${server.url}/v1/agents/${agent.id}/messages`, key };
  };
  const variants: Variant[] = [
    ...(before ? [await variant('before', before)] : []),
    await variant('after', orion),
    { name: 'floor', pid: floor.pid, url: `${floor.url}/v1/agents/${floor.ready.agentId}/messages`, key: floor.ready.key as string },
  ];
  let n = 0;
  const once = async (v: Variant, connections: number, seconds: number) => {
    const cpuBefore = await cpuMs(v.pid);
    const r = await load({
      url: v.url,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { authorization: `Bearer ${v.key}`, 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ text: `I feel curious about my project number ${n}`, userId: `user-${n++ % 200}` }) }) }],
    });
    if (r.non2xx || r.errors) console.error(v.name, 'non-2xx', r.non2xx, 'errors', r.errors);
    return { cpu: ((await cpuMs(v.pid)) - cpuBefore) / r.total, rps: r.requestsPerSec, p50: r.p50 };
  };
  for (const connections of CONNECTIONS) {
    for (const v of variants) await once(v, connections, 2);
    const res = new Map(variants.map((v) => [v.name, [] as Awaited<ReturnType<typeof once>>[]]));
    for (let round = 0; round < ROUNDS; round++) {
      const shift = round % variants.length;
      for (const v of [...variants.slice(shift), ...variants.slice(0, shift)]) res.get(v.name)!.push(await once(v, connections, SECONDS));
    }
    const m = (name: string, k: 'cpu' | 'rps' | 'p50') => median(res.get(name)!.map((r) => r[k]));
    for (const v of variants) {
      console.log(
        `${storage} c=${connections} ${v.name.padEnd(6)} cpu ${m(v.name, 'cpu').toFixed(2)} ms/msg  ${m(v.name, 'rps').toFixed(0)} msg/s  p50 ${m(v.name, 'p50')} ms  × floor ${(m(v.name, 'cpu') / m('floor', 'cpu')).toFixed(2)}`,
      );
    }
  }
} finally {
  await orion.stop();
  await before?.stop();
  await floor?.stop();
}
