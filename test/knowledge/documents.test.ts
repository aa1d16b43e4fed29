import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import type { Embedder } from '../../src/services/knowledge/embeddings.js';
import { KNOWLEDGE_LIMITS, uploadDocument } from '../../src/services/knowledge/documents.js';
import { searchChunks } from '../../src/services/knowledge/retrieval.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { SqlCounter } from '../support/sql-counter.js';

const MANUAL = `# Orbit coffee machine

## Descaling
Descale the machine every 200 cups with citric acid.

## Warranty
The warranty lasts three years from the date of purchase.

## Cleaning
Rinse the frother with warm water after every use.`;

/** A text of exactly `bytes` UTF-8 bytes, with words and multi-byte characters. */
function textOfBytes(bytes: number): string {
  const sentence = 'Café crème brûlée is served at noon. ';
  let text = sentence.repeat(Math.floor(bytes / Buffer.byteLength(sentence)));
  text += 'x'.repeat(bytes - Buffer.byteLength(text));
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe.each(STORAGES)('knowledge documents on %s', (storage) => {
  let t: TestApp;
  let key: string;
  let accountId: string;
  let other: { key: string; accountId: string };
  let agentId: string;
  let otherAgentId: string;

  const post = (path: string, body: unknown, k = key) => t.http.post(`/v1${path}`).set(bearer(k)).send(body as object);
  const get = (path: string, k = key) => t.http.get(`/v1${path}`).set(bearer(k));
  const documents = () => t.db.prisma.knowledgeDocument.count({ where: { accountId } });
  const chunksOf = (documentId: string) => t.db.prisma.knowledgeChunk.count({ where: { documentId } });

  beforeAll(async () => {
    t = await startTestApp(storage);
    ({ key, accountId } = await t.newAccount('Knowledge'));
    other = await t.newAccount('Other');
    agentId = (await post('/agents', { name: 'Barista' })).body.data.id;
    otherAgentId = (await post('/agents', { name: 'Stranger' }, other.key)).body.data.id;
  });
  afterAll(() => t?.close());

  it('uploads to an agent (201), re-uploads idempotently (200, same id) in both protocols, and lists it', async () => {
    const first = await post(`/agents/${agentId}/knowledge`, { text: MANUAL, metadata: { source: 'manual' } });
    expect(first.status).toBe(201);
    const doc = first.body.data;
    expect(doc).toMatchObject({
      id: expect.stringMatching(/^doc_/),
      title: 'Orbit coffee machine',
      format: 'markdown',
      language: 'english',
      chunkCount: 4,
      sizeBytes: Buffer.byteLength(MANUAL),
      metadata: { source: 'manual' },
      characterId: null,
      agentIds: [agentId],
    });
    const again = await post(`/agents/${agentId}/knowledge`, { text: MANUAL, title: 'Ignored' });
    expect([again.status, again.body.data]).toEqual([200, doc]);
    const gql = await graphql(t, key, OPS.uploadAgentKnowledge, { agentId, input: { text: MANUAL } });
    expect(gql.body.data.uploadKnowledge).toEqual({ created: false, document: doc });
    expect(await documents()).toBe(1);

    const list = await get(`/agents/${agentId}/knowledge`);
    expect(list.body.data).toEqual({ items: [doc], pagination: { currentPage: 1, totalPages: 1, totalItems: 1, itemsPerPage: 20 } });
    const gqlList = await graphql(t, key, OPS.listAgentKnowledge, { agentId });
    expect(gqlList.body.data.knowledgeDocuments).toEqual(list.body.data);
    const one = await get(`/knowledge/${doc.id}`);
    expect(one.body.data).toEqual({ ...doc, content: MANUAL });
    expect((await graphql(t, key, OPS.getKnowledgeDocument, { documentId: doc.id })).body.data.knowledgeDocument).toEqual(one.body.data);
    const agentField = await graphql(t, key, 'query($id: ID!) { agent(id: $id) { knowledge { totalCount nodes { id } } } }', { id: agentId });
    expect(agentField.body.data.agent.knowledge).toEqual({ totalCount: 1, nodes: [{ id: doc.id }] });
    const node = await graphql(t, key, 'query($id: ID!) { node(id: $id) { ... on KnowledgeDocument { title agentIds } } }', { id: doc.id });
    expect(node.body.data.node).toEqual({ title: 'Orbit coffee machine', agentIds: [agentId] });
  });

  it('re-uploading stored content to another agent attaches it there (200, one document)', async () => {
    const loose = await post('/knowledge', { text: 'Decaf is brewed on request.' });
    expect([loose.status, loose.body.data.agentIds]).toEqual([201, []]);
    const second = (await post('/agents', { name: 'Second' })).body.data.id;
    const attached = await post(`/agents/${second}/knowledge`, { text: 'Decaf is brewed on request.' });
    expect([attached.status, attached.body.data.id, attached.body.data.agentIds]).toEqual([200, loose.body.data.id, [second]]);
    const gql = await graphql(t, key, OPS.uploadAgentKnowledge, { agentId, input: { text: 'Decaf is brewed on request.' } });
    expect(gql.body.data.uploadKnowledge.created).toBe(false);
    expect(gql.body.data.uploadKnowledge.document.agentIds.sort()).toEqual([agentId, second].sort());
    expect(await t.db.prisma.knowledgeDocument.count({ where: { accountId, content: 'Decaf is brewed on request.' } })).toBe(1);
  });

  it('pages a document’s chunks in order, the same in both protocols', async () => {
    const doc = (await post('/knowledge', { text: MANUAL, language: 'simple' })).body.data;
    const page2 = await get(`/knowledge/${doc.id}/chunks?page=2&limit=3`);
    expect(page2.status).toBe(200);
    expect(page2.body.data.pagination).toEqual({ currentPage: 2, totalPages: 2, totalItems: 4, itemsPerPage: 3 });
    expect(page2.body.data.items).toEqual([
      {
        position: 3,
        heading: 'Orbit coffee machine > Cleaning',
        text: '## Cleaning\nRinse the frother with warm water after every use.',
        startOffset: MANUAL.indexOf('## Cleaning'),
        endOffset: MANUAL.length,
        tokenCount: expect.any(Number),
      },
    ]);
    const all = await get(`/knowledge/${doc.id}/chunks`);
    expect(all.body.data.items.map((c: { position: number }) => c.position)).toEqual([0, 1, 2, 3]);
    for (const c of all.body.data.items) expect(MANUAL.slice(c.startOffset, c.endOffset)).toBe(c.text);
    const gql = await graphql(t, key, OPS.listKnowledgeChunks, { documentId: doc.id, page: 2, limit: 3 });
    expect(gql.body.data.knowledgeDocument.chunks).toEqual(page2.body.data);
    const cursor = await graphql(
      t,
      key,
      'query($id: ID!) { knowledgeDocument(id: $id) { chunks(first: 2) { pageInfo { endCursor } nodes { position } } } }',
      { id: doc.id },
    );
    const { endCursor } = cursor.body.data.knowledgeDocument.chunks.pageInfo;
    const next = await graphql(t, key, 'query($id: ID!, $after: String) { knowledgeDocument(id: $id) { chunks(first: 5, after: $after) { nodes { position } } } }', {
      id: doc.id,
      after: endCursor,
    });
    expect(next.body.data.knowledgeDocument.chunks.nodes).toEqual([{ position: 2 }, { position: 3 }]);
    // A cursor past the largest position is not one of ours: 400 naming it, not a database error.
    for (const [arg, size] of [['after', 'first'], ['before', 'last']]) {
      const huge = await graphql(t, key, `query($id: ID!, $c: String) { knowledgeDocument(id: $id) { chunks(${size}: 5, ${arg}: $c) { nodes { position } } } }`, {
        id: doc.id,
        c: '9999999999',
      });
      expect(huge.body.errors?.[0]?.extensions?.code).toBe('INVALID_REQUEST');
    }
  });

  it('refuses a text that splits into more chunks than a document may have, in both protocols, storing nothing', async () => {
    const before = await documents();
    const tiny = '# a\n'.repeat(KNOWLEDGE_LIMITS.chunksPerDocument + 1);
    const rest = await post('/knowledge', { text: tiny });
    expect(rest.status).toBe(400);
    expect(rest.body.error.details.fields).toEqual([{ field: 'text', message: expect.stringContaining(`at most ${KNOWLEDGE_LIMITS.chunksPerDocument}`) }]);
    const gql = await graphql(t, key, OPS.uploadKnowledge, { input: { text: tiny } });
    expect(gql.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: rest.body.error.details });
    expect(await documents()).toBe(before);
  });

  it('defaults the title to the first heading, else the first line', async () => {
    const plain = await post('/knowledge', { text: '\n  First line here  \nSecond line', format: 'text' });
    expect(plain.body.data.title).toBe('First line here');
    const titled = await post('/knowledge', { text: 'Body only', title: 'Given' });
    expect(titled.body.data.title).toBe('Given');
  });

  it('takes a text of exactly 512 KiB and refuses one byte more, in both protocols, storing nothing', async () => {
    const atLimit = textOfBytes(KNOWLEDGE_LIMITS.textBytes);
    const over = textOfBytes(KNOWLEDGE_LIMITS.textBytes + 1);
    const before = await documents();
    const res = await post('/knowledge', { text: over, format: 'text' });
    expect([res.status, res.body.error.code, res.body.error.details.fields.map((f: any) => f.field)]).toEqual([400, 'INVALID_REQUEST', ['text']]);
    const gql = await graphql(t, key, OPS.uploadKnowledge, { input: { text: over, format: 'text' } });
    expect([gql.body.errors[0].extensions.code, gql.body.errors[0].extensions.details.fields]).toEqual([
      'INVALID_REQUEST',
      res.body.error.details.fields,
    ]);
    expect(await documents()).toBe(before);
    const ok = await post('/knowledge', { text: atLimit, format: 'text' });
    expect([ok.status, ok.body.data.sizeBytes]).toEqual([201, KNOWLEDGE_LIMITS.textBytes]);
    expect(await chunksOf(ok.body.data.id)).toBe(ok.body.data.chunkCount);
  });

  it.each([
    ['bogus', { text: 'x', bogus: 1 }],
    ['language', { text: 'x', language: 'klingon' }],
    ['language', { text: 'x', language: 'estonian' }],
    ['text', { text: '   \n ' }],
    ['text', { title: 'No text' }],
    ['title', { text: 'x', title: 'y'.repeat(201) }],
    ['metadata', { text: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
  ])('refuses bad input (%s) with 400 naming the field, in both protocols, storing nothing', async (field, body) => {
    const before = await documents();
    const res = await post(`/agents/${agentId}/knowledge`, body);
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.error.details.fields.map((f: any) => f.field).join(' ')).toContain(field);
    const gql = await graphql(t, key, OPS.uploadAgentKnowledge, { agentId, input: body });
    expect(gql.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
    expect(gql.body.errors[0].extensions.details.fields.map((f: any) => f.field).join(' ')).toContain(field);
    expect(await documents()).toBe(before);
  });

  it('keeps accounts apart: another key gets 404 on every route and empty lists, in both protocols', async () => {
    const doc = (await post(`/agents/${agentId}/knowledge`, { text: 'Secret recipe: two shots.' })).body.data;
    const o = other.key;
    const codes = async (req: PromiseLike<{ status: number; body: any }>) => {
      const res = await req;
      return [res.status, res.body.error?.code];
    };
    expect(await codes(get(`/knowledge/${doc.id}`, o))).toEqual([404, 'NOT_FOUND']);
    expect(await codes(get(`/knowledge/${doc.id}/chunks`, o))).toEqual([404, 'NOT_FOUND']);
    expect(await codes(t.http.delete(`/v1/knowledge/${doc.id}`).set(bearer(o)))).toEqual([404, 'NOT_FOUND']);
    expect(await codes(t.http.put(`/v1/agents/${otherAgentId}/knowledge/${doc.id}`).set(bearer(o)))).toEqual([404, 'NOT_FOUND']);
    expect(await codes(t.http.delete(`/v1/agents/${otherAgentId}/knowledge/${doc.id}`).set(bearer(o)))).toEqual([404, 'NOT_FOUND']);
    expect(await codes(t.http.put(`/v1/agents/${agentId}/knowledge/${doc.id}`).set(bearer(o)))).toEqual([404, 'AGENT_NOT_FOUND']);
    expect(await codes(get(`/agents/${agentId}/knowledge`, o))).toEqual([404, 'AGENT_NOT_FOUND']);
    expect(await codes(post(`/agents/${agentId}/knowledge`, { text: 'x' }, o))).toEqual([404, 'AGENT_NOT_FOUND']);
    expect((await get('/knowledge', o)).body.data.items).toEqual([]);
    expect((await get(`/agents/${otherAgentId}/knowledge`, o)).body.data.items).toEqual([]);

    const gqlCode = async (query: string, variables: Record<string, unknown>) =>
      (await graphql(t, o, query, variables)).body.errors?.[0]?.extensions.code;
    expect(await gqlCode(OPS.getKnowledgeDocument, { documentId: doc.id })).toBe('NOT_FOUND');
    expect(await gqlCode(OPS.listKnowledgeChunks, { documentId: doc.id })).toBe('NOT_FOUND');
    expect(await gqlCode(OPS.deleteKnowledgeDocument, { documentId: doc.id })).toBe('NOT_FOUND');
    expect(await gqlCode(OPS.attachKnowledge, { agentId: otherAgentId, documentId: doc.id })).toBe('NOT_FOUND');
    expect(await gqlCode(OPS.detachKnowledge, { agentId: otherAgentId, documentId: doc.id })).toBe('NOT_FOUND');
    expect(await gqlCode(OPS.listAgentKnowledge, { agentId })).toBe('AGENT_NOT_FOUND');
    const node = await graphql(t, o, 'query($id: ID!) { node(id: $id) { id } }', { id: doc.id });
    expect(node.body).toEqual({ data: { node: null } });
    expect((await graphql(t, o, OPS.listKnowledge, {})).body.data.knowledgeDocuments.items).toEqual([]);

    // The same content in another account is that account's own document.
    const theirs = await post('/knowledge', { text: 'Secret recipe: two shots.' }, o);
    expect(theirs.status).toBe(201);
    expect(theirs.body.data.id).not.toBe(doc.id);
    expect((await get(`/knowledge/${doc.id}`)).status).toBe(200);
  });

  it('needs knowledge:read to read and knowledge:write to write (403 with requiredScope, both protocols)', async () => {
    const doc = (await post('/knowledge', { text: 'Scoped text.' })).body.data;
    const noRead = await t.keyWithScopes(accountId, ['knowledge:write', 'agents:read']);
    const noWrite = await t.keyWithScopes(accountId, ['knowledge:read', 'agents:read']);
    const rest = await get(`/knowledge/${doc.id}`, noRead);
    expect([rest.status, rest.body.error.code, rest.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'knowledge:read']);
    const gql = await graphql(t, noRead, OPS.getKnowledgeDocument, { documentId: doc.id });
    expect(gql.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'knowledge:read' } });
    const node = await graphql(t, noRead, 'query($id: ID!) { node(id: $id) { id } }', { id: doc.id });
    expect(node.body.errors[0].extensions.details.requiredScope).toBe('knowledge:read');
    const write = await post('/knowledge', { text: 'Not allowed.' }, noWrite);
    expect([write.status, write.body.error.details.requiredScope]).toEqual([403, 'knowledge:write']);
    const gqlWrite = await graphql(t, noWrite, OPS.uploadKnowledge, { input: { text: 'Not allowed.' } });
    expect(gqlWrite.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'knowledge:write' } });
    const agentField = await graphql(t, noRead, 'query($id: ID!) { agent(id: $id) { knowledge { totalCount } } }', { id: agentId });
    expect(agentField.body.errors[0].extensions.details.requiredScope).toBe('knowledge:read');
  });

  it('attaches an account document, detaches it (the document stays), in both protocols', async () => {
    const doc = (await post('/knowledge', { text: 'Grinder settings: fine for espresso.' })).body.data;
    expect(doc.agentIds).toEqual([]);
    const attached = await t.http.put(`/v1/agents/${agentId}/knowledge/${doc.id}`).set(bearer(key));
    expect([attached.status, attached.body.data.agentIds]).toEqual([200, [agentId]]);
    const twice = await graphql(t, key, OPS.attachKnowledge, { agentId, documentId: doc.id });
    expect(twice.body.data.attachKnowledge).toEqual(attached.body.data);
    const detached = await t.http.delete(`/v1/agents/${agentId}/knowledge/${doc.id}`).set(bearer(key));
    expect([detached.status, detached.body.data]).toEqual([200, { agentId, documentId: doc.id, detached: true }]);
    const again = await graphql(t, key, OPS.detachKnowledge, { agentId, documentId: doc.id });
    expect(again.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const kept = await get(`/knowledge/${doc.id}`);
    expect([kept.status, kept.body.data.agentIds]).toEqual([200, []]);
    expect(await chunksOf(doc.id)).toBe(1);
    const ids = (await get(`/agents/${agentId}/knowledge?limit=100`)).body.data.items.map((d: { id: string }) => d.id);
    expect(ids).not.toContain(doc.id);
  });

  it('deletes a document with its chunks: search no longer finds them (both protocols)', async () => {
    const viaRest = (await post(`/agents/${agentId}/knowledge`, { text: 'The tamper is stainless steel.' })).body.data;
    const viaGql = (await post('/knowledge', { text: 'The portafilter holds eighteen grams.' })).body.data;
    expect(await searchChunks(t.db.prisma, accountId, [viaRest.id, viaGql.id], 'tamper portafilter', { limit: 5 })).toHaveLength(2);
    const res = await t.http.delete(`/v1/knowledge/${viaRest.id}`).set(bearer(key));
    expect([res.status, res.body.data]).toEqual([200, { id: viaRest.id, deleted: true }]);
    const gql = await graphql(t, key, OPS.deleteKnowledgeDocument, { documentId: viaGql.id });
    expect(gql.body.data.deleteKnowledgeDocument).toEqual({ id: viaGql.id, deleted: true });
    expect(await searchChunks(t.db.prisma, accountId, [viaRest.id, viaGql.id], 'tamper portafilter', { limit: 5 })).toEqual([]);
    expect(await chunksOf(viaRest.id)).toBe(0);
    expect(await t.db.prisma.agentKnowledge.count({ where: { documentId: viaRest.id } })).toBe(0);
    expect((await get(`/knowledge/${viaRest.id}`)).status).toBe(404);
    expect((await t.http.delete(`/v1/knowledge/${viaRest.id}`).set(bearer(key))).body.error.code).toBe('NOT_FOUND');
  });

  it('caps an account’s uploaded documents (400 naming text, both protocols); a re-upload still answers', async () => {
    const full = await t.newAccount('Full');
    const stored = (await post('/knowledge', { text: 'Kept.' }, full.key)).body.data;
    // The rest of the account's places, filled directly.
    await t.db.prisma.$executeRaw`
      INSERT INTO "KnowledgeDocument" ("id", "accountId", "title", "format", "language", "contentHash", "content", "sizeBytes",
        "chunkCount", "tokenCount", "createdAt", "updatedAt")
      SELECT 'doc_filler' || i, ${full.accountId}, 'Filler', 'text', 'english', md5(i::text), 'x', 1, 0, 0, now(), now()
      FROM generate_series(2, ${KNOWLEDGE_LIMITS.perAccount}) AS i`;
    const res = await post('/knowledge', { text: 'One too many.' }, full.key);
    expect([res.status, res.body.error.code, res.body.error.details.fields[0].field]).toEqual([400, 'INVALID_REQUEST', 'text']);
    const gql = await graphql(t, full.key, OPS.uploadKnowledge, { input: { text: 'One too many.' } });
    expect(gql.body.errors[0].extensions.details.fields).toEqual(res.body.error.details.fields);
    const again = await post('/knowledge', { text: 'Kept.' }, full.key);
    expect([again.status, again.body.data.id]).toEqual([200, stored.id]);
    expect(await t.db.prisma.knowledgeDocument.count({ where: { accountId: full.accountId } })).toBe(KNOWLEDGE_LIMITS.perAccount);
  });

  it('replays a POST with the same Idempotency-Key', async () => {
    const send = () => t.http.post('/v1/knowledge').set(bearer(key)).set('Idempotency-Key', `idem-${storage}`).send({ text: 'Milk at 65 °C.' });
    const first = await send();
    const replay = await send();
    expect([first.status, replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
    expect(replay.body.data).toEqual(first.body.data);
  });

  it('embeds chunks in batches before storing, and stores nothing when embedding fails', async () => {
    const calls: number[] = [];
    const embedder: Embedder = {
      model: 'test-embedder',
      embed: async (texts) => {
        calls.push(texts.length);
        return texts.map((text) => [text.length, 1, 0]);
      },
    };
    const paragraphs = Array.from({ length: 70 }, (_, i) => `## Part ${i}\nParagraph number ${i}.`).join('\n\n');
    const { document, created } = await uploadDocument(t.db.prisma, accountId, { text: paragraphs }, { embedder });
    expect([created, document.chunkCount, calls]).toEqual([true, 70, [64, 6]]);
    const [chunk] = await t.db.prisma.knowledgeChunk.findMany({ where: { documentId: document.id, position: 0 } });
    expect(chunk!.embedding).toEqual([chunk!.text.length, 1, 0]);

    const failing: Embedder = {
      model: 'down',
      embed: async () => {
        throw new ApiError('MODEL_ERROR', 'The embedding model failed', {});
      },
    };
    const before = await documents();
    await expect(uploadDocument(t.db.prisma, accountId, { text: 'Never stored.' }, { embedder: failing })).rejects.toMatchObject({
      code: 'MODEL_ERROR',
    });
    expect(await documents()).toBe(before);
  });
});

describe('listing documents', () => {
  it('reads every listed document’s agentIds in one statement, not one per document', async () => {
    const counter = new SqlCounter();
    const t = await startTestApp('pglite', { wrapAdapter: counter.wrap });
    try {
      const { key } = await t.newAccount('Batch');
      const agent = (await t.http.post('/v1/agents').set(bearer(key)).send({ name: 'A' })).body.data;
      for (let i = 0; i < 6; i++) await t.http.post(`/v1/agents/${agent.id}/knowledge`).set(bearer(key)).send({ text: `Note ${i}.` });
      counter.reset();
      const list = await t.http.get('/v1/knowledge').set(bearer(key));
      expect(list.body.data.items.map((d: { agentIds: string[] }) => d.agentIds)).toEqual(Array.from({ length: 6 }, () => [agent.id]));
      expect(counter.statements.filter((sql) => sql.includes('"AgentKnowledge"')).length).toBe(1);
    } finally {
      await t.close();
    }
  });
});
