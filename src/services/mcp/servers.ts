import type { PrismaClient } from '../../db/client.js';
import { Prisma, type AgentMcpServer, type McpServer } from '../../db/generated/prisma/client.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/prisma-errors.js';
import { ApiError, invalidRequest, notFound } from '../../errors.js';
import { newId, typeOfId } from '../../ids.js';
import { changingAgent, syncEnabledMcpServers } from '../agent-lock.js';
import type { CommitMark } from '../idempotency.js';
import { idOrderedSource, paginate, type Page, type PageArgs } from '../pagination.js';
import { ownAgentId } from '../plugins/agent-plugins.js';
import { requireServerKey } from '../server-key.js';
import { ToolFailure } from '../tools/failure.js';
import { parseInput } from '../validation.js';
import { mcpFailure, withMcpSession, type McpToolDefinition } from './client.js';
import { openMcpHeaders, sealMcpHeaders } from './headers.js';
import {
  MCP_SERVER_LIMITS as L,
  createMcpServerSchema,
  enableMcpServerSchema,
  updateMcpServerSchema,
} from './server-input.js';

export type { AgentMcpServer, McpServer };

/** What the outbound rules depend on: the operator's ORION_ALLOW_PRIVATE_NETWORKS. */
export type McpServerRules = { allowPrivateNetworks: boolean };

/** Why the last listing of a server's tools failed: a tool error code (TOOL_TIMEOUT, …) and what happened. */
export type McpServerError = { code: string; message: string };

/** "ready": the last listing succeeded (its tools are offered); "error": it failed (see lastError). */
export type McpServerStatus = 'ready' | 'error';

export function mcpServerStatus(server: Pick<McpServer, 'lastError'>): McpServerStatus {
  return server.lastError === null ? 'ready' : 'error';
}

export function mcpServerTools(server: Pick<McpServer, 'tools'>): McpToolDefinition[] {
  return Array.isArray(server.tools) ? (server.tools as unknown as McpToolDefinition[]) : [];
}

export function isMcpServerId(id: string): boolean {
  return typeOfId(id) === 'McpServer';
}

/** Missing, or another account's: the same answer (never which). */
export function mcpServerNotFound(id: string): ApiError {
  return notFound('MCP server', id);
}

function nameTaken(name: string): ApiError {
  return new ApiError('ALREADY_EXISTS', `Your account already has an MCP server named ${JSON.stringify(name)}`, { field: 'name', name });
}

/** The most a server's tool list may take as JSON (it is stored with the server and read on every send). */
export const MCP_SNAPSHOT_BYTES = 1024 * 1024;

/** What a listing stores: the snapshot and when, or why it failed (the previous snapshot is kept). */
type Listing = { tools: McpToolDefinition[]; error: null } | { tools: null; error: McpServerError };

function listingData(listing: Listing, at: Date): Prisma.McpServerUpdateManyMutationInput {
  return listing.error === null
    ? { tools: listing.tools as unknown as Prisma.InputJsonArray, toolsListedAt: at, lastError: Prisma.DbNull }
    : { lastError: listing.error as Prisma.InputJsonObject };
}

/**
 * Lists the server's tools (connect, initialise, tools/list with its pages), never inside a
 * database transaction: a slow server holds no lock. A failure is an answer, not an error.
 */
async function listServerTools(
  rules: McpServerRules,
  endpoint: { url: string; headers: Record<string, string> | undefined; timeoutMs: number },
): Promise<Listing> {
  if (endpoint.headers === undefined) {
    return {
      tools: null,
      error: { code: 'TOOL_FAILED', message: 'The stored header values cannot be opened with this server key; set the headers again' },
    };
  }
  try {
    const tools = await withMcpSession(
      { url: endpoint.url, headers: endpoint.headers, timeoutMs: endpoint.timeoutMs },
      // Connecting, then at most a few pages: bounded as a whole too.
      { allowPrivateNetworks: rules.allowPrivateNetworks, signal: AbortSignal.timeout(endpoint.timeoutMs * 3) },
      (session) => session.listTools(),
    );
    if (Buffer.byteLength(JSON.stringify(tools)) > MCP_SNAPSHOT_BYTES) {
      return {
        tools: null,
        error: { code: 'TOOL_RESPONSE_TOO_LARGE', message: `The server's tools take more than ${MCP_SNAPSHOT_BYTES} bytes as JSON` },
      };
    }
    return { tools, error: null };
  } catch (error) {
    const failure = error instanceof ToolFailure ? error : mcpFailure(error);
    return { tools: null, error: { code: failure.code, message: failure.message } };
  }
}

/** The stored header values in plaintext ({} when none); undefined when they cannot be opened. */
function storedHeaders(serverKey: string | undefined, server: Pick<McpServer, 'id' | 'headers'>): Record<string, string> | undefined {
  if (!server.headers) return {};
  return openMcpHeaders(requireServerKey(serverKey), server.id, server.headers);
}

async function ensureRoom(db: Pick<PrismaClient, 'mcpServer'>, accountId: string, name: string): Promise<void> {
  const count = await db.mcpServer.count({ where: { accountId } });
  if (count >= L.perAccount) {
    throw invalidRequest(
      [{ field: '(body)', message: `the account already has ${L.perAccount} MCP servers, the most it may have` }],
      `An account has at most ${L.perAccount} MCP servers; delete one first`,
    );
  }
  if (await db.mcpServer.findFirst({ where: { accountId, name }, select: { id: true } })) throw nameTaken(name);
}

/**
 * Registers an MCP server and lists its tools. A server that cannot be listed is registered all
 * the same, with status "error" and lastError: the write never fails because the server is down.
 */
export async function createMcpServer(
  prisma: PrismaClient,
  serverKey: string | undefined,
  rules: McpServerRules,
  accountId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<McpServer> {
  const values = parseInput(createMcpServerSchema(rules.allowPrivateNetworks), rawInput);
  const headers = values.headers ?? {};
  const headerNames = Object.keys(headers);
  const key = headerNames.length ? requireServerKey(serverKey) : undefined;
  // Checked before the (slow) listing, and again under the lock.
  await ensureRoom(prisma, accountId, values.name);
  const timeoutMs = values.timeoutMs ?? L.timeoutMsDefault;
  const listing = await listServerTools(rules, { url: values.url, headers, timeoutMs });
  const id = newId('mcs');
  const now = new Date();
  try {
    return await prisma.$transaction(async (tx) => {
      // Counted under the account's row lock, so two creates at once cannot both take the last place.
      // NO KEY: the account's other writes (rows referencing it) need not wait for this one.
      await tx.$queryRaw`SELECT "id" FROM "Account" WHERE "id" = ${accountId} FOR NO KEY UPDATE`;
      await ensureRoom(tx, accountId, values.name);
      const server = await tx.mcpServer.create({
        data: {
          id,
          accountId,
          name: values.name,
          description: values.description ?? null,
          url: values.url,
          headerNames,
          headers: key ? sealMcpHeaders(key, id, headers) : null,
          timeoutMs,
          ...(listingData(listing, now) as object),
        },
      });
      if (commit) await commit(tx, { type: 'McpServer', id });
      return server;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(values.name);
    throw error;
  }
}

/** The server if it is the account's; otherwise NOT_FOUND. */
export async function getMcpServer(prisma: Pick<PrismaClient, 'mcpServer'>, accountId: string, id: string): Promise<McpServer> {
  const server = isMcpServerId(id) ? await prisma.mcpServer.findFirst({ where: { id, accountId } }) : null;
  if (!server) throw mcpServerNotFound(id);
  return server;
}

/** The account's MCP servers, newest first (at most 50). */
export function listMcpServers(prisma: PrismaClient, accountId: string, args: PageArgs): Promise<Page<McpServer>> {
  return paginate(args, idOrderedSource<McpServer>(prisma.mcpServer, { accountId }, isMcpServerId));
}

/** Tries of an update whose row another write changed between its read and its write (the last one writes regardless). */
const UPDATE_TRIES = 3;

/** Whether two URLs have the same scheme, host and port. */
function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}

/**
 * PATCH: each field named replaces the stored one (`description: null` clears it, `headers`
 * replaces the whole map and null removes them all, `timeoutMs: null` restores the default).
 * When url, headers or timeoutMs change, the tools are listed again (outside any transaction)
 * and the answer carries the new status. A url of another origin needs `headers` in the same
 * PATCH when the server has some: a key that may write servers cannot send the stored
 * credentials to a host of its choosing.
 */
export async function updateMcpServer(
  prisma: PrismaClient,
  serverKey: string | undefined,
  rules: McpServerRules,
  accountId: string,
  id: string,
  rawInput: Record<string, unknown>,
  commit?: CommitMark,
): Promise<McpServer> {
  const values = parseInput(updateMcpServerSchema(rules.allowPrivateNetworks), rawInput);
  const newHeaders = values.headers === undefined ? undefined : (values.headers ?? {});
  const key = newHeaders && Object.keys(newHeaders).length ? requireServerKey(serverKey) : undefined;
  for (let attempt = 1; ; attempt++) {
    const current = await getMcpServer(prisma, accountId, id);
    // Moving to another origin without new headers: only a server without headers may (checked
    // again by the write itself, should headers be set in between).
    const movesWithoutHeaders = values.url !== undefined && newHeaders === undefined && !sameOrigin(values.url!, current.url);
    if (movesWithoutHeaders && current.headerNames.length > 0) {
      throw invalidRequest([
        {
          field: 'headers',
          message: 'must be given again (or null) when the url moves to another origin: stored header values are never sent to a new host',
        },
      ]);
    }
    if (values.name !== undefined && values.name !== current.name) {
      const other = await prisma.mcpServer.findFirst({ where: { accountId, name: values.name }, select: { id: true } });
      if (other) throw nameTaken(values.name);
    }
    const data: Prisma.McpServerUpdateManyMutationInput = {};
    if (values.name !== undefined) data.name = values.name!;
    if (values.description !== undefined) data.description = values.description;
    if (values.url !== undefined) data.url = values.url!;
    if (values.timeoutMs !== undefined) data.timeoutMs = values.timeoutMs ?? L.timeoutMsDefault;
    if (newHeaders !== undefined) {
      data.headerNames = Object.keys(newHeaders);
      data.headers = key ? sealMcpHeaders(key, id, newHeaders) : null;
    }
    const relist = values.url !== undefined || newHeaders !== undefined || values.timeoutMs !== undefined;
    const now = new Date();
    if (relist) {
      const listing = await listServerTools(rules, {
        url: data.url as string | undefined ?? current.url,
        headers: newHeaders ?? storedHeaders(serverKey, current),
        timeoutMs: (data.timeoutMs as number | undefined) ?? current.timeoutMs,
      });
      Object.assign(data, listingData(listing, now));
    }
    // Only over the row as read: a write in between (another update, a refresh) means the
    // listing may be of another configuration, so the update starts again from the new row.
    const written = await writeIfUnchanged(
      prisma,
      current,
      { ...data, updatedAt: now },
      commit,
      attempt >= UPDATE_TRIES,
      (error) => {
        if (isUniqueViolation(error)) throw nameTaken(String(values.name));
      },
      movesWithoutHeaders ? { headers: null } : {},
    );
    if (written) return written;
  }
}

async function writeIfUnchanged(
  prisma: PrismaClient,
  current: McpServer,
  data: Prisma.McpServerUpdateManyMutationInput,
  commit: CommitMark | undefined,
  /** The last try writes whatever happened in between (the last write wins). */
  unconditional: boolean,
  onError: (error: unknown) => void = () => {},
  /** Conditions the write needs whatever try it is (none left unchecked by the last). */
  guard: Prisma.McpServerWhereInput = {},
): Promise<McpServer | null> {
  try {
    return await prisma.$transaction(async (tx) => {
      const [row] = await tx.mcpServer.updateManyAndReturn({
        where: { id: current.id, accountId: current.accountId, ...guard, ...(unconditional ? {} : { updatedAt: current.updatedAt }) },
        data,
      });
      if (!row) {
        // Gone (NOT_FOUND), or changed since it was read (null: read it again).
        await getMcpServer(tx, current.accountId, current.id);
        return null;
      }
      if (commit) await commit(tx, { type: 'McpServer', id: current.id });
      return row;
    });
  } catch (error) {
    onError(error);
    throw error;
  }
}

/** Lists the server's tools again and answers the server with its new status. */
export async function refreshMcpServer(
  prisma: PrismaClient,
  serverKey: string | undefined,
  rules: McpServerRules,
  accountId: string,
  id: string,
  commit?: CommitMark,
): Promise<McpServer> {
  for (let attempt = 1; ; attempt++) {
    const current = await getMcpServer(prisma, accountId, id);
    const listing = await listServerTools(rules, { url: current.url, headers: storedHeaders(serverKey, current), timeoutMs: current.timeoutMs });
    const now = new Date();
    const written = await writeIfUnchanged(prisma, current, { ...listingData(listing, now), updatedAt: now }, commit, attempt >= UPDATE_TRIES);
    if (written) return written;
  }
}

/**
 * Deletes the server: its AgentMcpServer rows go with it, and its ID leaves every
 * Agent.enabledMcpServers, in one transaction. The server's row is locked first: an enable that
 * already refers to it (its foreign key check holds the row) commits before, so its agent is
 * found below; one that comes after waits, then fails (NOT_FOUND). The agents are then locked in
 * ID order; an enable waiting for the server holds no lock of theirs, so the two cannot deadlock.
 */
export async function deleteMcpServer(prisma: PrismaClient, accountId: string, id: string, commit?: CommitMark): Promise<void> {
  if (!isMcpServerId(id)) throw mcpServerNotFound(id);
  const deleted = await prisma.$transaction(async (tx) => {
    const server = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "McpServer" WHERE "id" = ${id} AND "accountId" = ${accountId} FOR UPDATE`;
    if (server.length === 0) return false;
    const agents = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "Agent"
      WHERE "accountId" = ${accountId} AND "id" IN (SELECT "agentId" FROM "AgentMcpServer" WHERE "mcpServerId" = ${id})
      ORDER BY "id" FOR UPDATE`;
    await tx.mcpServer.delete({ where: { id } });
    for (const agent of agents) await syncEnabledMcpServers(tx, agent.id);
    if (commit) await commit(tx, { type: 'McpServer', id });
    return true;
  });
  if (!deleted) throw mcpServerNotFound(id);
}

/** The MCP servers an agent uses, with each server, in the order they were enabled. */
export type AgentMcpServerWithServer = AgentMcpServer & { mcpServer: McpServer };

/** The MCP servers the agent (already known to be the caller's) uses, oldest enabling first. */
export function mcpServersOfAgent(prisma: PrismaClient, agentId: string): Promise<AgentMcpServerWithServer[]> {
  return prisma.agentMcpServer.findMany({
    where: { agentId },
    include: { mcpServer: true },
    orderBy: [{ createdAt: 'asc' }, { mcpServerId: 'asc' }],
  });
}

/** The same, checking first that the agent is the account's (AGENT_NOT_FOUND otherwise). */
export async function agentMcpServers(prisma: PrismaClient, accountId: string, agentId: string): Promise<AgentMcpServerWithServer[]> {
  await ownAgentId(prisma, accountId, agentId);
  return mcpServersOfAgent(prisma, agentId);
}

export type EnabledMcpServer = { agentMcpServer: AgentMcpServerWithServer; created: boolean };

/**
 * The agent uses the server: all its tools (`tools` absent or null, including tools it offers
 * later), or only those named, which must be in the server's snapshot. Replaces what the agent
 * had for that server; `created` says whether it is new.
 */
export async function enableMcpServer(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  mcpServerId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<EnabledMcpServer> {
  try {
    return await changingAgent(
      prisma,
      accountId,
      agentId,
      async (tx) => {
        // After the agent: a missing agent is AGENT_NOT_FOUND whatever the server and body.
        const server = await getMcpServer(tx, accountId, mcpServerId);
        const values = parseInput(enableMcpServerSchema, rawInput ?? {});
        const tools = values.tools ?? null;
        if (tools) {
          const offered = new Set(mcpServerTools(server).map((t) => t.name));
          const unknown = tools.filter((name) => !offered.has(name));
          if (unknown.length) {
            throw invalidRequest(
              [{ field: 'tools', message: `names tools the server does not offer: ${unknown.map((n) => JSON.stringify(n)).join(', ')}` }],
              `The MCP server ${JSON.stringify(server.name)} does not offer ${unknown.map((n) => JSON.stringify(n)).join(', ')} (refresh it if it does now)`,
            );
          }
        }
        const existing = await tx.agentMcpServer.findUnique({
          where: { agentId_mcpServerId: { agentId, mcpServerId } },
          select: { agentId: true },
        });
        const selection = { allTools: tools === null, tools: tools ?? [] };
        const row = await tx.agentMcpServer.upsert({
          where: { agentId_mcpServerId: { agentId, mcpServerId } },
          create: { agentId, mcpServerId, accountId, ...selection },
          update: selection,
        });
        if (commit) await commit(tx, { type: 'Agent', id: agentId });
        return { agentMcpServer: { ...row, mcpServer: server }, created: existing === null };
      },
      syncEnabledMcpServers,
    );
  } catch (error) {
    // The server was deleted between the read and the insert.
    if (isForeignKeyViolation(error)) throw mcpServerNotFound(mcpServerId);
    throw error;
  }
}

/** The agent stops using the server; NOT_FOUND when it does not use it. */
export async function disableMcpServer(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  mcpServerId: string,
  commit?: CommitMark,
): Promise<void> {
  await changingAgent(
    prisma,
    accountId,
    agentId,
    async (tx) => {
      const { count } = isMcpServerId(mcpServerId)
        ? await tx.agentMcpServer.deleteMany({ where: { agentId, accountId, mcpServerId } })
        : { count: 0 };
      if (count === 0) {
        throw new ApiError('NOT_FOUND', `MCP server ${JSON.stringify(mcpServerId)} is not enabled for this agent`, { id: mcpServerId });
      }
      if (commit) await commit(tx, { type: 'Agent', id: agentId });
    },
    syncEnabledMcpServers,
  );
}
