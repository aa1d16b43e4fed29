// GraphQL over WebSocket against the real server process: the per-address connection cap counts
// WebSockets too, and SIGTERM closes them with 1001 (idle ones at once, busy ones at the latest
// when SHUTDOWN_TIMEOUT_MS is reached), then the process exits 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, freshPostgresUrl } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { PROCESS_ADMIN_KEY, killAllServers, serverEnv, startServer, type StartedServer } from '../support/server-process.js';
import { rawGraphQLSocket, type RawGraphQLSocket } from '../support/ws.js';

describe('GraphQL over WebSocket (server process)', () => {
  let schema: string | undefined;
  let provider: ProviderServer;
  let server: StartedServer;
  let wsUrl: string;

  beforeAll(async () => {
    const fresh = freshPostgresUrl();
    schema = fresh.schema;
    provider = await startOpenAIServer();
    server = await startServer(
      await serverEnv({
        DATABASE_URL: fresh.url,
        ORION_ADMIN_KEY: PROCESS_ADMIN_KEY,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: provider.baseUrl,
        MAX_CONNECTIONS_PER_ADDRESS: '3',
        SHUTDOWN_TIMEOUT_MS: '1000',
      }),
    );
    wsUrl = `${server.url.replace(/^http/, 'ws')}/graphql`;
  });
  afterAll(async () => {
    await killAllServers();
    await provider?.close();
    if (schema) await dropPostgresSchema(schema);
  });

  it('counts WebSockets against MAX_CONNECTIONS_PER_ADDRESS; SIGTERM closes them with 1001 and exits 0', { timeout: 60_000 }, async () => {
    // Only WebSockets from here on (an HTTP client's kept-alive connection would count too).
    const sockets: RawGraphQLSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const socket = await rawGraphQLSocket(wsUrl);
      await socket.init({ Authorization: `Bearer ${PROCESS_ADMIN_KEY}` });
      sockets.push(socket);
    }
    const [created] = await sockets[0]!.run(
      'create',
      'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }',
      { input: { name: 'Slow', model: { provider: 'openai', name: 'gpt-test' } } },
    );
    const agent = created.payload.data.createAgent;
    // The fourth connection from this address is closed before it is upgraded.
    await expect(rawGraphQLSocket(wsUrl)).rejects.toThrow();

    // A reply far slower than SHUTDOWN_TIMEOUT_MS streams on the first socket.
    provider.mode = 'slow-stream';
    provider.streamDelayMs = 500;
    provider.reply = 'one two three four five six seven eight nine ten eleven twelve';
    const [busy, ...idle] = sockets as [RawGraphQLSocket, ...RawGraphQLSocket[]];
    busy.send({
      id: 'slow',
      type: 'subscribe',
      payload: {
        query: 'subscription($agentId: ID!, $input: SendMessageInput!) { sendMessageStream(agentId: $agentId, input: $input) { __typename } }',
        variables: { agentId: agent.id, input: { text: 'take your time', userId: 'ws-sigterm' } },
      },
    });
    await busy.waitFor((m) => m.id === 'slow' && m.type === 'next');

    const exit = server.stop('SIGTERM');
    for (const socket of [...idle, busy]) {
      const closed = await socket.closed;
      expect(closed.code).toBe(1001);
      expect(closed.reason).toMatch(/^SERVICE_UNAVAILABLE: The server is shutting down/);
    }
    expect(await exit).toEqual({ code: 0, signal: null });
  });
});
