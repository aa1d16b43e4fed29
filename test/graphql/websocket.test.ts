// GraphQL over WebSocket (graphql-ws), the subscription transport Apollo Client's GraphQLWsLink and
// urql use by default: the same keys, scopes, limits and error codes as over HTTP.
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import type { Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../../src/services/api-keys.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';
import { rawGraphQLSocket } from '../support/ws.js';

const STREAM = `subscription Stream($agentId: ID!, $input: SendMessageInput!) {
  sendMessageStream(agentId: $agentId, input: $input) {
    __typename
    ... on MessageDelta { delta }
    ... on MessageCompleted { message { messageId response conversationId } }
  }
}`;

function collect<T>(observable: Observable<T>): Promise<{ values: T[]; error?: unknown }> {
  return new Promise((resolve) => {
    const values: T[] = [];
    observable.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => resolve({ values, error }),
      complete: () => resolve({ values }),
    });
  });
}

describe('GraphQL over WebSocket (graphql-ws)', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;
  let accountId: string;
  let agent: { id: string };

  beforeAll(async () => {
    app = await startTestApp('pglite');
    socket = await listen(app.app, app.websockets);
    ({ key, accountId } = await app.newAccount());
    agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Streamer', personality: { tone: 'warm' } })).body.data;
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  const apollo = (connectionParams: Record<string, unknown>) => {
    const wsClient = createClient({ url: socket.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
    const client = new ApolloClient({
      link: new GraphQLWsLink(wsClient),
      cache: new InMemoryCache({ possibleTypes: { MessageStreamEvent: ['MessageDelta', 'MessageCompleted'] } }),
    });
    return { client, dispose: () => wsClient.dispose() };
  };

  it('Apollo GraphQLWsLink: sendMessageStream streams deltas then the completed message', async () => {
    const { client, dispose } = apollo({ Authorization: `Bearer ${key}` });
    try {
      const { values, error } = await collect(
        client.subscribe({
          query: gql(STREAM),
          variables: { agentId: agent.id, input: { text: 'I feel happy today', userId: 'ws-apollo' } },
          fetchPolicy: 'no-cache',
        }),
      );
      expect(error).toBeUndefined();
      const events = values.map((v: any) => v.data.sendMessageStream);
      const deltas = events.filter((e) => e.__typename === 'MessageDelta').map((e) => e.delta);
      expect(deltas.length).toBeGreaterThan(1);
      const completed = events.at(-1);
      expect(completed.__typename).toBe('MessageCompleted');
      expect(deltas.join('')).toBe(completed.message.response);
      const stored = await app.http.get(`/v1/conversations/${completed.message.conversationId}`).set(bearer(key));
      expect(stored.status).toBe(200);
    } finally {
      await dispose();
    }
  });

  it('Apollo GraphQLWsLink: queries and mutations run too, with the key of connection_init', async () => {
    const { client, dispose } = apollo({ authorization: `Bearer ${key}` });
    try {
      const viewer = await client.query({ query: gql`query Me { viewer { id } }`, fetchPolicy: 'no-cache' });
      expect((viewer.data as any).viewer.id).toBe(accountId);
      const created = await client.mutate({
        mutation: gql`mutation Make($input: CreateAgentInput!) { createAgent(input: $input) { id name } }`,
        variables: { input: { name: 'Made over a socket' } },
      });
      expect((created.data as any).createAgent.name).toBe('Made over a socket');
    } finally {
      await dispose();
    }
  });

  it('accepts the key as `apiKey` or in the upgrade request’s Authorization header', async () => {
    const byApiKey = await rawGraphQLSocket(socket.wsUrl);
    await byApiKey.init({ apiKey: key });
    const [viewer] = await byApiKey.run('1', '{ viewer { id } }');
    expect(viewer.payload.data.viewer.id).toBe(accountId);
    byApiKey.socket.close();
    const byHeader = await rawGraphQLSocket(socket.wsUrl, { headers: bearer(key) });
    await byHeader.init();
    expect((await byHeader.run('1', '{ viewer { id } }'))[0].payload.data.viewer.id).toBe(accountId);
    byHeader.socket.close();
  });

  it('refuses a missing key with 4401 and an invalid one with 4403, the code in the reason', async () => {
    const missing = await rawGraphQLSocket(socket.wsUrl);
    missing.send({ type: 'connection_init' });
    const missingClosed = await missing.closed;
    expect(missingClosed.code).toBe(4401);
    expect(missingClosed.reason).toMatch(/^UNAUTHORIZED: Missing API key/);

    const invalid = await rawGraphQLSocket(socket.wsUrl);
    invalid.send({ type: 'connection_init', payload: { Authorization: 'Bearer orn_live_nope' } });
    expect(await invalid.closed).toEqual({ code: 4403, reason: 'UNAUTHORIZED: Invalid API key' });
    expect(invalid.messages).toEqual([]);

    // What an Apollo user sees.
    const { client, dispose } = apollo({ Authorization: 'Bearer orn_live_nope' });
    const { values, error } = await collect(client.subscribe({ query: gql(STREAM), variables: { agentId: agent.id, input: { text: 'x', userId: 'y' } } }));
    expect(String((error ?? (values[0] as any)?.error)?.message)).toContain('4403 UNAUTHORIZED: Invalid API key');
    await dispose();
  });

  it('every operation error carries the REST code: FORBIDDEN, AGENT_NOT_FOUND, INVALID_REQUEST, INSUFFICIENT_QUOTA', async () => {
    const readOnly = await app.keyWithScopes(accountId, ['agents:read']);
    const narrow = await rawGraphQLSocket(socket.wsUrl);
    await narrow.init({ Authorization: `Bearer ${readOnly}` });
    const forbidden = await narrow.run('1', STREAM, { agentId: agent.id, input: { text: 'hi', userId: 'u' } });
    const forbiddenErrors = forbidden.flatMap((m) => m.payload?.errors ?? (Array.isArray(m.payload) ? m.payload : []));
    expect(forbiddenErrors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'messages:write' } });
    expect(forbiddenErrors[0].extensions.requestId).toMatch(/^req_/);
    expect(forbiddenErrors[0].extensions.http).toBeUndefined();
    narrow.socket.close();

    const full = await rawGraphQLSocket(socket.wsUrl);
    await full.init({ Authorization: `Bearer ${key}` });
    const errorsOf = (messages: any[]) => messages.flatMap((m) => m.payload?.errors ?? (Array.isArray(m.payload) ? m.payload : []));
    const unknown = errorsOf(await full.run('2', STREAM, { agentId: 'agt_01J00000000000000000000000', input: { text: 'hi', userId: 'u' } }));
    expect(unknown[0].extensions.code).toBe('AGENT_NOT_FOUND');
    const invalid = errorsOf(await full.run('3', STREAM, { agentId: agent.id, input: { text: '', userId: 'u' } }));
    expect(invalid[0].extensions.code).toBe('INVALID_REQUEST');
    const syntax = errorsOf(await full.run('4', 'subscription {'));
    expect(syntax[0].extensions.code).toBe('INVALID_REQUEST');
    full.socket.close();

    const poor = await app.newAccount('ws-quota', { monthlyMessageQuota: 1 });
    const poorAgent = (await app.http.post('/v1/agents').set(bearer(poor.key)).send({ name: 'Q' })).body.data;
    expect((await app.http.post(`/v1/agents/${poorAgent.id}/messages`).set(bearer(poor.key)).send({ text: 'one', userId: 'q' })).status).toBe(201);
    const quota = await rawGraphQLSocket(socket.wsUrl);
    await quota.init({ Authorization: `Bearer ${poor.key}` });
    const exhausted = errorsOf(await quota.run('1', STREAM, { agentId: poorAgent.id, input: { text: 'two', userId: 'q' } }));
    expect(exhausted[0].extensions.code).toBe('INSUFFICIENT_QUOTA');
    quota.socket.close();
  });

  it('each operation counts as one request against the account’s rate limit', async () => {
    const limited = await app.newAccount('ws-limited', { rateLimitPerMinute: 2 });
    const raw = await rawGraphQLSocket(socket.wsUrl);
    await raw.init({ Authorization: `Bearer ${limited.key}` });
    expect((await raw.run('1', '{ viewer { id } }'))[0].payload.data.viewer.id).toBe(limited.accountId);
    expect((await raw.run('2', '{ viewer { id } }'))[0].payload.data.viewer.id).toBe(limited.accountId);
    const [third] = await raw.run('3', '{ viewer { id } }');
    expect(third.type).toBe('error');
    expect(third.payload[0].extensions).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 2 } });
    // The same counter as HTTP's.
    const overHttp = await app.http.get('/v1/agents').set(bearer(limited.key));
    expect([overHttp.status, overHttp.body.error.code]).toEqual([429, 'RATE_LIMIT_EXCEEDED']);
    raw.socket.close();
  });

  it('a key revoked while connected: the next operation is refused and the socket closed (4403)', async () => {
    const { apiKey, secret } = await createApiKey(app.db.prisma, { accountId, name: 'short-lived', scopes: ['agents:read'] });
    const raw = await rawGraphQLSocket(socket.wsUrl);
    await raw.init({ Authorization: `Bearer ${secret}` });
    expect((await raw.run('1', '{ viewer { id } }'))[0].payload.data.viewer.id).toBe(accountId);
    const revoked = await app.http.delete(`/v1/api-keys/${apiKey.id}`).set(bearer(key));
    expect(revoked.status).toBe(200);
    const [refused] = await raw.run('2', '{ viewer { id } }');
    expect(refused.type).toBe('error');
    expect(refused.payload[0].extensions.code).toBe('UNAUTHORIZED');
    expect(await raw.closed).toEqual({ code: 4403, reason: 'UNAUTHORIZED: This API key has been revoked' });
  });

  it('speaks only graphql-transport-ws, only on /graphql', async () => {
    // subscriptions-transport-ws's protocol: no subprotocol is agreed, so the client gives up.
    await expect(rawGraphQLSocket(socket.wsUrl, { protocol: 'graphql-ws' })).rejects.toThrow(/no subprotocol/);
    await expect(rawGraphQLSocket(socket.wsUrl.replace('/graphql', '/v1/agents'))).rejects.toThrow(/404/);
  });

  it('shutdown: idle sockets close with 1001 at once, busy ones once their operation ends; new upgrades get 503', async () => {
    const idle = await rawGraphQLSocket(socket.wsUrl);
    await idle.init({ Authorization: `Bearer ${key}` });
    const busy = await rawGraphQLSocket(socket.wsUrl);
    await busy.init({ Authorization: `Bearer ${key}` });
    busy.send({ id: 's', type: 'subscribe', payload: { query: STREAM, variables: { agentId: agent.id, input: { text: 'I feel happy today', userId: 'ws-shutdown' } } } });
    await busy.waitFor((m) => m.id === 's' && m.type === 'next');
    app.state.shuttingDown = true;
    try {
      app.websockets.drain();
      expect((await idle.closed).code).toBe(1001);
      const busyClosed = await busy.closed;
      expect(busyClosed.code).toBe(1001);
      expect(busyClosed.reason).toMatch(/^SERVICE_UNAVAILABLE/);
      const events = busy.messages.filter((m) => m.id === 's');
      expect(events.at(-1).type).toBe('complete');
      expect(events.at(-2).payload.data.sendMessageStream.__typename).toBe('MessageCompleted');
      await expect(rawGraphQLSocket(socket.wsUrl)).rejects.toThrow(/503/);
    } finally {
      app.state.shuttingDown = false;
    }
  });
});
