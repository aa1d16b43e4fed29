// `npm run bench:search`: conversation search latency as an account's messages grow. One account
// on PostgreSQL with 10k, 100k and 1M messages (20 per conversation, bulk-inserted with SQL; each
// message 8 words of a 50-word vocabulary, so a word is in about 15% of them, and one message in
// 10,000 says "zebracorn"). Latency of GET /v1/conversations (one request at a time) with a rare
// q, a common q, and without q. BENCH_SEARCH_SIZES=10000,100000 runs fewer sizes. Compare within one run: the
// machine is shared.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL, api, benchAccount, machineLine, markdownTable, median, saveResults, startServer } from './harness.js';

const SIZES = (process.env.BENCH_SEARCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const PER_CONVERSATION = 20;
const QUERIES = { rare: 'q=zebracorn', common: 'q=refund', 'no q': '' } as const;

const VOCABULARY = [
  'order', 'shipping', 'refund', 'password', 'account', 'billing', 'invoice', 'weather', 'delivery', 'parcel',
  'return', 'exchange', 'discount', 'coupon', 'login', 'email', 'address', 'payment', 'card', 'subscription',
  'cancel', 'upgrade', 'plan', 'support', 'agent', 'human', 'question', 'answer', 'thanks', 'hello',
  'tomorrow', 'today', 'late', 'early', 'broken', 'working', 'running', 'waiting', 'help', 'please',
  'price', 'size', 'colour', 'stock', 'warehouse', 'tracking', 'number', 'code', 'error', 'screen',
];

async function main() {
  const server = await startServer('postgres');
  const db = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${server.schema}"` });
  await db.connect();
  try {
    const key = await benchAccount(server.url);
    const agent = await api(server.url, key, 'POST', '/v1/agents', { name: 'searched' });
    const accountId = await accountOf(db, key);
    const headers = { authorization: `Bearer ${key}` };
    const rows: (string | number)[][] = [];
    let seeded = 0;
    for (const size of SIZES) {
      const started = Date.now();
      await seed(db, accountId, agent.id, seeded, size);
      seeded = size;
      await db.query('VACUUM ANALYZE "Message"');
      await db.query('VACUUM ANALYZE "Conversation"');
      const seedS = ((Date.now() - started) / 1000).toFixed(0);
      for (const [name, query] of Object.entries(QUERIES)) {
        const url = `${server.url}/v1/conversations?${query}&limit=20`;
        const first = await fetch(url, { headers }).then((r) => r.json()); // warm-up, and what it finds
        if (!first.success) throw new Error(`${size}/${name}: ${JSON.stringify(first.error)}`);
        const times: number[] = [];
        for (let i = 0; i < REPEATS; i++) {
          const at = performance.now();
          const res = await fetch(url, { headers });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${size}/${name}: ${res.status}`);
          times.push(performance.now() - at);
        }
        rows.push([size.toLocaleString('en'), name, first.data.pagination.totalItems.toLocaleString('en'), median(times).toFixed(0), Math.max(...times).toFixed(0), seedS]);
      }
    }
    const markdown = [
      '# Conversation search as messages grow (GET /v1/conversations, PostgreSQL)',
      '',
      `${machineLine()}; one request at a time, ${REPEATS} per cell after a warm-up (median and slowest), 20 per page; ${PER_CONVERSATION} messages per conversation.`,
      'A word of q is in about 15% of messages ("common") or one in 10,000 ("rare"). Compare within the run: the machine is shared.',
      '',
      markdownTable(['messages in the account', 'query', 'conversations found', 'median ms', 'slowest ms', 'seed s'], rows),
      '',
      'How the cost grows: the GIN index finds the matching messages whatever the table’s size, so a',
      'search costs what its matches cost, not what the account holds. Ranking (ts_rank_cd) and the',
      'best message per conversation need every match, and the index is on an expression, so each',
      'matching message’s to_tsvector is computed again: a word in 15% of the messages grows linearly',
      'with them (about 10x per 10x here), a rare word stays cheap, and only the page’s 20 snippets',
      '(ts_headline) are made. Without q the list is paged by id like every list: flat.',
    ].join('\n');
    console.log(markdown);
    console.log(`\nwritten to ${await saveResults('search', markdown)}`);
  } finally {
    await db.end();
    await server.stop();
  }
}

/** Messages from+1 … to, in conversations of PER_CONVERSATION, with their conversation rows. */
async function seed(db: pg.Client, accountId: string, agentId: string, from: number, to: number) {
  await db.query(
    `INSERT INTO "Conversation" (id, "accountId", "agentId", "userId", "messageCount", "lastMessageAt", "updatedAt")
     SELECT 'cnv_00' || lpad(c::text, 24, '0'), $1, $2, 'u' || c, $5, now() - (($4 - c * $5) || ' seconds')::interval, now()
     FROM generate_series($3::int / $5 + 1, $4::int / $5) c`,
    [accountId, agentId, from, to, PER_CONVERSATION],
  );
  await db.query(
    `INSERT INTO "Message" (id, "accountId", "conversationId", "agentId", "userId", role, "text", status, "createdAt")
     SELECT 'msg_00' || lpad(g::text, 24, '0'), $1, 'cnv_00' || lpad(((g - 1) / $5 + 1)::text, 24, '0'), $2,
            'u' || ((g - 1) / $5 + 1), CASE WHEN g % 2 = 0 THEN 'agent'::"MessageRole" ELSE 'user'::"MessageRole" END,
            (SELECT string_agg(($6::text[])[1 + abs(hashint4(g * 8 + k)) % array_length($6::text[], 1)], ' ') FROM generate_series(1, 8) k)
              || CASE WHEN g % 10000 = 0 THEN ' zebracorn' ELSE '' END,
            'completed', now() - (($4 - g) || ' seconds')::interval
     FROM generate_series($3::int + 1, $4::int) g`,
    [accountId, agentId, from, to, PER_CONVERSATION, VOCABULARY],
  );
}

/** The account of a key (the API's payloads do not name it). */
async function accountOf(db: pg.Client, key: string): Promise<string> {
  const hash = createHash('sha256').update(key).digest('hex');
  const { rows } = await db.query('SELECT "accountId" FROM "ApiKey" WHERE hash = $1', [hash]);
  return rows[0].accountId;
}

await main();
