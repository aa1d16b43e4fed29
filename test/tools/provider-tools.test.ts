import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { startAnthropicServer, startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { expectOneToolCallFirst, listen, postSse } from '../support/sse.js';
import { addTool, enablePlugin, setMaxToolSteps, setToolSecret, startToolReceiver, type ToolReceiver } from '../support/tools.js';

/** What OrionOS sent back to the model after running the tools: the tool results of the last request. */
function toolResultsSent(provider: 'openai' | 'anthropic', body: any): { id: string; content: string }[] {
  if (provider === 'openai') {
    return body.messages.filter((m: any) => m.role === 'tool').map((m: any) => ({ id: m.tool_call_id, content: String(m.content) }));
  }
  return body.messages
    .filter((m: any) => m.role === 'user' && Array.isArray(m.content))
    .flatMap((m: any) => m.content.filter((c: any) => c.type === 'tool_result'))
    .map((c: any) => ({ id: c.tool_use_id, content: typeof c.content === 'string' ? c.content : JSON.stringify(c.content) }));
}

/** Tool calling through the AI SDK against fake provider servers that call tools, then answer. */
describe.each([
  { provider: 'openai', start: startOpenAIServer, model: 'gpt-test', idPrefix: 'call_', usage: { inputTokens: 11, outputTokens: 7 } },
  { provider: 'anthropic', start: startAnthropicServer, model: 'claude-test', idPrefix: 'toolu_', usage: { inputTokens: 13, outputTokens: 5 } },
] as const)('$provider tool calling', ({ provider, start, model, idPrefix, usage }) => {
  let server: ProviderServer;
  let receiver: ToolReceiver;
  let app: TestApp;
  let key: string;
  let accountId: string;
  let agentId: string;
  let socket: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    server = await start();
    receiver = await startToolReceiver();
    app = await startTestApp('pglite', {
      modelTimeoutMs: 4_000,
      openaiApiKey: 'sk-test-openai-credential-0123456789',
      openaiBaseUrl: server.baseUrl,
      anthropicApiKey: 'sk-ant-test-credential-0123456789',
      anthropicBaseUrl: server.baseUrl,
      allowPrivateNetworks: true,
    });
    ({ key, accountId } = await app.newAccount());
    agentId = (
      await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Remote tools', model: { provider, name: model } })
    ).body.data.id;
    await enablePlugin(app, agentId, 'calculator');
    await enablePlugin(app, agentId, 'time');
    receiver.secret = await setToolSecret(app, agentId);
    await addTool(app, agentId, { name: 'inventory_lookup', description: 'Stock levels', url: receiver.url('/ok') });
    socket = await listen(app.app);
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
    await server?.close();
    await receiver?.close();
  });
  beforeEach(async () => {
    server.mode = 'ok';
    server.requests.length = 0;
    server.reply = 'The answer is 126.';
    server.toolCalls = [{ name: 'calculate', arguments: { expression: '(17 + 25) * 3' } }];
    server.toolRounds = 1;
    await setMaxToolSteps(app, agentId, 5);
  });

  const send = (text = 'What is (17 + 25) * 3?', userId = 'u1') =>
    app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text, userId });

  it('the model gets the tools, calls one, receives its result, then answers; usage sums both steps', async () => {
    const res = await send();
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe('The answer is 126.');
    expect(res.body.data.toolCalls).toEqual([
      {
        callId: `${idPrefix}0_0`,
        tool: 'calculate',
        arguments: { expression: '(17 + 25) * 3' },
        result: { expression: '(17 + 25) * 3', result: '126' },
        error: null,
        latencyMs: expect.any(Number),
      },
    ]);
    expect(res.body.data.usage).toEqual({
      inputTokens: usage.inputTokens * 2,
      outputTokens: usage.outputTokens * 2,
      totalTokens: (usage.inputTokens + usage.outputTokens) * 2,
    });
    expect(server.requests).toHaveLength(2);
    const offered = server.requests[0]!.body.tools.map((t: any) => t.name ?? t.function?.name).sort();
    expect(offered).toEqual(['calculate', 'current_time', 'inventory_lookup']);
    const sent = toolResultsSent(provider, server.requests[1]!.body);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.id).toBe(`${idPrefix}0_0`);
    expect(JSON.parse(sent[0]!.content.startsWith('[') ? JSON.parse(sent[0]!.content)[0].text : sent[0]!.content)).toEqual({
      expression: '(17 + 25) * 3',
      result: '126',
    });
    const stored = await app.db.prisma.message.findFirst({ where: { conversationId: res.body.data.conversationId, role: 'agent' }, orderBy: { id: 'desc' } });
    expect((stored!.toolCalls as any[])[0].id).toBe(`${idPrefix}0_0`);
  });

  it('a custom tool: the receiver verifies the signature, and its answer goes back to the model', async () => {
    server.toolCalls = [{ name: 'inventory_lookup', arguments: { query: 'widgets' } }];
    const before = receiver.calls.length;
    const res = await send('How many widgets are left?', 'custom');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'inventory_lookup', result: { ok: true, echo: { query: 'widgets' } }, error: null });
    const [received] = receiver.calls.slice(before);
    expect(received!.verifyError).toBeUndefined();
    expect(received!.verified).toMatchObject({ tool: 'inventory_lookup', arguments: { query: 'widgets' }, callId: `${idPrefix}0_0`, agentId });
    expect(toolResultsSent(provider, server.requests[1]!.body)[0]!.content).toContain('widgets');
  });

  it('invalid arguments from the model: recorded, the error goes back to the model, the send is 201', async () => {
    server.toolCalls = [{ name: 'calculate', arguments: { expression: 42 } }];
    const res = await send('Compute something', 'invalid');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({
      tool: 'calculate',
      arguments: { expression: 42 },
      result: null,
      error: { code: 'TOOL_INVALID_ARGUMENTS' },
    });
    expect(toolResultsSent(provider, server.requests[1]!.body)[0]!.content).toContain('TOOL_INVALID_ARGUMENTS');
  });

  it('several steps: every call recorded in order, one message of quota', async () => {
    server.toolRounds = 3;
    const usedBefore = (await app.http.get(`/v1/accounts/${accountId}`).set(bearer(app.adminKey))).body.data.messageUsage.used;
    const res = await send('Compute thrice', 'steps');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls.map((c: any) => c.callId)).toEqual([`${idPrefix}0_0`, `${idPrefix}1_0`, `${idPrefix}2_0`]);
    expect(server.requests).toHaveLength(4);
    const usedAfter = (await app.http.get(`/v1/accounts/${accountId}`).set(bearer(app.adminKey))).body.data.messageUsage.used;
    expect(usedAfter - usedBefore).toBe(1);
  });

  it('the step limit: the last allowed step may not call tools, so the answer ends in text', async () => {
    server.toolRounds = 10;
    await setMaxToolSteps(app, agentId, 2);
    const res = await send('Compute forever', 'limit');
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe('The answer is 126.');
    expect(res.body.data.toolCalls).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    const last = server.requests[1]!.body;
    if (provider === 'openai') expect(last.tool_choice).toBe('none');
    else expect(last.tool_choice?.type === 'none' || last.tools === undefined).toBe(true);
  });

  it('streamed: tool.call and tool.result in order with the deltas, the completed message records the call', async () => {
    const { status, events } = await postSse(`${socket.url}/v1/agents/${agentId}/messages`, bearer(key), {
      text: 'What is (17 + 25) * 3?',
      userId: 'stream',
      stream: true,
    });
    expect(status).toBe(200);
    expectOneToolCallFirst(events);
    expect(events[0]!.data).toEqual({ callId: `${idPrefix}0_0`, tool: 'calculate', arguments: { expression: '(17 + 25) * 3' } });
    const completed = events.at(-1)!.data;
    expect(completed.toolCalls).toEqual([events[1]!.data]);
    expect(events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta).join('')).toBe(completed.response);
    expect(toolResultsSent(provider, server.requests[1]!.body)).toHaveLength(1);
  });

  it('GraphQL: the same toolCalls as REST', async () => {
    const rest = await send('What is (17 + 25) * 3?', 'gql');
    const gql = await graphql(
      app,
      key,
      `mutation($a: ID!) { sendMessage(agentId: $a, input: { text: "What is (17 + 25) * 3?", userId: "gql" }) {
        toolCalls { callId tool arguments result error { code message } } } }`,
      { a: agentId },
    );
    const strip = (calls: any[]) => calls.map(({ latencyMs: _l, ...rest }) => rest);
    expect(gql.body.data.sendMessage.toolCalls).toEqual(strip(rest.body.data.toolCalls));
  });
});
