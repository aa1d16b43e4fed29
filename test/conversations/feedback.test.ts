import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { messageResource } from '../../src/services/conversation-resource.js';
import { OPS } from '../support/operations.js';

describe.each(STORAGES)('message feedback (%s)', (storage) => {
  let app: TestApp;
  let a: { accountId: string; key: string };
  let b: { accountId: string; key: string };
  let agentId: string;
  let conversationId: string;

  /** Sends a message; the IDs of the user's turn and of the agent's reply. */
  async function exchange(key: string, agent: string, userId: string) {
    const sent = (await app.http.post(`/v1/agents/${agent}/messages`).set(bearer(key)).send({ text: 'Tell me a joke', userId })).body.data;
    const history = (await app.http.get(`/v1/conversations/${sent.conversationId}/messages`).set(bearer(key))).body.data.items;
    const user = history.find((m: { id: string }) => m.id === sent.id);
    return { conversationId: sent.conversationId as string, userMessageId: sent.id as string, replyId: user.replyId as string };
  }

  const post = (messageId: string, body: unknown, key = a.key) => app.http.post(`/v1/messages/${messageId}/feedback`).set(bearer(key)).send(body as object);
  const del = (messageId: string, key = a.key) => app.http.delete(`/v1/messages/${messageId}/feedback`).set(bearer(key));
  const stored = (id: string) =>
    app.db.prisma.message.findUniqueOrThrow({ where: { id }, select: { feedbackRating: true, feedbackComment: true, feedbackAt: true } });

  beforeAll(async () => {
    app = await startTestApp(storage);
    a = await app.newAccount('A');
    b = await app.newAccount('B');
    agentId = (await app.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Jester' })).body.data.id;
    conversationId = (await exchange(a.key, agentId, 'ada')).conversationId;
  });
  afterAll(() => app?.close());

  it('rates a reply (200), replaces it, shows it in history, and withdraws it (then 404)', async () => {
    const { replyId, userMessageId } = await exchange(a.key, agentId, 'rater');
    const first = await post(replyId, { rating: 'like', comment: '  Very funny.  ' });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({ messageId: replyId, rating: 'like', comment: 'Very funny.', updatedAt: expect.any(String) });

    const second = await post(replyId, { rating: 'dislike' });
    expect(second.status).toBe(200);
    expect(second.body.data).toMatchObject({ messageId: replyId, rating: 'dislike', comment: null });
    expect(Date.parse(second.body.data.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.body.data.updatedAt));
    expect(await stored(replyId)).toEqual({ feedbackRating: 'dislike', feedbackComment: null, feedbackAt: new Date(second.body.data.updatedAt) });

    const history = (await app.http.get(`/v1/conversations/${(await app.db.prisma.message.findUniqueOrThrow({ where: { id: replyId } })).conversationId}/messages`).set(bearer(a.key))).body.data.items;
    expect(history.find((m: { id: string }) => m.id === replyId).feedback).toEqual(second.body.data);
    expect(history.find((m: { id: string }) => m.id === userMessageId).feedback).toBeNull();
    // Webhook payloads carry messages exactly as REST shows them, feedback included.
    const row = await app.db.prisma.message.findUniqueOrThrow({ where: { id: replyId } });
    expect(messageResource(row)).toEqual(history.find((m: { id: string }) => m.id === replyId));

    const withdrawn = await del(replyId);
    expect([withdrawn.status, withdrawn.body.data]).toEqual([200, { messageId: replyId, deleted: true }]);
    expect(await stored(replyId)).toEqual({ feedbackRating: null, feedbackComment: null, feedbackAt: null });
    const again = await del(replyId);
    expect([again.status, again.body.error.code, again.body.error.details]).toEqual([404, 'NOT_FOUND', { id: replyId }]);
  });

  it('GraphQL: the same answers and the same errors as REST; Message.feedback', async () => {
    const { replyId, userMessageId } = await exchange(a.key, agentId, 'graphql-rater');
    const rest = await post(replyId, { rating: 'like', comment: 'Nice' });
    const gql = await graphql(app, a.key, OPS.setMessageFeedback, { messageId: replyId, input: { rating: 'like', comment: 'Nice' } });
    expect(gql.body.errors).toBeUndefined();
    expect({ ...gql.body.data.setMessageFeedback, updatedAt: 'x' }).toEqual({ ...rest.body.data, updatedAt: 'x' });

    const node = await graphql(app, a.key, 'query($id: ID!) { node(id: $id) { ... on Message { feedback { rating comment messageId } } } }', { id: replyId });
    expect(node.body.data.node.feedback).toEqual({ rating: 'like', comment: 'Nice', messageId: replyId });

    const cases: [string, unknown, string | undefined][] = [
      [userMessageId, { rating: 'like' }, 'messageId'],
      [replyId, { rating: 'meh' }, 'rating'],
      [replyId, { comment: 'no rating' }, 'rating'],
      [replyId, { rating: 'like', comment: 'x'.repeat(2_001) }, 'comment'],
      [replyId, { rating: 'like', stars: 5 }, 'stars'],
    ];
    for (const [messageId, input, field] of cases) {
      const r = await post(messageId, input);
      const g = await graphql(app, a.key, OPS.setMessageFeedback, { messageId, input });
      expect([r.status, r.body.error.code, r.body.error.details.fields[0].field], JSON.stringify(input)).toEqual([400, 'INVALID_REQUEST', field]);
      expect(g.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
      expect(g.body.errors[0].extensions.details.fields[0].field).toBe(field);
    }
    // Nothing changed.
    expect((await stored(replyId)).feedbackComment).toBe('Nice');

    const gqlDelete = await graphql(app, a.key, OPS.deleteMessageFeedback, { messageId: replyId });
    expect(gqlDelete.body.data.deleteMessageFeedback).toEqual({ messageId: replyId, deleted: true });
    const gqlAgain = await graphql(app, a.key, OPS.deleteMessageFeedback, { messageId: replyId });
    expect(gqlAgain.body.errors[0].extensions.code).toBe('NOT_FOUND');
  });

  it('a comment of 2,000 characters is kept; a blank one is none', async () => {
    const { replyId } = await exchange(a.key, agentId, 'long-comment');
    expect((await post(replyId, { rating: 'like', comment: 'y'.repeat(2_000) })).body.data.comment).toHaveLength(2_000);
    expect((await post(replyId, { rating: 'like', comment: '   ' })).body.data.comment).toBeNull();
    expect((await post(replyId, { rating: 'like', comment: null })).body.data.comment).toBeNull();
  });

  it('a user’s message cannot be rated nor unrated: 400, nothing changes', async () => {
    const { userMessageId } = await exchange(a.key, agentId, 'user-turn');
    const rated = await post(userMessageId, { rating: 'like' });
    expect(rated.status).toBe(400);
    expect(rated.body.error.details.fields).toEqual([{ field: 'messageId', message: "is a user's message; feedback rates an agent's reply" }]);
    expect((await stored(userMessageId)).feedbackRating).toBeNull();
    expect((await del(userMessageId)).status).toBe(400);
  });

  it('isolation: another account’s message, or an unknown or malformed ID, is 404 in both protocols, and nothing changes', async () => {
    const { replyId } = await exchange(a.key, agentId, 'private');
    await post(replyId, { rating: 'like', comment: 'mine' });
    for (const id of [replyId, `msg_${'0'.repeat(26)}`, 'not-an-id', conversationId]) {
      const r = await post(id, { rating: 'dislike' }, b.key);
      expect([r.status, r.body.error.code], id).toEqual([404, 'NOT_FOUND']);
      expect((await del(id, b.key)).status).toBe(404);
      const g = await graphql(app, b.key, OPS.setMessageFeedback, { messageId: id, input: { rating: 'dislike' } });
      expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
      const gd = await graphql(app, b.key, OPS.deleteMessageFeedback, { messageId: id });
      expect(gd.body.errors[0].extensions.code).toBe('NOT_FOUND');
    }
    expect(await stored(replyId)).toMatchObject({ feedbackRating: 'like', feedbackComment: 'mine' });
    const node = await graphql(app, b.key, 'query($id: ID!) { node(id: $id) { id } }', { id: replyId });
    expect(node.body.data.node).toBeNull();
  });

  it('needs messages:write (403 with conversations:read only), and nothing changes', async () => {
    const { replyId } = await exchange(a.key, agentId, 'scoped');
    const reader = await app.keyWithScopes(a.accountId, ['conversations:read', 'agents:read']);
    const r = await post(replyId, { rating: 'like' }, reader);
    expect([r.status, r.body.error.code, r.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'messages:write']);
    expect((await del(replyId, reader)).status).toBe(403);
    expect((await stored(replyId)).feedbackRating).toBeNull();
  });

  it('an Idempotency-Key replays the first answer; the same key with another body is a conflict', async () => {
    const { replyId } = await exchange(a.key, agentId, 'idempotent');
    const headers = { 'Idempotency-Key': `fb-${storage}` };
    const first = await post(replyId, { rating: 'like' }).set(headers);
    const replay = await post(replyId, { rating: 'like' }).set(headers);
    expect([replay.status, replay.headers['idempotent-replayed'], replay.body]).toEqual([200, 'true', first.body]);
    const conflict = await post(replyId, { rating: 'dislike' }).set(headers);
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    expect((await stored(replyId)).feedbackRating).toBe('like');
  });
});
