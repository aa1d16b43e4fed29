import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sealMcpHeaders } from '../../src/services/mcp/headers.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { useMcpServer, writeMcpServerRows } from '../support/mcp.js';
import { startMcpServer, type TestMcpServer } from '../support/mcp-server.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { expectOneToolCallFirst, listen, postSse } from '../support/sse.js';
import { addTool, setToolSecret } from '../support/tools.js';

const SECRET = 'Bearer mcp-secret';

/** The tool messages OrionOS sent back to the model in a request (OpenAI's chat format). */
const toolResultsSent = (body: any): { id: string; content: string }[] =>
  body.messages.filter((m: any) => m.role === 'tool').map((m: any) => ({ id: m.tool_call_id, content: String(m.content) }));

const offered = (body: any): { name: string; description: string; parameters: any }[] =>
  (body.tools ?? []).map((t: any) => t.function);

// Agents calling the tools of a real SDK MCP server on loopback, through the OpenAI-compatible
// fake provider (which calls the tools it is told to, then answers) and the local engine.
describe('agents call MCP tools during a send', () => {
  let provider: ProviderServer;
  let mcp: TestMcpServer;
  let app: TestApp;
  let key: string;
  let accountId: string;
  let socket: Awaited<ReturnType<typeof listen>>;

  const newAgent = async (name: string, model = { provider: 'openai', name: 'gpt-test' }, withKey = key) =>
    (await app.http.post('/v1/agents').set(bearer(withKey)).send({ name, model })).body.data.id as string;

  const send = (agentId: string, text = 'Use the tool', userId = 'u1', withKey = key) =>
    app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(withKey)).send({ text, userId });

  beforeAll(async () => {
    provider = await startOpenAIServer();
    mcp = await startMcpServer({ requireAuthorization: SECRET });
    app = await startTestApp('pglite', {
      modelTimeoutMs: 8_000,
      openaiApiKey: 'sk-test-openai-credential-0123456789',
      openaiBaseUrl: provider.baseUrl,
      allowPrivateNetworks: true,
    });
    ({ key, accountId } = await app.newAccount());
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await provider?.close();
    await mcp?.close();
  });
  beforeEach(() => {
    provider.mode = 'ok';
    provider.requests.length = 0;
    provider.reply = 'Done with the tool.';
    provider.toolCalls = [{ name: 'kit__echo', arguments: { text: 'hello' } }];
    provider.toolRounds = 1;
  });

  it('an agent with MCP servers and no plugins: the model is offered the tools, calls one, receives its result', async () => {
    const agentId = await newAgent('Echoer');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    const callsBefore = mcp.calls.length;
    const requestsBefore = mcp.requests.length;
    const res = await send(agentId, 'Echo hello please');
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe('Done with the tool.');
    expect(res.body.data.toolCalls).toEqual([
      { callId: 'call_0_0', tool: 'kit__echo', arguments: { text: 'hello' }, result: 'hello', error: null, latencyMs: expect.any(Number) },
    ]);
    // Offered under `<server>__<tool>`, with the server's schema and description.
    const tools = offered(provider.requests[0]!.body);
    expect(tools.map((t) => t.name).sort()).toEqual(['kit__add', 'kit__echo', 'kit__fail', 'kit__huge', 'kit__slow']);
    const echo = tools.find((t) => t.name === 'kit__echo')!;
    expect(echo.description).toContain('Echoes the text back.');
    expect(echo.parameters).toMatchObject({ type: 'object', properties: { text: { type: 'string', maxLength: 1000 } }, required: ['text'] });
    // The server ran the call with the arguments; the model got the result back.
    expect(mcp.calls.slice(callsBefore)).toEqual([{ tool: 'echo', arguments: { text: 'hello' } }]);
    const [sent] = toolResultsSent(provider.requests[1]!.body);
    expect(sent).toMatchObject({ id: 'call_0_0' });
    expect(sent!.content).toContain('hello');
    // Every request to the MCP server carried the header (it answers 401 without).
    const received = mcp.requests.slice(requestsBefore);
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((h) => h.authorization === SECRET)).toBe(true);
    // Stored with the reply, like any tool call.
    const stored = await app.db.prisma.message.findFirst({ where: { conversationId: res.body.data.conversationId, role: 'agent' }, orderBy: { id: 'desc' } });
    expect((stored!.toolCalls as any[])[0]).toMatchObject({ tool: 'kit__echo', result: 'hello' });
  });

  it('GraphQL sendMessage records the same calls as REST, results and errors alike', async () => {
    const agentId = await newAgent('Both protocols');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    provider.toolCalls = [
      { name: 'kit__echo', arguments: { text: 'hello' } },
      { name: 'kit__fail', arguments: {} },
    ];
    const rest = await send(agentId, 'Echo', 'gql');
    const gql = await graphql(
      app,
      key,
      `mutation($a: ID!) { sendMessage(agentId: $a, input: { text: "Echo", userId: "gql" }) {
        toolCalls { callId tool arguments result error { code message } } } }`,
      { a: agentId },
    );
    const strip = (calls: any[]) => calls.map(({ latencyMs: _l, ...call }) => call);
    expect(gql.body.data.sendMessage.toolCalls).toEqual(strip(rest.body.data.toolCalls));
    expect(gql.body.data.sendMessage.toolCalls).toEqual([
      expect.objectContaining({ tool: 'kit__echo', result: 'hello', error: null }),
      expect.objectContaining({ tool: 'kit__fail', result: null, error: { code: 'TOOL_FAILED', message: 'the tool failed on purpose' } }),
    ]);
  });

  it('structured results go to the model as given; one session per server per send however many calls', async () => {
    const agentId = await newAgent('Adder');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    const other = await startMcpServer();
    try {
      await useMcpServer(app, agentId, { url: other.url, name: 'other' });
      provider.toolCalls = [
        { name: 'kit__add', arguments: { a: 2, b: 40 } },
        { name: 'kit__echo', arguments: { text: 'x' } },
        { name: 'other__echo', arguments: { text: 'y' } },
      ];
      provider.toolRounds = 2;
      const before = { kit: mcp.initializations, other: other.initializations };
      const res = await send(agentId, 'Add and echo', 'sessions');
      expect(res.status).toBe(201);
      expect(res.body.data.toolCalls).toHaveLength(6);
      expect(res.body.data.toolCalls.every((c: any) => c.error === null)).toBe(true);
      expect(res.body.data.toolCalls.find((c: any) => c.tool === 'kit__add').result).toEqual({ sum: 42 });
      expect(toolResultsSent(provider.requests[1]!.body).find((r) => r.id === 'call_0_0')!.content).toContain('42');
      // Six calls, two servers: one initialised session each.
      expect(mcp.initializations - before.kit).toBe(1);
      expect(other.initializations - before.other).toBe(1);
      // A new send opens new sessions.
      provider.toolRounds = 1;
      await send(agentId, 'Again', 'sessions');
      expect(mcp.initializations - before.kit).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('a slow tool beyond the server timeout: TOOL_TIMEOUT recorded and told to the model, the send answers', async () => {
    const agentId = await newAgent('Patient');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET }, timeoutMs: 1_000 });
    provider.toolCalls = [{ name: 'kit__slow', arguments: { ms: 4_000 } }];
    const started = Date.now();
    const res = await send(agentId, 'Be slow', 'slow');
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(res.body.data.response).toBe('Done with the tool.');
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__slow', result: null, error: { code: 'TOOL_TIMEOUT' } });
    expect(toolResultsSent(provider.requests[1]!.body)[0]!.content).toContain('TOOL_TIMEOUT');
  });

  it('a failing tool: TOOL_FAILED with its text', async () => {
    const agentId = await newAgent('Failing');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    provider.toolCalls = [{ name: 'kit__fail', arguments: {} }];
    const res = await send(agentId, 'Fail', 'fail');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({
      tool: 'kit__fail',
      result: null,
      error: { code: 'TOOL_FAILED', message: 'the tool failed on purpose' },
    });
    expect(toolResultsSent(provider.requests[1]!.body)[0]!.content).toContain('the tool failed on purpose');
  });

  it('an answer over 64 KiB: TOOL_RESPONSE_TOO_LARGE', async () => {
    const agentId = await newAgent('Flooded');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    provider.toolCalls = [{ name: 'kit__huge', arguments: { bytes: 100_000 } }];
    const res = await send(agentId, 'Flood', 'huge');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__huge', result: null, error: { code: 'TOOL_RESPONSE_TOO_LARGE' } });
  });

  it('an MCP server that is down: TOOL_HTTP_ERROR recorded, not a 5xx', async () => {
    const agentId = await newAgent('Stranded');
    const gone = await startMcpServer();
    await useMcpServer(app, agentId, { url: gone.url, name: 'gone' });
    await gone.close();
    provider.toolCalls = [
      { name: 'gone__echo', arguments: { text: 'a' } },
      { name: 'gone__add', arguments: { a: 1, b: 2 } },
    ];
    const res = await send(agentId, 'Anyone there?', 'down');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls.map((c: any) => c.error?.code)).toEqual(['TOOL_HTTP_ERROR', 'TOOL_HTTP_ERROR']);
  });

  it('arguments that do not satisfy the tool schema: TOOL_INVALID_ARGUMENTS, the server is not called', async () => {
    const agentId = await newAgent('Strict');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    provider.toolCalls = [{ name: 'kit__echo', arguments: { text: 5 } }];
    const callsBefore = mcp.calls.length;
    const res = await send(agentId, 'Bad arguments', 'invalid');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__echo', error: { code: 'TOOL_INVALID_ARGUMENTS' } });
    expect(mcp.calls.length).toBe(callsBefore);
  });

  it('a tool schema ajv cannot compile does not stop the calls: the server validates', async () => {
    const agentId = await newAgent('Lenient');
    const { mcpServerId } = await useMcpServer(app, agentId, { url: mcp.url, name: 'odd', headers: { authorization: SECRET } });
    // A server whose schema refers outside itself (ajv cannot resolve it).
    const server = await app.db.prisma.mcpServer.findUniqueOrThrow({ where: { id: mcpServerId } });
    const tools = (server.tools as any[]).map((t) =>
      t.name === 'echo' ? { ...t, inputSchema: { type: 'object', properties: { text: { $ref: 'https://schemas.example/text.json' } } } } : t,
    );
    await app.db.prisma.mcpServer.update({ where: { id: mcpServerId }, data: { tools } });
    provider.toolCalls = [{ name: 'odd__echo', arguments: { text: 'through' } }];
    const res = await send(agentId, 'Odd schema', 'odd');
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'odd__echo', result: 'through', error: null });
    // The server still checks its own arguments.
    provider.toolCalls = [{ name: 'odd__echo', arguments: { text: 5 } }];
    const bad = await send(agentId, 'Odd schema again', 'odd');
    expect(bad.status).toBe(201);
    expect(bad.body.data.toolCalls[0]).toMatchObject({ tool: 'odd__echo', result: null, error: { code: 'TOOL_FAILED' } });
  });

  it('only the chosen tools are offered when the agent names some', async () => {
    const agentId = await newAgent('Chooser');
    const { mcpServerId } = await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET }, tools: ['echo', 'add'] });
    const res = await send(agentId, 'Echo', 'chosen');
    expect(res.status).toBe(201);
    expect(offered(provider.requests[0]!.body).map((t) => t.name).sort()).toEqual(['kit__add', 'kit__echo']);
    // A chosen tool the server stopped listing (seen at a later refresh) is simply not offered.
    await app.db.prisma.agentMcpServer.update({
      where: { agentId_mcpServerId: { agentId, mcpServerId } },
      data: { tools: ['echo', 'add', 'gone-since'] },
    });
    provider.requests.length = 0;
    expect((await send(agentId, 'Echo', 'chosen')).status).toBe(201);
    expect(offered(provider.requests[0]!.body).map((t) => t.name).sort()).toEqual(['kit__add', 'kit__echo']);
  });

  it('names collide: a custom tool keeps its name, the MCP tool gets a suffix, both are offered', async () => {
    const agentId = await newAgent('Crowded');
    await setToolSecret(app, agentId);
    await addTool(app, agentId, { name: 'kit__echo', description: 'A custom tool', url: 'http://127.0.0.1:9/none' });
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET }, tools: ['echo'] });
    provider.toolCalls = undefined;
    await send(agentId, 'Hi', 'collide');
    const names = offered(provider.requests[0]!.body).map((t) => t.name);
    expect(names).toHaveLength(2);
    expect(names).toContain('kit__echo');
    const renamed = names.find((n) => n !== 'kit__echo')!;
    expect(renamed).toMatch(/^kit__echo_[0-9a-f]{6}$/);
    // The same name on every send.
    await send(agentId, 'Hi again', 'collide');
    expect(offered(provider.requests[1]!.body).map((t) => t.name)).toContain(renamed);
    provider.toolCalls = [{ name: renamed, arguments: { text: 'renamed' } }];
    const res = await send(agentId, 'Echo', 'collide2');
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: renamed, result: 'renamed' });
  });

  it('header values that no longer open (the server key changed): TOOL_FAILED saying so', async () => {
    const agentId = await newAgent('Rotated');
    const { mcpServerId } = await useMcpServer(app, agentId, { url: mcp.url, name: 'rotated', headers: { authorization: SECRET } });
    await app.db.prisma.mcpServer.update({
      where: { id: mcpServerId },
      data: { headers: sealMcpHeaders(`another-server-key-${'k'.repeat(32)}`, mcpServerId, { authorization: SECRET }) },
    });
    provider.toolCalls = [{ name: 'rotated__echo', arguments: { text: 'a' } }];
    const res = await send(agentId, 'Echo', 'rotated');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({ error: { code: 'TOOL_FAILED', message: expect.stringContaining('server key changed') } });
  });

  it('streamed: tool.call and tool.result for the MCP tool, then the deltas and message.completed', async () => {
    const agentId = await newAgent('Streamer');
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    const before = mcp.initializations;
    const { status, events } = await postSse(`${socket.url}/v1/agents/${agentId}/messages`, bearer(key), {
      text: 'Echo hello',
      userId: 'stream',
      stream: true,
    });
    expect(status).toBe(200);
    expectOneToolCallFirst(events);
    expect(events[0]!.data).toEqual({ callId: 'call_0_0', tool: 'kit__echo', arguments: { text: 'hello' } });
    expect(events[1]!.data).toMatchObject({ callId: 'call_0_0', tool: 'kit__echo', result: 'hello', error: null });
    expect(events.at(-1)!.data.toolCalls).toEqual([events[1]!.data]);
    expect(mcp.initializations - before).toBe(1);
  });

  it('the local engine calls an MCP tool by rule', async () => {
    const agentId = await newAgent('Offline', { provider: 'local', name: 'local' });
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', headers: { authorization: SECRET }, tools: ['echo', 'add'] });
    const quoted = await send(agentId, 'Please echo "hello there"', 'local');
    expect(quoted.status).toBe(201);
    expect(quoted.body.data.toolCalls).toEqual([
      expect.objectContaining({ tool: 'kit__echo', arguments: { text: 'hello there' }, result: 'hello there', error: null }),
    ]);
    expect(quoted.body.data.response).toBe('The kit__echo tool answered: "hello there"');
    const plain = await send(agentId, 'echo hello', 'local');
    expect(plain.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__echo', arguments: { text: 'echo hello' }, result: 'echo hello' });
    const sum = await send(agentId, 'Sum the numbers 2 and 40', 'local');
    expect(sum.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__add', arguments: { a: 2, b: 40 }, result: { sum: 42 } });
  });

  it('isolation: a forged enabling of another account’s server gives the agent nothing', async () => {
    const owner = await newAgent('Owner');
    const { mcpServerId } = await useMcpServer(app, owner, { url: mcp.url, name: 'kit', headers: { authorization: SECRET } });
    const other = await app.newAccount('Other account');
    const intruder = await newAgent('Intruder', { provider: 'openai', name: 'gpt-test' }, other.key);
    // What a stale or forged id would look like: both the id on the agent and an enabling row.
    await app.db.prisma.agent.update({ where: { id: intruder }, data: { enabledMcpServers: [mcpServerId] } });
    await app.db.prisma.agentMcpServer.create({ data: { agentId: intruder, mcpServerId, accountId: other.accountId, allTools: true } });
    const callsBefore = mcp.calls.length;
    const res = await send(intruder, 'Echo', 'intruder', other.key);
    expect(res.status).toBe(201);
    expect(provider.requests[0]!.body.tools).toBeUndefined();
    expect(res.body.data.toolCalls).toEqual([]);
    expect(mcp.calls.length).toBe(callsBefore);
  });
});

describe('MCP tools under the outbound rules', () => {
  let provider: ProviderServer;
  let mcp: TestMcpServer;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startOpenAIServer();
    mcp = await startMcpServer();
    // ORION_ALLOW_PRIVATE_NETWORKS off: a loopback MCP server is refused (the model server is
    // the operator's own configuration, not an outbound call).
    app = await startTestApp('pglite', { openaiApiKey: 'sk-test-openai-credential-0123456789', openaiBaseUrl: provider.baseUrl });
  });
  afterAll(async () => {
    await app?.close();
    await provider?.close();
    await mcp?.close();
  });

  it('a private address: TOOL_NETWORK_REFUSED, nothing reaches the server, the send answers', async () => {
    const { key } = await app.newAccount();
    const agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Fenced', model: { provider: 'openai', name: 'gpt-test' } })).body
      .data.id;
    // Registered while the operator allowed private networks (the API refuses it now).
    await writeMcpServerRows(app, agentId, { url: mcp.url, name: 'kit' });
    const requestsBefore = mcp.requests.length;
    provider.toolCalls = [{ name: 'kit__echo', arguments: { text: 'hello' } }];
    provider.reply = 'Could not.';
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'Echo', userId: 'u1' });
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__echo', error: { code: 'TOOL_NETWORK_REFUSED' } });
    expect(mcp.requests.length).toBe(requestsBefore);
  });
});

// Tool calls of a send share its model time: those that would run past what the model's last
// turn needs time out (TOOL_TIMEOUT, told to the model), never the send (503, the turn lost).
describe('MCP tools slower than the send allows', () => {
  let provider: ProviderServer;
  let mcp: TestMcpServer;
  let app: TestApp;

  beforeAll(async () => {
    provider = await startOpenAIServer();
    mcp = await startMcpServer();
    app = await startTestApp('pglite', {
      modelTimeoutMs: 4_000,
      openaiApiKey: 'sk-test-openai-credential-0123456789',
      openaiBaseUrl: provider.baseUrl,
      allowPrivateNetworks: true,
    });
  });
  afterAll(async () => {
    await app?.close();
    await provider?.close();
    await mcp?.close();
  });

  it('a tool within its server timeout but past the send’s tool time: TOOL_TIMEOUT, and the send answers 201', async () => {
    const { key } = await app.newAccount();
    const agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Hurried', model: { provider: 'openai', name: 'gpt-test' } }))
      .body.data.id;
    // The server allows 10 s a request; the send has 4 s, of which 1 s is kept for the answer.
    await useMcpServer(app, agentId, { url: mcp.url, name: 'kit', timeoutMs: 10_000 });
    provider.toolCalls = [{ name: 'kit__slow', arguments: { ms: 3_500 } }];
    provider.toolRounds = 1;
    provider.reply = 'It took too long.';
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'Be slow', userId: 'u1' });
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe('It took too long.');
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'kit__slow', result: null, error: { code: 'TOOL_TIMEOUT' } });
    expect(toolResultsSent(provider.requests.at(-1)!.body)[0]!.content).toContain('TOOL_TIMEOUT');
  });
});
