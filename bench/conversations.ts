// `npm run bench:conversations`: what conversation analytics (and search) cost as an agent's
// history grows. One agent on PostgreSQL with 10k, 100k and 1M messages over the last 30 days
// (seeded with one INSERT … SELECT generate_series per size, text drawn from a fixed
// vocabulary), ANALYZEd; then, one request at a time over real HTTP: the agent's analytics for
// those 30 days by day, the account's analytics (with its per-agent breakdown) the same, and
// conversation search (GET /v1/conversations) for a common word (in about 13% of the messages), a
// rare one (one message in 10,000) and without q. Median and p95 of RUNS requests per size, and
// the analytics SQL alone, run directly on the database (its median), to separate the query from
// HTTP.
import pg from 'pg';
import { aggregateSql } from '../src/services/analytics-sql.js';
import { POSTGRES_URL, accountOf, api, benchAccount, machineLine, markdownTable, median, p95, saveResults, sentences, timed, startServer } from './harness.js';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const USERS = 2_000;
const DAYS = 30;
const SEARCH_WORD = 'invoice';
const RARE_WORD = 'zebracorn';

/** Words of a support desk, for text a full-text search can find things in. */
const VOCABULARY = `account address agent answer app billing booking browser cancel card change charge chat check
  code confirm contact cost customer date delivery device discount download email error export feature file
  help history install invoice issue item language link login message mobile month network notification
  number order package password payment phone plan price problem profile purchase question receipt refund
  report request reset schedule screen security service settings shipping sign speed status subscription
  support team ticket time trial update upgrade user verify version wallet warranty website week window
  please thanks hello why when where how what can could would should need want try again still not working
  today yesterday tomorrow quickly slowly new old first last my your our the a an is was it this that`
  .split(/\s+/)
  .filter(Boolean);

async function get(url: string, key: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

async function main() {
  const server = await startServer('postgres');
  const db = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${server.schema}"` });
  await db.connect();
  try {
    const key = await benchAccount(server.url);
    const agent = await api(server.url, key, 'POST', '/v1/agents', { name: 'Support desk' });
    const accountId = await accountOf(db, key);
    const now = new Date();
    const to = new Date(Math.ceil(now.getTime() / 60_000) * 60_000 + 60_000);
    const from = new Date(to.getTime() - DAYS * 86_400_000);
    const range = `from=${from.toISOString()}&to=${to.toISOString()}&interval=day&timeZone=Europe/Berlin`;

    // One conversation per user, started over the 30 days.
    await db.query(
      `INSERT INTO "Conversation" (id, "accountId", "agentId", "userId", "messageCount", "createdAt", "updatedAt")
       SELECT 'cnv_00' || lpad(u::text, 24, '0'), $1, $2, 'user_' || u, 0, $3::timestamptz - ((u + 0.5) / $4) * interval '${DAYS} days', now()
       FROM generate_series(0, $4::int - 1) u`,
      [accountId, agent.id, to.toISOString(), USERS],
    );
    const texts = sentences(2_000, VOCABULARY);
    const rows: string[][] = [];
    let seeded = 0;
    for (const size of SIZES) {
      const seedStart = performance.now();
      // Odd g: a user's turn (5% failed, 2% pending, the rest completed); even g: the agent's reply
      // (every 10th with a tool call; some rated). Spread evenly (golden ratio) over the 30 days.
      await db.query(
        `INSERT INTO "Message" (id, "accountId", "conversationId", "agentId", "userId", role, text, status, "errorCode", model,
           "inputTokens", "outputTokens", "latencyMs", "toolCalls", "feedbackRating", "feedbackAt", "createdAt")
         SELECT 'msg_00' || lpad(g::text, 24, '0'), $1, 'cnv_00' || lpad((((g + 1) / 2) % $4)::text, 24, '0'), $2, 'user_' || (((g + 1) / 2) % $4),
           CASE WHEN g % 2 = 1 THEN 'user' ELSE 'agent' END::"MessageRole",
           ($5::text[])[1 + g % 2000] || ' ' || ($5::text[])[1 + (g / 7) % 2000] || CASE WHEN g % 10000 = 0 THEN ' ${RARE_WORD}' ELSE '' END,
           CASE WHEN g % 2 = 0 THEN 'completed' WHEN g % 40 = 1 THEN 'failed' WHEN g % 100 = 3 THEN 'pending' ELSE 'completed' END::"MessageStatus",
           CASE WHEN g % 2 = 1 AND g % 40 = 1 THEN 'MODEL_ERROR' END,
           'orion-local-1', 10 + g % 400, 5 + g % 300, 80 + (g * 37) % 3000,
           CASE WHEN g % 2 = 0 AND g % 10 = 0 THEN '[{"id":"c1","tool":"time.now"}]'::jsonb END,
           CASE WHEN g % 2 = 0 AND g % 7 = 0 THEN 'like' WHEN g % 2 = 0 AND g % 13 = 0 THEN 'dislike' END::"FeedbackRating",
           NULL,
           $3::timestamptz - ((g * 0.6180339887)::numeric % 1)::float8 * (interval '${DAYS} days' - interval '2 minutes') - interval '1 minute'
         FROM generate_series($6::int, $7::int) g`,
        [accountId, agent.id, to.toISOString(), USERS, texts, seeded + 1, size],
      );
      seeded = size;
      await db.query('VACUUM ANALYZE "Message"');
      await db.query('ANALYZE "Conversation"');
      const seedS = (performance.now() - seedStart) / 1000;

      const agentUrl = `${server.url}/v1/agents/${agent.id}/analytics?${range}`;
      const accountUrl = `${server.url}/v1/analytics?${range}`;
      const check = await get(agentUrl, key);
      if (check.status !== 200 || check.body.data.totals.messages !== size) {
        throw new Error(`analytics: ${check.status} ${JSON.stringify(check.body).slice(0, 300)}`);
      }
      await get(accountUrl, key); // warm
      const agentTimes = await timed(RUNS, () => get(agentUrl, key));
      const accountTimes = await timed(RUNS, () => get(accountUrl, key));
      const sql = aggregateSql({ from, to, interval: 'day', timeZone: 'Europe/Berlin' }, { accountId, agentId: agent.id });
      const sqlTimes = await timed(RUNS, () => db.query(sql.text, sql.values as unknown[]));
      if (process.env.BENCH_EXPLAIN) {
        const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, sql.values as unknown[]);
        console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }

      const searchCells: string[] = [];
      for (const query of [`q=${SEARCH_WORD}`, `q=${RARE_WORD}`, '']) {
        const searchUrl = `${server.url}/v1/conversations?agentId=${agent.id}&limit=20${query && `&${query}`}`;
        const search = await get(searchUrl, key);
        if (search.status !== 200) throw new Error(`search ${query}: ${search.status} ${JSON.stringify(search.body).slice(0, 300)}`);
        const searchTimes = await timed(RUNS, () => get(searchUrl, key));
        searchCells.push(median(searchTimes).toFixed(1));
        if (query === `q=${SEARCH_WORD}`) searchCells.push(p95(searchTimes).toFixed(1));
      }
      rows.push([
        size.toLocaleString('en'),
        seedS.toFixed(1),
        median(sqlTimes).toFixed(1),
        median(agentTimes).toFixed(1),
        p95(agentTimes).toFixed(1),
        median(accountTimes).toFixed(1),
        p95(accountTimes).toFixed(1),
        ...searchCells,
      ]);
      console.log(rows.at(-1)!.join(' | '));
    }
    const base = Number(rows[0]![2]);
    const growth = rows.map((r) => `${r[0]}: ×${(Number(r[2]) / base).toFixed(1)}`).join(', ');
    const markdown = [
      '# Conversation analytics and search as an agent’s history grows (PostgreSQL)',
      '',
      `${machineLine()}; one agent, ${USERS.toLocaleString('en')} users, every message within the ${DAYS} days asked for;`,
      `one request at a time, ${RUNS} runs per cell (after one warm-up); times in ms. Analytics: ${DAYS} days by day in Europe/Berlin.`,
      '"SQL" is the analytics aggregate alone, run directly on the database; "seed" the INSERT … SELECT and VACUUM ANALYZE.',
      '',
      markdownTable(
        [
          'messages',
          'seed s',
          'SQL median',
          'agent analytics median',
          'agent analytics p95',
          'account analytics median',
          'account analytics p95',
          `search "${SEARCH_WORD}" (common) median`,
          `search "${SEARCH_WORD}" p95`,
          `search "${RARE_WORD}" (rare) median`,
          'list without q median',
        ],
        rows,
      ),
      '',
      `Growth of the SQL time against ${rows[0]![0]} messages: ${growth}.`,
      '',
      'Search: the GIN index finds the matching messages whatever the table’s size, so a search costs',
      'what its matches cost. Ranking (ts_rank_cd, on the stored vector) and the best message per',
      'conversation need every match: a common word grows linearly with the messages, a rare one stays',
      'cheap, and only the page’s 20 snippets (ts_headline) are made. Without q the list is paged by id: flat.',
    ].join('\n');
    console.log(markdown);
    console.log(`\nwritten to ${await saveResults('conversations', markdown)}`);
  } finally {
    await db.end();
    await server.stop();
  }
}

await main();
