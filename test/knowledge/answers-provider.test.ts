import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { listen, postSse } from '../support/sse.js';
import { enablePlugin } from '../support/tools.js';
import { attachDocument, MANUAL } from './answers-fixtures.js';

/** An OpenAI-compatible model (a real HTTP server on loopback) answering with the agent's knowledge. */
describe('knowledge with an OpenAI-compatible provider', () => {
  let server: ProviderServer;
  let app: TestApp;
  let key: string;
  let accountId: string;
  let agentId: string;
  let manualId: string;
  let socket: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    server = await startOpenAIServer();
    app = await startTestApp('pglite', {
      modelTimeoutMs: 4_000,
      openaiApiKey: 'sk-test-openai-credential-0123456789',
      openaiBaseUrl: server.baseUrl,
    });
    ({ key, accountId } = await app.newAccount());
    agentId = (
      await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Remote barista', model: { provider: 'openai', name: 'gpt-test' } })
    ).body.data.id;
    manualId = await attachDocument(app, accountId, agentId, { title: 'Orbit manual', content: MANUAL });
    await enablePlugin(app, agentId, 'knowledge');
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await server?.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.reply = 'Three years, pump and heater included [1].';
    server.toolCalls = undefined;
  });

  const systemOf = (body: any) => body.messages.find((m: any) => m.role === 'system')?.content as string;

  it('the provider receives the retrieved chunks in its system message; the reply cites them', async () => {
    const res = await app.http
      .post(`/v1/agents/${agentId}/messages`)
      .set(bearer(key))
      .send({ text: 'How long does the warranty last?', userId: 'u1' });
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe('Three years, pump and heater included [1].');
    const system = systemOf(server.requests[0]!.body);
    expect(system).toContain('[1] "Orbit manual" (Orbit coffee machine > Warranty)');
    expect(system).toContain('The warranty lasts three years');
    expect(res.body.data.citations[0]).toEqual({ documentId: manualId, chunk: 2, score: expect.any(Number) });
    expect(res.body.data.toolCalls).toEqual([]);
    // The offered tools include search_knowledge.
    expect(server.requests[0]!.body.tools.map((t: any) => t.function?.name ?? t.name)).toEqual(['search_knowledge']);
  });

  it('the model calls search_knowledge: the chunks go back to it, and the reply records the call and cites prompt and tool chunks once', async () => {
    server.toolCalls = [{ name: 'search_knowledge', arguments: { query: 'milk frother', limit: 2 } }];
    const res = await app.http
      .post(`/v1/agents/${agentId}/messages`)
      .set(bearer(key))
      .send({ text: 'How long does the warranty last?', userId: 'u2' });
    expect(res.status).toBe(201);
    const [call] = res.body.data.toolCalls;
    expect(call).toMatchObject({ callId: 'call_0_0', tool: 'search_knowledge', arguments: { query: 'milk frother', limit: 2 }, error: null });
    expect(call.result.chunks[0]).toMatchObject({ documentId: manualId, chunk: 3, title: 'Orbit manual' });
    expect(call.result.chunks.length).toBeLessThanOrEqual(2);
    const toolMessage = server.requests[1]!.body.messages.find((m: any) => m.role === 'tool');
    expect(String(toolMessage.content)).toContain('Rinse the frother');
    const cited = res.body.data.citations.map((c: any) => `${c.documentId}#${c.chunk}`);
    expect(cited[0]).toBe(`${manualId}#2`);
    expect(cited).toContain(`${manualId}#3`);
    expect(new Set(cited).size).toBe(cited.length);

    const conversation = await app.http.get(`/v1/conversations/${res.body.data.conversationId}/messages`).set(bearer(key));
    expect(conversation.body.data.items[0]).toMatchObject({ role: 'agent', citations: res.body.data.citations, toolCalls: res.body.data.toolCalls });
  });

  it('streamed in both protocols: the completed event carries toolCalls and citations', async () => {
    server.toolCalls = [{ name: 'search_knowledge', arguments: { query: 'descaling' } }];
    const rest = await postSse(`${socket.url}/v1/agents/${agentId}/messages`, bearer(key), {
      text: 'How long does the warranty last?',
      userId: 'u3',
      stream: true,
    });
    const kinds = rest.events.map((e) => e.event);
    expect(kinds.slice(0, 2)).toEqual(['tool.call', 'tool.result']);
    const completed = rest.events.at(-1)!.data;
    expect(completed.citations.map((c: any) => c.chunk)).toEqual(expect.arrayContaining([2, 1]));

    const gql = await postSse(
      `${socket.url}/graphql`,
      { ...bearer(key), accept: 'text/event-stream' },
      {
        query: `subscription($a: ID!, $i: SendMessageInput!) { sendMessageStream(agentId: $a, input: $i) {
          __typename ... on MessageCompleted { message { toolCalls { tool } citations { documentId chunk score } } } } }`,
        variables: { a: agentId, i: { text: 'How long does the warranty last?', userId: 'u4' } },
      },
    );
    const last = gql.events.filter((e) => e.event === 'next').at(-1)!.data.data.sendMessageStream;
    expect(last.message.toolCalls).toEqual([{ tool: 'search_knowledge' }]);
    expect(last.message.citations).toEqual(completed.citations);

    const sent = await graphql(
      app,
      key,
      `mutation($a: ID!, $i: SendMessageInput!) { sendMessage(agentId: $a, input: $i) { citations { documentId chunk score } } }`,
      { a: agentId, i: { text: 'How long does the warranty last?', userId: 'u5' } },
    );
    expect(sent.body.data.sendMessage.citations).toEqual(completed.citations);
  });
});
