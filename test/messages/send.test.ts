import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

describe.each(STORAGES)('send message with the local engine (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let agent: any;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key, accountId } = await app.newAccount());
    agent = (
      await app.http.post('/v1/agents').set(bearer(key)).send({
        name: 'Orion',
        personality: { traits: ['friendly', 'helpful'], tone: 'friendly', bio: 'A helpful guide to OrionOS.' },
      })
    ).body.data;
  });
  afterAll(() => app?.close());

  const send = (body: object, k = key, agentId = agent.id) =>
    app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(k)).send(body);
  const stored = async () => ({
    messages: await app.db.prisma.message.count({ where: { accountId } }),
    conversations: await app.db.prisma.conversation.count({ where: { accountId } }),
  });

  it('answers 201 with the documented object, as the seed SDK reads it (data.response)', async () => {
    const res = await send({ text: 'Hello!', userId: 'user_123' });
    expect(res.status).toBe(201);
    const data = res.body.data;
    expect(Object.keys(data)).toEqual([
      'id', 'conversationId', 'agentId', 'userId', 'text', 'response', 'model', 'usage', 'latencyMs', 'createdAt', 'toolCalls', 'citations',
    ]);
    expect(data).toMatchObject({ agentId: agent.id, userId: 'user_123', text: 'Hello!', model: 'orion-local-1' });
    expect(data.id).toMatch(/^msg_/);
    expect(data.conversationId).toMatch(/^cnv_/);
    expect(typeof data.response).toBe('string');
    expect(data.response.length).toBeGreaterThan(0);
    expect(data.usage.totalTokens).toBe(data.usage.inputTokens + data.usage.outputTokens);
    expect(data.usage.inputTokens).toBeGreaterThan(0);
    expect(data.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('keeps one conversation per agent and userId, storing both turns, and feeds history to the engine', async () => {
    const first = (await send({ text: 'My name is Ada.', userId: 'ada' })).body.data;
    const second = (await send({ text: 'Hello again', userId: 'ada' })).body.data;
    expect(second.conversationId).toBe(first.conversationId);
    const other = (await send({ text: 'Hello again', userId: 'bob' })).body.data;
    expect(other.conversationId).not.toBe(first.conversationId);
    // The engine remembers the name it was told earlier in this conversation only.
    expect(`${second.response}`).toContain('Ada');
    expect(`${other.response}`).not.toContain('Ada');

    const turns = await app.db.prisma.message.findMany({
      where: { conversationId: first.conversationId },
      orderBy: { id: 'asc' },
    });
    expect(turns.map((t) => [t.role, t.status])).toEqual([
      ['user', 'completed'], ['agent', 'completed'], ['user', 'completed'], ['agent', 'completed'],
    ]);
    expect(turns[1]!.text).toBe(first.response);
    expect(turns[0]!.replyId).toBe(turns[1]!.id);
    const conversation = await app.db.prisma.conversation.findUniqueOrThrow({ where: { id: first.conversationId } });
    expect(conversation.messageCount).toBe(4);
  });

  it('continues a given conversationId, and refuses one of another agent, user or account', async () => {
    const first = (await send({ text: 'Hi', userId: 'carol' })).body.data;
    const again = await send({ text: 'Still me', userId: 'carol', conversationId: first.conversationId });
    expect(again.status).toBe(201);
    expect(again.body.data.conversationId).toBe(first.conversationId);

    const before = await stored();
    const wrongUser = await send({ text: 'x', userId: 'mallory', conversationId: first.conversationId });
    expect([wrongUser.status, wrongUser.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(wrongUser.body.error.details.fields[0].field).toBe('conversationId');

    const otherAgent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Other' })).body.data;
    const wrongAgent = await send({ text: 'x', userId: 'carol', conversationId: first.conversationId }, key, otherAgent.id);
    expect([wrongAgent.status, wrongAgent.body.error.code]).toEqual([404, 'NOT_FOUND']);

    const stranger = await app.newAccount('Stranger');
    const strangerAgent = (await app.http.post('/v1/agents').set(bearer(stranger.key)).send({ name: 'S' })).body.data;
    const foreign = await send({ text: 'x', userId: 'carol', conversationId: first.conversationId }, stranger.key, strangerAgent.id);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const unknown = await send({ text: 'x', userId: 'carol', conversationId: 'cnv_01J0000000000000000000000Z' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['no text', { userId: 'u' }, 'text'],
    ['empty text', { text: '', userId: 'u' }, 'text'],
    ['blank text', { text: '   ', userId: 'u' }, 'text'],
    ['text over 16,000 characters', { text: 'x'.repeat(16_001), userId: 'u' }, 'text'],
    ['no userId', { text: 'hi' }, 'userId'],
    ['empty userId', { text: 'hi', userId: '' }, 'userId'],
    ['userId with a space', { text: 'hi', userId: 'has space' }, 'userId'],
    ['userId over 128 characters', { text: 'hi', userId: 'x'.repeat(129) }, 'userId'],
    ['an unknown field', { text: 'hi', userId: 'u', foo: 1 }, 'foo'],
    ['a non-boolean stream', { text: 'hi', userId: 'u', stream: 'yes' }, 'stream'],
    ['non-string metadata', { text: 'hi', userId: 'u', metadata: { n: 1 } }, 'metadata.n'],
    ['a numeric text', { text: 7, userId: 'u' }, 'text'],
  ])('rejects %s with 400 naming the field, storing nothing', async (_label, body, field) => {
    const before = await stored();
    const res = await send(body);
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await stored()).toEqual(before);
  });

  it('accepts exactly 16,000 characters and a 128-character userId', async () => {
    const res = await send({ text: 'a'.repeat(16_000), userId: 'u'.repeat(128) });
    expect(res.status).toBe(201);
  });

  it('unknown agent, another account’s agent → 404 AGENT_NOT_FOUND, nothing stored', async () => {
    const before = await stored();
    const res = await send({ text: 'hi', userId: 'u' }, key, 'agt_01J0000000000000000000000Z');
    expect([res.status, res.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    const stranger = await app.newAccount('Stranger 2');
    const theirs = await send({ text: 'hi', userId: 'u' }, stranger.key);
    expect([theirs.status, theirs.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    expect(await stored()).toEqual(before);
  });

  it('a paused agent → 503 AGENT_UNAVAILABLE naming the reason; the turn is stored as failed', async () => {
    const paused = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Sleepy', status: 'paused' })).body.data;
    const res = await send({ text: 'anyone there?', userId: 'dave' }, key, paused.id);
    expect([res.status, res.body.error.code]).toEqual([503, 'AGENT_UNAVAILABLE']);
    expect(res.body.error.details.reason).toBe('paused');
    const turns = await app.db.prisma.message.findMany({ where: { agentId: paused.id } });
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ role: 'user', status: 'failed', errorCode: 'AGENT_UNAVAILABLE', text: 'anyone there?' });
  });

  it('a provider not configured on this server → 503 AGENT_UNAVAILABLE', async () => {
    const remote = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Remote', model: { provider: 'anthropic' } })).body.data;
    const res = await send({ text: 'hi', userId: 'erin' }, key, remote.id);
    expect([res.status, res.body.error.code]).toEqual([503, 'AGENT_UNAVAILABLE']);
    expect(res.body.error.details).toMatchObject({ reason: 'provider_not_configured', provider: 'anthropic' });
    expect(res.body.error.message).toMatch(/ANTHROPIC_API_KEY/);
  });

  it('needs the messages:write scope (403), and a key (401)', async () => {
    const readOnly = await app.keyWithScopes(accountId, ['agents:read', 'conversations:read']);
    const before = await stored();
    const res = await send({ text: 'hi', userId: 'u' }, readOnly);
    expect([res.status, res.body.error.code, res.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'messages:write']);
    const anon = await app.http.post(`/v1/agents/${agent.id}/messages`).send({ text: 'hi', userId: 'u' });
    expect([anon.status, anon.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(await stored()).toEqual(before);
  });

  it('GraphQL sendMessage gives the same object and the same errors', async () => {
    const rest = (await send({ text: 'What is your name?', userId: 'parity-rest' })).body.data;
    const gql = await graphql(app, key, OPS.sendMessage, { agentId: agent.id, input: { text: 'What is your name?', userId: 'parity-gql' } });
    const data = gql.body.data.sendMessage;
    expect(Object.keys(data)).toEqual(Object.keys(rest));
    // Deterministic engine, same agent, same first message: the same reply.
    expect(data.response).toBe(rest.response);
    for (const [input, code] of [
      [{ text: '', userId: 'u' }, 'INVALID_REQUEST'],
      [{ text: 'x', userId: 'u', bogus: 1 }, 'INVALID_REQUEST'],
    ] as const) {
      const r = await send(input);
      const g = await graphql(app, key, OPS.sendMessage, { agentId: agent.id, input });
      expect(r.body.error.code).toBe(code);
      expect(g.body.errors[0].extensions.code).toBe(code);
      expect(g.body.errors[0].extensions.details).toEqual(r.body.error.details);
    }
    const g404 = await graphql(app, key, OPS.sendMessage, { agentId: 'agt_01J0000000000000000000000Z', input: { text: 'x', userId: 'u' } });
    expect([g404.status, g404.body.errors[0].extensions.code]).toEqual([404, 'AGENT_NOT_FOUND']);
  });
});
