// Exporting a conversation of 50,000 turns from the real server process (PostgreSQL) while
// sampling the process's resident memory (VmRSS in /proc/<pid>/status): the export streams, so
// the memory stays flat however large the file.
//
// The server runs with its V8 old space capped below the size of the file. With the default
// heap, V8 lets garbage pile up before collecting (the export allocates several short-lived
// copies of every byte: rows, JSON, the subscription's events), so RSS climbs with the bytes
// sent until a major GC, whether or not anything is kept: measured +85 MiB for a 67 MiB file. With
// the cap it collects as it goes, and holding the file would not fit at all (the process would
// die of heap exhaustion). Garbage may still fill the capped heap (and the young generation) before
// a collection, so RSS can grow by up to about the cap whatever is held: measured +10 MiB on a quiet
// machine and +76 MiB on a busy one, for a 114 MiB file. The file is made about twice the cap, so
// that holding it, in the heap or in buffers, could not stay under the bound.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { PROCESS_ADMIN_KEY, api, killAllServers, serverEnv, startServer, type StartedServer } from '../support/server-process.js';

const TURNS = 50_000;
const TEXT_CHARS = 4_000;
/** Below the file's size. */
const HEAP_MIB = 96;
const MiB = 1024 * 1024;

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** Reads the export at a modest pace, sampling the server's RSS every 50 ms; the bytes read and the samples. */
async function exportWhileSampling(server: StartedServer, key: string, conversationId: string) {
  const samples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await rssBytes(server.pid));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  let bytes = 0;
  let lines = 0;
  try {
    const res = await fetch(`${server.url}/v1/conversations/${conversationId}/export`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let sincePause = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (const byte of value) if (byte === 10) lines++;
      sincePause += value.byteLength;
      // A client slower than the server can produce: backpressure has to hold the rest back.
      if (sincePause >= MiB) {
        sincePause = 0;
        await new Promise((r) => setTimeout(r, 15));
      }
    }
  } finally {
    sampling = false;
    await sampler;
  }
  return { bytes, lines, samples };
}

describe('export memory (server process, PostgreSQL)', () => {
  let schema: string | undefined;
  let server: StartedServer;
  let key: string;
  let conversationId: string;
  let warmUpId: string;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    server = await startServer(await serverEnv({ DATABASE_URL: fresh.url, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY, NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` }));
    const account = await api(server.url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', { name: 'Exporter' });
    key = account.body.data.secret;
    const agent = (await api(server.url, key, 'POST', '/v1/agents', { name: 'Talkative' })).body.data;
    conversationId = (await api(server.url, key, 'POST', `/v1/agents/${agent.id}/messages`, { text: 'Hello', userId: 'big' })).body.data.conversationId;
    warmUpId = (await api(server.url, key, 'POST', `/v1/agents/${agent.id}/messages`, { text: 'Hello', userId: 'warm' })).body.data.conversationId;
    const db = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${schema}"` });
    await db.connect();
    try {
      for (const [id, turns] of [
        [conversationId, TURNS - 2],
        [warmUpId, 5_000],
      ] as const) {
        // IDs before every ID the API makes now, increasing with g (an export holds what existed when it started).
        await db.query(
          `INSERT INTO "Message" (id, "accountId", "conversationId", "agentId", "userId", role, text, status, "inputTokens", "outputTokens", "createdAt")
           SELECT 'msg_00' || right($1, 5) || lpad(g::text, 19, '0'), c."accountId", c.id, c."agentId", c."userId",
                  (CASE WHEN g % 2 = 1 THEN 'user' ELSE 'agent' END)::"MessageRole",
                  'turn ' || g || ' ' || repeat('lorem ipsum ', $3::int / 12), 'completed'::"MessageStatus", 10, 20,
                  timestamp '2026-01-01' + g * interval '1 second'
           FROM "Conversation" c, generate_series(1, $2::int) g WHERE c.id = $1`,
          [id, turns, TEXT_CHARS],
        );
        await db.query('UPDATE "Conversation" SET "messageCount" = "messageCount" + $2 WHERE id = $1', [id, turns]);
      }
      await db.query('VACUUM ANALYZE "Message"');
    } finally {
      await db.end();
    }
  }, 300_000);
  afterAll(async () => {
    await killAllServers();
    if (schema) await dropPostgresSchema(schema);
  });

  it('exports 50,000 turns (about 200 MiB) with the server’s RSS staying bounded', { timeout: 240_000 }, async () => {
    // Warm up: the code paths compiled, the connection pool open, the heap at its working size.
    for (let i = 0; i < 2; i++) await exportWhileSampling(server, key, warmUpId);
    const before = await rssBytes(server.pid);
    const { bytes, lines, samples } = await exportWhileSampling(server, key, conversationId);
    const peak = Math.max(...samples);
    const growth = peak - before;
    console.log(
      `export of ${lines - 1} turns, ${(bytes / MiB).toFixed(1)} MiB: server RSS ${(before / MiB).toFixed(1)} MiB before, ` +
        `peak ${(peak / MiB).toFixed(1)} MiB (+${(growth / MiB).toFixed(1)} MiB), ${samples.length} samples`,
    );
    expect(lines).toBe(TURNS + 1);
    expect(bytes).toBeGreaterThan(2 * HEAP_MIB * MiB);
    expect(server.child.exitCode).toBeNull();
    // Holding the file (or its rows) would take at least the file's size; garbage, at most the heap.
    expect(growth).toBeLessThan(HEAP_MIB * MiB + 32 * MiB);
    expect(growth).toBeLessThan(bytes * 0.75);
  });
});
