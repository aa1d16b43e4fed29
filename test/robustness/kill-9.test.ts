// `kill -9` in the middle of a stream of writes, then a restart on the same storage: everything the
// server acknowledged (a 2xx) before it died is still there. On the embedded database, the lock
// file the dead process left behind is taken over by the new one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { dropPostgresSchema, freshPostgresUrl, type Storage } from '../support/app.js';
import {
  PROCESS_ADMIN_KEY,
  api,
  killAllServers,
  makeTempDir,
  removeDir,
  serverEnv,
  startServer,
} from '../support/server-process.js';

const LOAD_MS = 1_500;
const LOOPS = 4;

type Acked = {
  agents: string[];
  messages: { id: string; conversationId: string; agentId: string }[];
  /** Requests answered, by status (2xx or not), and requests that got no answer at all. */
  answered: number;
  failedStatus: Record<number, number>;
  unanswered: number;
};

/** Each loop: create an agent, then send it two messages (one conversation), and again. */
async function load(baseUrl: string, key: string, stop: { now: boolean }, acked: Acked, loop: number): Promise<void> {
  const post = async (route: string, body: unknown) => {
    try {
      const res = await api(baseUrl, key, 'POST', route, body);
      acked.answered++;
      if (res.status < 200 || res.status >= 300) acked.failedStatus[res.status] = (acked.failedStatus[res.status] ?? 0) + 1;
      return res;
    } catch {
      // The process died with this request in flight: no answer, so no promise was made.
      acked.unanswered++;
      return undefined;
    }
  };
  for (let round = 0; !stop.now; round++) {
    const created = await post('/v1/agents', { name: `Loop ${loop} agent ${round}` });
    if (!created) return;
    if (created.status !== 201) continue;
    const agentId: string = created.body.data.id;
    acked.agents.push(agentId);
    for (let i = 0; i < 2 && !stop.now; i++) {
      const sent = await post(`/v1/agents/${agentId}/messages`, { text: `message ${i} of round ${round}`, userId: `loop-${loop}` });
      if (!sent) return;
      if (sent.status !== 201) continue;
      acked.messages.push({ id: sent.body.data.id, conversationId: sent.body.data.conversationId, agentId });
    }
  }
}

async function allMessages(baseUrl: string, key: string, conversationId: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const res = await api(baseUrl, key, 'GET', `/v1/conversations/${conversationId}/messages?limit=100&page=${page}`);
    expect(res.status).toBe(200);
    items.push(...res.body.data.items);
    if (page >= res.body.data.pagination.totalPages) return items;
  }
}

afterEach(killAllServers);

describe.each<Storage>(['pglite', 'postgres'])('kill -9 under load, then a restart (%s)', (storage) => {
  let dataDir: string | undefined;
  let schema: string | undefined;

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
    if (schema) await dropPostgresSchema(schema);
  });

  it('keeps every agent and message it acknowledged before the kill', { timeout: 60_000 }, async () => {
    let storageEnv: Record<string, string>;
    let databaseUrl = '';
    if (storage === 'pglite') {
      dataDir = await makeTempDir('orion-kill9-');
      storageEnv = { ORION_DATA_DIR: dataDir };
    } else {
      const fresh = freshPostgresUrl();
      schema = fresh.schema;
      databaseUrl = fresh.url;
      storageEnv = { DATABASE_URL: fresh.url };
    }
    const env = {
      ...storageEnv,
      ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
      // Not inherited from the test runner's environment (spawnServer only clears the older ones).
      METRICS_PORT: '',
      METRICS_TOKEN: '',
      SHUTDOWN_TIMEOUT_MS: '',
    };

    const first = await startServer(await serverEnv(env));
    // An account whose limits the load cannot reach: every refusal would be a 429, not a loss.
    const account = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', {
      name: 'Under load',
      tier: 'enterprise',
      rateLimitPerMinute: 1_000_000,
      monthlyMessageQuota: 1_000_000,
    });
    expect(account.status).toBe(201);
    const key: string = account.body.data.secret;
    const accountId: string = account.body.data.account.id;

    const acked: Acked = { agents: [], messages: [], answered: 0, failedStatus: {}, unanswered: 0 };
    // Warm up (the first requests of a process are much slower), so the load is load.
    await load(first.url, key, { get now() { return acked.messages.length >= 2; } }, acked, LOOPS);
    const stop = { now: false };
    const loops = Array.from({ length: LOOPS }, (_, i) => load(first.url, key, stop, acked, i));
    await new Promise((r) => setTimeout(r, LOAD_MS));
    const exit = await first.stop('SIGKILL');
    stop.now = true;
    await Promise.all(loops);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

    console.info(
      `[kill -9, ${storage}] acknowledged before the kill: ${acked.agents.length} agents, ` +
        `${acked.messages.length} messages (${acked.answered} requests answered, ` +
        `${acked.unanswered} cut off by the kill, non-2xx: ${JSON.stringify(acked.failedStatus)})`,
    );
    // The load did run: the check below is not vacuous.
    expect(acked.agents.length).toBeGreaterThan(0);
    expect(acked.messages.length).toBeGreaterThan(0);
    // Under load, nothing was refused (no 5xx, no 429): every answer was a success.
    expect(acked.failedStatus).toEqual({});

    if (dataDir) {
      // The dead process could not remove its lock; the next one must see it is stale.
      const lock = path.join(dataDir, 'orion.lock');
      expect(existsSync(lock)).toBe(true);
      expect(readFileSync(lock, 'utf8').trim()).toBe(String(first.pid));
    }

    const second = await startServer(await serverEnv(env));
    if (dataDir) {
      expect(readFileSync(path.join(dataDir, 'orion.lock'), 'utf8').trim()).toBe(String(second.pid));
    }

    const missingAgents: string[] = [];
    for (const agentId of acked.agents) {
      const res = await api(second.url, key, 'GET', `/v1/agents/${agentId}`);
      if (res.status !== 200) missingAgents.push(`${agentId}: ${res.status}`);
      else expect(res.body.data.id).toBe(agentId);
    }
    expect(missingAgents).toEqual([]);

    const byConversation = new Map<string, string[]>();
    for (const m of acked.messages) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m.id]);
    const missingMessages: string[] = [];
    for (const [conversationId, ids] of byConversation) {
      const stored = new Map((await allMessages(second.url, key, conversationId)).map((m) => [m.id, m]));
      for (const id of ids) {
        const message = stored.get(id);
        if (!message) {
          missingMessages.push(`${conversationId}/${id}`);
          continue;
        }
        // Acknowledged means answered: the user's turn is complete, its reply stored with it.
        expect(message).toMatchObject({ role: 'user', status: 'completed' });
        expect(stored.get(message.replyId)).toMatchObject({ role: 'agent', status: 'completed' });
      }
    }
    expect(missingMessages).toEqual([]);

    // The restarted server takes new writes too.
    expect((await api(second.url, key, 'POST', '/v1/agents', { name: 'After the restart' })).status).toBe(201);
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    if (dataDir) expect(existsSync(path.join(dataDir, 'orion.lock'))).toBe(false);

    // No message of the quota was lost to the kill: every unit taken belongs to a turn that was
    // answered or is still pending (to be given back when recovered). On the embedded database
    // the restart recovered every pending turn already.
    const db = await openDatabase(dataDir ? { kind: 'pglite', dataDir } : { kind: 'postgres', url: databaseUrl });
    try {
      const used = (await db.prisma.messageUsage.aggregate({ where: { accountId }, _sum: { used: true } }))._sum.used;
      const turns = async (status: 'pending' | 'completed') =>
        db.prisma.message.count({ where: { accountId, role: 'user', status } });
      const [pending, completed] = [await turns('pending'), await turns('completed')];
      expect({ used, pending, completed }).toEqual({ used: pending + completed, pending: dataDir ? 0 : pending, completed });
    } finally {
      await db.close();
    }
  });
});
