import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { SqlCounter } from '../support/sql-counter.js';
import { subscribe } from '../support/webhooks.js';

// A send in an existing conversation (local engine, no Idempotency-Key, no endpoint subscribed to
// its events) is stored by one statement; everything else by the transaction. Both must store
// the same rows, charge the same quota and refuse the same way.
describe.each(STORAGES)('a send stored in one statement (%s)', (storage) => {
  const sql = new SqlCounter();
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(storage, { wrapAdapter: sql.wrap, allowPrivateNetworks: true });
  });
  afterAll(() => app?.close());

  async function account(quota = 1000) {
    const { key, accountId } = await app.newAccount(`one-${quota}`, { monthlyMessageQuota: quota });
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'One' })).body.data;
    const send = (body: object, headers: Record<string, string> = {}) =>
      app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).set(headers).send(body);
    const used = async () => (await graphql(app, key, '{ viewer { messageUsage { used } } }')).body.data.viewer.messageUsage.used;
    return { key, accountId, agentId: agent.id as string, send, used };
  }

  const transactions = async (run: () => Promise<unknown>) => {
    sql.reset();
    await run();
    return { begins: sql.begins, statements: sql.statements.length };
  };

  it('stores the same rows as the transaction does, in one statement without a transaction', async () => {
    const { accountId, send } = await account();
    expect((await send({ text: 'First', userId: 'u1' })).status).toBe(201);
    let fast: any;
    const cost = await transactions(async () => {
      fast = await send({ text: 'Fast one', userId: 'u1', metadata: { channel: 'web' } });
    });
    expect(fast.status).toBe(201);
    expect(cost.begins).toBe(0);
    // Keyed: the idempotency mark needs the transaction.
    const keyed = await send({ text: 'Keyed one', userId: 'u1', metadata: { channel: 'web' } }, { 'Idempotency-Key': `one-${storage}` });
    expect(keyed.status).toBe(201);
    const stored = async (id: string) => {
      const user = await app.db.prisma.message.findUniqueOrThrow({ where: { id } });
      const reply = await app.db.prisma.message.findUniqueOrThrow({ where: { id: user.replyId! } });
      // The texts and token counts differ with the history; they are checked against the answer below.
      const shape = ({ id: _id, text: _t, inputTokens: _i, outputTokens: _o, replyId, createdAt, latencyMs, searchVector: _s, ...rest }: any) => ({
        ...rest,
        replyId: replyId === null ? null : 'set',
        createdAt: createdAt instanceof Date,
        latencyMs: typeof latencyMs,
      });
      return { user: shape(user), reply: shape(reply) };
    };
    expect(await stored(fast.body.data.id)).toEqual(await stored(keyed.body.data.id));
    const fastUser = await app.db.prisma.message.findUniqueOrThrow({ where: { id: fast.body.data.id } });
    const fastReply = await app.db.prisma.message.findUniqueOrThrow({ where: { id: fastUser.replyId! } });
    const { usage, response, text } = fast.body.data;
    expect([fastUser.text, fastUser.inputTokens, fastUser.outputTokens]).toEqual([text, usage.inputTokens, usage.outputTokens]);
    expect([fastReply.text, fastReply.outputTokens, fastReply.latencyMs]).toEqual([response, usage.outputTokens, fast.body.data.latencyMs]);
    expect((await stored(fast.body.data.id)).user).toMatchObject({ accountId, status: 'completed', metadata: { channel: 'web' }, role: 'user' });
    const conversation = await app.db.prisma.conversation.findUniqueOrThrow({ where: { id: fast.body.data.conversationId } });
    expect(conversation.messageCount).toBe(6);
    expect(await app.db.prisma.message.count({ where: { conversationId: conversation.id } })).toBe(6);
    expect(conversation.lastMessageAt!.getTime()).toBeGreaterThanOrEqual(new Date(fast.body.data.createdAt).getTime());
  });

  it('under concurrency in existing conversations exactly the quota is served; the rest get 429 and store nothing', async () => {
    const { key, agentId, send, used } = await account(8);
    for (const userId of ['a', 'b', 'c']) expect((await send({ text: 'hi', userId })).status).toBe(201);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => send({ text: `more ${i}`, userId: ['a', 'b', 'c'][i % 3] })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(results.find((r) => r.status === 429)!.body.error).toMatchObject({ code: 'INSUFFICIENT_QUOTA', details: { quota: 8, used: 8 } });
    const gql = await graphql(app, key, OPS.sendMessage, { agentId, input: { text: 'one more', userId: 'a' } });
    expect(gql.body.errors[0].extensions).toMatchObject({ code: 'INSUFFICIENT_QUOTA', details: { quota: 8, used: 8 } });
    expect(await used()).toBe(8);
    const conversations = await app.db.prisma.conversation.findMany({ where: { agentId } });
    for (const c of conversations) {
      expect(await app.db.prisma.message.count({ where: { conversationId: c.id } })).toBe(c.messageCount);
    }
    expect(conversations.reduce((n, c) => n + c.messageCount, 0)).toBe(16);
  });

  it('a named conversation deleted since: 404 in both protocols, nothing stored or charged', async () => {
    const { key, agentId, send, used } = await account();
    const first = await send({ text: 'hi', userId: 'gone' });
    const conversationId = first.body.data.conversationId;
    expect((await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(key))).status).toBe(200);
    const rest = await send({ text: 'again', userId: 'gone', conversationId });
    expect([rest.status, rest.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const gql = await graphql(app, key, OPS.sendMessage, { agentId, input: { text: 'again', userId: 'gone', conversationId } });
    expect(gql.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(await used()).toBe(1);
    expect(await app.db.prisma.message.count({ where: { agentId } })).toBe(0);
  });

  it('the first send of a month (no usage row yet) in an existing conversation is served and charged', async () => {
    const { accountId, send, used } = await account();
    expect((await send({ text: 'hi', userId: 'm' })).status).toBe(201);
    await app.db.prisma.messageUsage.deleteMany({ where: { accountId } });
    expect((await send({ text: 'new month', userId: 'm' })).status).toBe(201);
    expect(await used()).toBe(1);
  });

  it('with an endpoint subscribed to message.completed, a send in an existing conversation records the event', async () => {
    const { accountId, send } = await account();
    const first = await send({ text: 'hi', userId: 'w' });
    await subscribe(app, accountId, 'http://127.0.0.1:9/hook', ['message.completed']);
    const second = await send({ text: 'watched', userId: 'w' });
    expect(second.status).toBe(201);
    const events = await app.db.prisma.webhookEvent.findMany({ where: { accountId, type: 'message.completed' }, orderBy: { id: 'asc' } });
    expect(events).toHaveLength(1);
    const reply = await app.db.prisma.message.findFirstOrThrow({ where: { conversationId: first.body.data.conversationId, role: 'agent' }, orderBy: { id: 'desc' } });
    expect((events[0]!.data as any).id).toBe(reply.id);
  });
});
