import type { PrismaClient } from '../db/client.js';
import type { Prisma } from '../db/generated/prisma/client.js';
import { agentNotFound } from '../errors.js';
import { typeOfId } from '../ids.js';

/**
 * Runs a change of what an agent uses (its plugins, its MCP servers) with the agent's row locked
 * (AGENT_NOT_FOUND when it is not the account's), then `sync` brings the agent's own summary
 * column (Agent.enabledPlugins, Agent.enabledMcpServers) in step with the rows, in the same
 * transaction: the send path reads no such rows for an agent whose list is empty. The lock makes
 * concurrent changes of one agent take turns, so neither list loses the other's.
 */
export async function changingAgent<T>(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  change: (tx: Prisma.TransactionClient) => Promise<T>,
  sync: (tx: Prisma.TransactionClient, agentId: string) => Promise<unknown>,
): Promise<T> {
  if (typeOfId(agentId) !== 'Agent') throw agentNotFound(agentId);
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Agent" WHERE "id" = ${agentId} AND "accountId" = ${accountId} FOR UPDATE`;
    if (locked.length === 0) throw agentNotFound(agentId);
    const result = await change(tx);
    await sync(tx, agentId);
    return result;
  });
}

/** Agent.enabledPlugins := the plugin IDs of its AgentPlugin rows, sorted. */
export function syncEnabledPlugins(tx: Prisma.TransactionClient, agentId: string): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Agent" SET "enabledPlugins" = ARRAY(SELECT "pluginId" FROM "AgentPlugin" WHERE "agentId" = ${agentId} ORDER BY "pluginId")
    WHERE "id" = ${agentId}`;
}

/**
 * Agent.enabledMcpServers := the MCP server IDs of its AgentMcpServer rows, in the order they
 * were enabled (the order its model's tool names are given in: see modelToolName).
 */
export function syncEnabledMcpServers(tx: Prisma.TransactionClient, agentId: string): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Agent" SET "enabledMcpServers" = ARRAY(
      SELECT "mcpServerId" FROM "AgentMcpServer" WHERE "agentId" = ${agentId} ORDER BY "createdAt", "mcpServerId")
    WHERE "id" = ${agentId}`;
}
