import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { startAnthropicServer, startOpenAIServer, type ProviderMode, type ProviderServer } from '../support/provider-servers.js';
import { listen, postSse } from '../support/sse.js';

/**
 * Every way a send can end without an answer, in every way of sending (REST and GraphQL, plain
 * and streamed): the error code, the user's turn stored as failed with no reply, and the
 * account's message usage exactly as it was before the send.
 */

type Outcome = { status: number; code: string | undefined };
type Sender = (app: TestApp, url: string, key: string, agentId: string, userId: string) => Promise<Outcome>;

const subscription = (url: string, key: string, agentId: string, userId: string) =>
  postSse(`${url}/graphql`, { ...bearer(key), accept: 'text/event-stream' }, {
    query: OPS.sendMessageStream,
    variables: { agentId, input: { text: 'Hello there', userId } },
  });

const SENDERS: Record<string, Sender> = {
  'REST': async (app, _url, key, agentId, userId) => {
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'Hello there', userId });
    return { status: res.status, code: res.body.error?.code };
  },
  'REST stream': async (_app, url, key, agentId, userId) => {
    const res = await postSse(`${url}/v1/agents/${agentId}/messages`, bearer(key), { text: 'Hello there', userId, stream: true });
    // An error before anything streamed is the JSON error; one after, the stream's error event.
    if (res.json) return { status: res.status, code: res.json.error?.code };
    const last = res.events.at(-1);
    return { status: res.status, code: last?.event === 'error' ? last.data.code : undefined };
  },
  'GraphQL sendMessage': async (app, _url, key, agentId, userId) => {
    const res = await graphql(app, key, OPS.sendMessage, { agentId, input: { text: 'Hello there', userId } });
    return { status: res.status, code: res.body.errors?.[0]?.extensions.code };
  },
  'GraphQL sendMessageStream': async (_app, url, key, agentId, userId) => {
    const res = await subscription(url, key, agentId, userId);
    const errors = res.events.flatMap((e) => e.data?.errors ?? []);
    return { status: res.status, code: errors[0]?.extensions.code };
  },
};

const PLAIN_STATUS: Record<string, number> = { MODEL_ERROR: 502, AGENT_UNAVAILABLE: 503 };

async function usedMessages(app: TestApp, key: string): Promise<number> {
  const res = await graphql(app, key, '{ viewer { messageUsage { used } } }');
  return res.body.data.viewer.messageUsage.used;
}

async function expectNoAnswer(
  app: TestApp,
  url: string,
  key: string,
  agentId: string,
  protocol: string,
  userId: string,
  code: string,
): Promise<void> {
  const before = await usedMessages(app, key);
  const outcome = await SENDERS[protocol]!(app, url, key, agentId, userId);
  expect(outcome.code).toBe(code);
  if (protocol === 'REST') expect(outcome.status).toBe(PLAIN_STATUS[code]);
  const conversation = await app.db.prisma.conversation.findFirstOrThrow({ where: { agentId, userId } });
  const turns = await app.db.prisma.message.findMany({ where: { conversationId: conversation.id } });
  expect(turns.map((t) => [t.role, t.status, t.errorCode])).toEqual([['user', 'failed', code]]);
  expect(await usedMessages(app, key)).toBe(before);
}

describe.each([
  { provider: 'openai', start: startOpenAIServer },
  { provider: 'anthropic', start: startAnthropicServer },
] as const)('a send the $provider provider does not answer gives its message back', ({ provider, start }) => {
  let server: ProviderServer;
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    server = await start();
    app = await startTestApp('pglite', {
      modelTimeoutMs: 2_000,
      openaiBaseUrl: server.baseUrl,
      anthropicApiKey: 'sk-ant-test-credential-0123456789',
      anthropicBaseUrl: server.baseUrl,
    });
    socket = await listen(app.app);
    ({ key } = await app.newAccount('No answer', { monthlyMessageQuota: 1_000 }));
    const agent = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Remote', model: { provider, name: 'model-test' } });
    agentId = agent.body.data.id;
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await server?.close();
  });

  const cases: { mode: ProviderMode; what: string; code: string }[] = [
    // 429 rather than 500: its Retry-After of 0 makes the SDK's one retry immediate.
    { mode: '429', what: 'a provider error', code: 'MODEL_ERROR' },
    { mode: 'malformed', what: 'a garbage answer', code: 'MODEL_ERROR' },
    { mode: 'cut-off', what: 'an answer cut off without its finish reason', code: 'MODEL_ERROR' },
    { mode: 'slow', what: 'a timeout', code: 'AGENT_UNAVAILABLE' },
  ];
  for (const { mode, what, code } of cases) {
    for (const protocol of Object.keys(SENDERS)) {
      it(`${what} → ${code} (${protocol}): turn failed, usage unchanged`, async () => {
        server.mode = mode;
        await expectNoAnswer(app, socket.url, key, agentId, protocol, `u-${mode}-${protocol.replace(/\W+/g, '-')}`, code);
      });
    }
  }

  it('a stream cut off after two deltas sends them, then the error event; no reply is stored', async () => {
    server.mode = 'cut-off';
    server.reply = 'one two three four five';
    const res = await postSse(`${socket.url}/v1/agents/${agentId}/messages`, bearer(key), { text: 'hi', userId: 'u-cut-events', stream: true });
    server.reply = 'Hello from the provider.';
    expect(res.events.map((e) => e.event)).toEqual(['message.delta', 'message.delta', 'error']);
    expect(res.events.slice(0, 2).map((e) => e.data.delta).join('')).toBe('one two ');
    expect(res.events[2]!.data).toMatchObject({ code: 'MODEL_ERROR', details: { provider } });
    expect(await app.db.prisma.message.count({ where: { agentId, role: 'agent', userId: 'u-cut-events' } })).toBe(0);
  });

  it('a normal answer still completes and uses one message (the same server, mode ok)', async () => {
    server.mode = 'ok';
    for (const protocol of Object.keys(SENDERS)) {
      const before = await usedMessages(app, key);
      const outcome = await SENDERS[protocol]!(app, socket.url, key, agentId, `u-ok-${protocol.replace(/\W+/g, '-')}`);
      expect(outcome.code).toBeUndefined();
      expect(await usedMessages(app, key)).toBe(before + 1);
    }
  });
});

describe('a send the agent cannot answer at all gives its message back', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;

  beforeAll(async () => {
    // No remote provider configured.
    app = await startTestApp('pglite');
    socket = await listen(app.app);
    ({ key } = await app.newAccount('Cannot answer', { monthlyMessageQuota: 1_000 }));
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  for (const protocol of Object.keys(SENDERS)) {
    it(`a paused agent → AGENT_UNAVAILABLE (${protocol}): turn failed, usage unchanged`, async () => {
      const agent = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Paused', status: 'paused' });
      expect(agent.body.data.status).toBe('paused');
      await expectNoAnswer(app, socket.url, key, agent.body.data.id, protocol, 'u-paused', 'AGENT_UNAVAILABLE');
    });

    it(`a provider not configured → AGENT_UNAVAILABLE (${protocol}): turn failed, usage unchanged`, async () => {
      const agent = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Unconfigured', model: { provider: 'anthropic', name: 'claude-test' } });
      await expectNoAnswer(app, socket.url, key, agent.body.data.id, protocol, 'u-unconfigured', 'AGENT_UNAVAILABLE');
    });
  }
});
