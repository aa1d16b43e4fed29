import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { startAnthropicServer, startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { eventually, listen, postSse } from '../support/sse.js';

const OPENAI_KEY = 'sk-test-openai-credential-0123456789';
const ANTHROPIC_KEY = 'sk-ant-test-credential-0123456789';

/**
 * The remote providers against real HTTP servers on loopback that speak each provider's
 * protocol: replies, streams, provider errors, garbage and slowness.
 */
describe.each([
  { provider: 'openai', start: startOpenAIServer, credential: OPENAI_KEY, model: 'gpt-test' },
  { provider: 'anthropic', start: startAnthropicServer, credential: ANTHROPIC_KEY, model: 'claude-test' },
] as const)('$provider provider', ({ provider, start, credential, model }) => {
  let server: ProviderServer;
  let app: TestApp;
  let key: string;
  let agent: any;
  let socket: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    server = await start();
    app = await startTestApp('pglite', {
      modelTimeoutMs: 4_000,
      openaiApiKey: OPENAI_KEY,
      openaiBaseUrl: server.baseUrl,
      anthropicApiKey: ANTHROPIC_KEY,
      anthropicBaseUrl: server.baseUrl,
    });
    ({ key } = await app.newAccount());
    agent = (
      await app.http.post('/v1/agents').set(bearer(key)).send({
        name: 'Remote',
        personality: { traits: ['precise'], bio: 'Knows the provider.' },
        systemPrompt: 'Answer in English.',
        model: { provider, name: model, temperature: 0.3, maxTokens: 200 },
      })
    ).body.data;
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await server?.close();
  });
  beforeEach(() => {
    server.mode = 'ok';
    server.requests.length = 0;
  });

  const send = (userId: string, text = 'Hello there') =>
    app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text, userId });
  const turnsOf = (conversationId: string) =>
    app.db.prisma.message.findMany({ where: { conversationId }, orderBy: { id: 'asc' } });

  it('a normal reply: the provider’s text, model and usage; the prompt carries the agent and the history', async () => {
    const first = await send('u-normal', 'My first message');
    expect(first.status).toBe(201);
    expect(first.body.data.response).toBe('Hello from the provider.');
    expect(first.body.data.model).toMatch(new RegExp(`^${model}`));
    expect(first.body.data.usage).toEqual(
      provider === 'openai'
        ? { inputTokens: 11, outputTokens: 7, totalTokens: 18 }
        : { inputTokens: 13, outputTokens: 5, totalTokens: 18 },
    );
    await send('u-normal', 'My second message');
    const request = server.requests.at(-1)!;
    expect(request.body.stream ?? false).toBe(false);
    expect(request.body.model).toBe(model);
    const sent = JSON.stringify(request.body);
    for (const part of ['You are Remote', 'Knows the provider.', 'precise', 'Answer in English.', 'My first message', 'Hello from the provider.', 'My second message']) {
      expect(sent).toContain(part);
    }
    // Credentials come from the environment and go only to the provider.
    const auth = provider === 'openai' ? request.headers.authorization : request.headers['x-api-key'];
    expect(auth).toContain(credential);
    expect(JSON.stringify(first.body)).not.toContain(credential);
  });

  it('a streamed reply over SSE: deltas, then the completed object, stored once', async () => {
    server.reply = 'Streaming works fine today.';
    const res = await postSse(`${socket.url}/v1/agents/${agent.id}/messages`, bearer(key), {
      text: 'stream please',
      userId: 'u-stream',
      stream: true,
    });
    server.reply = 'Hello from the provider.';
    expect(res.status).toBe(200);
    expect(server.requests.at(-1)!.body.stream).toBe(true);
    const deltas = res.events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta);
    expect(deltas.length).toBeGreaterThan(1);
    const completed = res.events.at(-1)!;
    expect(completed.event).toBe('message.completed');
    expect(deltas.join('')).toBe('Streaming works fine today.');
    expect(completed.data.response).toBe('Streaming works fine today.');
    const turns = await turnsOf(completed.data.conversationId);
    expect(turns.map((t) => [t.role, t.status, t.text])).toEqual([
      ['user', 'completed', 'stream please'],
      ['agent', 'completed', 'Streaming works fine today.'],
    ]);
  });

  for (const [mode, status] of [['429', 429], ['500', 500]] as const) {
    it(`HTTP ${status} from the provider → 502 MODEL_ERROR; the turn is stored as failed, no reply`, async () => {
      server.mode = mode;
      const res = await send(`u-${mode}`);
      expect([res.status, res.body.error.code]).toEqual([502, 'MODEL_ERROR']);
      expect(res.body.error.details).toEqual({ provider, providerStatus: status });
      expect(server.requests.length).toBeGreaterThanOrEqual(1);
      const conversation = await app.db.prisma.conversation.findFirstOrThrow({ where: { userId: `u-${mode}` } });
      const turns = await turnsOf(conversation.id);
      expect(turns.map((t) => [t.role, t.status, t.errorCode])).toEqual([['user', 'failed', 'MODEL_ERROR']]);
    });
  }

  it('a malformed provider body → 502 MODEL_ERROR', async () => {
    server.mode = 'malformed';
    const res = await send('u-malformed');
    expect([res.status, res.body.error.code]).toEqual([502, 'MODEL_ERROR']);
    expect(JSON.stringify(res.body)).not.toContain('this is not json');
  });

  it('an answer slower than MODEL_TIMEOUT_MS → 503 AGENT_UNAVAILABLE (timeout)', async () => {
    server.mode = 'slow';
    const res = await send('u-slow');
    expect([res.status, res.body.error.code]).toEqual([503, 'AGENT_UNAVAILABLE']);
    expect(res.body.error.details.reason).toBe('timeout');
    const conversation = await app.db.prisma.conversation.findFirstOrThrow({ where: { userId: 'u-slow' } });
    expect((await turnsOf(conversation.id)).map((t) => [t.status, t.errorCode])).toEqual([['failed', 'AGENT_UNAVAILABLE']]);
  });

  it('errors before anything streamed come back as the JSON error, not a stream', async () => {
    server.mode = '500';
    const res = await postSse(`${socket.url}/v1/agents/${agent.id}/messages`, bearer(key), {
      text: 'hi',
      userId: 'u-stream-500',
      stream: true,
    });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('MODEL_ERROR');
  });

  it('a stream that breaks midway ends with an error event; nothing half-written is stored as complete', async () => {
    server.mode = 'stream-breaks';
    const res = await postSse(`${socket.url}/v1/agents/${agent.id}/messages`, bearer(key), {
      text: 'hi',
      userId: 'u-breaks',
      stream: true,
    });
    expect(res.status).toBe(200);
    expect(res.events[0]!.event).toBe('message.delta');
    const last = res.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data).toMatchObject({ code: 'MODEL_ERROR' });
    expect(last.data.requestId).toMatch(/^req_/);
    const conversation = await app.db.prisma.conversation.findFirstOrThrow({ where: { userId: 'u-breaks' } });
    const turns = await eventually(async () => {
      const t = await turnsOf(conversation.id);
      return t[0]?.status === 'failed' ? t : undefined;
    });
    expect(turns.map((t) => [t.role, t.status])).toEqual([['user', 'failed']]);
  });
});
