import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { eventually, listen, postSse } from '../support/sse.js';

describe.each(STORAGES)('Idempotency-Key (%s)', (storage) => {
  let app: TestApp;
  let provider: ProviderServer;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;
  let accountId: string;
  let agent: any;
  let slowAgent: any;

  beforeAll(async () => {
    provider = await startOpenAIServer();
    app = await startTestApp(storage, { openaiBaseUrl: provider.baseUrl, modelTimeoutMs: 10_000 });
    socket = await listen(app.app);
    ({ key, accountId } = await app.newAccount());
    agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Idem' })).body.data;
    slowAgent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Slow', model: { provider: 'openai', name: 'gpt-test' } })).body.data;
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await provider?.close();
  });

  const idem = (k: string) => ({ ...bearer(key), 'Idempotency-Key': k });

  it('the same key and body replays the first status and body, and does nothing again', async () => {
    const first = await app.http.post('/v1/agents').set(idem('create-1')).send({ name: 'Once' });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBe('false');
    const again = await app.http.post('/v1/agents').set(idem('create-1')).send({ name: 'Once' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await app.db.prisma.agent.count({ where: { accountId, name: 'Once' } })).toBe(1);
  });

  it('the same key with another body → 409 IDEMPOTENCY_CONFLICT, nothing done', async () => {
    await app.http.post('/v1/agents').set(idem('create-2')).send({ name: 'First' });
    const other = await app.http.post('/v1/agents').set(idem('create-2')).send({ name: 'Second' });
    expect([other.status, other.body.error.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    expect(await app.db.prisma.agent.count({ where: { accountId, name: 'Second' } })).toBe(0);
    const otherRoute = await app.http.post(`/v1/agents/${agent.id}/messages`).set(idem('create-2')).send({ name: 'First' });
    expect(otherRoute.status).toBe(409);
  });

  it('errors of the request itself are replayed too (a 400 stays a 400)', async () => {
    const bad = await app.http.post('/v1/agents').set(idem('bad-1')).send({ name: '' });
    const again = await app.http.post('/v1/agents').set(idem('bad-1')).send({ name: '' });
    expect([bad.status, again.status]).toEqual([400, 400]);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('keys are per API key: another account may use the same key', async () => {
    const other = await app.newAccount('Other');
    await app.http.post('/v1/agents').set(idem('shared-key')).send({ name: 'Mine' });
    const theirs = await app.http.post('/v1/agents').set({ ...bearer(other.key), 'Idempotency-Key': 'shared-key' }).send({ name: 'Theirs' });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBe('false');
    expect(theirs.body.data.name).toBe('Theirs');
  });

  it('a malformed key is 400', async () => {
    const res = await app.http.post('/v1/agents').set({ ...bearer(key), 'Idempotency-Key': 'a b' }).send({ name: 'x' });
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    const long = await app.http.post('/v1/agents').set({ ...bearer(key), 'Idempotency-Key': 'k'.repeat(256) }).send({ name: 'x' });
    expect(long.status).toBe(400);
  });

  it('concurrent duplicates: one runs, the others get 409 while it is in flight; a retry after replays', async () => {
    provider.mode = 'slow-stream';
    provider.streamDelayMs = 100;
    const body = { text: 'only once please', userId: 'idem-concurrent' };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => app.http.post(`/v1/agents/${slowAgent.id}/messages`).set(idem('send-1')).send(body)),
    );
    provider.mode = 'ok';
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    const replay = await app.http.post(`/v1/agents/${slowAgent.id}/messages`).set(idem('send-1')).send(body);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(results.find((r) => r.status === 201)!.body);
    const conversation = await app.db.prisma.conversation.findFirstOrThrow({ where: { userId: 'idem-concurrent' } });
    expect(await app.db.prisma.message.count({ where: { conversationId: conversation.id } })).toBe(2);
  });

  it('a send-message retried with its key never produces two replies, even after a dropped stream', async () => {
    provider.mode = 'slow-stream';
    provider.streamDelayMs = 60;
    provider.reply = 'one two three four five six';
    const body = { text: 'stream once', userId: 'idem-stream', stream: true };
    const url = `${socket.url}/v1/agents/${slowAgent.id}/messages`;
    const dropped = await postSse(url, idem('stream-1'), body, { stopAfter: (e) => e.event === 'message.delta' });
    expect(dropped.events).toHaveLength(1);
    const conversation = await eventually(() => app.db.prisma.conversation.findFirst({ where: { userId: 'idem-stream' } }));
    // The reply is completed and stored although the client left...
    await eventually(async () => (await app.db.prisma.message.count({ where: { conversationId: conversation.id, status: 'completed' } })) === 2);
    // ...and the retry replays the whole stream instead of asking the model again.
    const requestsBefore = provider.requests.length;
    const retried = await eventually(async () => {
      const r = await postSse(url, idem('stream-1'), body);
      return r.status === 200 ? r : undefined;
    });
    provider.mode = 'ok';
    provider.reply = 'Hello from the provider.';
    expect(provider.requests.length).toBe(requestsBefore);
    expect(retried.events.at(-1)!.event).toBe('message.completed');
    expect(retried.events.at(-1)!.data.response).toBe('one two three four five six');
    expect(await app.db.prisma.message.count({ where: { conversationId: conversation.id } })).toBe(2);
  });

  it('GraphQL mutations honour the key too', async () => {
    const send = () =>
      app.http
        .post('/graphql')
        .set(idem('gql-1'))
        .send({ query: 'mutation { createAgent(input: {name: "Gql once"}) { id } }' });
    const first = await send();
    const again = await send();
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await app.db.prisma.agent.count({ where: { accountId, name: 'Gql once' } })).toBe(1);
  });

  it('a request the server failed on (5xx) is not kept: the retry runs again', async () => {
    const res = await app.http.post('/v1/agents').set(idem('will-retry')).send({ name: 'ok' });
    expect(res.status).toBe(201);
    // A record is kept only for answers the work produced; after expiry it can be reused.
    await app.db.prisma.idempotencyRecord.updateMany({ where: { key: 'will-retry' }, data: { expiresAt: new Date(Date.now() - 1) } });
    const after = await app.http.post('/v1/agents').set(idem('will-retry')).send({ name: 'ok' });
    expect(after.headers['idempotent-replayed']).toBe('false');
    expect(await app.db.prisma.agent.count({ where: { accountId, name: 'ok' } })).toBe(2);
  });
});
