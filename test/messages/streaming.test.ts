import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { eventually, listen, postSse } from '../support/sse.js';

describe('streaming replies over a real socket', () => {
  let provider: ProviderServer;
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;
  let local: any;
  let remote: any;

  beforeAll(async () => {
    provider = await startOpenAIServer();
    app = await startTestApp('pglite', { openaiBaseUrl: provider.baseUrl, sseHeartbeatMs: 40, modelTimeoutMs: 10_000 });
    socket = await listen(app.app);
    ({ key } = await app.newAccount());
    local = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Local', personality: { tone: 'warm' } })).body.data;
    remote = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Slow', model: { provider: 'openai', name: 'gpt-test' } })).body.data;
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await provider?.close();
  });

  const url = (agent: any) => `${socket.url}/v1/agents/${agent.id}/messages`;

  it('Accept: text/event-stream streams the local engine; the completed object equals a plain send’s shape', async () => {
    const res = await postSse(url(local), { ...bearer(key), accept: 'text/event-stream' }, { text: 'I feel happy today', userId: 'sse-1' });
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/event-stream');
    const deltas = res.events.filter((e) => e.event === 'message.delta');
    expect(deltas.length).toBeGreaterThan(1);
    const completed = res.events.at(-1)!;
    expect(completed.event).toBe('message.completed');
    expect(deltas.map((d) => d.data.delta).join('')).toBe(completed.data.response);
    const plain = await app.http.post(`/v1/agents/${local.id}/messages`).set(bearer(key)).send({ text: 'I feel happy today', userId: 'sse-2' });
    expect(Object.keys(completed.data)).toEqual(Object.keys(plain.body.data));
    expect(completed.data.response).toBe(plain.body.data.response);
  });

  it('"stream": false with Accept: text/event-stream answers plain JSON', async () => {
    const res = await postSse(url(local), { ...bearer(key), accept: 'text/event-stream' }, { text: 'hi', userId: 'sse-3', stream: false });
    expect(res.status).toBe(201);
    expect(res.json.success).toBe(true);
  });

  it('sends heartbeat comments while the model is slow', async () => {
    provider.mode = 'slow-stream';
    provider.streamDelayMs = 120;
    const res = await postSse(url(remote), bearer(key), { text: 'take your time', userId: 'sse-heartbeat', stream: true });
    provider.mode = 'ok';
    expect(res.events.at(-1)!.event).toBe('message.completed');
    expect(res.comments.filter((c) => c.trim() === 'heartbeat').length).toBeGreaterThan(0);
  });

  it('a client that disconnects mid-stream does not lose the reply: it is completed and stored', async () => {
    provider.mode = 'slow-stream';
    provider.streamDelayMs = 80;
    provider.reply = 'one two three four five six seven eight nine ten';
    const res = await postSse(url(remote), bearer(key), { text: 'long answer please', userId: 'sse-gone', stream: true }, {
      stopAfter: (event) => event.event === 'message.delta',
    });
    expect(res.events).toHaveLength(1);
    const conversation = await eventually(() => app.db.prisma.conversation.findFirst({ where: { userId: 'sse-gone' } }));
    const turns = await eventually(async () => {
      const t = await app.db.prisma.message.findMany({ where: { conversationId: conversation.id }, orderBy: { id: 'asc' } });
      return t.length === 2 ? t : undefined;
    });
    provider.mode = 'ok';
    provider.reply = 'Hello from the provider.';
    expect(turns.map((t) => [t.role, t.status, t.text])).toEqual([
      ['user', 'completed', 'long answer please'],
      ['agent', 'completed', 'one two three four five six seven eight nine ten'],
    ]);
  });

  it('validation and auth errors of a stream request are plain JSON errors', async () => {
    const bad = await postSse(url(local), bearer(key), { text: '', userId: 'x', stream: true });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const anon = await postSse(url(local), {}, { text: 'hi', userId: 'x', stream: true });
    expect([anon.status, anon.json.error.code]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('GraphQL: sendMessageStream is a subscription over SSE with the same events', async () => {
    const res = await postSse(
      `${socket.url}/graphql`,
      { ...bearer(key), accept: 'text/event-stream' },
      {
        query: `subscription($agentId: ID!, $input: SendMessageInput!) {
          sendMessageStream(agentId: $agentId, input: $input) {
            __typename
            ... on MessageDelta { delta }
            ... on MessageCompleted { message { messageId response conversationId } }
          }
        }`,
        variables: { agentId: local.id, input: { text: 'I feel happy today', userId: 'sse-gql' } },
      },
    );
    expect(res.status).toBe(200);
    const payloads = res.events.filter((e) => e.event === 'next').map((e) => e.data.data.sendMessageStream);
    const deltas = payloads.filter((p) => p.__typename === 'MessageDelta').map((p) => p.delta);
    const completed = payloads.at(-1);
    expect(completed.__typename).toBe('MessageCompleted');
    expect(deltas.join('')).toBe(completed.message.response);
    const unauthorized = await postSse(
      `${socket.url}/graphql`,
      { accept: 'text/event-stream' },
      { query: 'subscription { sendMessageStream(agentId: "agt_x", input: {text: "x", userId: "y"}) { __typename } }' },
    );
    const errors = unauthorized.events.flatMap((e) => e.data?.errors ?? []);
    expect(errors[0].extensions.code).toBe('UNAUTHORIZED');
  });
});
