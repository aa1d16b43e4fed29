// `npm run bench:messages`: the platform's own cost per message with the local engine
// (validation, conversation lookup, history, two writes, the engine, the envelope), on embedded
// PGlite and on PostgreSQL, at concurrency 1 and 32.
import { api, benchAccount, load, machineLine, markdownTable, saveResults, startServer, type Storage } from './harness.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);

async function measure(storage: Storage) {
  const server = await startServer(storage);
  try {
    const key = await benchAccount(server.url);
    const agent = await api(server.url, key, 'POST', '/v1/agents', {
      name: 'Bench',
      personality: { traits: ['friendly'], tone: 'warm' },
    });
    const rows: (string | number)[][] = [];
    for (const connections of [1, 32]) {
      let n = 0;
      const result = await load({
        url: `${server.url}/v1/agents/${agent.id}/messages`,
        method: 'POST',
        connections,
        duration: DURATION_S,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
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
      rows.push([
        storage,
        connections,
        result.requestsPerSec.toFixed(0),
        result.p50,
        result.p99,
        result.non2xx + result.errors,
        await server.peakRssMiB(),
      ]);
    }
    return rows;
  } finally {
    await server.stop();
  }
}

const rows = [...(await measure('pglite')), ...(await measure('postgres'))];
const table = markdownTable(
  ['storage', 'concurrency', 'messages/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server peak RSS MiB'],
  rows,
);
const markdown = `### Send message, local engine (${DURATION_S} s per row; ${machineLine()})\n\n${table}`;
console.log(markdown);
console.log(`\nsaved to ${await saveResults('messages', markdown)}`);
