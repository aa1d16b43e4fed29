import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexMissingCharacterKnowledge } from '../../src/services/knowledge/documents.js';
import { agentDocumentIds, searchChunks } from '../../src/services/knowledge/retrieval.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

const ENTRIES = ['The Orbit café opens at seven.', 'Oat milk costs fifty cents extra.', 'The founder is called Mira.'];

describe.each(STORAGES)('characters’ knowledge on %s', (storage) => {
  let t: TestApp;
  let key: string;
  let accountId: string;

  const post = (path: string, body: unknown) => t.http.post(`/v1${path}`).set(bearer(key)).send(body as object);
  const get = (path: string) => t.http.get(`/v1${path}`).set(bearer(key));
  const documentOf = (characterId: string) => t.db.prisma.knowledgeDocument.findUnique({ where: { characterId } });

  beforeAll(async () => {
    t = await startTestApp(storage);
    ({ key, accountId } = await t.newAccount('Characters'));
  });
  afterAll(() => t?.close());

  it('indexes a character’s entries (one chunk each) and agents using it retrieve from them', async () => {
    const character = (await post('/characters', { name: 'Barista', knowledge: ENTRIES })).body.data;
    const doc = await documentOf(character.id);
    expect(doc).toMatchObject({ accountId, title: 'Barista knowledge', chunkCount: 3, format: 'text' });
    const chunks = (await get(`/knowledge/${doc!.id}/chunks`)).body.data.items;
    expect(chunks.map((c: { text: string }) => c.text)).toEqual(ENTRIES);
    for (const c of chunks) expect(doc!.content.slice(c.startOffset, c.endOffset)).toBe(c.text);

    const agent = (await post('/agents', { name: 'Mira', characterId: character.id })).body.data;
    const listed = await get(`/agents/${agent.id}/knowledge`);
    expect(listed.body.data.items.map((d: { id: string; characterId: string }) => [d.id, d.characterId])).toEqual([[doc!.id, character.id]]);
    const gql = await graphql(t, key, OPS.listAgentKnowledge, { agentId: agent.id });
    expect(gql.body.data.knowledgeDocuments).toEqual(listed.body.data);
    const ids = await agentDocumentIds(t.db.prisma, { id: agent.id, accountId, characterId: character.id });
    const [hit] = await searchChunks(t.db.prisma, accountId, ids, 'oat milk price', { limit: 1 });
    expect(hit).toMatchObject({ documentId: doc!.id, position: 1, text: ENTRIES[1] });
    // Pinned to a revision, the agent lists that revision's entries in its prompt and retrieves
    // nothing from the document, which holds the latest ones.
    const pinned = (await post('/agents', { name: 'Pinned', characterId: character.id, characterRevision: 1 })).body.data;
    expect(await agentDocumentIds(t.db.prisma, { id: pinned.id, accountId, characterId: character.id, characterRevision: 1 })).toEqual([]);
    expect((await get(`/agents/${pinned.id}/knowledge/search?q=oat`)).body.data.items).toEqual([]);
    // ...and its knowledge lists what it searches: not the character's document (both protocols).
    const pinnedList = await get(`/agents/${pinned.id}/knowledge`);
    expect(pinnedList.body.data.items).toEqual([]);
    expect((await graphql(t, key, OPS.listAgentKnowledge, { agentId: pinned.id })).body.data.knowledgeDocuments).toEqual(pinnedList.body.data);
    // Following the latest revision again, it has the document again.
    expect((await t.http.patch(`/v1/agents/${pinned.id}`).set(bearer(key)).send({ characterRevision: null })).status).toBe(200);
    expect((await get(`/agents/${pinned.id}/knowledge`)).body.data.items.map((d: { id: string }) => d.id)).toEqual([doc!.id]);
  });

  it('indexes at start-up the characters written before knowledge existed, once', async () => {
    const character = (await post('/characters', { name: 'Veteran', knowledge: ['Decaf is brewed at noon.'] })).body.data;
    await post('/characters', { name: 'Blank' });
    // As a character stored before the knowledge migration: entries, no document.
    await t.db.prisma.knowledgeDocument.deleteMany({ where: { characterId: character.id } });
    expect(await indexMissingCharacterKnowledge(t.db.prisma)).toBe(1);
    expect(await documentOf(character.id)).toMatchObject({ title: 'Veteran knowledge', chunkCount: 1 });
    expect(await indexMissingCharacterKnowledge(t.db.prisma)).toBe(0);
  });

  it('replaces the document when the entries change, keeps it when they do not, and drops it when they are cleared', async () => {
    const character = (await post('/characters', { name: 'Roaster', knowledge: ['Beans roast for twelve minutes.'] })).body.data;
    const first = await documentOf(character.id);
    await t.http.patch(`/v1/characters/${character.id}`).set(bearer(key)).send({ bio: ['Loves beans.'] }).expect(200);
    expect((await documentOf(character.id))!.id).toBe(first!.id);

    const updated = await graphql(t, key, OPS.updateCharacter, {
      characterId: character.id,
      input: { knowledge: ['Beans roast for fifteen minutes.', 'Cool them on a tray.'] },
    });
    expect(updated.body.errors).toBeUndefined();
    const second = await documentOf(character.id);
    expect(second!.id).not.toBe(first!.id);
    expect(second!.chunkCount).toBe(2);
    expect(await t.db.prisma.knowledgeChunk.count({ where: { documentId: first!.id } })).toBe(0);
    expect((await get(`/knowledge/${first!.id}`)).status).toBe(404);
    expect(await searchChunks(t.db.prisma, accountId, [first!.id, second!.id], 'twelve', { limit: 5 })).toEqual([]);

    // Renamed, same entries: the same document, under the new name.
    await t.http.patch(`/v1/characters/${character.id}`).set(bearer(key)).send({ name: 'Master roaster' }).expect(200);
    expect(await documentOf(character.id)).toMatchObject({ id: second!.id, title: 'Master roaster knowledge' });
    // The same text split otherwise is other entries: a new document, one chunk.
    await t.http
      .patch(`/v1/characters/${character.id}`)
      .set(bearer(key))
      .send({ knowledge: ['Beans roast for fifteen minutes.\n\nCool them on a tray.'] })
      .expect(200);
    expect(await documentOf(character.id)).toMatchObject({ chunkCount: 1 });

    await t.http.patch(`/v1/characters/${character.id}`).set(bearer(key)).send({ knowledge: null }).expect(200);
    expect(await documentOf(character.id)).toBeNull();
    expect(await t.db.prisma.knowledgeChunk.count({ where: { documentId: second!.id } })).toBe(0);
  });

  it('indexes an imported character’s knowledge, and none for a character without entries', async () => {
    const imported = await post('/characters/import', { name: 'Eliza', bio: 'A bot.', knowledge: ['Eliza was written in 1966.'] });
    expect(imported.status).toBe(201);
    expect((await documentOf(imported.body.data.character.id))!.chunkCount).toBe(1);
    const bare = (await post('/characters', { name: 'Bare' })).body.data;
    expect(await documentOf(bare.id)).toBeNull();
  });

  it('keeps a character’s document read-only through the API (400 naming documentId, both protocols)', async () => {
    const character = (await post('/characters', { name: 'Keeper', knowledge: ['Managed entry.'] })).body.data;
    const doc = (await documentOf(character.id))!;
    const agent = (await post('/agents', { name: 'Other agent' })).body.data;
    const refused = (res: { status: number; body: any }) => [res.status, res.body.error.code, res.body.error.details.fields[0].field];
    expect(refused(await t.http.delete(`/v1/knowledge/${doc.id}`).set(bearer(key)))).toEqual([400, 'INVALID_REQUEST', 'documentId']);
    expect(refused(await t.http.put(`/v1/agents/${agent.id}/knowledge/${doc.id}`).set(bearer(key)))).toEqual([400, 'INVALID_REQUEST', 'documentId']);
    expect(refused(await t.http.delete(`/v1/agents/${agent.id}/knowledge/${doc.id}`).set(bearer(key)))).toEqual([
      400,
      'INVALID_REQUEST',
      'documentId',
    ]);
    for (const [query, variables] of [
      [OPS.deleteKnowledgeDocument, { documentId: doc.id }],
      [OPS.attachKnowledge, { agentId: agent.id, documentId: doc.id }],
      [OPS.detachKnowledge, { agentId: agent.id, documentId: doc.id }],
    ] as const) {
      const gql = await graphql(t, key, query, variables);
      expect([gql.body.errors[0].extensions.code, gql.body.errors[0].extensions.details.fields[0].field]).toEqual(['INVALID_REQUEST', 'documentId']);
    }
    expect(await t.db.prisma.agentKnowledge.count({ where: { documentId: doc.id } })).toBe(0);
    expect((await get(`/knowledge/${doc.id}`)).body.data).toMatchObject({ id: doc.id, characterId: character.id, content: 'Managed entry.' });

    // Deleting the character deletes its document.
    await t.http.delete(`/v1/characters/${character.id}`).set(bearer(key)).expect(200);
    expect(await t.db.prisma.knowledgeDocument.count({ where: { id: doc.id } })).toBe(0);
  });
});
