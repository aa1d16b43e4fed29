import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { PrismaClient } from '../../src/db/client.js';
import { newId } from '../../src/ids.js';
import { DEFAULT_PERSONALITY } from '../../src/services/agent-input.js';
import { createLogger } from '../../src/logger.js';
import { KeyCache } from '../../src/services/key-cache.js';
import { RateLimits } from '../../src/services/rate-limits.js';
import { STORAGES, TEST_APP_CONFIG, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

/** Every kept counter next to the rows it counts: the pairs must be equal. */
async function countersAndRows(prisma: PrismaClient) {
  const [row] = await prisma.$queryRaw<Record<string, bigint>[]>`SELECT
    (SELECT count(*) FROM "Account" a WHERE a."agentCount" <> (SELECT count(*) FROM "Agent" WHERE "accountId" = a.id)) AS "wrongAgentCounts",
    (SELECT count(*) FROM "Account" a WHERE a."apiKeyCount" <> (SELECT count(*) FROM "ApiKey" WHERE "accountId" = a.id)) AS "wrongKeyCounts",
    (SELECT count(*) FROM "Account" a WHERE a."characterCount" <> (SELECT count(*) FROM "Character" WHERE "accountId" = a.id)) AS "wrongCharacterCounts",
    (SELECT count(*) FROM "Agent" g WHERE g."conversationCount" <> (SELECT count(*) FROM "Conversation" WHERE "agentId" = g.id)) AS "wrongConversationCounts",
    (SELECT count(*) FROM "Conversation" c WHERE c."messageCount" <> (SELECT count(*) FROM "Message" WHERE "conversationId" = c.id)) AS "wrongMessageCounts",
    (SELECT coalesce(sum("count"), 0) FROM "TableCount" WHERE name = 'Account') - (SELECT count(*) FROM "Account") AS "accountsMiscounted"`;
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}
const EXACT = { wrongAgentCounts: 0, wrongKeyCounts: 0, wrongCharacterCounts: 0, wrongConversationCounts: 0, wrongMessageCounts: 0, accountsMiscounted: 0 };

describe.each(STORAGES)('list counters (%s)', (storage) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(storage);
  });
  afterAll(() => app?.close());

  const total = async (key: string, path: string) => {
    const res = await app.http.get(path).set(bearer(key));
    expect(res.status).toBe(200);
    return res.body.data.pagination.totalItems as number;
  };

  it('totals stay exact through creates, deletes and cascades, in both protocols', async () => {
    const { key, accountId } = await app.newAccount('counted');
    const agents: string[] = [];
    for (let i = 0; i < 4; i++) {
      agents.push((await app.http.post('/v1/agents').set(bearer(key)).send({ name: `a${i}` })).body.data.id);
    }
    await app.http.post('/v1/api-keys').set(bearer(key)).send({ name: 'second', scopes: ['agents:read'] }).expect(201);
    const characters: string[] = [];
    for (let i = 0; i < 3; i++) {
      characters.push((await app.http.post('/v1/characters').set(bearer(key)).send({ name: `c${i}` }).expect(201)).body.data.id);
    }
    for (const userId of ['u1', 'u2', 'u3']) {
      await app.http.post(`/v1/agents/${agents[0]}/messages`).set(bearer(key)).send({ text: 'hi', userId }).expect(201);
    }
    await app.http.post(`/v1/agents/${agents[1]}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u1' }).expect(201);
    const conversations = (await app.http.get(`/v1/agents/${agents[0]}/conversations`).set(bearer(key))).body.data.items;

    expect(await total(key, '/v1/agents')).toBe(4);
    expect(await total(key, '/v1/api-keys')).toBe(2);
    expect(await total(key, '/v1/characters')).toBe(3);
    await app.http.delete(`/v1/characters/${characters[0]}`).set(bearer(key)).expect(200);
    expect(await total(key, '/v1/characters')).toBe(2);
    expect(await total(key, `/v1/agents/${agents[0]}/conversations`)).toBe(3);
    expect(await total(key, `/v1/conversations/${conversations[0].id}/messages`)).toBe(2);
    const nested = await graphql(
      app,
      key,
      `{ agents(first: 4) { totalCount nodes { conversations(first: 3) { totalCount nodes { messages(first: 1) { totalCount } } } } } }`,
    );
    expect(nested.body.errors).toBeUndefined();
    expect(nested.body.data.agents.totalCount).toBe(4);
    expect(nested.body.data.agents.nodes.map((a: any) => a.conversations.totalCount)).toEqual([0, 0, 1, 3]);
    expect(nested.body.data.agents.nodes[3].conversations.nodes.map((c: any) => c.messages.totalCount)).toEqual([2, 2, 2]);

    await app.http.delete(`/v1/conversations/${conversations[0].id}`).set(bearer(key)).expect(200);
    expect(await total(key, `/v1/agents/${agents[0]}/conversations`)).toBe(2);
    // Deleting an agent deletes its conversations and messages (a cascade).
    await app.http.delete(`/v1/agents/${agents[0]}`).set(bearer(key)).expect(200);
    expect(await total(key, '/v1/agents')).toBe(3);
    const after = await graphql(app, key, `{ agents { totalCount pagination { totalItems } } }`);
    expect(after.body.data.agents).toEqual({ totalCount: 3, pagination: expect.objectContaining({ totalItems: 3 }) });
    expect(await countersAndRows(app.db.prisma)).toEqual(EXACT);

    // Deleting an account deletes everything it has (cascades), and the accounts list follows.
    const accountsBefore = await total(app.adminKey, '/v1/accounts');
    await app.db.prisma.account.delete({ where: { id: accountId } });
    expect(await total(app.adminKey, '/v1/accounts')).toBe(accountsBefore - 1);
    expect(await countersAndRows(app.db.prisma)).toEqual(EXACT);
  });

  it('page N read from the newest or the oldest end equals the offset page, and Relay cursors agree', async () => {
    const { key, accountId } = await app.newAccount('deep');
    const data = Array.from({ length: 230 }, (_, i) => ({
      id: newId('agt'),
      accountId,
      name: `deep-${i}`,
      personality: DEFAULT_PERSONALITY,
      modelName: 'local-echo',
      modelTemperature: 0.7,
      modelMaxTokens: 256,
      metadata: {},
    }));
    await app.db.prisma.agent.createMany({ data });
    const [agent] = data;
    await app.db.prisma.conversation.createMany({
      data: Array.from({ length: 130 }, (_, i) => ({ id: newId('cnv'), accountId, agentId: agent!.id, userId: `u${i}` })),
    });
    const truth = async (table: 'Agent' | 'Conversation', limit: number, offset: number) =>
      (
        await app.db.prisma.$queryRawUnsafe<{ id: string }[]>(
          `SELECT id FROM "${table}" WHERE ${table === 'Agent' ? '"accountId"' : '"agentId"'} = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
          table === 'Agent' ? accountId : agent!.id,
          limit,
          offset,
        )
      ).map((r) => r.id);

    for (const limit of [7, 100]) {
      const pages = Math.ceil(230 / limit);
      for (let page = 1; page <= pages; page++) {
        const res = await app.http.get(`/v1/agents?page=${page}&limit=${limit}`).set(bearer(key));
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.data.items.map((a: { id: string }) => a.id)).toEqual(await truth('Agent', limit, (page - 1) * limit));
        expect(res.body.data.pagination).toEqual({ currentPage: page, totalPages: pages, totalItems: 230, itemsPerPage: limit });
      }
    }
    const convPages = Math.ceil(130 / 9);
    for (let page = 1; page <= convPages; page++) {
      const expected = await truth('Conversation', 9, (page - 1) * 9);
      const rest = await app.http.get(`/v1/agents/${agent!.id}/conversations?page=${page}&limit=9`).set(bearer(key));
      expect(rest.body.data.items.map((c: { id: string }) => c.id)).toEqual(expected);
      // The nested connection, paged in batches with the other agents' (all of them empty).
      const nested = await graphql(
        app,
        key,
        `query ($page: Int) { agents(last: 3) { nodes { conversations(page: $page, limit: 9) { totalCount nodes { id } } } } }`,
        { page },
      );
      const ofAgent = nested.body.data.agents.nodes.at(-1).conversations;
      expect(ofAgent.nodes.map((c: { id: string }) => c.id)).toEqual(expected);
      expect(ofAgent.totalCount).toBe(130);
    }

    // Relay: first/after forward and last/before backward walk the same order.
    const all = await truth('Agent', 1000, 0);
    const forward: string[] = [];
    let after: string | null = null;
    do {
      const res: any = await graphql(app, key, `query ($after: String) { agents(first: 40, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`, { after });
      forward.push(...res.body.data.agents.nodes.map((n: { id: string }) => n.id));
      after = res.body.data.agents.pageInfo.hasNextPage ? res.body.data.agents.pageInfo.endCursor : null;
    } while (after);
    expect(forward).toEqual(all);
    const backward: string[] = [];
    let before: string | null = null;
    do {
      const res: any = await graphql(app, key, `query ($before: String) { agents(last: 40, before: $before) { nodes { id } pageInfo { hasPreviousPage startCursor } } }`, { before });
      backward.unshift(...res.body.data.agents.nodes.map((n: { id: string }) => n.id));
      before = res.body.data.agents.pageInfo.hasPreviousPage ? res.body.data.agents.pageInfo.startCursor : null;
    } while (before);
    expect(backward).toEqual(all);
  });

  it('no list counts its rows: every total comes from a kept counter', async () => {
    // The same app, on the same database, with every query it makes written down.
    const statements: string[] = [];
    const prisma = app.db.prisma.$extends({
      query: {
        async $allOperations({ model, operation, args, query }) {
          const sql = (args as { strings?: string[] } | undefined)?.strings?.join('?') ?? '';
          statements.push(`${model ?? ''}.${operation} ${sql}`);
          return query(args);
        },
      },
    }) as unknown as PrismaClient;
    const { app: express } = createApp({
      config: TEST_APP_CONFIG,
      db: { ...app.db, prisma },
      logger: createLogger('silent'),
      limits: RateLimits.inMemory(),
      keyCache: KeyCache.local(),
    });
    const http = supertest(express);
    const { key } = await app.newAccount('watched');
    const agentId = (await http.post('/v1/agents').set(bearer(key)).send({ name: 'w' })).body.data.id;
    await http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' }).expect(201);
    const conversationId = (await http.get(`/v1/agents/${agentId}/conversations`).set(bearer(key))).body.data.items[0].id;
    await http.post('/v1/characters').set(bearer(key)).send({ name: 'w' }).expect(201);

    statements.length = 0;
    for (const path of ['/v1/agents', '/v1/agents?page=2&limit=1', '/v1/api-keys', '/v1/characters', `/v1/agents/${agentId}/conversations`, `/v1/conversations/${conversationId}/messages`]) {
      const res = await http.get(path).set(bearer(key));
      expect(res.status, path).toBe(200);
      expect(res.body.data.pagination.totalItems, path).toBeGreaterThan(0);
    }
    expect((await http.get('/v1/accounts').set(bearer(app.adminKey))).body.data.pagination.totalItems).toBeGreaterThan(0);
    const nested = await http
      .post('/graphql')
      .set(bearer(key))
      .send({ query: '{ agents(first: 2) { totalCount nodes { conversations(page: 1, limit: 2) { totalCount nodes { messages(limit: 2) { totalCount } } } } } }' });
    expect(nested.body.data.agents.nodes[0].conversations.nodes[0].messages.totalCount).toBe(2);

    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((s) => /\.count\b|\.aggregate\b|count\(\*\)/i.test(s))).toEqual([]);
  });

  it.runIf(storage === 'postgres')('20 parallel creates and deletes keep the counts exact', async () => {
    const { key } = await app.newAccount('parallel');
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.http.post('/v1/agents').set(bearer(key)).send({ name: `p${i}` })),
    );
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(await total(key, '/v1/agents')).toBe(20);
    const [first] = created;
    const agentId = first!.body.data.id;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'hi', userId: `user${i}` }).expect(201),
      ),
    );
    expect(await total(key, `/v1/agents/${agentId}/conversations`)).toBe(20);
    await Promise.all(created.slice(10).map((r) => app.http.delete(`/v1/agents/${r.body.data.id}`).set(bearer(key)).expect(200)));
    expect(await total(key, '/v1/agents')).toBe(10);
    expect(await countersAndRows(app.db.prisma)).toEqual(EXACT);
  });
});
