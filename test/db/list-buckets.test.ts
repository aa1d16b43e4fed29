import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../src/db/client.js';
import { newId } from '../../src/ids.js';
import { DEFAULT_PERSONALITY } from '../../src/services/agent-input.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

const OWNER_COLUMNS = { Agent: 'accountId', ApiKey: 'accountId', Character: 'accountId', Conversation: 'agentId' } as const;

/**
 * What the kept ranges get wrong against the rows: sizes that differ from the rows in their
 * range, ranges over the bound, owners with rows but no ranges, ranges of owners with no rows.
 */
async function bucketFaults(prisma: PrismaClient) {
  const faults: Record<string, number> = { wrongSizes: 0, oversized: 0, ownersWithoutRanges: 0, rangesWithoutRows: 0 };
  for (const [table, owner] of Object.entries(OWNER_COLUMNS)) {
    const [row] = await prisma.$queryRawUnsafe<Record<string, bigint>[]>(
      `WITH b AS (
         SELECT "ownerId", "fromId", "size", lead("fromId") OVER (PARTITION BY "ownerId" ORDER BY "fromId") AS upper
         FROM "ListBucket" WHERE "list" = $1)
       SELECT
         (SELECT count(*) FROM b WHERE b."size" <> (SELECT count(*) FROM "${table}" t
            WHERE t."${owner}" = b."ownerId" AND t.id >= b."fromId" AND (b.upper IS NULL OR t.id < b.upper))) AS "wrongSizes",
         (SELECT count(*) FROM b WHERE b."size" > 1000) AS oversized,
         (SELECT count(DISTINCT t."${owner}") FROM "${table}" t
            WHERE NOT EXISTS (SELECT 1 FROM b WHERE b."ownerId" = t."${owner}" AND b."fromId" = '')) AS "ownersWithoutRanges",
         (SELECT count(*) FROM b WHERE NOT EXISTS (SELECT 1 FROM "${table}" t WHERE t."${owner}" = b."ownerId")) AS "rangesWithoutRows"`,
      table,
    );
    for (const [k, v] of Object.entries(row!)) faults[k]! += Number(v);
  }
  return faults;
}
const NO_FAULTS = { wrongSizes: 0, oversized: 0, ownersWithoutRanges: 0, rangesWithoutRows: 0 };

const rangesOf = async (prisma: PrismaClient, list: string, ownerId: string) =>
  prisma.listBucket.count({ where: { list, ownerId } });

function agentRows(accountId: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: newId('agt'),
    accountId,
    name: `b-${i}`,
    personality: DEFAULT_PERSONALITY,
    modelName: 'local-echo',
    modelTemperature: 0.7,
    modelMaxTokens: 256,
    metadata: {},
  }));
}

describe.each(STORAGES)('list buckets: pages at every depth (%s)', (storage) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(storage);
  });
  afterAll(() => app?.close());

  const truth = async (accountId: string) =>
    (await app.db.prisma.agent.findMany({ where: { accountId }, orderBy: { id: 'desc' }, select: { id: true } })).map((a) => a.id);

  /** Every page of the account's agents over REST and over GraphQL (page/limit), in order. */
  async function everyPage(key: string, limit: number, totalItems: number): Promise<string[]> {
    const totalPages = Math.ceil(totalItems / limit);
    const seen: string[] = [];
    for (let page = 1; page <= totalPages; page++) {
      const rest = await app.http.get(`/v1/agents?page=${page}&limit=${limit}`).set(bearer(key));
      expect(rest.status, JSON.stringify(rest.body)).toBe(200);
      expect(rest.body.data.pagination).toEqual({ currentPage: page, totalPages, totalItems, itemsPerPage: limit });
      const ids = rest.body.data.items.map((a: { id: string }) => a.id);
      const gql = await graphql(app, key, `query ($page: Int, $limit: Int) { agents(page: $page, limit: $limit) { totalCount nodes { id } } }`, {
        page,
        limit,
      });
      expect(gql.body.errors).toBeUndefined();
      expect(gql.body.data.agents.nodes.map((a: { id: string }) => a.id)).toEqual(ids);
      expect(gql.body.data.agents.totalCount).toBe(totalItems);
      seen.push(...ids);
    }
    return seen;
  }

  it('every agent exactly once across the pages, through range splits, deletes and merges', async () => {
    const { key, accountId } = await app.newAccount('bucketed');
    // One statement of 2,345 rows: the first range grows past the bound and is cut at once.
    await app.db.prisma.agent.createMany({ data: agentRows(accountId, 2_345) });
    // Then row by row through the API, so ranges also split one insert at a time.
    for (let i = 0; i < 3; i++) await app.http.post('/v1/agents').set(bearer(key)).send({ name: `api-${i}` }).expect(201);
    expect(await bucketFaults(app.db.prisma)).toEqual(NO_FAULTS);
    expect(await rangesOf(app.db.prisma, 'Agent', accountId)).toBeGreaterThanOrEqual(5);
    expect(await everyPage(key, 100, 2_348)).toEqual(await truth(accountId));
    // Pages that start inside a range and end in the next one (ranges are cut every 500 rows).
    for (const page of [71, 72, 143, 287, 336]) {
      const res = await app.http.get(`/v1/agents?page=${page}&limit=7`).set(bearer(key));
      expect(res.body.data.items.map((a: { id: string }) => a.id)).toEqual((await truth(accountId)).slice((page - 1) * 7, page * 7));
    }

    // A swath out of the middle (one statement) and single deletes through the API.
    const all = await truth(accountId);
    await app.db.prisma.agent.deleteMany({ where: { id: { in: all.slice(300, 1_900) } } });
    for (const id of all.slice(2_000, 2_005)) await app.http.delete(`/v1/agents/${id}`).set(bearer(key)).expect(200);
    expect(await bucketFaults(app.db.prisma)).toEqual(NO_FAULTS);
    expect(await rangesOf(app.db.prisma, 'Agent', accountId)).toBeLessThanOrEqual(4);
    const left = await truth(accountId);
    expect(left).toHaveLength(2_348 - 1_600 - 5);
    const paged = await everyPage(key, 30, left.length);
    expect(paged).toEqual(left);
    expect(new Set(paged).size).toBe(left.length);
  }, 120_000);

  it('Relay cursors at any depth report the page they fall on', async () => {
    const { key, accountId } = await app.newAccount('cursors');
    await app.db.prisma.agent.createMany({ data: agentRows(accountId, 1_250) });
    const all = await truth(accountId);
    for (const index of [0, 499, 500, 1_000, 1_101]) {
      const after = all[index]!;
      const res = await graphql(
        app,
        key,
        `query ($after: String) { agents(first: 50, after: $after) { nodes { id } pagination { currentPage totalItems } } }`,
        { after },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.agents.nodes.map((a: { id: string }) => a.id)).toEqual(all.slice(index + 1, index + 51));
      // index + 1 rows come before the page: it is page floor((index + 1) / 50) + 1.
      expect(res.body.data.agents.pagination).toEqual({ currentPage: Math.floor((index + 1) / 50) + 1, totalItems: 1_250 });
    }
    const before = all[1_000]!;
    const back = await graphql(app, key, `query ($before: String) { agents(last: 50, before: $before) { nodes { id } pagination { currentPage } } }`, {
      before,
    });
    expect(back.body.data.agents.nodes.map((a: { id: string }) => a.id)).toEqual(all.slice(950, 1_000));
    expect(back.body.data.agents.pagination.currentPage).toBe(Math.floor(950 / 50) + 1);
  });

  it('an account pages only its own agents, and its ranges go with it', async () => {
    const mine = await app.newAccount('mine');
    const theirs = await app.newAccount('theirs');
    // Interleaved ids: both accounts write at the same time, so their ranges cover the same ids.
    const a = agentRows(mine.accountId, 1_100);
    const b = agentRows(theirs.accountId, 1_100);
    await Promise.all([app.db.prisma.agent.createMany({ data: a }), app.db.prisma.agent.createMany({ data: b })]);
    const deep = await app.http.get('/v1/agents?page=8&limit=100').set(bearer(mine.key));
    expect(deep.body.data.pagination.totalItems).toBe(1_100);
    expect(deep.body.data.items.map((x: { id: string }) => x.id)).toEqual((await truth(mine.accountId)).slice(700, 800));
    const ids = new Set(a.map((x) => x.id));
    expect(deep.body.data.items.every((x: { id: string }) => ids.has(x.id))).toBe(true);
    const gql = await graphql(app, theirs.key, `{ agents(page: 11, limit: 100) { nodes { id } } }`);
    expect(gql.body.data.agents.nodes.map((x: { id: string }) => x.id)).toEqual((await truth(theirs.accountId)).slice(1_000));

    await app.db.prisma.account.delete({ where: { id: theirs.accountId } });
    expect(await rangesOf(app.db.prisma, 'Agent', theirs.accountId)).toBe(0);
    expect(await rangesOf(app.db.prisma, 'ApiKey', theirs.accountId)).toBe(0);
    expect(await bucketFaults(app.db.prisma)).toEqual(NO_FAULTS);
  });

  it('an agent pages its conversations at any depth (REST and the nested GraphQL connection)', async () => {
    const { key, accountId } = await app.newAccount('talkative');
    const agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 't' })).body.data.id;
    await app.db.prisma.conversation.createMany({
      data: Array.from({ length: 1_120 }, (_, i) => ({ id: newId('cnv'), accountId, agentId, userId: `u${i}` })),
    });
    expect(await bucketFaults(app.db.prisma)).toEqual(NO_FAULTS);
    const all = (await app.db.prisma.conversation.findMany({ where: { agentId }, orderBy: { id: 'desc' }, select: { id: true } })).map((c) => c.id);
    for (const page of [1, 6, 11, 12]) {
      const rest = await app.http.get(`/v1/agents/${agentId}/conversations?page=${page}&limit=100`).set(bearer(key));
      expect(rest.body.data.items.map((c: { id: string }) => c.id)).toEqual(all.slice((page - 1) * 100, page * 100));
      expect(rest.body.data.pagination.totalItems).toBe(1_120);
      const nested = await graphql(
        app,
        key,
        `query ($id: ID!, $page: Int) { agent(id: $id) { conversations(page: $page, limit: 100) { totalCount nodes { id } } } }`,
        { id: agentId, page },
      );
      expect(nested.body.errors).toBeUndefined();
      expect(nested.body.data.agent.conversations.nodes.map((c: { id: string }) => c.id)).toEqual(all.slice((page - 1) * 100, page * 100));
    }
    const cursor = await graphql(
      app,
      key,
      `query ($id: ID!, $after: String) { agent(id: $id) { conversations(first: 50, after: $after) { nodes { id } pagination { currentPage } } } }`,
      { id: agentId, after: all[649] },
    );
    expect(cursor.body.data.agent.conversations.nodes.map((c: { id: string }) => c.id)).toEqual(all.slice(650, 700));
    expect(cursor.body.data.agent.conversations.pagination.currentPage).toBe(14);
    await app.http.delete(`/v1/agents/${agentId}`).set(bearer(key)).expect(200);
    expect(await rangesOf(app.db.prisma, 'Conversation', agentId)).toBe(0);
  });

  it.runIf(storage === 'postgres')('concurrent creates and deletes keep every range exact', async () => {
    const { key, accountId } = await app.newAccount('concurrent');
    const first = agentRows(accountId, 1_500);
    await app.db.prisma.agent.createMany({ data: first });
    // Bulk inserts, bulk deletes and API writes on the same list at once, on several connections.
    const writes: Promise<unknown>[] = [
      ...Array.from({ length: 4 }, () => app.db.prisma.agent.createMany({ data: agentRows(accountId, 700) })),
      app.db.prisma.agent.deleteMany({ where: { id: { in: first.slice(0, 600).map((a) => a.id) } } }),
      app.db.prisma.agent.deleteMany({ where: { id: { in: first.slice(900, 1_400).map((a) => a.id) } } }),
      ...Array.from({ length: 10 }, (_, i) => app.http.post('/v1/agents').set(bearer(key)).send({ name: `c${i}` }).expect(201)),
      ...first.slice(1_400, 1_410).map((a) => app.http.delete(`/v1/agents/${a.id}`).set(bearer(key)).expect(200)),
    ];
    await Promise.all(writes);
    expect(await bucketFaults(app.db.prisma)).toEqual(NO_FAULTS);
    const all = await truth(accountId);
    expect(all).toHaveLength(1_500 + 2_800 - 600 - 500 + 10 - 10);
    expect(await everyPage(key, 100, all.length)).toEqual(all);
  }, 60_000);
});
