// `npm run bench:knowledge`: what a knowledge search costs as an agent's knowledge grows. One
// agent with 1k, 10k and 100k chunks (100 per document, every document attached to it), seeded
// with one INSERT … SELECT generate_series per size (text drawn from a fixed vocabulary, the
// full-text vector computed as indexing does; on PGlite with the server stopped, since one
// process owns its data directory), VACUUM ANALYZEd; then, one request at a time over real HTTP,
// GET /v1/agents/{id}/knowledge/search (limit 5, full-text ranking: no embedding model) for a
// common word, a question of several words, a rare word and a misspelt word. Median and p95 of
// RUNS requests per cell, on embedded PGlite and on PostgreSQL.
import pg from 'pg';
import { openDatabase } from '../src/db/client.js';
import { rm } from 'node:fs/promises';
import { accountOf, api, benchAccount, machineLine, markdownTable, median, p95, saveResults, sentences, timed, startServer, POSTGRES_URL, type Storage } from './harness.js';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const CHUNKS_PER_DOCUMENT = 100;
const RARE_WORD = 'zebracorn';
const QUERIES = [
  { label: 'common word "warranty"', q: 'warranty' },
  { label: 'question "how do I reset my password"', q: 'how do I reset my password' },
  { label: `rare word "${RARE_WORD}" (1 chunk in 1,000)`, q: RARE_WORD },
  { label: 'typo "pasword"', q: 'pasword' },
];

/** Words of a product manual and a support desk. */
const VOCABULARY = `account address agent answer app billing booking browser cancel card change charge chat check
  code confirm contact cost customer date delivery device discount download email error export feature file
  help history install invoice issue item language link login message mobile month network notification
  number order package password payment phone plan price problem profile purchase question receipt refund
  report request reset schedule screen security service settings shipping sign speed status subscription
  support team ticket time trial update upgrade user verify version wallet warranty website week window
  machine water tank grinder milk steam descale filter button light cleaning brewing coffee espresso cup
  please thanks when where how what can could would should need want try again still not working`
  .split(/\s+/)
  .filter(Boolean);

type SeedContext = { accountId: string; agentId: string; texts: string[]; from: number; to: number };

/** Documents and chunks [from, to) of the agent: each chunk three sentences under a two-word heading. */
const SEED: { sql: string; params: (c: SeedContext) => unknown[] }[] = [
  {
    sql: `INSERT INTO "KnowledgeDocument" (id, "accountId", title, format, language, "contentHash", content, "sizeBytes", "chunkCount", "tokenCount", "updatedAt")
      SELECT 'doc_00' || lpad(d::text, 24, '0'), $1, 'Manual ' || d, 'markdown', 'english', md5(d::text), '', 0, ${CHUNKS_PER_DOCUMENT}, 0, now()
      FROM generate_series($2::int / ${CHUNKS_PER_DOCUMENT}, $3::int / ${CHUNKS_PER_DOCUMENT} - 1) d`,
    params: (c) => [c.accountId, c.from, c.to],
  },
  {
    sql: `INSERT INTO "AgentKnowledge" ("agentId", "documentId", "accountId")
      SELECT $1, 'doc_00' || lpad(d::text, 24, '0'), $2
      FROM generate_series($3::int / ${CHUNKS_PER_DOCUMENT}, $4::int / ${CHUNKS_PER_DOCUMENT} - 1) d`,
    params: (c) => [c.agentId, c.accountId, c.from, c.to],
  },
  {
    sql: `INSERT INTO "KnowledgeChunk" ("documentId", position, "accountId", text, "startOffset", "endOffset", heading, "tokenCount", "searchVector")
      SELECT 'doc_00' || lpad((g / ${CHUNKS_PER_DOCUMENT})::text, 24, '0'), g % ${CHUNKS_PER_DOCUMENT}, $1, s.text, 0, length(s.text), s.heading, 60,
        setweight(to_tsvector('english', s.heading), 'A') || setweight(to_tsvector('english', s.text), 'B')
      FROM generate_series($3::int, $4::int - 1) g,
      LATERAL (SELECT
        split_part(($2::text[])[1 + (g * 7) % 2000], ' ', 1) || ' ' || split_part(($2::text[])[1 + (g * 11) % 2000], ' ', 2) AS heading,
        ($2::text[])[1 + g % 2000] || '. ' || ($2::text[])[1 + (g / 7) % 2000] || '. ' || ($2::text[])[1 + (g / 13) % 2000] || '.'
          || CASE WHEN g % 1000 = 500 THEN ' ${RARE_WORD}' ELSE '' END AS text) s`,
    params: (c) => [c.accountId, c.texts, c.from, c.to],
  },
];

async function search(url: string, key: string, agentId: string, q: string): Promise<{ ranking: string; items: unknown[] }> {
  const res = await fetch(`${url}/v1/agents/${agentId}/knowledge/search?q=${encodeURIComponent(q)}&limit=5`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`search ${q}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.data;
}

async function measure(storage: Storage): Promise<string[][]> {
  let server = await startServer(storage, {}, { keepDataDir: true });
  const dataDir = server.dataDir;
  const key = await benchAccount(server.url);
  const agent = await api(server.url, key, 'POST', '/v1/agents', { name: 'Manual reader' });
  const texts = sentences(2_000, VOCABULARY);
  const rows: string[][] = [];
  let accountId: string;
  let seeded = 0;
  // PostgreSQL: seeded beside the running server. PGlite: the server stops while the bench opens its data directory.
  const postgres =
    storage === 'postgres' ? new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${server.schema}"` }) : undefined;
  if (postgres) {
    await postgres.connect();
    accountId = await accountOf(postgres, key);
  }
  try {
    for (const size of SIZES) {
      const seedStart = performance.now();
      if (postgres) {
        const context = { accountId: accountId!, agentId: agent.id, texts, from: seeded, to: size };
        for (const step of SEED) await postgres.query(step.sql, step.params(context));
        await postgres.query('VACUUM ANALYZE "KnowledgeChunk"');
        await postgres.query('ANALYZE "KnowledgeDocument"');
        await postgres.query('ANALYZE "AgentKnowledge"');
      } else {
        await server.stop();
        const db = await openDatabase({ kind: 'pglite', dataDir });
        const [row] = await db.prisma.$queryRawUnsafe<{ accountId: string }[]>('SELECT "accountId" FROM "Agent" WHERE id = $1', agent.id);
        accountId = row!.accountId;
        const context = { accountId, agentId: agent.id, texts, from: seeded, to: size };
        for (const step of SEED) await db.prisma.$executeRawUnsafe(step.sql, ...step.params(context));
        await db.prisma.$executeRawUnsafe('VACUUM ANALYZE "KnowledgeChunk"');
        await db.prisma.$executeRawUnsafe('ANALYZE "KnowledgeDocument"');
        await db.prisma.$executeRawUnsafe('ANALYZE "AgentKnowledge"');
        await db.close();
        server = await startServer('pglite', {}, { dataDir, keepDataDir: true });
      }
      seeded = size;
      const seedS = (performance.now() - seedStart) / 1000;
      const cells: string[] = [];
      for (const { q } of QUERIES) {
        const first = await search(server.url, key, agent.id, q); // warm, and checked
        if (first.ranking !== 'full_text' || first.items.length === 0) throw new Error(`search ${q}: ${JSON.stringify(first).slice(0, 300)}`);
        const times = await timed(RUNS, () => search(server.url, key, agent.id, q));
        cells.push(`${median(times).toFixed(1)} / ${p95(times).toFixed(1)}`);
      }
      rows.push([storage === 'pglite' ? 'PGlite' : 'PostgreSQL', size.toLocaleString('en'), seedS.toFixed(1), ...cells]);
      console.log(rows.at(-1)!.join(' | '));
    }
  } finally {
    await postgres?.end();
    await server.stop();
    if (storage === 'pglite') await rm(dataDir, { recursive: true, force: true });
  }
  return rows;
}

async function main() {
  const rows = [...(await measure('pglite')), ...(await measure('postgres'))];
  const markdown = [
    '# Knowledge search as an agent’s knowledge grows (GET /v1/agents/{id}/knowledge/search)',
    '',
    `${machineLine()}; one agent, ${CHUNKS_PER_DOCUMENT} chunks per document (three sentences of 6–14 words under a two-word heading),`,
    `limit 5, full-text ranking; one request at a time, ${RUNS} runs per cell after one warm-up; median / p95 in ms over HTTP.`,
    '"seed s": the INSERT … SELECT of that step (its new chunks) and VACUUM ANALYZE.',
    '',
    markdownTable(['storage', 'chunks', 'seed s', ...QUERIES.map((q) => `${q.label} p50 / p95`)], rows),
    '',
    'The GIN indexes find the matching chunks (full-text vector; trigrams for a word no chunk holds), so a',
    'search costs what its matches cost: every full-text match is ranked (ts_rank_cd), the best 100 are scored',
    'in full, and only the 5 kept get a snippet. A common word (in about 15% of the chunks) grows with the',
    'chunks, a question of two common words (about 30%) more so; a rare word stays flat. A misspelt word is',
    'looked up in the full-text index (found nowhere), then at most 100 chunks holding a close word are taken',
    'from the trigram index and scored by word similarity: flat too.',
  ].join('\n');
  console.log(markdown);
  console.log(`\nwritten to ${await saveResults('knowledge', markdown)}`);
}

await main();
