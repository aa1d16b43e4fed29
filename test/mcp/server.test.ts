// OrionOS as an MCP server: the SDK's own Client over Streamable HTTP against a listening app.
// Every tool's answer is compared with what REST gives for the same thing (data and error codes),
// with keys of two accounts and keys lacking scopes; limits (rate, quota, body) and the methods
// the stateless endpoint refuses are checked at the HTTP level.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

type Listening = Awaited<ReturnType<typeof listen>>;

describe.each(STORAGES)('MCP server at /mcp on %s', (storage) => {
  let t: TestApp;
  let server: Listening;
  let a: { accountId: string; key: string };
  let b: { accountId: string; key: string };
  let agentId: string;
  let otherAgentId: string;
  const clients: Client[] = [];

  async function connect(key: string | undefined, url = server.url): Promise<Client> {
    const client = new Client({ name: 'orionos-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: key === undefined ? {} : { headers: bearer(key) },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    // Whatever the outcome, the text content is the structured content as JSON.
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(result.structuredContent) }]);
    return result;
  }

  /** A failed call: isError, REST's error envelope; returns the error object. */
  function failed(result: CallToolResult) {
    expect(result.isError).toBe(true);
    const envelope = result.structuredContent as { success: boolean; error: Record<string, unknown> };
    expect(envelope.success).toBe(false);
    expect(Object.keys(envelope.error).sort()).toEqual(['code', 'details', 'message', 'requestId']);
    expect(envelope.error['requestId']).toMatch(/^req_/);
    return envelope.error;
  }

  /** The same error REST gives, request id aside. */
  function sameError(mcp: Record<string, unknown>, rest: { body: { error: Record<string, unknown> } }) {
    const { requestId: _m, ...fromMcp } = mcp;
    const { requestId: _r, ...fromRest } = rest.body.error;
    expect(fromMcp).toEqual(fromRest);
  }

  const messageCount = () => t.db.prisma.message.count({ where: { agentId } });

  beforeAll(async () => {
    t = await startTestApp(storage);
    server = await listen(t.app);
    a = await t.newAccount('MCP A');
    b = await t.newAccount('MCP B');
    const created = await t.http
      .post('/v1/agents')
      .set(bearer(a.key))
      .send({ name: 'Barista', description: 'Knows coffee', personality: { traits: ['warm'] } });
    expect(created.status).toBe(201);
    agentId = created.body.data.id;
    otherAgentId = (await t.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Second' })).body.data.id;
    const doc = await t.http
      .post(`/v1/agents/${agentId}/knowledge`)
      .set(bearer(a.key))
      .send({ title: 'Warranty', text: '# Warranty\n\nThe espresso machine has a two-year warranty covering the pump and the boiler.' });
    expect(doc.status).toBe(201);
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await server?.close();
    await t?.close();
  });

  it('initializes as orionos with instructions, and lists the four tools with bounded input schemas', async () => {
    const client = await connect(a.key);
    expect(client.getServerVersion()).toEqual({ name: 'orionos', version: VERSION });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toContain('send_message');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['list_agents', 'get_agent', 'send_message', 'search_knowledge']);
    const send = tools.find((tool) => tool.name === 'send_message')!;
    expect(send.inputSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['agentId', 'text'],
      properties: { text: { type: 'string', minLength: 1, maxLength: 16_000 }, userId: { maxLength: 128 } },
    });
    expect(send.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    const list = tools.find((tool) => tool.name === 'list_agents')!;
    expect(list.inputSchema.properties).toMatchObject({ first: { type: 'integer', minimum: 1, maximum: 100 } });
    expect(list.annotations).toMatchObject({ readOnlyHint: true });
    expect(tools.find((tool) => tool.name === 'search_knowledge')!.inputSchema).toMatchObject({
      required: ['agentId', 'query'],
      properties: { query: { maxLength: 200 }, limit: { minimum: 1, maximum: 20 } },
    });
  });

  it('list_agents and get_agent answer the agents as REST gives them; list_agents pages by cursor', async () => {
    const client = await connect(a.key);
    const rest = await t.http.get('/v1/agents').set(bearer(a.key));
    const all = await call(client, 'list_agents', {});
    expect(all.isError).toBeUndefined();
    expect(all.structuredContent).toEqual({
      items: rest.body.data.items,
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
      totalCount: 2,
    });
    const first = (await call(client, 'list_agents', { first: 1 })).structuredContent as any;
    expect(first.items.map((agent: { id: string }) => agent.id)).toEqual([otherAgentId]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await call(client, 'list_agents', { first: 1, after: first.pageInfo.endCursor })).structuredContent as any;
    expect(second.items.map((agent: { id: string }) => agent.id)).toEqual([agentId]);
    expect(second.pageInfo.hasNextPage).toBe(false);

    const one = await call(client, 'get_agent', { agentId });
    expect(one.structuredContent).toEqual((await t.http.get(`/v1/agents/${agentId}`).set(bearer(a.key))).body.data);
  });

  it('send_message answers what REST answers, and both turns are stored as REST reads them back', async () => {
    const client = await connect(a.key);
    const sent = await call(client, 'send_message', { agentId, text: 'What does the warranty cover?' });
    expect(sent.isError).toBeUndefined();
    const reply = sent.structuredContent as any;
    // Without a userId: the key's own conversation.
    expect(reply.userId).toMatch(/^mcp:key_/);
    expect(reply).toMatchObject({ agentId, text: 'What does the warranty cover?', model: expect.any(String) });
    expect(reply.response.length).toBeGreaterThan(0);
    expect(reply.usage.totalTokens).toBeGreaterThan(0);
    expect(reply.citations.length).toBeGreaterThan(0);

    // REST in the same conversation answers an object of exactly the same shape.
    const viaRest = await t.http
      .post(`/v1/agents/${agentId}/messages`)
      .set(bearer(a.key))
      .send({ userId: reply.userId, conversationId: reply.conversationId, text: 'And the boiler?' });
    expect(viaRest.status).toBe(201);
    expect(Object.keys(reply).sort()).toEqual(Object.keys(viaRest.body.data).sort());
    expect(viaRest.body.data.conversationId).toBe(reply.conversationId);

    const next = (await call(client, 'send_message', { agentId, text: 'Thanks!', conversationId: reply.conversationId, userId: reply.userId }))
      .structuredContent as any;
    expect(next.conversationId).toBe(reply.conversationId);

    const stored = await t.http.get(`/v1/conversations/${reply.conversationId}/messages`).query({ limit: 100 }).set(bearer(a.key));
    expect(stored.status).toBe(200);
    expect(stored.body.data.pagination.totalItems).toBe(6);
    const byId = new Map<string, any>(stored.body.data.items.map((m: any) => [m.id, m]));
    // Each answer (MCP's and REST's alike) is its two stored turns: the user's message and the reply.
    for (const answer of [reply, viaRest.body.data, next]) {
      const userTurn = byId.get(answer.id);
      expect(userTurn).toMatchObject({ role: 'user', text: answer.text, userId: answer.userId, conversationId: answer.conversationId });
      const agentTurn = byId.get(userTurn.replyId);
      expect(agentTurn).toMatchObject({ role: 'agent', text: answer.response, model: answer.model, latencyMs: answer.latencyMs });
      expect(agentTurn.usage.outputTokens).toBe(answer.usage.outputTokens);
    }
  });

  it('search_knowledge answers what GET /v1/agents/{id}/knowledge/search answers', async () => {
    const client = await connect(a.key);
    const found = await call(client, 'search_knowledge', { agentId, query: 'warranty pump', limit: 3 });
    const rest = await t.http.get(`/v1/agents/${agentId}/knowledge/search`).query({ q: 'warranty pump', limit: 3 }).set(bearer(a.key));
    expect(rest.status).toBe(200);
    expect((found.structuredContent as any).items.length).toBe(1);
    expect(found.structuredContent).toEqual(rest.body.data);
  });

  it('a key without a scope: the tool is not listed, and a call answers FORBIDDEN as REST does', async () => {
    const readOnly = await t.keyWithScopes(a.accountId, ['agents:read']);
    const client = await connect(readOnly);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['list_agents', 'get_agent']);
    const before = await messageCount();

    const send = failed(await call(client, 'send_message', { agentId, text: 'hello' }));
    expect(send['code']).toBe('FORBIDDEN');
    sameError(send, await t.http.post(`/v1/agents/${agentId}/messages`).set(bearer(readOnly)).send({ userId: 'u1', text: 'hello' }));

    const search = failed(await call(client, 'search_knowledge', { agentId, query: 'warranty' }));
    expect(search['code']).toBe('FORBIDDEN');
    sameError(search, await t.http.get(`/v1/agents/${agentId}/knowledge/search`).query({ q: 'warranty' }).set(bearer(readOnly)));

    const writer = await connect(await t.keyWithScopes(a.accountId, ['messages:write']));
    expect((await writer.listTools()).tools.map((tool) => tool.name)).toEqual(['send_message']);
    expect(failed(await call(writer, 'get_agent', { agentId }))['code']).toBe('FORBIDDEN');
    expect(await messageCount()).toBe(before);
  });

  it('another account’s key: its agents are AGENT_NOT_FOUND to every tool, as in REST, and nothing is written', async () => {
    const client = await connect(b.key);
    expect((await call(client, 'list_agents', {})).structuredContent).toMatchObject({ items: [], totalCount: 0 });
    const before = await messageCount();
    const cases: [string, Record<string, unknown>, () => Promise<any>][] = [
      ['get_agent', { agentId }, () => t.http.get(`/v1/agents/${agentId}`).set(bearer(b.key))],
      ['send_message', { agentId, text: 'hi' }, () => t.http.post(`/v1/agents/${agentId}/messages`).set(bearer(b.key)).send({ userId: 'u', text: 'hi' })],
      ['search_knowledge', { agentId, query: 'warranty' }, () => t.http.get(`/v1/agents/${agentId}/knowledge/search`).query({ q: 'warranty' }).set(bearer(b.key))],
      ['get_agent', { agentId: 'agt_nonsense' }, () => t.http.get('/v1/agents/agt_nonsense').set(bearer(b.key))],
    ];
    for (const [name, args, rest] of cases) {
      const error = failed(await call(client, name, args));
      expect(error['code'], name).toBe('AGENT_NOT_FOUND');
      const viaRest = await rest();
      expect(viaRest.status).toBe(404);
      sameError(error, viaRest);
    }
    expect(await messageCount()).toBe(before);

    // Nor can B continue A's conversation with an agent of its own.
    const theirs = (await t.http.post(`/v1/agents/${agentId}/messages`).set(bearer(a.key)).send({ userId: 'alice', text: 'secret' })).body.data;
    const ownAgent = (await t.http.post('/v1/agents').set(bearer(b.key)).send({ name: 'B agent' })).body.data.id;
    const args = { agentId: ownAgent, userId: 'alice', conversationId: theirs.conversationId, text: 'what did alice say?' };
    const error = failed(await call(client, 'send_message', args));
    const { agentId: _, ...body } = args;
    const viaRest = await t.http.post(`/v1/agents/${ownAgent}/messages`).set(bearer(b.key)).send(body);
    expect(viaRest.status).toBe(404);
    sameError(error, viaRest);
    expect(await t.db.prisma.message.count({ where: { agentId: ownAgent } })).toBe(0);
  });

  it('invalid arguments: INVALID_REQUEST naming each field, and nothing is written', async () => {
    const client = await connect(a.key);
    const before = await messageCount();
    const fields = async (name: string, args: Record<string, unknown>) => {
      const error = failed(await call(client, name, args));
      expect(error['code']).toBe('INVALID_REQUEST');
      return (error['details'] as { fields: unknown[] }).fields;
    };
    expect(await fields('send_message', { agentId })).toEqual([{ field: 'text', message: 'is required' }]);
    expect(await fields('send_message', { agentId, text: 'x'.repeat(16_001) })).toEqual([
      { field: 'text', message: 'must be at most 16000 characters' },
    ]);
    expect(await fields('send_message', { agentId, text: '   ' })).toEqual([{ field: 'text', message: 'must not be empty' }]);
    expect(await fields('send_message', { agentId, text: 'hi', userId: 'has spaces' })).toEqual([
      { field: 'userId', message: 'may contain only letters, digits and . _ : @ + -' },
    ]);
    expect(await fields('send_message', { agentId, text: 'hi', stream: true })).toEqual([
      { field: 'stream', message: 'is not an argument of this tool' },
    ]);
    expect(await fields('list_agents', { first: 101 })).toEqual([{ field: 'first', message: 'must be between 1 and 100' }]);
    expect(await fields('list_agents', { first: 'ten' })).toEqual([{ field: 'first', message: 'must be an integer' }]);
    expect(await fields('search_knowledge', { agentId, query: '', limit: 21 })).toEqual([
      { field: 'query', message: 'must not be empty' },
      { field: 'limit', message: 'must be between 1 and 20' },
    ]);
    expect(await fields('get_agent', {})).toEqual([{ field: 'agentId', message: 'is required' }]);
    // REST refuses the same text with the same code.
    const rest = await t.http.post(`/v1/agents/${agentId}/messages`).set(bearer(a.key)).send({ userId: 'u', text: 'x'.repeat(16_001) });
    expect(rest.body.error.code).toBe('INVALID_REQUEST');
    expect(await messageCount()).toBe(before);
    // A tool that does not exist is a protocol error.
    await expect(client.callTool({ name: 'delete_everything', arguments: {} })).rejects.toThrow(/Unknown tool/);
  });

  it('the monthly message quota applies to send_message as to REST: INSUFFICIENT_QUOTA, nothing written', async () => {
    const limited = await t.newAccount('MCP quota', { tier: 'enterprise', rateLimitPerMinute: 1_000, monthlyMessageQuota: 1 });
    const agent = (await t.http.post('/v1/agents').set(bearer(limited.key)).send({ name: 'Quota' })).body.data.id;
    const client = await connect(limited.key);
    expect((await call(client, 'send_message', { agentId: agent, text: 'one' })).isError).toBeUndefined();
    const error = failed(await call(client, 'send_message', { agentId: agent, text: 'two' }));
    expect(error['code']).toBe('INSUFFICIENT_QUOTA');
    const rest = await t.http.post(`/v1/agents/${agent}/messages`).set(bearer(limited.key)).send({ userId: 'u', text: 'two' });
    expect(rest.status).toBe(429);
    sameError(error, rest);
    expect(await t.db.prisma.message.count({ where: { agentId: agent } })).toBe(2);
  });

  it('no key or a bad key: connecting fails with HTTP 401 in the error envelope, WWW-Authenticate: Bearer', async () => {
    for (const key of [undefined, 'orn_test_not-a-real-key']) {
      const error = await connect(key).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(401);
    }
    const raw = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toBe('Bearer');
    const body = await raw.json();
    expect(body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED', requestId: raw.headers.get('x-request-id') } });
    // A body without a key is not read, whatever its size: 401, not 413.
    const large = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    expect(large.status).toBe(401);
    expect(large.headers.get('connection')).toBe('close');
  });

  it('a plain JSON-RPC POST needs no initialize (stateless); the answer carries the request id and rate-limit headers', async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...bearer(a.key), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'get_agent', arguments: { agentId: 'agt_nonsense' } } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(Number(res.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
    const body = await res.json();
    expect(body.id).toBe(7);
    expect(body.result.isError).toBe(true);
    expect(body.result.structuredContent.error).toMatchObject({ code: 'AGENT_NOT_FOUND', requestId: res.headers.get('x-request-id') });
  });

  it('a JSON-RPC batch is refused (400, -32600) and runs nothing: one message per request, one count of the rate limit', async () => {
    const before = await messageCount();
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'send_message', arguments: { agentId, text: 'hi' } } });
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...bearer(a.key), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify([call(1), call(2), call(3)]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(await messageCount()).toBe(before);
  });

  it('GET and DELETE answer 405 in the envelope with Allow (no stream, no sessions)', async () => {
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const res = await fetch(`${server.url}/mcp`, { method, headers: { ...bearer(a.key), accept: 'text/event-stream' } });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST, OPTIONS');
      const body = await res.json();
      expect(body).toMatchObject({ success: false, error: { code: 'METHOD_NOT_ALLOWED', details: { allowed: ['POST', 'OPTIONS'] } } });
    }
  });

  it('a body over the limit is refused unread with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...bearer(a.key), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'send_message', arguments: { agentId, text: 'x'.repeat(1024 * 1024) } },
      }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    // A type OrionOS does not read as JSON: the MCP transport refuses it unread (a JSON-RPC error).
    for (const [type, status] of [['text/plain', 415], ['application/json-seq', 415]] as const) {
      const other = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { ...bearer(a.key), 'content-type': type, accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(1024 * 1024) } }),
      });
      expect(other.status, type).toBe(status);
      expect((await other.json()).jsonrpc, type).toBe('2.0');
    }
  });
});

describe('MCP server rate limits', () => {
  let t: TestApp;
  let server: Listening;

  beforeAll(async () => {
    t = await startTestApp('pglite');
    server = await listen(t.app);
  });

  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('each /mcp request counts against the key’s per-minute limit; over it, 429 as REST (Retry-After, envelope)', async () => {
    const limit = 6;
    const account = await t.newAccount('MCP limited', { tier: 'enterprise', rateLimitPerMinute: limit, monthlyMessageQuota: 100 });
    const client = new Client({ name: 'orionos-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: bearer(account.key) } }));
    try {
      let refusal: unknown;
      for (let i = 0; i < limit + 2 && !refusal; i++) {
        refusal = await client.callTool({ name: 'list_agents', arguments: {} }).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
      expect(refusal).toBeInstanceOf(StreamableHTTPError);
      expect((refusal as StreamableHTTPError).code).toBe(429);
      expect((refusal as Error).message).toContain('RATE_LIMIT_EXCEEDED');
    } finally {
      await client.close();
    }
    const raw = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...bearer(account.key), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(raw.status).toBe(429);
    const retryAfter = Number(raw.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(raw.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await raw.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED', details: { retryAfter, limit } } });
    // The same bucket as REST's.
    const rest = await t.http.get('/v1/agents').set(bearer(account.key));
    expect(rest.status).toBe(429);
    expect(rest.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
  });
});
