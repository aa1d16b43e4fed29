// The embedding model (createEmbedder) against a real loopback server speaking OpenAI's
// embeddings protocol, its configuration, and hybrid ranking in both protocols on both storages.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { chunkDocument } from '../../src/services/knowledge/chunking.js';
import { createEmbedder, type Embedder } from '../../src/services/knowledge/embeddings.js';
import { indexDocument } from '../../src/services/knowledge/indexing.js';
import { searchKnowledge } from '../../src/services/knowledge/retrieval.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { bagOfWords, EMBEDDING_DIMENSIONS, startEmbeddingServer, type EmbeddingServer } from '../support/embedding-server.js';

let server: EmbeddingServer;
beforeAll(async () => {
  server = await startEmbeddingServer();
});
afterAll(() => server?.close());

describe('createEmbedder', () => {
  const embedder = (timeoutMs = 5_000) => createEmbedder({ baseUrl: server.baseUrl, apiKey: 'sk-embed', model: 'test-embed', timeoutMs });

  it('embeds a batch in order, with the model and key configured', async () => {
    server.mode = 'ok';
    server.requests.length = 0;
    const vectors = await embedder().embed(['a kitten', 'the dog', 'a kitten']);
    expect(vectors).toEqual([bagOfWords('a kitten'), bagOfWords('the dog'), bagOfWords('a kitten')]);
    expect(vectors[0]).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(server.requests).toEqual([{ model: 'test-embed', input: ['a kitten', 'the dog', 'a kitten'], authorization: 'Bearer sk-embed' }]);
    expect(await embedder().embed([])).toEqual([]);
  });

  it('an HTTP error is MODEL_ERROR with the status (after a retry), garbage MODEL_ERROR, a timeout AGENT_UNAVAILABLE', async () => {
    server.mode = '500';
    server.requests.length = 0;
    await expect(embedder().embed(['x'])).rejects.toMatchObject({
      extensions: { code: 'MODEL_ERROR', details: { provider: 'embeddings', providerStatus: 500 } },
    });
    expect(server.requests).toHaveLength(2);
    server.mode = 'malformed';
    await expect(embedder().embed(['x'])).rejects.toMatchObject({ extensions: { code: 'MODEL_ERROR', details: { provider: 'embeddings' } } });
    server.mode = 'slow';
    await expect(embedder(200).embed(['x'])).rejects.toMatchObject({
      extensions: { code: 'AGENT_UNAVAILABLE', details: { reason: 'timeout', provider: 'embeddings' } },
    });
    server.mode = 'ok';
  });

});

describe('ORION_EMBEDDING_* configuration', () => {
  it('reads the model and its server, the key optional', () => {
    expect(loadConfig({}).embedding).toBeUndefined();
    expect(
      loadConfig({ ORION_EMBEDDING_BASE_URL: ' http://127.0.0.1:11434/v1 ', ORION_EMBEDDING_MODEL: 'nomic-embed-text' }).embedding,
    ).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, model: 'nomic-embed-text' });
    expect(
      loadConfig({ ORION_EMBEDDING_BASE_URL: 'https://api.openai.com/v1', ORION_EMBEDDING_MODEL: 'text-embedding-3-small', ORION_EMBEDDING_API_KEY: 'sk-x' })
        .embedding,
    ).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-x', model: 'text-embedding-3-small' });
  });

  it.for([
    [{ ORION_EMBEDDING_BASE_URL: 'not a url', ORION_EMBEDDING_MODEL: 'm' }, /^invalid configuration: ORION_EMBEDDING_BASE_URL must be an http:\/\/ or https:\/\/ URL$/],
    [{ ORION_EMBEDDING_BASE_URL: 'ftp://host/v1', ORION_EMBEDDING_MODEL: 'm' }, /ORION_EMBEDDING_BASE_URL must be an http/],
    [{ ORION_EMBEDDING_MODEL: 'm' }, /^invalid configuration: ORION_EMBEDDING_BASE_URL and ORION_EMBEDDING_MODEL must be set together/],
    [{ ORION_EMBEDDING_BASE_URL: 'http://127.0.0.1:1/v1' }, /must be set together/],
    [{ ORION_EMBEDDING_API_KEY: 'sk-x' }, /must be set together/],
    [{ ORION_EMBEDDING_BASE_URL: 'http://127.0.0.1:1/v1', ORION_EMBEDDING_MODEL: 'm'.repeat(201) }, /ORION_EMBEDDING_MODEL must be at most 200 characters/],
  ] as const)('refuses %o in one line', ([env, message]) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

// "care" is said far more often in the car text: full text ranks it first. The fake model folds
// kitten, cats and feline into one meaning, so the query's embedding is closest to the cat text.
const CAR = '# Car care\n\nCar care: wash the car, wax the car, and care for the paint with care. Good care keeps a car.';
const CAT = '# Feline care\n\nCats need fresh water and gentle care.';
const QUERY = 'kitten care';
const SEARCH = `query($id: ID!, $q: String!) { agent(id: $id) { knowledgeSearch(q: $q) { ranking items { documentTitle score } } } }`;

describe.each(STORAGES)('hybrid ranking on %s', (storage) => {
  let t: TestApp;
  let key: string;
  let accountId: string;
  let agentId: string;
  let documentIds: string[];
  const warnings: string[] = [];

  beforeAll(async () => {
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(line, _encoding, done) {
          warnings.push(String(line));
          done();
        },
      }),
    );
    t = await startTestApp(storage, { embedding: { baseUrl: server.baseUrl, apiKey: undefined, model: 'test-embed' }, logger });
    ({ key, accountId } = await t.newAccount());
    agentId = (await t.http.post('/v1/agents').set(bearer(key)).send({ name: 'Pets' })).body.data.id;
    const embedder = createEmbedder({ baseUrl: server.baseUrl, apiKey: undefined, model: 'test-embed', timeoutMs: 5_000 });
    documentIds = [];
    // Indexed with the embeddings of their chunks, as an upload does with a model configured;
    // the third without (uploaded before the model was configured): it keeps its text score.
    for (const [title, content, embedded] of [['Car', CAR, true], ['Cat', CAT, true], ['Old cat', `${CAT} Old.`, false]] as const) {
      const chunks = chunkDocument(content, 'markdown');
      const embeddings = embedded ? await embedder.embed(chunks.map((c) => c.text)) : undefined;
      const { document } = await t.db.prisma.$transaction((tx) =>
        indexDocument(tx, accountId, { title, content, format: 'markdown', language: 'english', chunks, embeddings }),
      );
      await t.db.prisma.agentKnowledge.create({ data: { agentId, documentId: document.id, accountId } });
      documentIds.push(document.id);
    }
  });
  afterAll(() => t?.close());

  it('re-ranks the full-text candidates by the embeddings, in both protocols', async () => {
    server.mode = 'ok';
    const fullText = await searchKnowledge(t.db.prisma, accountId, documentIds, QUERY, { limit: 5 });
    expect(fullText.ranking).toBe('full_text');
    expect(fullText.chunks[0]!.documentTitle).toBe('Car');
    const oldCat = fullText.chunks.find((c) => c.documentTitle === 'Old cat')!;

    const rest = await t.http.get(`/v1/agents/${agentId}/knowledge/search`).query({ q: QUERY }).set(bearer(key));
    expect(rest.status).toBe(200);
    expect(rest.body.data.ranking).toBe('hybrid');
    expect(rest.body.data.items[0].documentTitle).toBe('Cat');
    // Above the car text now; the chunk without an embedding keeps its text score.
    const titles = rest.body.data.items.map((i: { documentTitle: string }) => i.documentTitle);
    expect(titles.indexOf('Cat')).toBeLessThan(titles.indexOf('Car'));
    expect(rest.body.data.items.find((i: { documentTitle: string }) => i.documentTitle === 'Old cat').score).toBeCloseTo(oldCat.score, 10);

    const gql = await graphql(t, key, SEARCH, { id: agentId, q: QUERY });
    expect(gql.body.data.agent.knowledgeSearch).toEqual({
      ranking: 'hybrid',
      items: rest.body.data.items.map((i: { documentTitle: string; score: number }) => ({ documentTitle: i.documentTitle, score: i.score })),
    });
  });

  it('falls back to full-text ranking when the query embedding fails, with a warning', async () => {
    // A garbage answer (an HTTP error is the same, after a retry 2 s later).
    server.mode = 'malformed';
    warnings.length = 0;
    const rest = await t.http.get(`/v1/agents/${agentId}/knowledge/search`).query({ q: QUERY }).set(bearer(key));
    expect(rest.status).toBe(200);
    expect(rest.body.data.ranking).toBe('full_text');
    expect(rest.body.data.items[0].documentTitle).toBe('Car');
    const gql = await graphql(t, key, SEARCH, { id: agentId, q: QUERY });
    expect(gql.body.data.agent.knowledgeSearch.ranking).toBe('full_text');
    expect(warnings.some((w) => w.includes('query embedding failed'))).toBe(true);
    server.mode = 'ok';
  });
  it('says full_text for an agent without documents: nothing was ranked, no embedding asked for', async () => {
    const bare = (await t.http.post('/v1/agents').set(bearer(key)).send({ name: 'Bare' })).body.data.id;
    const calls = server.requests.length;
    const rest = await t.http.get(`/v1/agents/${bare}/knowledge/search`).query({ q: QUERY }).set(bearer(key));
    expect(rest.body.data).toEqual({ ranking: 'full_text', items: [] });
    expect(server.requests.length).toBe(calls);
  });
});
