import { getEventListeners } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_LIMITS, McpSession, withMcpSession, type McpEndpoint } from '../../src/services/mcp/client.js';
import { outboundFetch } from '../../src/services/outbound/fetch.js';
import { ToolFailure } from '../../src/services/tools/failure.js';
import { startMcpServer, type TestMcpServer } from '../support/mcp-server.js';

const allow = { allowPrivateNetworks: true };

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ToolFailure);
    return { code: (error as ToolFailure).code, message: (error as ToolFailure).message };
  }
  throw new Error('expected a ToolFailure');
}

describe.each([
  ['Server-Sent Events answers', false],
  ['JSON answers', true],
])('the MCP client against an SDK server (%s)', (_label, jsonResponse) => {
  let server: TestMcpServer;
  let endpoint: McpEndpoint;
  beforeAll(async () => {
    server = await startMcpServer({ jsonResponse, requireAuthorization: 'Bearer mcp-secret' });
    endpoint = { url: server.url, headers: { authorization: 'Bearer mcp-secret' }, timeoutMs: 2_000 };
  });
  afterAll(() => server.close());

  it('lists the tools, normalised, with their schemas and annotations', async () => {
    const tools = await withMcpSession(endpoint, allow, (session) => session.listTools());
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'fail', 'huge', 'slow']);
    const add = tools.find((t) => t.name === 'add')!;
    expect(add.description).toBe('Adds two numbers.');
    expect(add.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    expect(add.inputSchema).not.toHaveProperty('$schema');
    expect(add.annotations).toEqual({ readOnlyHint: true });
    // Every request carried the configured header.
    expect(server.requests.every((h) => h.authorization === 'Bearer mcp-secret')).toBe(true);
  });

  it('calls tools: text answers as text, structured answers as structured content', async () => {
    await withMcpSession(endpoint, allow, async (session) => {
      expect(await session.callTool('echo', { text: 'hello' })).toBe('hello');
      expect(await session.callTool('add', { a: 2, b: 40 })).toEqual({ sum: 42 });
    });
    expect(server.calls.slice(-2)).toEqual([
      { tool: 'echo', arguments: { text: 'hello' } },
      { tool: 'add', arguments: { a: 2, b: 40 } },
    ]);
  });

  it('reports a result marked isError as TOOL_FAILED with its text', async () => {
    const failure = await failureOf(withMcpSession(endpoint, allow, (s) => s.callTool('fail', {})));
    expect(failure).toEqual({ code: 'TOOL_FAILED', message: 'the tool failed on purpose' });
  });

  it('reports an unknown tool as TOOL_FAILED', async () => {
    const failure = await failureOf(withMcpSession(endpoint, allow, (s) => s.callTool('nope', {})));
    expect(failure.code).toBe('TOOL_FAILED');
  });

  it('times a slow tool out (TOOL_TIMEOUT) and the session stays usable', async () => {
    await withMcpSession({ ...endpoint, timeoutMs: 300 }, allow, async (session) => {
      expect((await failureOf(session.callTool('slow', { ms: 2_000 }))).code).toBe('TOOL_TIMEOUT');
      expect(await session.callTool('echo', { text: 'still here' })).toBe('still here');
    });
  });

  it('refuses an answer larger than the result limit (TOOL_RESPONSE_TOO_LARGE)', async () => {
    const failure = await failureOf(withMcpSession(endpoint, allow, (s) => s.callTool('huge', { bytes: MCP_LIMITS.resultBytes + 1 })));
    expect(failure.code).toBe('TOOL_RESPONSE_TOO_LARGE');
  });

  it('drops an HTTP answer larger than the response limit (TOOL_RESPONSE_TOO_LARGE)', async () => {
    const failure = await failureOf(
      withMcpSession({ ...endpoint, timeoutMs: 1_500 }, allow, (s) => s.callTool('huge', { bytes: MCP_LIMITS.responseBytes + 10 })),
    );
    expect(failure.code).toBe('TOOL_RESPONSE_TOO_LARGE');
  });

  it('says TOOL_HTTP_ERROR when the server refuses the credentials', async () => {
    const failure = await failureOf(McpSession.open({ ...endpoint, headers: { authorization: 'Bearer wrong' } }, allow));
    expect(failure.code).toBe('TOOL_HTTP_ERROR');
    expect(failure.message).toContain('401');
  });
});

describe('the MCP client under the outbound rules', () => {
  let server: TestMcpServer;
  beforeAll(async () => {
    server = await startMcpServer();
  });
  afterAll(() => server.close());

  it('refuses a loopback server unless private networks are allowed (TOOL_NETWORK_REFUSED), without a request', async () => {
    const before = server.requests.length;
    const failure = await failureOf(McpSession.open({ url: server.url, headers: {}, timeoutMs: 2_000 }, { allowPrivateNetworks: false }));
    expect(failure.code).toBe('TOOL_NETWORK_REFUSED');
    expect(server.requests.length).toBe(before);
  });

  it('refuses the metadata address whatever it serves', async () => {
    const failure = await failureOf(
      McpSession.open({ url: 'http://169.254.169.254/mcp', headers: {}, timeoutMs: 1_000 }, { allowPrivateNetworks: false }),
    );
    expect(failure.code).toBe('TOOL_NETWORK_REFUSED');
  });

  it('the fetch leaves no listener on a signal that serves many requests', async () => {
    const fetch = outboundFetch({ allowPrivateNetworks: true, maxResponseBytes: 1024 });
    const plain = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      const controller = new AbortController();
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}', signal: controller.signal });
        expect(await res.json()).toEqual({ ok: true });
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    } finally {
      plain.close();
    }
  });

  it('follows no redirect (TOOL_HTTP_ERROR)', async () => {
    const redirecting = createServer((_req, res) => res.writeHead(307, { location: server.url }).end());
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = redirecting.address() as AddressInfo;
      const before = server.requests.length;
      const failure = await failureOf(McpSession.open({ url: `http://127.0.0.1:${port}/mcp`, headers: {}, timeoutMs: 2_000 }, allow));
      expect(failure.code).toBe('TOOL_HTTP_ERROR');
      expect(failure.message).toContain('redirect');
      expect(server.requests.length).toBe(before);
    } finally {
      redirecting.close();
    }
  });

  it('says TOOL_HTTP_ERROR when nothing listens, and TOOL_TIMEOUT when the server never answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect((await failureOf(McpSession.open({ url: `http://127.0.0.1:${port}/mcp`, headers: {}, timeoutMs: 2_000 }, allow))).code).toBe(
      'TOOL_HTTP_ERROR',
    );

    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const address = silent.address() as AddressInfo;
      const failure = await failureOf(McpSession.open({ url: `http://127.0.0.1:${address.port}/mcp`, headers: {}, timeoutMs: 300 }, allow));
      expect(failure.code).toBe('TOOL_TIMEOUT');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
