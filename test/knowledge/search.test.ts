// Knowledge search in both protocols: GET /v1/agents/{id}/knowledge/search and
// Agent.knowledgeSearch. Documents are seeded with indexDocument and attached with
// AgentKnowledge rows (the upload API is tested on its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocument } from '../../src/services/knowledge/indexing.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { CORPUS } from './fixtures/corpus.js';

const SEARCH = `query($id: ID!, $q: String!, $limit: Int) {
  agent(id: $id) { knowledgeSearch(q: $q, limit: $limit) { ranking items { documentId documentTitle chunk heading text score snippet } } }
}`;

describe.each(STORAGES)('knowledge search on %s', (storage) => {
  let t: TestApp;
  let a: { accountId: string; key: string };
  let b: { accountId: string; key: string };
  let agentId: string;
  let emptyAgentId: string;
  let otherAgentId: string;
  let attached: Set<string>;
  let unattachedId: string;
  let characterDocId: string;
  let otherDocId: string;

  const index = async (accountId: string, title: string, content: string, characterId?: string) =>
    (await t.db.prisma.$transaction((tx) => indexDocument(tx, accountId, { title, content, format: 'markdown', language: 'english', characterId })))
      .document.id;
  const attach = (accountId: string, agent: string, documentId: string) =>
    t.db.prisma.agentKnowledge.create({ data: { agentId: agent, documentId, accountId } });

  const rest = (id: string, query: Record<string, string>, key = a.key) =>
    t.http.get(`/v1/agents/${id}/knowledge/search`).query(query).set(bearer(key));
  const gql = (id: string, variables: Record<string, unknown>, key = a.key) => graphql(t, key, SEARCH, { id, ...variables });

  beforeAll(async () => {
    t = await startTestApp(storage);
    a = await t.newAccount('A');
    b = await t.newAccount('B');
    const character = (await t.http.post('/v1/characters').set(bearer(a.key)).send({ name: 'Barista' })).body.data;
    agentId = (await t.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Support', characterId: character.id })).body.data.id;
    emptyAgentId = (await t.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Empty' })).body.data.id;
    otherAgentId = (await t.http.post('/v1/agents').set(bearer(b.key)).send({ name: 'Other' })).body.data.id;
    attached = new Set();
    for (const doc of CORPUS) {
      const id = await index(a.accountId, doc.title, doc.content);
      await attach(a.accountId, agentId, id);
      attached.add(id);
    }
    // The account's document no agent holds, and another account's, both with the words searched.
    unattachedId = await index(a.accountId, 'Draft', '# Draft\n\nThe warranty draft: warranty warranty warranty.');
    otherDocId = await index(b.accountId, 'Theirs', '# Warranty\n\nTheir warranty lasts ten years. Warranty warranty.');
    await attach(b.accountId, otherAgentId, otherDocId);
    // The character's knowledge: the agent's through its character.
    characterDocId = await index(a.accountId, 'Barista knowledge', 'The barista’s favourite bean is a Kenyan peaberry.', character.id);
  });
  afterAll(() => t?.close());

  it('answers the same ranked chunks in both protocols, best first', async () => {
    const viaRest = await rest(agentId, { q: 'How long is the warranty?' });
    expect(viaRest.status).toBe(200);
    const data = viaRest.body.data;
    expect(data.ranking).toBe('full_text');
    expect(data.items).toHaveLength(5);
    expect(data.items[0]).toMatchObject({ documentTitle: 'Store policies', heading: 'Orbit Store policies > Warranty' });
    expect(Object.keys(data.items[0]).sort()).toEqual(['chunk', 'documentId', 'documentTitle', 'heading', 'score', 'snippet', 'text']);
    expect(data.items[0].text).toContain('two-year warranty');
    expect(data.items[0].snippet).toContain('«warranty»');
    const scores = data.items.map((i: { score: number }) => i.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    for (const score of scores) expect(score).toBeGreaterThan(0), expect(score).toBeLessThanOrEqual(1);
    const chunk = await t.db.prisma.knowledgeChunk.findUniqueOrThrow({
      where: { documentId_position: { documentId: data.items[0].documentId, position: data.items[0].chunk } },
    });
    expect(chunk.heading).toBe('Orbit Store policies > Warranty');

    const viaGraphql = await gql(agentId, { q: 'How long is the warranty?' });
    expect(viaGraphql.body.errors).toBeUndefined();
    expect(viaGraphql.body.data.agent.knowledgeSearch).toEqual(data);

    const two = await rest(agentId, { q: 'warranty', limit: '2' });
    expect(two.body.data.items).toHaveLength(2);
    expect((await gql(agentId, { q: 'warranty', limit: 2 })).body.data.agent.knowledgeSearch).toEqual(two.body.data);
  });

  it('finds misspelt words, and the character’s knowledge', async () => {
    const typo = (await rest(agentId, { q: 'descalling' })).body.data.items;
    expect(typo[0].heading).toBe('Orbit X2 coffee machine > Descaling');
    const character = (await rest(agentId, { q: 'peaberry' })).body.data.items;
    expect(character.map((i: { documentId: string }) => i.documentId)).toEqual([characterDocId]);
  });

  it('a query of stop words or punctuation only matches nothing, without an error', async () => {
    for (const q of ['the', 'how is it', "&|!():*' <-> \\", '% _ %']) {
      const viaRest = await rest(agentId, { q });
      expect([viaRest.status, viaRest.body.data], q).toEqual([200, { ranking: 'full_text', items: [] }]);
      expect((await gql(agentId, { q })).body.data.agent.knowledgeSearch, q).toEqual({ ranking: 'full_text', items: [] });
    }
  });

  it('returns only the agent’s documents: never another account’s, nor the account’s unattached ones', async () => {
    for (const q of ['warranty', 'warranty draft ten years', 'peaberry']) {
      const items = [...(await rest(agentId, { q, limit: '20' })).body.data.items, ...(await gql(agentId, { q, limit: 20 })).body.data.agent.knowledgeSearch.items];
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(attached.has(item.documentId) || item.documentId === characterDocId, item.documentId).toBe(true);
      expect(items.map((i) => i.documentId)).not.toContain(unattachedId);
      expect(items.map((i) => i.documentId)).not.toContain(otherDocId);
    }
    const theirs = (await rest(otherAgentId, { q: 'warranty', limit: '20' }, b.key)).body.data.items;
    expect(theirs.map((i: { documentId: string }) => i.documentId)).toEqual([otherDocId, otherDocId].slice(0, theirs.length));
    const empty = await rest(emptyAgentId, { q: 'warranty' });
    expect(empty.body.data).toEqual({ ranking: 'full_text', items: [] });
    expect((await gql(emptyAgentId, { q: 'warranty' })).body.data.agent.knowledgeSearch).toEqual({ ranking: 'full_text', items: [] });
  });

  it('another account’s agent, or no agent, is 404 AGENT_NOT_FOUND in both protocols', async () => {
    for (const id of [otherAgentId, 'agt_01JZZZZZZZZZZZZZZZZZZZZZZZ']) {
      const viaRest = await rest(id, { q: 'warranty' });
      expect([viaRest.status, viaRest.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
      const viaGraphql = await gql(id, { q: 'warranty' });
      expect(viaGraphql.body.errors[0].extensions.code).toBe('AGENT_NOT_FOUND');
    }
    const theirKey = await rest(agentId, { q: 'warranty' }, b.key);
    expect([theirKey.status, theirKey.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
  });

  it('every bad parameter is 400 INVALID_REQUEST naming it, the same in both protocols', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'q'],
      [{ q: '' }, 'q'],
      [{ q: '   ' }, 'q'],
      [{ q: 'x'.repeat(201) }, 'q'],
      [{ q: 'warranty', limit: '0' }, 'limit'],
      [{ q: 'warranty', limit: '21' }, 'limit'],
    ];
    for (const [query, field] of cases) {
      const viaRest = await rest(agentId, query);
      expect([viaRest.status, viaRest.body.error?.code, viaRest.body.error?.details.fields[0].field], JSON.stringify(query)).toEqual([
        400,
        'INVALID_REQUEST',
        field,
      ]);
      const variables = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, k === 'limit' ? Number(v) : v]));
      const viaGraphql = await gql(agentId, variables);
      expect(viaGraphql.body.errors?.[0]?.extensions.code, JSON.stringify(query)).toBe('INVALID_REQUEST');
      expect(viaGraphql.body.errors[0].extensions.details.fields[0].field).toBe(field);
    }
    const notANumber = await rest(agentId, { q: 'warranty', limit: 'many' });
    expect([notANumber.status, notANumber.body.error.details.fields[0].field]).toEqual([400, 'limit']);
    const unknown = await rest(agentId, { q: 'warranty', page: '2' });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    // The bounds themselves are served.
    expect((await rest(agentId, { q: ` ${'x'.repeat(200)} ` })).status).toBe(200);
    expect((await rest(agentId, { q: 'water', limit: '20' })).body.data.items.length).toBeGreaterThan(5);
    expect((await rest(agentId, { q: 'water', limit: '1' })).body.data.items).toHaveLength(1);
  });

  it('needs knowledge:read and agents:read: 403 naming the missing one, in both protocols', async () => {
    for (const [scopes, missing] of [
      [['agents:read'], 'knowledge:read'],
      [['knowledge:read'], 'agents:read'],
    ] as const) {
      const key = await t.keyWithScopes(a.accountId, [...scopes]);
      const viaRest = await rest(agentId, { q: 'warranty' }, key);
      expect([viaRest.status, viaRest.body.error.code, viaRest.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', missing]);
      const viaGraphql = await gql(agentId, { q: 'warranty' }, key);
      expect([viaGraphql.body.errors[0].extensions.code, viaGraphql.body.errors[0].extensions.details.requiredScope]).toEqual(['FORBIDDEN', missing]);
    }
    const both = await t.keyWithScopes(a.accountId, ['agents:read', 'knowledge:read']);
    expect((await rest(agentId, { q: 'warranty' }, both)).status).toBe(200);
  });

  it('is an expensive field: one search is served, one per agent of a page is refused for cost', async () => {
    const one = await graphql(t, a.key, `{ agent(id: "${agentId}") { knowledgeSearch(q: "warranty") { items { chunk } } } }`);
    expect(one.body.errors).toBeUndefined();
    const page = await graphql(t, a.key, '{ agents(first: 20) { nodes { knowledgeSearch(q: "warranty") { items { chunk } } } } }');
    expect(page.body.data).toBeUndefined();
    expect(page.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { limit: 'cost', max: 5000 } });
  });
});
