import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { expectOneToolCallFirst, listen, postSse } from '../support/sse.js';
import { enablePlugin, setMaxToolSteps } from '../support/tools.js';

const TOOL_CALL_FIELDS = 'callId tool arguments result error { code message } latencyMs';

// The local engine uses the built-in tools by rule: offline, deterministic, in tests.
describe.each(STORAGES)('local engine tool use (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Toolful' })).body.data.id;
    await enablePlugin(app, agentId, 'calculator');
    await enablePlugin(app, agentId, 'time', { defaultTimeZone: 'Asia/Tokyo' });
  });
  afterAll(() => app?.close());

  const send = (text: string, userId = 'u1', id = agentId) =>
    app.http.post(`/v1/agents/${id}/messages`).set(bearer(key)).send({ text, userId });

  it('an arithmetic question calls calculate and the reply gives the result', async () => {
    const res = await send('What is (17 + 25) * 3?');
    expect(res.status).toBe(201);
    expect(res.body.data.response).toBe('(17 + 25) * 3 = 126');
    expect(res.body.data.toolCalls).toEqual([
      {
        callId: expect.stringMatching(/^call_/),
        tool: 'calculate',
        arguments: { expression: '(17 + 25) * 3' },
        result: { expression: '(17 + 25) * 3', result: '126' },
        error: null,
        latencyMs: expect.any(Number),
      },
    ]);
  });

  it('a question about the time calls current_time, in the zone named or the configured default', async () => {
    const paris = await send('What time is it in Europe/Paris?');
    expect(paris.status).toBe(201);
    expect(paris.body.data.response).toMatch(/^It is \d\d:\d\d in Europe\/Paris: /);
    const [call] = paris.body.data.toolCalls;
    expect(call).toMatchObject({ tool: 'current_time', arguments: { timeZone: 'Europe/Paris' }, error: null });
    expect(call.result.iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    const fallback = await send('what is the time now?');
    expect(fallback.body.data.toolCalls[0]).toMatchObject({ tool: 'current_time', arguments: {}, result: { timeZone: 'Asia/Tokyo' } });
    expect(fallback.body.data.toolCalls[0].result.iso).toMatch(/\+09:00$/);
  });

  it('a failing tool is recorded and told, and the send is still 201', async () => {
    const zero = await send('What is 1 / 0?');
    expect(zero.status).toBe(201);
    expect(zero.body.data.toolCalls[0]).toMatchObject({ tool: 'calculate', result: null, error: { code: 'TOOL_FAILED' } });
    expect(zero.body.data.response).toContain('TOOL_FAILED');
    const zone = await send('What time is it in Europe/Atlantis?');
    expect(zone.status).toBe(201);
    expect(zone.body.data.toolCalls[0]).toMatchObject({
      tool: 'current_time',
      arguments: { timeZone: 'Europe/Atlantis' },
      error: { code: 'TOOL_INVALID_ARGUMENTS', message: expect.stringContaining('Europe/Atlantis') },
    });
  });

  it('no tool for a request about none, and none for an agent without plugins (toolCalls empty)', async () => {
    const plain = await send('Hello, how are you?');
    expect(plain.body.data.toolCalls).toEqual([]);
    const bare = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Bare' })).body.data.id;
    const res = await send('What is 2 + 2?', 'u1', bare);
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls).toEqual([]);
    expect(res.body.data.response).not.toContain('= 4');
  });

  it('a step limit of 1 leaves no step for a tool', async () => {
    const limited = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Limited' })).body.data.id;
    await enablePlugin(app, limited, 'calculator');
    await setMaxToolSteps(app, limited, 1);
    const res = await send('What is 2 + 2?', 'u1', limited);
    expect(res.body.data.toolCalls).toEqual([]);
  });

  it('REST and GraphQL give the same toolCalls, in the send and in the history', async () => {
    const rest = await send('Compute 6 * 7', 'parity');
    const gql = await graphql(
      app,
      key,
      `mutation($a: ID!) { sendMessage(agentId: $a, input: { text: "Compute 6 * 7", userId: "parity" }) { toolCalls { ${TOOL_CALL_FIELDS} } } }`,
      { a: agentId },
    );
    const strip = (calls: any[]) => calls.map(({ callId: _c, latencyMs: _l, ...rest }) => rest);
    expect(strip(gql.body.data.sendMessage.toolCalls)).toEqual(strip(rest.body.data.toolCalls));
    expect(rest.body.data.toolCalls[0].result.result).toBe('42');

    const conversationId = rest.body.data.conversationId;
    const history = await app.http.get(`/v1/conversations/${conversationId}/messages?limit=100`).set(bearer(key));
    const replies = history.body.data.items.filter((m: any) => m.role === 'agent');
    const users = history.body.data.items.filter((m: any) => m.role === 'user');
    expect(replies).toHaveLength(2);
    for (const reply of replies) expect(strip(reply.toolCalls)).toEqual(strip(rest.body.data.toolCalls));
    expect(replies.map((r: any) => r.toolCalls[0].callId)).toContain(rest.body.data.toolCalls[0].callId);
    for (const user of users) expect(user.toolCalls).toEqual([]);

    const gqlHistory = await graphql(
      app,
      key,
      `query($c: ID!) { conversation(id: $c) { messages(limit: 100) { nodes { id role toolCalls { ${TOOL_CALL_FIELDS} } } } } }`,
      { c: conversationId },
    );
    const byId = new Map(history.body.data.items.map((m: any) => [m.id, m.toolCalls]));
    for (const node of gqlHistory.body.data.conversation.messages.nodes) expect(node.toolCalls).toEqual(byId.get(node.id));
  });

  it('a stream reports tool.call and tool.result before the deltas, and completes with toolCalls', async () => {
    const server = await listen(app.app);
    try {
      const { status, events } = await postSse(`${server.url}/v1/agents/${agentId}/messages`, bearer(key), {
        text: 'What is 2 ^ 10?',
        userId: 'stream',
        stream: true,
      });
      expect(status).toBe(200);
      expectOneToolCallFirst(events);
      const [call, result] = events.map((e) => e.data);
      expect(call).toEqual({ callId: expect.stringMatching(/^call_/), tool: 'calculate', arguments: { expression: '2 ^ 10' } });
      expect(result).toMatchObject({ callId: call.callId, tool: 'calculate', result: { result: '1024' }, error: null });
      const completed = events.at(-1)!.data;
      expect(completed.toolCalls).toEqual([result]);
      const text = events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta).join('');
      expect(text).toBe(completed.response);
    } finally {
      await server.close();
    }
  });
});
