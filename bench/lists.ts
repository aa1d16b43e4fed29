// `npm run bench:lists`: what a list costs as the list grows. One account on PostgreSQL with 1k,
// 10k and 100k agents (bulk-inserted with SQL); requests/s of GET /v1/agents at its first page,
// its middle page and its last page. Short runs, alternating rounds: compare the ratios within
// one run (page 1 at 100k against page 1 at 1k; the last page against page 1), not the absolute
// figures of a shared machine.
import pg from 'pg';
import { POSTGRES_URL, accountOf, api, benchAccount, load, machineLine, markdownTable, saveResults, startServer } from './harness.js';

const SIZES = [1_000, 10_000, 100_000];
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 10;
const LIMIT = 20;

type Place = 'first' | 'middle' | 'last';

async function main() {
  const server = await startServer('postgres');
  const db = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${server.schema}"` });
  await db.connect();
  try {
    const key = await benchAccount(server.url);
    const template = await api(server.url, key, 'POST', '/v1/agents', { name: 'template', personality: { traits: ['calm'] } });
    await api(server.url, key, 'DELETE', `/v1/agents/${template.id}`);
    const accountId = await accountOf(db, key);
    // Warm the server up (JIT, connection pool) so the first cell is not the slowest for that.
    await load({ url: `${server.url}/v1/agents`, connections: CONNECTIONS, duration: 2, headers: { authorization: `Bearer ${key}` } });
    const results = new Map<string, number[]>();
    let seeded = 0;
    for (const size of SIZES) {
      // IDs below every real one, increasing with g: time-ordered like the ones the API makes.
      await db.query(
        `INSERT INTO "Agent" (id, "accountId", name, personality, "modelName", "modelTemperature", "modelMaxTokens", metadata, "updatedAt")
         SELECT 'agt_00' || lpad(g::text, 24, '0'), $1, 'bench ' || g, $2::jsonb, $3, 0.7, 256, '{}'::jsonb, now()
         FROM generate_series($4::int, $5::int) g`,
        [accountId, JSON.stringify(template.personality), template.model.name, seeded + 1, size],
      );
      seeded = size;
      // The steady state autovacuum keeps: statistics and a visibility map for index-only scans.
      await db.query('VACUUM ANALYZE "Agent"');
      const pages = Math.ceil(size / LIMIT);
      const places: Record<Place, number> = { first: 1, middle: Math.ceil(pages / 2), last: pages };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [place, page] of Object.entries(places)) {
          const result = await load({
            url: `${server.url}/v1/agents?page=${page}&limit=${LIMIT}`,
            connections: CONNECTIONS,
            duration: DURATION_S,
            headers: { authorization: `Bearer ${key}` },
          });
          if (result.non2xx || result.errors) throw new Error(`${size}/${place}: ${result.non2xx} non-2xx, ${result.errors} errors`);
          const id = `${size}/${place}`;
          results.set(id, [...(results.get(id) ?? []), result.requestsPerSec]);
        }
      }
    }
    const mean = (id: string) => results.get(id)!.reduce((a, b) => a + b, 0) / ROUNDS;
    const base = mean(`${SIZES[0]}/first`);
    const rows = SIZES.map((size) => [
      size.toLocaleString('en'),
      mean(`${size}/first`).toFixed(0),
      mean(`${size}/middle`).toFixed(0),
      mean(`${size}/last`).toFixed(0),
      (mean(`${size}/first`) / base).toFixed(2),
      (mean(`${size}/last`) / mean(`${size}/first`)).toFixed(2),
    ]);
    const markdown = [
      '# Lists as they grow (GET /v1/agents, PostgreSQL)',
      '',
      `${machineLine()}; ${CONNECTIONS} connections, ${LIMIT} per page, ${ROUNDS} rounds of ${DURATION_S} s per cell (mean).`,
      'Ratios are the figures to compare: the machine is shared.',
      '',
      markdownTable(
        ['agents in the account', 'page 1 req/s', 'middle page req/s', 'last page req/s', 'page 1 vs page 1 at 1k', 'last page vs page 1'],
        rows,
      ),
    ].join('\n');
    console.log(markdown);
    console.log(`\nwritten to ${await saveResults('lists', markdown)}`);
  } finally {
    await db.end();
    await server.stop();
  }
}

await main();
