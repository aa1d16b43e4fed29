import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A real MCP server on loopback, written with the official SDK (Streamable HTTP, stateless: a
 * server per request), offering tools for tests:
 * - `echo {text}` → the text;
 * - `add {a, b}` → structured `{sum}`;
 * - `slow {ms}` → "done" after `ms` milliseconds;
 * - `fail {}` → a result marked isError ("the tool failed on purpose");
 * - `huge {bytes}` → a text of that many bytes.
 * It records every request's headers and every tool call, and counts the sessions initialised.
 */
export type TestMcpServer = {
  url: string;
  calls: { tool: string; arguments: unknown }[];
  /** Clients that completed initialisation (their `notifications/initialized`): one per session. */
  readonly initializations: number;
  /** The headers of every HTTP request received, in order. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
};

export type TestMcpServerOptions = {
  /** JSON answers instead of a Server-Sent Events stream per request. */
  jsonResponse?: boolean;
  /** Answers 401 unless this Authorization header comes. */
  requireAuthorization?: string;
};

function buildServer(calls: TestMcpServer['calls'], onInitialized: () => void): McpServer {
  const server = new McpServer({ name: 'orion-test-tools', version: '1.0.0' });
  server.server.oninitialized = onInitialized;
  const record = (tool: string, args: unknown) => calls.push({ tool, arguments: args });
  server.registerTool(
    'echo',
    { description: 'Echoes the text back.', inputSchema: { text: z.string().max(1_000) } },
    async (args) => {
      record('echo', args);
      return { content: [{ type: 'text', text: args.text }] };
    },
  );
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers.',
      inputSchema: { a: z.number(), b: z.number() },
      outputSchema: { sum: z.number() },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      record('add', args);
      const structuredContent = { sum: args.a + args.b };
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    },
  );
  server.registerTool(
    'slow',
    { description: 'Answers "done" after a while.', inputSchema: { ms: z.number().int().min(0).max(60_000) } },
    async (args) => {
      record('slow', args);
      await new Promise((resolve) => setTimeout(resolve, args.ms));
      return { content: [{ type: 'text', text: 'done' }] };
    },
  );
  server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, async (args) => {
    record('fail', args);
    return { content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true };
  });
  server.registerTool(
    'huge',
    { description: 'Answers a long text.', inputSchema: { bytes: z.number().int().min(1).max(10_000_000) } },
    async (args) => {
      record('huge', args);
      return { content: [{ type: 'text', text: 'x'.repeat(args.bytes) }] };
    },
  );
  return server;
}

export async function startMcpServer(options: TestMcpServerOptions = {}): Promise<TestMcpServer> {
  const calls: TestMcpServer['calls'] = [];
  const requests: IncomingHttpHeaders[] = [];
  let initializations = 0;
  const http: Server = createServer(async (req, res) => {
    requests.push(req.headers);
    if (options.requireAuthorization && req.headers.authorization !== options.requireAuthorization) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = buildServer(calls, () => initializations++);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      ...(options.jsonResponse ? { enableJsonResponse: true } : {}),
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    get initializations() {
      return initializations;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
