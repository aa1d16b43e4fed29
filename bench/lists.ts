// `npm run bench:lists`: what a list costs as the list grows. One account on PostgreSQL with 1k,
// 10k and 100k agents (bulk-inserted with SQL); requests/s of GET /v1/agents at its first page,
// its middle page and its last page. Short runs, alternating rounds: compare the ratios within
// one run (page 1 at 100k against page 1 at 1k; a deep page against page 1), not the absolute
// figures of a shared machine. BENCH_BEFORE=<another build's dist/server.js> measures that build
// too, side by side in the same rounds (alternating, rotated order), for before/after figures.
import pg from 'pg';
import {
  POSTGRES_URL,
  accountOf,
  api,
  benchAccount,
  load,
  machineLine,
  markdownTable,
  saveResults,
  startServer,
  type RunningServer,
} from './harness.js';
import { pageIdsQuery } from '../src/services/pagination.js';

const SIZES = [1_000, 10_000, 100_000];
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 10;
const LIMIT = 20;
const PLACES = ['first', 'middle', 'last'] as const;

type Variant = { name: string; server: RunningServer; db: pg.Client; key: string; accountId: string; personality: unknown; modelName: string };

async function variant(name: string, bundle?: string): Promise<Variant> {
  const server = await startServer('postgres', {}, bundle ? { bundle } : {});
  const db = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${server.schema}"` });
  await db.connect();
  const key = await benchAccount(server.url);
  const template = await api(server.url, key, 'POST', '/v1/agents', { name: 'template', personality: { traits: ['calm'] } });
  await api(server.url, key, 'DELETE', `/v1/agents/${template.id}`);
  // Warm the server up (JIT, connection pool) so the first cell is not the slowest for that.
  await load({ url: `${server.url}/v1/agents`, connections: CONNECTIONS, duration: 2, headers: { authorization: `Bearer ${key}` } });
  return { name, server, db, key, accountId: await accountOf(db, key), personality: template.personality, modelName: template.model.name };
}

async function seed(v: Variant, from: number, to: number) {
  // IDs below every real one, increasing with g: time-ordered like the ones the API makes.
  await v.db.query(
    `INSERT INTO "Agent" (id, "accountId", name, personality, "modelName", "modelTemperature", "modelMaxTokens", metadata, "updatedAt")
     SELECT 'agt_00' || lpad(g::text, 24, '0'), $1, 'bench ' || g, $2::jsonb, $3, 0.7, 256, '{}'::jsonb, now()
     FROM generate_series($4::int, $5::int) g`,
    [v.accountId, JSON.stringify(v.personality), v.modelName, from, to],
  );
  // The steady state autovacuum keeps: statistics and a visibility map for index-only scans.
  await v.db.query('VACUUM ANALYZE "Agent"');
  await v.db.query('VACUUM ANALYZE "ListBucket"').catch(() => {}); // absent from older builds
}

/**
 * What finding a page's ids costs in the database, read from EXPLAIN (ANALYZE, BUFFERS) on the
 * same rows: buffers touched do not depend on the load of the machine. `before` is the index
 * skip the previous build ran (the page's first id at the offset, from the nearer end, then the
 * page from it); `now` is the ranges query (pageIdsQuery). Median execution time of 5 runs each.
 */
async function seekCosts(v: Variant, total: number, offset: number) {
  const end = Math.min(offset + LIMIT, total);
  const fromNewest = total - end >= offset;
  const order = fromNewest ? 'desc' : 'asc';
  const skip = fromNewest ? offset : total - end;
  const take = end - offset;
  const dir = order.toUpperCase();
  const plan = async (sql: string, values: unknown[]) => {
    const runs: { buffers: number; ms: number; first?: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const { rows } = await v.db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, values);
      const [top] = rows[0]['QUERY PLAN'];
      runs.push({ buffers: top.Plan['Shared Hit Blocks'] + top.Plan['Shared Read Blocks'], ms: top['Execution Time'] });
    }
    runs.sort((a, b) => a.ms - b.ms);
    return runs[2]!;
  };
  const { rows } = await v.db.query(`SELECT id FROM "Agent" WHERE "accountId" = $1 ORDER BY id ${dir} LIMIT 1 OFFSET $2`, [v.accountId, skip]);
  const seek = await plan(`SELECT id FROM "Agent" WHERE "accountId" = $1 ORDER BY id ${dir} LIMIT 1 OFFSET $2`, [v.accountId, skip]);
  const page = await plan(`SELECT id FROM "Agent" WHERE "accountId" = $1 AND id ${fromNewest ? '<=' : '>='} $2 ORDER BY id ${dir} LIMIT $3`, [
    v.accountId,
    rows[0].id,
    take,
  ]);
  const query = pageIdsQuery({ table: 'Agent', ownerColumn: 'accountId', ownerId: v.accountId }, order, skip, take);
  const now = await plan(query.text, query.values);
  return { before: { buffers: seek.buffers + page.buffers, ms: seek.ms + page.ms }, now };
}

function table(variant: string, mean: (id: string) => number): string {
  const base = mean(`${variant}/${SIZES[0]}/first`);
  const rows = SIZES.map((size) => {
    const at = (place: string) => mean(`${variant}/${size}/${place}`);
    return [
      size.toLocaleString('en'),
      at('first').toFixed(0),
      at('middle').toFixed(0),
      at('last').toFixed(0),
      (at('first') / base).toFixed(2),
      (at('middle') / at('first')).toFixed(2),
      (at('last') / at('first')).toFixed(2),
    ];
  });
  return markdownTable(
    ['agents in the account', 'page 1 req/s', 'middle page req/s', 'last page req/s', 'page 1 vs page 1 at 1k', 'middle vs page 1', 'last vs page 1'],
    rows,
  );
}

async function main() {
  const variants = [await variant('this build')];
  if (process.env.BENCH_BEFORE) variants.push(await variant('before', process.env.BENCH_BEFORE));
  try {
    const results = new Map<string, number[]>();
    const seeks: (string | number)[][] = [];
    let seeded = 0;
    for (const size of SIZES) {
      for (const v of variants) await seed(v, seeded + 1, size);
      seeded = size;
      const pages = Math.ceil(size / LIMIT);
      const pageAt = { first: 1, middle: Math.ceil(pages / 2), last: pages };
      for (const place of PLACES) {
        const { before, now } = await seekCosts(variants[0]!, size, (pageAt[place] - 1) * LIMIT);
        seeks.push([size.toLocaleString('en'), place, before.buffers, now.buffers, before.ms.toFixed(3), now.ms.toFixed(3)]);
      }
      for (let round = 0; round < ROUNDS; round++) {
        // Rotated order: each variant goes first in turn.
        const order = variants.map((_, k) => variants[(k + round) % variants.length]!);
        for (const place of PLACES) {
          for (const v of order) {
            const result = await load({
              url: `${v.server.url}/v1/agents?page=${pageAt[place]}&limit=${LIMIT}`,
              connections: CONNECTIONS,
              duration: DURATION_S,
              headers: { authorization: `Bearer ${v.key}` },
            });
            if (result.non2xx || result.errors) throw new Error(`${v.name} ${size}/${place}: ${result.non2xx} non-2xx, ${result.errors} errors`);
            const id = `${v.name}/${size}/${place}`;
            results.set(id, [...(results.get(id) ?? []), result.requestsPerSec]);
          }
        }
      }
    }
    const mean = (id: string) => results.get(id)!.reduce((a, b) => a + b, 0) / ROUNDS;
    const markdown = [
      '# Lists as they grow (GET /v1/agents, PostgreSQL)',
      '',
      `${machineLine()}; ${CONNECTIONS} connections, ${LIMIT} per page, ${ROUNDS} rounds of ${DURATION_S} s per cell (mean)` +
        (variants.length > 1 ? ', both builds in the same rounds (alternating, rotated order).' : '.'),
      'Ratios are the figures to compare: the machine is shared.',
      '',
      ...variants.flatMap((v) => [`## ${v.name}`, '', table(v.name, mean), '']),
      '## Finding the page in the database',
      '',
      'EXPLAIN (ANALYZE, BUFFERS) on the same rows, the median of 5 runs: the skip over the id index the previous build',
      'ran (from the nearer end) against the kept id ranges. Buffers touched do not depend on the load of the machine.',
      '',
      markdownTable(['agents', 'page', 'buffers, index skip', 'buffers, ranges', 'ms, index skip', 'ms, ranges'], seeks),
      '',
    ].join('\n');
    console.log(markdown);
    console.log(`\nwritten to ${await saveResults('lists', markdown)}`);
  } finally {
    for (const v of variants) {
      await v.db.end();
      await v.server.stop();
    }
  }
}

await main();
