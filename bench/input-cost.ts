// `npx tsx bench/input-cost.ts`: server CPU spent on a refused body of many keys
// (`{"0":0,"1":0,…}`), REST and GraphQL, with and without a key. Validation must cost about
// the same whatever the key count, and a caller without a key must cost nothing.
import { readFile } from 'node:fs/promises';
import { benchAccount, machineLine, markdownTable, startServer } from './harness.js';

const CLOCK_TICKS_PER_S = 100;

/** User + system CPU of a process so far, in milliseconds (Linux /proc). */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

function manyKeys(count: number): Record<string, number> {
  const object: Record<string, number> = {};
  for (let i = 0; i < count; i++) object[i.toString(36)] = 0;
  return object;
}

const server = await startServer('pglite', {}, { entry: 'source' });
try {
  const key = await benchAccount(server.url);
  const rows: (string | number)[][] = [];
  for (const count of [20_000, 40_000, 60_000, 110_000]) {
    const input = manyKeys(count);
    const cases: [string, string, unknown][] = [
      ['REST', '/v1/agents', input],
      ['GraphQL', '/graphql', { query: 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }', variables: { input } }],
    ];
    for (const [protocol, route, body] of cases) {
      for (const auth of ['key', 'none'] as const) {
        const text = JSON.stringify(body);
        const before = await cpuMs(server.pid);
        const res = await fetch(`${server.url}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth === 'key' ? { authorization: `Bearer ${key}` } : {}) },
          body: text,
        });
        await res.arrayBuffer();
        rows.push([protocol, auth, count.toLocaleString('en'), `${Math.round(text.length / 1024)} KiB`, res.status, Math.round((await cpuMs(server.pid)) - before)]);
      }
    }
  }
  console.log(machineLine());
  console.log(markdownTable(['protocol', 'key', 'keys', 'body', 'status', 'server CPU (ms)'], rows));
} finally {
  await server.stop();
}
