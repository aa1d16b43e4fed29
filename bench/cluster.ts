// `npm run bench:cluster`: reads and sends per second through HAProxy (deploy/haproxy.cfg, as
// `npm run cluster` runs it) in front of 1, 2 and 3 OrionOS instances on one PostgreSQL schema and
// Redis, with each instance's share of the requests and its CPU time per request (from
// /proc/<pid>/stat), and HAProxy's. On one machine the instances share its cores with PostgreSQL,
// Redis, HAProxy and the load generator: the scaling shown is bounded by the machine, and the CPU
// per request is what an instance costs wherever it runs.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startHaproxy } from '../scripts/cluster.mjs';
import {
  POSTGRES_URL,
  api,
  benchAccount,
  cpuMs,
  freePort,
  load,
  machineLine,
  markdownTable,
  median,
  saveResults,
  startServer,
  type RunningServer,
} from './harness.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const WARMUP_S = Math.min(2, DURATION_S);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Requests each instance has been sent so far (HAProxy's `stot` per server). */
async function servedByInstance(statsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${statsUrl}/;csv`)).text();
  const [header, ...rows] = text.replace(/^# /, '').trim().split('\n');
  const columns = header!.split(',');
  const served: Record<string, number> = {};
  for (const row of rows) {
    const cells = row.split(',');
    const get = (name: string) => cells[columns.indexOf(name)]!;
    if (get('pxname') === 'orion' && !['FRONTEND', 'BACKEND'].includes(get('svname'))) served[get('svname')] = Number(get('stot'));
  }
  return served;
}

const schema = `orion_bench_cluster_${randomBytes(4).toString('hex')}`;
const databaseUrl = `${POSTGRES_URL}?schema=${schema}`;
const clusterEnv = {
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  ORION_SECRET_KEY: `bench-cluster-${randomBytes(24).toString('hex')}`,
  TRUST_PROXY: 'loopback',
  MAX_CONNECTIONS_PER_ADDRESS: '0',
};

const instances: RunningServer[] = [];
const rows: (string | number)[][] = [];
try {
  // The first migrates the fresh schema; the others find it done.
  instances.push(await startServer('postgres', clusterEnv, { accessLog: true }));
  instances.push(...(await Promise.all([1, 2].map(() => startServer('postgres', clusterEnv, { accessLog: true })))));
  const url0 = instances[0]!.url;
  const key = await benchAccount(url0);
  const agent = await api(url0, key, 'POST', '/v1/agents', { name: 'Bench', personality: { traits: ['friendly'], tone: 'warm' } });

  for (const count of [1, 2, 3]) {
    const members = instances.slice(0, count);
    const haproxy = await startHaproxy({
      servers: members.map((s, i) => ({ name: `orion${i + 1}`, host: '127.0.0.1', port: Number(new URL(s.url).port) })),
      bind: `127.0.0.1:${await freePort()}`,
      statsBind: `127.0.0.1:${await freePort()}`,
    });
    try {
      for (const workload of ['read', 'send'] as const) {
        let n = 0;
        const run = async (seconds: number) => {
          const cpuBefore = await Promise.all(members.map((s) => cpuMs(s.pid)));
          const proxyBefore = await cpuMs(haproxy.pid);
          const servedBefore = await servedByInstance(haproxy.statsUrl);
          const result = await load({
            url: `${haproxy.url}/v1/agents/${agent.id}${workload === 'send' ? '/messages' : ''}`,
            method: workload === 'send' ? 'POST' : 'GET',
            connections: CONNECTIONS,
            duration: seconds,
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            requests:
              workload === 'send'
                ? [
                    {
                      setupRequest: (req) => {
                        const i = n++;
                        return { ...req, body: JSON.stringify({ text: `I feel curious about my project number ${i}`, userId: `user-${i % 200}` }) };
                      },
                    },
                  ]
                : undefined,
          });
          const cpuAfter = await Promise.all(members.map((s) => cpuMs(s.pid)));
          const servedAfter = await servedByInstance(haproxy.statsUrl);
          const perInstance = members.map((_, i) => {
            const served = servedAfter[`orion${i + 1}`]! - servedBefore[`orion${i + 1}`]!;
            return { served, cpuPerRequest: served ? (cpuAfter[i]! - cpuBefore[i]!) / served : NaN };
          });
          return { ...result, perInstance, proxyCpu: result.total ? ((await cpuMs(haproxy.pid)) - proxyBefore) / result.total : NaN };
        };
        await run(WARMUP_S);
        const runs: Awaited<ReturnType<typeof run>>[] = [];
        for (let round = 0; round < ROUNDS; round++) runs.push(await run(DURATION_S));
        const perInstance = members.map((_, i) => ({
          share: median(runs.map((r) => r.perInstance[i]!.served / Math.max(1, r.perInstance.reduce((t, p) => t + p.served, 0)))),
          cpu: median(runs.map((r) => r.perInstance[i]!.cpuPerRequest)),
        }));
        rows.push([
          workload === 'read' ? 'read `GET /v1/agents/{id}`' : 'send `POST /v1/agents/{id}/messages`',
          count,
          median(runs.map((r) => r.requestsPerSec)).toFixed(0),
          median(runs.map((r) => r.p50)),
          median(runs.map((r) => r.p99)),
          runs.reduce((t, r) => t + r.non2xx + r.errors, 0),
          perInstance.map((p) => `${(p.share * 100).toFixed(0)}%`).join(' / '),
          perInstance.map((p) => p.cpu.toFixed(2)).join(' / '),
          median(runs.map((r) => r.proxyCpu)).toFixed(3),
        ]);
        console.log(rows.at(-1)!.join(' | '));
      }
    } finally {
      await haproxy.stop('SIGTERM');
    }
  }
} finally {
  await Promise.all(instances.map((s) => s.stop()));
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

const markdown = [
  `### Through HAProxy: 1, 2 and 3 instances on PostgreSQL and Redis (${CONNECTIONS} connections; per row a ${WARMUP_S} s warm-up, then ${ROUNDS} rounds of ${DURATION_S} s; medians; ${machineLine()})`,
  '',
  "deploy/haproxy.cfg as `npm run cluster` runs it (leastconn, a connection of its own to the instance per request), every instance with its access log. Share: the requests HAProxy sent each instance. CPU: each instance's user + system time per request it served, and HAProxy's per request. The instances share this machine's cores with PostgreSQL, Redis, HAProxy and the load generator, so requests/s cannot grow past what the machine has; the CPU per request is an instance's cost on any machine, and capacity ≈ cores available to instances × 1000 / (CPU ms per request).",
  '',
  markdownTable(
    ['workload', 'instances', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx + errors', 'share per instance', 'CPU ms/request per instance', 'HAProxy CPU ms/request'],
    rows,
  ),
].join('\n');
console.log(markdown);
console.log(`\nsaved to ${await saveResults('cluster', markdown)}`);
