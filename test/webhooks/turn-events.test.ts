import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverInterruptedTurns } from '../../src/services/messages.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { SqlCounter } from '../support/sql-counter.js';
import { eventually, listen, postSse } from '../support/sse.js';
import { eventsOf, newAgent, onlyEvent, restGet, restMessages, subscribe } from './event-support.js';

/**
 * The events of turns a remote model answers (the user's turn stored first, the reply after),
 * in every way of sending: message.completed written with the reply, message.failed when the
 * model fails or its stream is cut off, or when recovery fails a turn whose instance died.
 */

type Sent = { conversationId?: string; code?: string };
type Sender = (app: TestApp, url: string, key: string, agentId: string, userId: string) => Promise<Sent>;

const SENDERS: Record<string, Sender> = {
  'REST': async (app, _url, key, agentId, userId) => {
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'Hello there', userId });
    return res.status === 201 ? { conversationId: res.body.data.conversationId } : { code: res.body.error.code };
  },
  'REST stream': async (_app, url, key, agentId, userId) => {
    const res = await postSse(`${url}/v1/agents/${agentId}/messages`, bearer(key), { text: 'Hello there', userId, stream: true });
    const last = res.events.at(-1);
    return last?.event === 'message.completed' ? { conversationId: last.data.conversationId } : { code: last?.data.code ?? res.json?.error.code };
  },
  'GraphQL sendMessage': async (app, _url, key, agentId, userId) => {
    const res = await graphql(app, key, OPS.sendMessage, { agentId, input: { text: 'Hello there', userId } });
    return res.body.errors ? { code: res.body.errors[0].extensions.code } : { conversationId: res.body.data.sendMessage.conversationId };
  },
  'GraphQL sendMessageStream': async (_app, url, key, agentId, userId) => {
    const res = await postSse(`${url}/graphql`, { ...bearer(key), accept: 'text/event-stream' }, {
      query: OPS.sendMessageStream,
      variables: { agentId, input: { text: 'Hello there', userId } },
    });
    const errors = res.events.flatMap((e) => e.data?.errors ?? []);
    if (errors.length) return { code: errors[0].extensions.code };
    const completed = res.events.map((e) => e.data?.data?.sendMessageStream).find((e) => e?.__typename === 'MessageCompleted');
    return { conversationId: completed.message.conversationId };
  },
};

describe('webhook events of turns a remote model answers', () => {
  const sql = new SqlCounter();
  let server: ProviderServer;
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    server = await startOpenAIServer();
    app = await startTestApp('pglite', { modelTimeoutMs: 3_000, openaiBaseUrl: server.baseUrl, wrapAdapter: sql.wrap });
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await server?.close();
  });

  async function remoteAgent(events: string[]) {
    const { accountId, key } = await app.newAccount('Remote');
    const endpointId = await subscribe(app, accountId, events);
    const agentId = await newAgent(app, key, { model: { provider: 'openai', name: 'model-test' } });
    return { accountId, key, endpointId, agentId };
  }

  for (const [protocol, sender] of Object.entries(SENDERS)) {
    it(`${protocol}: message.completed is the reply as REST lists it; conversation.created the conversation as its first turn made it`, async () => {
      server.mode = 'ok';
      const { accountId, key, endpointId, agentId } = await remoteAgent(['conversation.created', 'message.completed']);
      const { conversationId, code } = await sender(app, socket.url, key, agentId, 'ada');
      expect(code).toBeUndefined();
      const [userTurn, reply] = (await restMessages(app, key, conversationId!)).reverse();
      expect(await onlyEvent(app, accountId, 'message.completed', [endpointId])).toEqual(reply);
      expect(reply).toMatchObject({ role: 'agent', text: 'Hello from the provider.' });
      // Recorded with the user's turn, before the reply: one turn then, and the turn's time.
      const conversation = await restGet(app, key, `/conversations/${conversationId}`);
      expect(await onlyEvent(app, accountId, 'conversation.created', [endpointId])).toEqual({
        ...conversation,
        messageCount: 1,
        lastMessageAt: userTurn.createdAt,
        updatedAt: userTurn.createdAt,
      });
      expect(conversation.messageCount).toBe(2);
    });

    it(`${protocol}: a model that fails (a cut-off answer) → message.failed, the user's turn as REST lists it`, async () => {
      server.mode = 'cut-off';
      const { accountId, key, endpointId, agentId } = await remoteAgent(['message.completed', 'message.failed']);
      expect((await sender(app, socket.url, key, agentId, 'ada')).code).toBe('MODEL_ERROR');
      const data = await onlyEvent(app, accountId, 'message.failed', [endpointId]);
      expect(await restMessages(app, key, data.conversationId)).toEqual([data]);
      expect(data).toMatchObject({ role: 'user', status: 'failed', error: { code: 'MODEL_ERROR' } });
      expect(await eventsOf(app, accountId, 'message.completed')).toEqual([]);
    });
  }

  it('a stream cut off after two deltas: message.failed, and no message.completed', async () => {
    server.mode = 'cut-off';
    server.reply = 'one two three four five';
    try {
      const { accountId, key, endpointId, agentId } = await remoteAgent(['*']);
      const res = await postSse(`${socket.url}/v1/agents/${agentId}/messages`, bearer(key), { text: 'hi', userId: 'ada', stream: true });
      expect(res.events.map((e) => e.event)).toEqual(['message.delta', 'message.delta', 'error']);
      const data = await onlyEvent(app, accountId, 'message.failed', [endpointId]);
      expect(await restMessages(app, key, data.conversationId)).toEqual([data]);
      expect((await eventsOf(app, accountId)).map((e) => e.type)).toEqual(['agent.created', 'conversation.created', 'message.failed']);
    } finally {
      server.reply = 'Hello from the provider.';
    }
  });

  it('recovery after a crash fails the pending turn with its message.failed event, recorded once', async () => {
    server.mode = 'slow';
    const { accountId, key, endpointId, agentId } = await remoteAgent(['message.failed']);
    const sending = SENDERS['REST']!(app, socket.url, key, agentId, 'ada');
    const pending = await eventually(() => app.db.prisma.message.findFirst({ where: { agentId, status: 'pending' } }));
    // As the housekeeping of another instance would, once the turn is old enough.
    expect(await recoverInterruptedTurns(app.db.prisma, new Date(Date.now() + 1_000))).toBeGreaterThanOrEqual(1);
    const data = await onlyEvent(app, accountId, 'message.failed', [endpointId]);
    expect(await restMessages(app, key, pending.conversationId)).toEqual([data]);
    expect(data).toMatchObject({ id: pending.id, status: 'failed', error: { code: 'AGENT_UNAVAILABLE', message: 'The server stopped before the model answered' } });
    // The send's own timeout finds the turn failed already: no second event.
    expect((await sending).code).toBe('AGENT_UNAVAILABLE');
    expect(await eventsOf(app, accountId, 'message.failed')).toHaveLength(1);
  });

  it('a reply that comes after recovery failed its turn is not stored: its message.completed is rolled back with it', async () => {
    server.mode = 'slow-stream';
    server.streamDelayMs = 250;
    const { accountId, key, agentId } = await remoteAgent(['message.completed']);
    const sending = SENDERS['REST']!(app, socket.url, key, agentId, 'ada');
    const pending = await eventually(() => app.db.prisma.message.findFirst({ where: { agentId, status: 'pending' } }));
    expect(await recoverInterruptedTurns(app.db.prisma, new Date(Date.now() + 1_000))).toBeGreaterThanOrEqual(1);
    sql.reset();
    expect((await sending).code).toBeDefined();
    // The reply and its event were written, then rolled back when the turn was no longer pending.
    expect(sql.statements.filter((s) => /INSERT INTO ("[^"]*"\.)?"WebhookEvent"/.test(s))).toHaveLength(1);
    expect(sql.rollbacks).toBeGreaterThanOrEqual(1);
    expect(await eventsOf(app, accountId)).toEqual([]);
    expect(await app.db.prisma.message.count({ where: { conversationId: pending.conversationId, role: 'agent' } })).toBe(0);
  });
});
