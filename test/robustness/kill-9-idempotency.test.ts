// `kill -9` under a load of writes that each carry an Idempotency-Key, then a restart on the same
// storage and a retry of every request with its key and body once the unfinished records have
// gone stale: what the server acknowledged replays exactly, and nothing that committed (an agent,
// a user turn and its reply) is ever done twice, whether or not its answer had left.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DataSource } from '../../src/db/client.js';
import { dropPostgresSchema, freshPostgresUrl, type Storage } from '../support/app.js';
import { PROCESS_ADMIN_KEY, api, killAllServers, makeTempDir, removeDir, serverEnv, startServer } from '../support/server-process.js';

const LOAD_MS = 2_000;
const LOOPS = 12;

type Sent = {
  idempotencyKey: string;
  route: string;
  body: Record<string, unknown>;
  /** Undefined when the kill cut the request off. */
  answer?: { status: number; text: string };
};

async function post(baseUrl: string, key: string, sent: Omit<Sent, 'answer'>): Promise<{ status: number; text: string; replayed: string | null }> {
  const res = await fetch(new URL(sent.route, baseUrl), {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Idempotency-Key': sent.idempotencyKey },
    body: JSON.stringify(sent.body),
  });
  return { status: res.status, text: await res.text(), replayed: res.headers.get('Idempotent-Replayed') };
}

/** Each loop: create an agent, send it two messages, and again, every request with its own key. */
async function load(baseUrl: string, key: string, stop: { now: boolean }, log: Sent[], loop: number): Promise<void> {
  const send = async (route: string, body: Record<string, unknown>, idempotencyKey: string) => {
    const sent: Sent = { idempotencyKey, route, body };
    log.push(sent);
    try {
      const { status, text } = await post(baseUrl, key, sent);
      sent.answer = { status, text };
      return sent.answer;
    } catch {
      return undefined; // Cut off by the kill.
    }
  };
  for (let round = 0; !stop.now; round++) {
    const tag = `l${loop}-r${round}`;
    const created = await send('/v1/agents', { name: `agent ${tag}` }, `${tag}-agent`);
    if (!created) return;
    if (created.status !== 201) continue;
    const agentId: string = JSON.parse(created.text).data.id;
    for (let i = 0; i < 2 && !stop.now; i++) {
      const sent = await send(`/v1/agents/${agentId}/messages`, { text: `turn ${i} of ${tag}`, userId: `loop-${loop}` }, `${tag}-send-${i}`);
      if (!sent) return;
    }
  }
}

async function withDatabase<T>(source: DataSource, fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const db = await openDatabase(source);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

afterEach(killAllServers);

describe.each<Storage>(['pglite', 'postgres'])('kill -9 under idempotent load, then retries (%s)', (storage) => {
  let dataDir: string | undefined;
  let schema: string | undefined;

  afterAll(async () => {
    await killAllServers();
    await removeDir(dataDir);
    if (schema) await dropPostgresSchema(schema);
  });

  it('a retry never repeats a write that committed, and replays every acknowledged answer', { timeout: 90_000 }, async () => {
    let source: DataSource;
    let storageEnv: Record<string, string>;
    if (storage === 'pglite') {
      dataDir = await makeTempDir('orion-kill9-idem-');
      source = { kind: 'pglite', dataDir };
      storageEnv = { ORION_DATA_DIR: dataDir };
    } else {
      const fresh = freshPostgresUrl();
      schema = fresh.schema;
      source = { kind: 'postgres', url: fresh.url };
      storageEnv = { DATABASE_URL: fresh.url };
    }
    const env = { ...storageEnv, ORION_ADMIN_KEY: PROCESS_ADMIN_KEY, METRICS_PORT: '', METRICS_TOKEN: '', SHUTDOWN_TIMEOUT_MS: '',
      // Every retry goes out at once, from one address: more connections than the default cap.
      MAX_CONNECTIONS_PER_ADDRESS: '0',
    };

    const first = await startServer(await serverEnv(env));
    const account = await api(first.url, PROCESS_ADMIN_KEY, 'POST', '/v1/accounts', {
      name: 'Idempotent load',
      tier: 'enterprise',
      rateLimitPerMinute: 1_000_000,
      monthlyMessageQuota: 1_000_000,
    });
    expect(account.status).toBe(201);
    const key: string = account.body.data.secret;

    const log: Sent[] = [];
    // Warm up (the first requests of a process are much slower), so the load is load.
    const warmUp = { get now() { return log.length >= 6; } };
    await load(first.url, key, warmUp, log, LOOPS);
    const stop = { now: false };
    const loops = Array.from({ length: LOOPS }, (_, i) => load(first.url, key, stop, log, i));
    await new Promise((r) => setTimeout(r, LOAD_MS));
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    stop.now = true;
    await Promise.all(loops);

    // As if the stale threshold (model timeout + 60 s) had passed: every unfinished record may
    // now be taken over by a retry.
    const states = await withDatabase(source, async (db) => {
      await db.prisma.$executeRawUnsafe(
        `UPDATE "IdempotencyRecord" SET "createdAt" = "createdAt" - interval '1 hour' WHERE "state" <> 'completed'`,
      );
      return db.prisma.$queryRawUnsafe<{ state: string; n: number }[]>(
        'SELECT "state"::text AS state, count(*)::int AS n FROM "IdempotencyRecord" GROUP BY 1 ORDER BY 1',
      );
    });
    const cut = log.filter((s) => !s.answer);
    console.info(`[kill -9 with idempotency, ${storage}] ${log.length} requests, ${cut.length} cut off; records: ${JSON.stringify(states)}`);
    // The load did run and the kill did cut requests off: the checks below are not vacuous.
    expect(log.length - cut.length).toBeGreaterThan(6);
    expect(cut.length).toBeGreaterThan(0);

    const second = await startServer(await serverEnv(env));
    const retried = await Promise.all(log.map(async (sent) => ({ sent, retry: await post(second.url, key, sent) })));

    // Acknowledged: the retry replays the very answer.
    const notReplayed = retried
      .filter(({ sent }) => sent.answer)
      .filter(({ sent, retry }) => retry.replayed !== 'true' || retry.status !== sent.answer!.status || retry.text !== sent.answer!.text)
      .map(({ sent, retry }) => `${sent.idempotencyKey}: ${sent.answer!.status} then ${retry.status} replayed=${retry.replayed}`);
    expect(notReplayed).toEqual([]);
    // Cut off: run now (its write had not committed), replayed, or refused for good because its
    // write committed but its answer was lost; never an error of ours.
    for (const { retry } of retried.filter(({ sent }) => !sent.answer)) {
      if (retry.status === 409) expect(JSON.parse(retry.text).error.details.reason).toBe('answer_lost');
      else expect(retry.status).toBe(201);
    }
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    await withDatabase(source, async (db) => {
      const twiceAgents = await db.prisma.$queryRawUnsafe<unknown[]>(
        'SELECT "name", count(*)::int AS n FROM "Agent" GROUP BY 1 HAVING count(*) > 1',
      );
      const twiceTurns = await db.prisma.$queryRawUnsafe<unknown[]>(
        `SELECT "text", count(*)::int AS n FROM "Message" WHERE "role" = 'user' AND "status" = 'completed' GROUP BY 1 HAVING count(*) > 1`,
      );
      expect(twiceAgents).toEqual([]);
      expect(twiceTurns).toEqual([]);
      // One reply per completed turn: no second reply either.
      const [counts] = await db.prisma.$queryRawUnsafe<{ turns: number; replies: number }[]>(
        `SELECT count(*) FILTER (WHERE "role" = 'user' AND "status" = 'completed')::int AS turns,
                count(*) FILTER (WHERE "role" = 'agent')::int AS replies FROM "Message"`,
      );
      expect(counts!.replies).toBe(counts!.turns);
      // Every request that was retried successfully, or refused as done, did its work once.
      const agents = new Set((await db.prisma.agent.findMany({ select: { name: true } })).map((a) => a.name));
      const turns = new Set(
        (await db.prisma.message.findMany({ where: { role: 'user', status: 'completed' }, select: { text: true } })).map((m) => m.text),
      );
      const missing = retried
        .filter(({ retry }) => retry.status === 201 || retry.status === 409)
        .filter(({ sent }) => !(sent.route === '/v1/agents' ? agents.has(String(sent.body.name)) : turns.has(String(sent.body.text))))
        .map(({ sent }) => sent.idempotencyKey);
      expect(missing).toEqual([]);
    });
  });
});
