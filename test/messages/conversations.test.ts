import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

describe.each(STORAGES)('conversations and prompt preview (%s)', (storage) => {
  let app: TestApp;
  let a: { accountId: string; key: string };
  let b: { accountId: string; key: string };
  let agent: any;
  let conversationId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    a = await app.newAccount('A');
    b = await app.newAccount('B');
    agent = (
      await app.http.post('/v1/agents').set(bearer(a.key)).send({
        name: 'Historian',
        personality: { traits: ['curious'], bio: 'Remembers everything.', examples: [{ user: 'ping', agent: 'pong' }] },
        systemPrompt: 'Keep it short.',
      })
    ).body.data;
    for (const text of ['Hello', 'My name is Ada', 'What do you remember?']) {
      const res = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(a.key)).send({ text, userId: 'ada' });
      conversationId = res.body.data.conversationId;
    }
    await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(a.key)).send({ text: 'Hi', userId: 'bob' });
  });
  afterAll(() => app?.close());

  const get = (path: string, key = a.key) => app.http.get(path).set(bearer(key));

  it('lists an agent’s conversations, optionally for one userId, with pagination', async () => {
    const all = await get(`/v1/agents/${agent.id}/conversations`);
    expect(all.status).toBe(200);
    expect(all.body.data.items.map((c: { userId: string }) => c.userId)).toEqual(['bob', 'ada']);
    expect(all.body.data.pagination).toEqual({ currentPage: 1, totalPages: 1, totalItems: 2, itemsPerPage: 20 });
    const ada = await get(`/v1/agents/${agent.id}/conversations?userId=ada&limit=1`);
    expect(ada.body.data.items).toHaveLength(1);
    expect(ada.body.data.items[0]).toMatchObject({ id: conversationId, agentId: agent.id, userId: 'ada', messageCount: 6 });
    const bad = await get(`/v1/agents/${agent.id}/conversations?limit=0`);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const badUser = await get(`/v1/agents/${agent.id}/conversations?userId=has%20space`);
    expect([badUser.status, badUser.body.error.details.fields[0].field]).toEqual([400, 'userId']);
    const missing = await get('/v1/agents/agt_01J0000000000000000000000Z/conversations');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
  });

  it('gets a conversation and its messages, newest first, with failed turns and replies', async () => {
    const one = await get(`/v1/conversations/${conversationId}`);
    expect(one.body.data).toMatchObject({ id: conversationId, userId: 'ada', messageCount: 6 });
    const messages = await get(`/v1/conversations/${conversationId}/messages?limit=4`);
    expect(messages.status).toBe(200);
    const items = messages.body.data.items;
    expect(items.map((m: { role: string }) => m.role)).toEqual(['agent', 'user', 'agent', 'user']);
    expect(items[1]).toMatchObject({ text: 'What do you remember?', status: 'completed', replyId: items[0].id, error: null });
    expect(items[1].usage.inputTokens).toBeGreaterThan(0);
    expect(messages.body.data.pagination).toEqual({ currentPage: 1, totalPages: 2, totalItems: 6, itemsPerPage: 4 });
    const page2 = await get(`/v1/conversations/${conversationId}/messages?limit=4&page=2`);
    expect(page2.body.data.items.map((m: { text: string }) => m.text).at(-1)).toBe('Hello');
  });

  it('the prompt preview shows exactly what the model would receive next, in both protocols', async () => {
    const rest = await get(`/v1/agents/${agent.id}/prompt-preview?userId=ada&text=${encodeURIComponent('And now?')}`);
    expect(rest.status).toBe(200);
    const preview = rest.body.data;
    expect(preview).toMatchObject({ agentId: agent.id, userId: 'ada', conversationId, omittedTurns: 0 });
    expect(preview.messages[0].role).toBe('system');
    for (const part of ['You are Historian', 'Remembers everything.', 'curious', 'User: ping', 'Historian: pong', 'Keep it short.']) {
      expect(preview.messages[0].content).toContain(part);
    }
    expect(preview.messages.slice(1).map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(preview.messages.at(-1)).toEqual({ role: 'user', content: 'And now?' });
    expect(preview.estimatedTokens).toBeGreaterThan(0);

    const gql = await graphql(app, a.key, OPS.promptPreview, { agentId: agent.id, userId: 'ada', text: 'And now?' });
    expect(gql.body.data.agent.promptPreview).toEqual(preview);

    const fresh = await get(`/v1/agents/${agent.id}/prompt-preview?userId=nobody-yet`);
    expect(fresh.body.data.conversationId).toBeNull();
    expect(fresh.body.data.messages).toHaveLength(1);

    const noUser = await get(`/v1/agents/${agent.id}/prompt-preview`);
    expect([noUser.status, noUser.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(noUser.body.error.details.fields[0].field).toBe('userId');
    const gqlNoUser = await graphql(app, a.key, OPS.promptPreview, { agentId: agent.id });
    expect(gqlNoUser.body.errors[0].extensions.details).toEqual(noUser.body.error.details);
  });

  it('REST and GraphQL give the same conversations and messages', async () => {
    const r1 = await get(`/v1/agents/${agent.id}/conversations?page=1&limit=10`);
    const g1 = await graphql(app, a.key, OPS.listConversations, { agentId: agent.id, page: 1, limit: 10 });
    expect(g1.body.data.conversations).toEqual(r1.body.data);
    const r2 = await get(`/v1/conversations/${conversationId}`);
    const g2 = await graphql(app, a.key, OPS.getConversation, { conversationId });
    expect(g2.body.data.conversation).toEqual(r2.body.data);
    const r3 = await get(`/v1/conversations/${conversationId}/messages`);
    const g3 = await graphql(app, a.key, OPS.listMessages, { conversationId });
    expect(g3.body.data.conversation.messages).toEqual(r3.body.data);
  });

  it('another account sees none of it: REST, GraphQL fields answer not found, node(id) null', async () => {
    const messageId = (await get(`/v1/conversations/${conversationId}/messages`)).body.data.items[0].id;
    for (const path of [
      `/v1/conversations/${conversationId}`,
      `/v1/conversations/${conversationId}/messages`,
    ]) {
      const res = await get(path, b.key);
      expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
      expect(JSON.stringify(res.body)).not.toContain('Ada');
    }
    for (const path of [`/v1/agents/${agent.id}/conversations`, `/v1/agents/${agent.id}/prompt-preview?userId=ada`]) {
      const res = await get(path, b.key);
      expect([res.status, res.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    }
    const del = await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(b.key));
    expect([del.status, del.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const gConv = await graphql(app, b.key, OPS.getConversation, { conversationId });
    expect(gConv.body.errors[0].extensions.code).toBe('NOT_FOUND');
    for (const id of [conversationId, messageId]) {
      const node = await graphql(app, b.key, 'query($id: ID!) { node(id: $id) { id } }', { id });
      expect(node.body).toEqual({ data: { node: null } });
      const own = await graphql(app, a.key, 'query($id: ID!) { node(id: $id) { id __typename } }', { id });
      expect(own.body.data.node.id).toBe(id);
    }
    expect(await app.db.prisma.conversation.count({ where: { id: conversationId } })).toBe(1);
  });

  it('reading needs conversations:read; deleting needs messages:write', async () => {
    const agentsOnly = await app.keyWithScopes(a.accountId, ['agents:read']);
    const read = await get(`/v1/conversations/${conversationId}`, agentsOnly);
    expect([read.status, read.body.error.details.requiredScope]).toEqual([403, 'conversations:read']);
    const readOnly = await app.keyWithScopes(a.accountId, ['conversations:read']);
    const del = await app.http.delete(`/v1/conversations/${conversationId}`).set(bearer(readOnly));
    expect([del.status, del.body.error.details.requiredScope]).toEqual([403, 'messages:write']);
  });

  it('DELETE removes the conversation and its messages; a new send starts a new one', async () => {
    const bobs = (await get(`/v1/agents/${agent.id}/conversations?userId=bob`)).body.data.items[0];
    const res = await app.http.delete(`/v1/conversations/${bobs.id}`).set(bearer(a.key));
    expect(res.body).toEqual({ success: true, data: { id: bobs.id, deleted: true } });
    expect(await app.db.prisma.message.count({ where: { conversationId: bobs.id } })).toBe(0);
    const again = await get(`/v1/conversations/${bobs.id}`);
    expect(again.status).toBe(404);
    const gDel = await graphql(app, a.key, OPS.deleteConversation, { conversationId: bobs.id });
    expect(gDel.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const next = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(a.key)).send({ text: 'Back', userId: 'bob' });
    expect(next.body.data.conversationId).not.toBe(bobs.id);
  });

  it('deleting an agent deletes its conversations', async () => {
    const temp = (await app.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Temp' })).body.data;
    const sent = (await app.http.post(`/v1/agents/${temp.id}/messages`).set(bearer(a.key)).send({ text: 'x', userId: 'z' })).body.data;
    await app.http.delete(`/v1/agents/${temp.id}`).set(bearer(a.key));
    expect(await app.db.prisma.conversation.count({ where: { id: sent.conversationId } })).toBe(0);
    expect(await app.db.prisma.message.count({ where: { agentId: temp.id } })).toBe(0);
  });
});
