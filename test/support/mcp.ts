import type { Prisma } from '../../src/db/generated/prisma/client.js';
import { newId } from '../../src/ids.js';
import { withMcpSession } from '../../src/services/mcp/client.js';
import { sealMcpHeaders } from '../../src/services/mcp/headers.js';
import { TEST_SERVER_KEY, type TestApp } from './app.js';

/**
 * MCP servers for tests, and agents using them. ALL setup of MCP servers in tests goes through
 * useMcpServer: until the /v1/mcp-servers resource lands it writes the rows through Prisma, as
 * that resource will (tools listed with the real client, header values sealed under the app's
 * server key); then it is switched to the REST API, and the tests stay as they are.
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

/** Registers the MCP server for the agent's account (or reuses it) and enables it for the agent. */
export async function useMcpServer(app: TestApp, agentId: string, spec: McpServerSpec): Promise<{ mcpServerId: string; name: string }> {
  const { prisma } = app.db;
  const agent = await prisma.agent.findUniqueOrThrow({ where: { id: agentId }, select: { accountId: true, enabledMcpServers: true } });
  const { accountId } = agent;
  const name = spec.name ?? 'tools';
  const headers = spec.headers ?? {};
  const timeoutMs = spec.timeoutMs ?? 5_000;
  const tools = await withMcpSession({ url: spec.url, headers, timeoutMs }, { allowPrivateNetworks: true }, (session) => session.listTools());
  const existing = await prisma.mcpServer.findUnique({ where: { accountId_name: { accountId, name } } });
  if (existing && existing.url !== spec.url) throw new Error(`the account already has an MCP server named ${name}`);
  const id = existing?.id ?? newId('mcs');
  const row = {
    url: spec.url,
    headerNames: Object.keys(headers),
    headers: Object.keys(headers).length > 0 ? sealMcpHeaders(TEST_SERVER_KEY, id, headers) : null,
    timeoutMs,
    tools: tools as unknown as Prisma.InputJsonArray,
    toolsListedAt: new Date(),
  };
  await prisma.mcpServer.upsert({ where: { id }, create: { id, accountId, name, ...row }, update: row });
  const enabling = { tools: spec.tools ?? [], allTools: spec.tools == null };
  await prisma.agentMcpServer.upsert({
    where: { agentId_mcpServerId: { agentId, mcpServerId: id } },
    create: { agentId, mcpServerId: id, accountId, ...enabling },
    update: enabling,
  });
  if (!agent.enabledMcpServers.includes(id)) {
    await prisma.agent.update({ where: { id: agentId }, data: { enabledMcpServers: { push: id } } });
  }
  return { mcpServerId: id, name };
}
