import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

type Item = { id: string; userId: string; agentId: string; lastMessageAt: string; match: null | { messageId: string; role: string; snippet: string; rank: number; createdAt: string } };

describe.each(STORAGES)('conversation search (%s)', (storage) => {
  let app: TestApp;
  let a: { accountId: string; key: string };
  let b: { accountId: string; key: string };
  let helpdesk: string;
  let coach: string;
  let theirs: string;
  const cnv: Record<string, string> = {};
  const sentAt: Record<string, string> = {};

  async function send(key: string, agentId: string, userId: string, text: string) {
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text, userId });
    expect(res.status).toBe(201);
    cnv[userId] = res.body.data.conversationId;
    sentAt[userId] = res.body.data.createdAt;
    return res.body.data;
  }

  const search = (query: Record<string, string>, key = a.key) =>
    app.http.get(`/v1/conversations?${new URLSearchParams(query)}`).set(bearer(key));
  const users = (res: { body: any }) => res.body.data.items.map((i: Item) => i.userId);
  /** The same operation as the REST route, through /graphql. */
  const viaGraphql = (variables: Record<string, unknown>, key = a.key) => graphql(app, key, OPS.searchConversations, variables);

  beforeAll(async () => {
    app = await startTestApp(storage);
    a = await app.newAccount('A');
    b = await app.newAccount('B');
    helpdesk = (await app.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Helpdesk' })).body.data.id;
    coach = (await app.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Coach' })).body.data.id;
    theirs = (await app.http.post('/v1/agents').set(bearer(b.key)).send({ name: 'Theirs' })).body.data.id;
    await send(a.key, helpdesk, 'alice', 'I would like a refund for the broken blender');
    await send(a.key, helpdesk, 'bob', 'Refund, refund, refund: where is the refund of my refund request?');
    await send(a.key, coach, 'carol', 'Yesterday I went running in the park');
    await send(a.key, coach, 'dave', 'The weather is lovely today');
    await send(b.key, theirs, 'eve', 'Please refund me as well');
  });
  afterAll(() => app?.close());

  it('ranks: the conversation with the stronger match first, each with its best message, snippet marked «…»', async () => {
    const res = await search({ q: 'refund' });
    expect(res.status).toBe(200);
    const items: Item[] = res.body.data.items;
    expect(items.map((i) => i.userId)).toEqual(['bob', 'alice']);
    expect(items[0]!.match!.rank).toBeGreaterThan(items[1]!.match!.rank);
    expect(items[0]).toMatchObject({ id: cnv['bob'], agentId: helpdesk, messageCount: 2 });
    const best = await app.db.prisma.message.findUniqueOrThrow({ where: { id: items[0]!.match!.messageId } });
    expect(best.conversationId).toBe(cnv['bob']);
    expect(items[0]!.match).toMatchObject({ role: best.role, createdAt: best.createdAt.toISOString() });
    expect(items[0]!.match!.snippet).toContain('«Refund»');
    expect(items[1]!.match!.snippet).toContain('«refund»');
    expect(items[1]!.match!.snippet.replaceAll(/[«»]/g, '')).toContain('refund for the broken blender');
    expect(res.body.data.pagination).toEqual({ currentPage: 1, totalPages: 1, totalItems: 2, itemsPerPage: 20 });
  });

  it('stems English words: "runs" finds "running"; stop words alone find nothing; any input is safe', async () => {
    const runs = await search({ q: 'runs' });
    expect(users(runs)).toEqual(['carol']);
    expect(runs.body.data.items[0].match.snippet).toContain('«running»');
    expect(users(await search({ q: 'refunds' }))).toEqual(['bob', 'alice']);
    expect(users(await search({ q: 'the' }))).toEqual([]);
    expect(users(await search({ q: '"broken blender"' }))).toEqual(['alice']);
    expect(users(await search({ q: 'refund -blender' }))).toEqual(['bob']);
    expect(users(await search({ q: 'weather or park' })).sort()).toEqual(['carol', 'dave']);
    for (const q of ["')); DROP TABLE \"Message\"; --", '!!! & | :* ( <-> \\', '"unbalanced']) {
      const res = await search({ q });
      expect(res.status, q).toBe(200);
    }
    expect(await app.db.prisma.message.count()).toBeGreaterThan(0);
  });

  it('a long message’s snippet is the part around its match, not the whole text', async () => {
    const c = await app.newAccount('Long');
    const agent = (await app.http.post('/v1/agents').set(bearer(c.key)).send({ name: 'Long' })).body.data.id;
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    await send(c.key, agent, 'long', `${filler(300)} the parcel was lost ${filler(300)}`);
    const [item] = (await search({ q: 'parcel' }, c.key)).body.data.items;
    expect(item.match.snippet).toContain('«parcel»');
    expect(item.match.snippet.split(' ').length).toBeLessThanOrEqual(35);
    expect(item.match.snippet).not.toContain('word100'); // 100 words from the match, either side
  });

  it('combines filters: agentId, userId, q, and [from, to)', async () => {
    expect(users(await search({ q: 'refund', agentId: helpdesk }))).toEqual(['bob', 'alice']);
    expect(users(await search({ q: 'refund', agentId: coach }))).toEqual([]);
    expect(users(await search({ q: 'refund', userId: 'alice' }))).toEqual(['alice']);
    expect(users(await search({ q: 'refund', agentId: helpdesk, userId: 'bob' }))).toEqual(['bob']);
    // With q, from/to bound the matched messages’ time.
    expect(users(await search({ q: 'refund', from: sentAt['bob']! }))).toEqual(['bob']);
    expect(users(await search({ q: 'refund', to: sentAt['bob']! }))).toEqual(['alice']);
    expect(users(await search({ q: 'refund', from: '2000-01-01T00:00:00Z', to: '2000-01-02T00:00:00Z' }))).toEqual([]);
    // Without q: newest first, match null, from/to on lastMessageAt.
    const all = await search({});
    expect(users(all)).toEqual(['dave', 'carol', 'bob', 'alice']);
    expect(all.body.data.items.every((i: Item) => i.match === null)).toBe(true);
    expect(users(await search({ agentId: coach }))).toEqual(['dave', 'carol']);
    expect(users(await search({ userId: 'carol' }))).toEqual(['carol']);
    const carol = all.body.data.items.find((i: Item) => i.userId === 'carol') as Item;
    expect(users(await search({ from: carol.lastMessageAt }))).toEqual(['dave', 'carol']);
    expect(users(await search({ to: carol.lastMessageAt }))).toEqual(['bob', 'alice']);
    expect(users(await search({ agentId: coach, from: carol.lastMessageAt, to: new Date(Date.parse(carol.lastMessageAt) + 1).toISOString() }))).toEqual(['carol']);
  });

  it('pages like every list', async () => {
    const first = await search({ q: 'refund', limit: '1' });
    expect(users(first)).toEqual(['bob']);
    expect(first.body.data.pagination).toEqual({ currentPage: 1, totalPages: 2, totalItems: 2, itemsPerPage: 1 });
    const second = await search({ q: 'refund', limit: '1', page: '2' });
    expect(users(second)).toEqual(['alice']);
    expect(second.body.data.pagination.currentPage).toBe(2);
    expect(users(await search({ q: 'refund', limit: '1', page: '3' }))).toEqual([]);
    const unfiltered = await search({ limit: '3', page: '2' });
    expect(users(unfiltered)).toEqual(['alice']);
    expect(unfiltered.body.data.pagination).toEqual({ currentPage: 2, totalPages: 2, totalItems: 4, itemsPerPage: 3 });
  });

  it('GraphQL answers exactly what REST does, for every combination', async () => {
    const cases: Record<string, string>[] = [
      { q: 'refund' },
      { q: 'refund', limit: '1', page: '2' },
      { q: 'runs', agentId: coach },
      { q: 'refund', userId: 'alice', from: '2000-01-01T00:00:00Z' },
      {},
      { agentId: coach },
      { agentId: helpdesk, userId: 'bob' },
      { from: '2000-01-01T00:00:00Z', to: '2999-01-01T00:00:00Z', limit: '2' },
    ];
    for (const query of cases) {
      const rest = await search(query);
      const variables = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, k === 'page' || k === 'limit' ? Number(v) : v]));
      const gql = await viaGraphql(variables);
      expect(gql.body.errors, JSON.stringify(query)).toBeUndefined();
      expect(gql.body.data.conversations, JSON.stringify(query)).toEqual(rest.body.data);
    }
  });

  it('GraphQL: conversations(agentId:, userId:) keeps working; filter; Relay first; cursors refused for a ranked search', async () => {
    const old = await graphql(app, a.key, 'query($id: ID!) { conversations(agentId: $id) { totalCount nodes { userId match { rank } } } }', { id: helpdesk });
    expect(old.body.data.conversations).toEqual({ totalCount: 2, nodes: [{ userId: 'bob', match: null }, { userId: 'alice', match: null }] });
    const oldUser = await graphql(app, a.key, 'query($id: ID!) { conversations(agentId: $id, userId: "alice") { nodes { userId } } }', { id: helpdesk });
    expect(oldUser.body.data.conversations.nodes).toEqual([{ userId: 'alice' }]);
    const both = await graphql(app, a.key, 'query($id: ID!) { conversations(agentId: $id, filter: {q: "refund", agentId: $id}) { nodes { userId } } }', { id: helpdesk });
    expect(both.body.data.conversations.nodes).toEqual([{ userId: 'bob' }, { userId: 'alice' }]);
    const clash = await graphql(app, a.key, 'query($id: ID!, $other: ID!) { conversations(agentId: $id, filter: {agentId: $other}) { totalCount } }', { id: helpdesk, other: coach });
    expect(clash.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { fields: [{ field: 'agentId', message: 'differs from filter.agentId: give it once' }] } });
    const first = await graphql(app, a.key, '{ conversations(filter: {q: "refund"}, first: 1) { totalCount edges { node { userId } } pageInfo { hasNextPage } } }');
    expect(first.body.data.conversations).toEqual({ totalCount: 2, edges: [{ node: { userId: 'bob' } }], pageInfo: { hasNextPage: true } });
    const after = await graphql(app, a.key, 'query($c: String) { conversations(filter: {q: "refund"}, first: 1, after: $c) { totalCount } }', { c: cnv['bob'] });
    expect(after.body.errors[0].extensions.details.fields[0].field).toBe('after');
    // Without q, cursors work as on every list.
    const paged = await graphql(app, a.key, 'query($c: String) { conversations(first: 2, after: $c) { nodes { userId } } }', { c: cnv['carol'] });
    expect(paged.body.data.conversations.nodes).toEqual([{ userId: 'bob' }, { userId: 'alice' }]);
  });

  it('isolation: another account’s conversations are never found, and its agent is 404 in both protocols', async () => {
    expect(users(await search({ q: 'refund' }, b.key))).toEqual(['eve']);
    expect(users(await search({}, b.key))).toEqual(['eve']);
    expect(users(await search({ q: 'please' }))).toEqual([]);
    expect(users(await search({ userId: 'eve' }))).toEqual([]);
    for (const agentId of [helpdesk, `agt_${'0'.repeat(26)}`, 'nonsense']) {
      const rest = await search({ q: 'refund', agentId }, b.key);
      expect([rest.status, rest.body.error?.code], agentId).toEqual([404, 'AGENT_NOT_FOUND']);
      const noQ = await search({ agentId }, b.key);
      expect(noQ.status).toBe(404);
      const gql = await viaGraphql({ q: 'refund', agentId }, b.key);
      expect(gql.body.errors[0].extensions.code).toBe('AGENT_NOT_FOUND');
    }
  });

  it('every bad parameter is 400 INVALID_REQUEST naming it, the same in both protocols', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ q: '' }, 'q'],
      [{ q: '   ' }, 'q'],
      [{ q: 'x'.repeat(201) }, 'q'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2030-02-30T00:00:00Z' }, 'to'],
      [{ from: '2030-01-02T00:00:00Z', to: '2030-01-01T00:00:00Z' }, 'to'],
      [{ from: '2030-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z' }, 'to'],
      [{ userId: 'has space' }, 'userId'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ page: '0' }, 'page'],
    ];
    for (const [query, field] of cases) {
      const rest = await search(query);
      expect([rest.status, rest.body.error?.code, rest.body.error?.details.fields[0].field], JSON.stringify(query)).toEqual([400, 'INVALID_REQUEST', field]);
      const variables = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, k === 'page' || k === 'limit' ? Number(v) : v]));
      const gql = await viaGraphql(variables);
      expect(gql.body.errors?.[0]?.extensions.code, JSON.stringify(query)).toBe('INVALID_REQUEST');
      expect(gql.body.errors[0].extensions.details.fields[0].field).toBe(field);
    }
    expect(users(await search({ q: 'x'.repeat(200) }))).toEqual([]);
    const unknown = await search({ sort: 'rank' });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const page = await search({ page: 'two' });
    expect([page.status, page.body.error.details.fields[0].field]).toEqual([400, 'page']);
  });

  it('needs conversations:read, and nothing more', async () => {
    const agentsOnly = await app.keyWithScopes(a.accountId, ['agents:read', 'messages:write']);
    const refused = await search({ q: 'refund' }, agentsOnly);
    expect([refused.status, refused.body.error.code, refused.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'conversations:read']);
    expect((await viaGraphql({ q: 'refund' }, agentsOnly)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    const reader = await app.keyWithScopes(a.accountId, ['conversations:read']);
    expect(users(await search({ q: 'refund', agentId: helpdesk }, reader))).toEqual(['bob', 'alice']);
  });
});
