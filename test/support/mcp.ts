import type { Prisma } from '../../src/db/generated/prisma/client.js';
import { newId } from '../../src/ids.js';
import { withMcpSession } from '../../src/services/mcp/client.js';
import { sealMcpHeaders } from '../../src/services/mcp/headers.js';
import { TEST_SERVER_KEY, bearer, type TestApp } from './app.js';

/**
 * MCP servers for tests, and agents using them, set up as a client does: through the REST API
 * (/v1/mcp-servers, /v1/agents/{id}/mcp-servers/{id}) with a key of the agent's own account.
 */
export type McpServerSpec = {
  url: string;
  /** Sent with every request to the server (values kept sealed). */
  headers?: Record<string, string>;
  /** The tools the agent may call; null or absent: all of them. */
  tools?: string[] | null;
  timeoutMs?: number;
  /** Unique per account (default "tools"); the same name and URL again reuses the server. */
  name?: string;
};

const writers = new WeakMap<TestApp, Map<string, Promise<string>>>();

function writerFor(app: TestApp, accountId: string): Promise<string> {
  let keys = writers.get(app);
  if (!keys) writers.set(app, (keys = new Map()));
  let key = keys.get(accountId);
  if (!key) keys.set(accountId, (key = app.keyWithScopes(accountId, ['agents:read', 'agents:write'])));
  return key;
}

function ok<T extends { status: number; body: unknown }>(what: string, res: T, statuses: number[]): T {
  if (!statuses.includes(res.status)) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Registers the MCP server for the agent's account (or reuses it) and enables it for the agent. */
export async function useMcpServer(app: TestApp, agentId: string, spec: McpServerSpec): Promise<{ mcpServerId: string; name: string }> {
  const { accountId } = await app.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId }, select: { accountId: true } });
  const auth = bearer(await writerFor(app, accountId));
  const name = spec.name ?? 'tools';
  const listed = ok('list MCP servers', await app.http.get('/v1/mcp-servers?limit=100').set(auth), [200]);
  let server = (listed.body.data.items as { id: string; name: string; url: string; status: string }[]).find((s) => s.name === name);
  if (server && server.url !== spec.url) throw new Error(`the account already has an MCP server named ${name}`);
  if (server) {
    // Reused: with this spec's timeout and headers (the server lists its tools again).
    const changed = await app.http
      .patch(`/v1/mcp-servers/${server.id}`)
      .set(auth)
      .send({ timeoutMs: spec.timeoutMs ?? 5_000, headers: spec.headers ?? null });
    ok('update MCP server', changed, [200]);
  } else {
    const created = await app.http
      .post('/v1/mcp-servers')
      .set(auth)
      .send({ name, url: spec.url, timeoutMs: spec.timeoutMs ?? 5_000, ...(spec.headers ? { headers: spec.headers } : {}) });
    server = ok('create MCP server', created, [201]).body.data;
    if (server!.status !== 'ready') throw new Error(`MCP server ${name} is not ready: ${JSON.stringify(created.body.data)}`);
  }
  const enabled = await app.http
    .put(`/v1/agents/${agentId}/mcp-servers/${server!.id}`)
    .set(auth)
    .send({ tools: spec.tools ?? null });
  ok('enable MCP server', enabled, [200, 201]);
  return { mcpServerId: server!.id, name };
}

/**
 * Writes an MCP server and its enabling straight into the database, for states the API cannot
 * make: a loopback server on an app whose operator no longer allows private networks.
 */
export async function writeMcpServerRows(app: TestApp, agentId: string, spec: McpServerSpec): Promise<{ mcpServerId: string }> {
  const { prisma } = app.db;
  const { accountId } = await prisma.agent.findUniqueOrThrow({ where: { id: agentId }, select: { accountId: true } });
  const headers = spec.headers ?? {};
  const timeoutMs = spec.timeoutMs ?? 5_000;
  const tools = await withMcpSession({ url: spec.url, headers, timeoutMs }, { allowPrivateNetworks: true }, (session) => session.listTools());
  const id = newId('mcs');
  await prisma.mcpServer.create({
    data: {
      id,
      accountId,
      name: spec.name ?? 'tools',
      url: spec.url,
      headerNames: Object.keys(headers),
      headers: Object.keys(headers).length > 0 ? sealMcpHeaders(TEST_SERVER_KEY, id, headers) : null,
      timeoutMs,
      tools: tools as unknown as Prisma.InputJsonArray,
      toolsListedAt: new Date(),
    },
  });
  await prisma.agentMcpServer.create({ data: { agentId, mcpServerId: id, accountId, tools: spec.tools ?? [], allTools: spec.tools == null } });
  await prisma.agent.update({ where: { id: agentId }, data: { enabledMcpServers: { push: id } } });
  return { mcpServerId: id };
}
