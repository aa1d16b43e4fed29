import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrionOS, type Citation, type PromptKnowledgeChunk } from '../../src/sdk/index.js';
import { indexDocument } from '../../src/services/knowledge/indexing.js';
import { KNOWLEDGE_LIMITS } from '../../src/services/knowledge/turn-knowledge.js';
import { estimateTokens } from '../../src/services/prompt.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { listen, postSse } from '../support/sse.js';
import { enablePlugin } from '../support/tools.js';
import { attachDocument, MANUAL } from './answers-fixtures.js';

const CITATIONS = 'citations { documentId chunk score }';
const WARRANTY_QUOTE =
  'According to "Orbit manual" (Orbit coffee machine > Warranty): The warranty lasts three years from the date of purchase and covers the pump and the heater. It does not cover damage from limescale.';

describe.each(STORAGES)('answers use the agent’s knowledge (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let agentId: string;
  let manualId: string;
  let bare: string;
  let other: { key: string; accountId: string; agentId: string; documentId: string };
  let socket: Awaited<ReturnType<typeof listen>>;

  const createAgent = async (k: string, name: string) =>
    (await app.http.post('/v1/agents').set(bearer(k)).send({ name })).body.data.id as string;
  const send = (text: string, userId: string, id = agentId, k = key) =>
    app.http.post(`/v1/agents/${id}/messages`).set(bearer(k)).send({ text, userId });
  const preview = (text: string | undefined, id = agentId, k = key) =>
    app.http
      .get(`/v1/agents/${id}/prompt-preview`)
      .query({ userId: 'preview', ...(text === undefined ? {} : { text }) })
      .set(bearer(k));

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key, accountId } = await app.newAccount());
    agentId = await createAgent(key, 'Barista');
    manualId = await attachDocument(app, accountId, agentId, { title: 'Orbit manual', content: MANUAL });
    bare = await createAgent(key, 'Barista');
    // Another account, with a document about the same machine that says otherwise.
    const b = await app.newAccount('Other account');
    const bAgent = await createAgent(b.key, 'Other barista');
    const bDoc = await attachDocument(app, b.accountId, bAgent, {
      title: 'Secret manual',
      content: '# Secret\n\nThe warranty lasts ninety-nine years and covers the zeppelin.',
    });
    other = { ...b, agentId: bAgent, documentId: bDoc };
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  it('prompt-preview shows the chunks it would use, the same in REST and GraphQL, and holds them in the system message', async () => {
    const rest = await preview('How long does the warranty last?');
    expect(rest.status).toBe(200);
    const { knowledge, messages } = rest.body.data;
    expect(knowledge[0]).toEqual({
      documentId: manualId,
      title: 'Orbit manual',
      chunk: 2,
      heading: 'Orbit coffee machine > Warranty',
      score: expect.any(Number),
      text: expect.stringContaining('The warranty lasts three years'),
    });
    expect(knowledge.length).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.maxChunks);
    expect(knowledge[0].score).toBeGreaterThan(0);
    const system = messages[0].content as string;
    expect(system).toContain('Knowledge (');
    expect(system).toContain('[1] "Orbit manual" (Orbit coffee machine > Warranty)\n## Warranty\nThe warranty lasts three years');

    const gql = await graphql(app, key, OPS.promptPreview, { agentId, userId: 'preview', text: 'How long does the warranty last?' });
    expect(gql.body.data.agent.promptPreview).toEqual(rest.body.data);

    // Without a next text there is nothing to retrieve for.
    const without = await preview(undefined);
    expect(without.body.data.knowledge).toEqual([]);

    // The chunks are the documents' text: a key that may not read knowledge gets 403 for a text to
    // an agent with knowledge (both protocols), and its preview as before otherwise.
    const reader = await app.keyWithScopes(accountId, ['agents:read', 'conversations:read']);
    const refused = await preview('How long does the warranty last?', agentId, reader);
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([403, 'FORBIDDEN', { requiredScope: 'knowledge:read' }]);
    const refusedGql = await graphql(app, reader, OPS.promptPreview, { agentId, userId: 'preview', text: 'warranty' });
    expect(refusedGql.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'knowledge:read' } });
    expect((await preview(undefined, agentId, reader)).status).toBe(200);
    expect((await preview('How long does the warranty last?', bare, reader)).body.data.knowledge).toEqual([]);
    expect(without.body.data.messages[0].content).not.toContain('Knowledge (');
  });

  it('keeps the Knowledge section within its token budget and chunk count; the history gets what is left', async () => {
    const long = (n: number) =>
      `## Espresso note ${n}\n` + `Espresso extraction depends on grind size, dose and water temperature. `.repeat(15);
    const crowded = await createAgent(key, 'Crowded');
    await attachDocument(app, accountId, crowded, {
      title: 'Espresso notes',
      content: `# Notes\n\n${Array.from({ length: 12 }, (_, i) => long(i)).join('\n\n')}`,
    });
    const res = await preview('espresso extraction grind', crowded);
    const { knowledge, messages, estimatedTokens } = res.body.data;
    expect(knowledge.length).toBeGreaterThan(0);
    expect(knowledge.length).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.maxChunks);
    const system = messages[0].content as string;
    const section = system.slice(system.indexOf('Knowledge ('));
    expect(estimateTokens(section)).toBeLessThanOrEqual(KNOWLEDGE_LIMITS.tokenBudget);
    // Every chunk shown is in the section, and none more.
    expect(section.match(/^\[\d+\] /gm)).toHaveLength(knowledge.length);
    expect(estimatedTokens).toBe(estimateTokens(system) + estimateTokens('espresso extraction grind'));
  });

  it('the local engine answers a question by quoting the chunk that answers it; the reply records citations (REST and GraphQL)', async () => {
    const res = await send('How long does the warranty last?', 'quote-rest');
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe(WARRANTY_QUOTE);
    expect(res.body.data.citations[0]).toEqual({ documentId: manualId, chunk: 2, score: expect.any(Number) });
    const pairs = res.body.data.citations.map((c: any) => `${c.documentId}#${c.chunk}`);
    expect(new Set(pairs).size).toBe(pairs.length);

    const gql = await graphql(
      app,
      key,
      `mutation($a: ID!, $i: SendMessageInput!) { sendMessage(agentId: $a, input: $i) { response ${CITATIONS} } }`,
      { a: agentId, i: { text: 'How long does the warranty last?', userId: 'quote-gql' } },
    );
    expect(gql.body.data.sendMessage).toEqual({ response: WARRANTY_QUOTE, citations: res.body.data.citations });

    const descale = await send('How often should I descale the machine?', 'quote-rest');
    expect(descale.body.data.response).toMatch(/^According to "Orbit manual" \(Orbit coffee machine > Descaling\): Descale the machine every 200 cups\./);
    expect(descale.body.data.citations[0]).toMatchObject({ documentId: manualId, chunk: 1 });
  });

  it('conversation message lists show citations on the reply, [] on the user’s turn, in both protocols', async () => {
    const sent = await send('How long does the warranty last?', 'listed');
    const { conversationId } = sent.body.data;
    const rest = await app.http.get(`/v1/conversations/${conversationId}/messages`).set(bearer(key));
    expect(rest.status).toBe(200);
    const [reply, question] = rest.body.data.items;
    expect(reply).toMatchObject({ role: 'agent', citations: sent.body.data.citations });
    expect(question).toMatchObject({ role: 'user', citations: [] });
    const gql = await graphql(app, key, OPS.listMessages, { conversationId });
    expect(gql.body.data.conversation.messages.items).toEqual(rest.body.data.items);
    const stored = await app.db.prisma.message.findUniqueOrThrow({ where: { id: reply.id } });
    expect(stored.citations).toEqual(sent.body.data.citations);
  });

  it('streams carry the citations in the completed event: REST SSE and the GraphQL subscription', async () => {
    const rest = await postSse(`${socket.url}/v1/agents/${agentId}/messages`, bearer(key), {
      text: 'How long does the warranty last?',
      userId: 'stream-rest',
      stream: true,
    });
    const completed = rest.events.at(-1)!;
    expect(completed.event).toBe('message.completed');
    expect(completed.data.response).toBe(WARRANTY_QUOTE);
    expect(completed.data.citations[0]).toEqual({ documentId: manualId, chunk: 2, score: expect.any(Number) });
    const deltas = rest.events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta);
    expect(deltas.join('')).toBe(WARRANTY_QUOTE);

    const gql = await postSse(
      `${socket.url}/graphql`,
      { ...bearer(key), accept: 'text/event-stream' },
      {
        query: OPS.sendMessageStream,
        variables: { agentId, input: { text: 'How long does the warranty last?', userId: 'stream-gql' } },
      },
    );
    const last = gql.events.filter((e) => e.event === 'next').at(-1)!.data.data.sendMessageStream;
    expect(last.__typename).toBe('MessageCompleted');
    expect(last.message.citations).toEqual(completed.data.citations);
  });

  it('an agent without knowledge answers exactly as before: no Knowledge section, no citations', async () => {
    const question = 'How long does the warranty last?';
    const res = await send(question, 'bare', bare);
    expect(res.status).toBe(201);
    expect(res.body.data.citations).toEqual([]);
    expect(res.body.data.response).not.toContain('According to');
    const stored = await app.db.prisma.message.findFirstOrThrow({ where: { conversationId: res.body.data.conversationId, role: 'agent' } });
    expect(stored.citations).toBeNull();
    const shown = await preview(question, bare);
    expect(shown.body.data.knowledge).toEqual([]);
    expect(shown.body.data.messages[0].content).toBe((await preview(undefined, bare)).body.data.messages[0].content);
    expect(shown.body.data.messages[0].content).not.toContain('Knowledge (');
    const gql = await graphql(app, key, `mutation($a: ID!) { sendMessage(agentId: $a, input: {text: "Hi there", userId: "bare"}) { ${CITATIONS} } }`, { a: bare });
    expect(gql.body.data.sendMessage.citations).toEqual([]);
  });

  it('the knowledge agent answers like any other when the text asks nothing its knowledge answers', async () => {
    const plain = await send('I feel tired today', 'same-1');
    const bareReply = await send('I feel tired today', 'same-1', bare);
    expect(plain.body.data.response).toBe(bareReply.body.data.response);
    expect(plain.body.data.citations).toEqual([]);
    const unrelated = await send('What is your name?', 'same-2');
    expect(unrelated.body.data.response).toBe((await send('What is your name?', 'same-2', bare)).body.data.response);
  });

  it('another account’s documents never reach the prompt or the citations, even linked to the agent', async () => {
    // A link across accounts (which the API never makes) still does not let the document through.
    await app.db.prisma.agentKnowledge.create({ data: { agentId, documentId: other.documentId, accountId: other.accountId } });
    try {
      const shown = await preview('Which parts does the warranty cover? zeppelin ninety-nine');
      const ids = shown.body.data.knowledge.map((k: any) => k.documentId);
      expect(ids).not.toContain(other.documentId);
      expect(shown.body.data.messages[0].content).not.toContain('zeppelin');
      const res = await send('Which parts does the warranty cover? zeppelin ninety-nine', 'isolated');
      expect(res.body.data.citations.map((c: any) => c.documentId)).not.toContain(other.documentId);
      expect(res.body.data.response).not.toContain('zeppelin');
      const gql = await graphql(app, key, OPS.promptPreview, { agentId, userId: 'p', text: 'zeppelin ninety-nine years' });
      expect(gql.body.data.agent.promptPreview.knowledge.map((k: any) => k.documentId)).not.toContain(other.documentId);
    } finally {
      await app.db.prisma.agentKnowledge.delete({ where: { agentId_documentId: { agentId, documentId: other.documentId } } });
    }
    // The other account's own agent sees its document, and none of ours.
    const theirs = await preview('warranty', other.agentId, other.key);
    expect(theirs.body.data.knowledge.map((k: any) => k.documentId)).toEqual([other.documentId]);
    // Our agent is not theirs to preview or send to.
    expect((await preview('warranty', agentId, other.key)).body.error.code).toBe('AGENT_NOT_FOUND');
  });

  it('the knowledge tool, planned by the local engine: searches the agent’s documents, quotes the best chunk, and the reply cites it', async () => {
    const tooled = await createAgent(key, 'Librarian');
    await app.db.prisma.agentKnowledge.create({ data: { agentId: tooled, documentId: manualId, accountId } });
    await enablePlugin(app, tooled, 'knowledge');
    const res = await send('Search the knowledge for cleaning the milk frother', 'tool', tooled);
    expect(res.status).toBe(201);
    const [call] = res.body.data.toolCalls;
    expect(call).toMatchObject({ tool: 'search_knowledge', arguments: { query: 'cleaning the milk frother' }, error: null });
    expect(call.result.query).toBe('cleaning the milk frother');
    expect(call.result.chunks[0]).toEqual({
      documentId: manualId,
      title: 'Orbit manual',
      chunk: 3,
      heading: 'Orbit coffee machine > Cleaning the milk frother',
      text: expect.stringContaining('Rinse the frother'),
      score: expect.any(Number),
    });
    expect(res.body.data.response).toMatch(/^According to "Orbit manual" \(Orbit coffee machine > Cleaning the milk frother\): Rinse the frother/);
    const cited = res.body.data.citations.map((c: any) => `${c.documentId}#${c.chunk}`);
    expect(cited).toContain(`${manualId}#3`);
    expect(new Set(cited).size).toBe(cited.length);

    const lookUp = await send('look up descaling', 'tool', tooled);
    expect(lookUp.body.data.toolCalls[0]).toMatchObject({ tool: 'search_knowledge', arguments: { query: 'descaling' } });
    expect(lookUp.body.data.response).toMatch(/^According to "Orbit manual" \(Orbit coffee machine > Descaling\)/);

    const nothing = await send('look up zeppelin', 'tool', tooled);
    expect(nothing.body.data.toolCalls[0].result.chunks).toEqual([]);
    expect(nothing.body.data.response).toBe('I found nothing about "zeppelin" in my knowledge.');
    expect(nothing.body.data.citations).toEqual([]);
  });

  it('a character’s indexed knowledge counts as the agent’s', async () => {
    const character = await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Captain' });
    expect(character.status).toBe(201);
    const captain = await createAgent(key, 'Captain agent');
    await app.http.patch(`/v1/agents/${captain}`).set(bearer(key)).send({ characterId: character.body.data.id }).expect(200);
    const { document } = await app.db.prisma.$transaction((tx) =>
      indexDocument(tx, accountId, {
        title: 'Captain knowledge',
        content: 'The ship sails from Lisbon every Tuesday.',
        format: 'text',
        language: 'english',
        characterId: character.body.data.id,
      }),
    );
    const res = await send('When does the ship sail?', 'captain', captain);
    expect(res.body.data.citations).toEqual([{ documentId: document.id, chunk: 0, score: expect.any(Number) }]);
    expect(res.body.data.response).toContain('According to "Captain knowledge": The ship sails from Lisbon every Tuesday.');
  });

  it('the SDK: citations on the sent message and in the history, knowledge in the prompt preview (typed)', async () => {
    const orion = new OrionOS({ apiKey: key, baseUrl: `${socket.url}/v1` });
    const sent = await orion.agents.sendMessage(agentId, { text: 'How long does the warranty last?', userId: 'sdk' });
    const citations: Citation[] = sent.data.citations;
    expect(citations[0]).toEqual({ documentId: manualId, chunk: 2, score: expect.any(Number) });
    const history = await orion.conversations.messages(sent.data.conversationId);
    expect(history.data.items[0]!.citations).toEqual(citations);
    const shown = await orion.agents.promptPreview(agentId, { userId: 'sdk', text: 'How long does the warranty last?' });
    const first: PromptKnowledgeChunk = shown.data.knowledge[0]!;
    expect(first).toMatchObject({ documentId: manualId, chunk: 2, title: 'Orbit manual' });
  });

  it('the knowledge tool of another account’s agent finds none of this account’s documents', async () => {
    await enablePlugin(app, other.agentId, 'knowledge');
    const res = await send('look up descaling citric acid', 'tool', other.agentId, other.key);
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0].result.chunks).toEqual([]);
    expect(res.body.data.citations).toEqual([]);
  });
});
