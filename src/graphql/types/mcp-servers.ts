import type { McpToolDefinition } from '../../services/mcp/client.js';
import { MCP_SERVER_LIMITS as L, RESERVED_MCP_HEADERS } from '../../services/mcp/server-input.js';
import {
  createMcpServer,
  deleteMcpServer,
  disableMcpServer,
  enableMcpServer,
  getMcpServer,
  listMcpServers,
  mcpServerStatus,
  mcpServerTools,
  mcpServersOfAgent,
  refreshMcpServer,
  updateMcpServer,
  type AgentMcpServerWithServer,
  type EnabledMcpServer,
  type McpServerError,
  type McpServerRules,
} from '../../services/mcp/servers.js';
import type { PageArgs } from '../../services/pagination.js';
import type { GraphQLContext } from '../context.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';
import { AgentRef } from './agent.js';

const read = { scope: 'agents:read' } as const;
const write = { scope: 'agents:write' } as const;

const accountOf = (ctx: GraphQLContext) => requireKey(ctx).account.id;
const rulesOf = (ctx: GraphQLContext): McpServerRules => ({ allowPrivateNetworks: ctx.messaging.allowPrivateNetworks ?? false });

const McpServerStatusRef = builder.enumType('McpServerStatus', {
  description: 'Whether the last listing of the server’s tools worked.',
  values: {
    ready: { description: 'The last listing succeeded: `tools` is what it offered.' },
    error: { description: 'The last listing failed (`lastError` says why); `tools` is from the last one that worked, if any.' },
  } as const,
});

const McpServerToolRef = builder.objectRef<McpToolDefinition>('McpServerTool').implement({
  description: 'A tool an MCP server offered when its tools were last listed (tools/list).',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Its name on the server.' }),
    title: t.string({ nullable: true, description: 'Its display title, when the server gives one.', resolve: (tool) => tool.title ?? null }),
    description: t.exposeString('description', { description: 'What it does, for the model (may be empty).' }),
    inputSchema: t.field({
      type: 'JSONObject',
      description: 'The JSON Schema (an object schema) of its arguments, as the server gave it (without `$schema`).',
      resolve: (tool) => tool.inputSchema as Record<string, unknown>,
    }),
    annotations: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'Hints the server gave (readOnlyHint, destructiveHint, …), when it gave some.',
      resolve: (tool) => tool.annotations ?? null,
    }),
  }),
});

const McpServerErrorRef = builder.objectRef<McpServerError>('McpServerError').implement({
  description: 'Why listing a server’s tools failed.',
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'TOOL_NETWORK_REFUSED (a private address, refused), TOOL_TIMEOUT, TOOL_HTTP_ERROR (an HTTP error, a redirect, unreachable), TOOL_RESPONSE_TOO_LARGE, TOOL_INVALID_RESPONSE (not MCP) or TOOL_FAILED (the server refused, or the stored headers cannot be opened).',
    }),
    message: t.exposeString('message', { description: 'What happened.' }),
  }),
});

export const McpServerRef = builder.prismaNode('McpServer', {
  description:
    'An MCP server (`mcs_…`) your account registered: a source of tools (Streamable HTTP transport). OrionOS lists its tools when it is created, when its url, headers or timeoutMs change, and on refresh; agents use them after enableMcpServer. Header values are never readable: only their names.',
  id: { field: 'id', description: 'The MCP server’s ID (`mcs_…`).' },
  nullable: true,
  // node(id:) only finds servers of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: accountOf(ctx) }),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Unique in your account; the model sees its tools as `<name>__<tool>`.' }),
    description: t.exposeString('description', { nullable: true, description: 'Your note about it.' }),
    url: t.exposeString('url', { description: 'Its Streamable HTTP endpoint.' }),
    headerNames: t.exposeStringList('headerNames', {
      description: 'The names of the headers sent with every request to it, as given. Their values are stored sealed and never shown.',
    }),
    timeoutMs: t.exposeInt('timeoutMs', { description: 'How long each request to it (connecting, listing, a tool call) may take.' }),
    status: t.field({ type: McpServerStatusRef, description: '`ready` or `error`.', resolve: (server) => mcpServerStatus(server) }),
    tools: t.field({
      type: [McpServerToolRef],
      description: 'The tools it offered when last listed successfully (empty before that).',
      resolve: (server) => mcpServerTools(server),
    }),
    toolsListedAt: t.expose('toolsListedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When its tools were last listed successfully; null if never.',
    }),
    lastError: t.field({
      type: McpServerErrorRef,
      nullable: true,
      description: 'Why the last listing failed; null after one that worked.',
      resolve: (server) => (server.lastError as McpServerError | null) ?? null,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it or its tool listing last changed.' }),
  }),
});

const AgentMcpServerRef = builder.objectRef<AgentMcpServerWithServer>('AgentMcpServer').implement({
  description: 'An MCP server an agent uses: all its tools, or those named.',
  fields: (t) => ({
    mcpServerId: t.exposeID('mcpServerId', { description: 'The server’s ID (`mcs_…`).' }),
    agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
    tools: t.stringList({
      nullable: true,
      description: 'The tools of the server the agent may call; null for all of them, including those it offers later.',
      resolve: (row) => (row.allTools ? null : row.tools),
    }),
    mcpServer: t.field({ type: McpServerRef, nullable: false, description: 'The server.', resolve: (row) => row.mcpServer }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the agent started using it.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When its tool selection last changed.' }),
  }),
});

builder.objectFields(AgentRef, (t) => ({
  mcpServers: t.field({
    type: [AgentMcpServerRef],
    description: 'The MCP servers the agent uses, in the order they were enabled.',
    resolve: (agent, _args, ctx) => mcpServersOfAgent(ctx.prisma, agent.id),
  }),
}));

const RESERVED = RESERVED_MCP_HEADERS.join(', ');

const mcpServerInputFields = (t: any, create: boolean) => ({
  name: t.string({
    required: create,
    description: `1–${L.name} characters: lower-case letters, digits, _ and -, starting with a letter or digit; unique in your account.`,
  }),
  url: t.string({
    required: create,
    description:
      'Its Streamable HTTP endpoint: an absolute https:// URL without credentials (http:// and private addresses only when the operator allows private networks).',
  }),
  description: t.string({ description: `Your note, at most ${L.description} characters${create ? '' : '; null clears it'}.` }),
  headers: t.field({
    type: 'StringMap',
    description: `Headers sent with every request (e.g. Authorization): at most ${L.headers}, names HTTP tokens other than ${RESERVED}, values at most ${L.headerValue} characters without line breaks. Stored sealed, never shown.${create ? '' : ' Replaces the whole map; null removes them all.'}`,
  }),
  timeoutMs: t.int({
    description: `${L.timeoutMsMin}–${L.timeoutMsMax} ms per request (default ${L.timeoutMsDefault}).${create ? '' : ' null restores the default.'}`,
  }),
});

const CreateMcpServerInput = builder.inputType('CreateMcpServerInput', {
  description: `A new MCP server (at most ${L.perAccount} per account).`,
  fields: (t) => mcpServerInputFields(t, true),
});

const UpdateMcpServerInput = builder.inputType('UpdateMcpServerInput', {
  description: 'Each field given replaces the stored one; a change of url, headers or timeoutMs lists the tools again.',
  fields: (t) => mcpServerInputFields(t, false),
});

const EnableMcpServerInput = builder.inputType('EnableMcpServerInput', {
  description: 'Which tools of the server the agent may call.',
  fields: (t) => ({
    tools: t.stringList({
      description: `Tool names from the server’s \`tools\` (1–${L.agentTools}); absent or null for all of them, including those it offers later.`,
    }),
  }),
});

const DeleteMcpServerPayload = builder.objectRef<{ deletedId: string; deleted: boolean }>('DeleteMcpServerPayload').implement({
  description: 'What was deleted.',
  fields: (t) => ({
    deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted server.' }),
    deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
  }),
});

const EnableMcpServerPayload = builder.objectRef<EnabledMcpServer>('EnableMcpServerPayload').implement({
  description: 'The agent’s use of the server, and whether it is new.',
  fields: (t) => ({
    agentMcpServer: t.field({ type: AgentMcpServerRef, description: 'The server as the agent now uses it.', resolve: (r) => r.agentMcpServer }),
    created: t.exposeBoolean('created', { description: 'True when the agent did not use the server before; false when its selection was replaced.' }),
  }),
});

const DisableMcpServerPayload = builder
  .objectRef<{ agentId: string; mcpServerId: string; disabled: boolean }>('DisableMcpServerPayload')
  .implement({
    description: 'What was disabled: an agent’s use of an MCP server.',
    fields: (t) => ({
      agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
      mcpServerId: t.exposeID('mcpServerId', { description: 'The server the agent no longer uses (it stays registered).' }),
      disabled: t.exposeBoolean('disabled', { description: 'Always true.' }),
    }),
  });

const mcpServerIdArg = (t: any) => t.arg.id({ required: true, description: 'The MCP server’s ID (`mcs_…`).' });

builder.queryFields((t) => ({
  mcpServer: t.field({
    type: McpServerRef,
    description: 'One MCP server of your account.',
    authScopes: read,
    args: { id: mcpServerIdArg(t) },
    resolve: (_root, { id }, ctx) => getMcpServer(ctx.prisma, accountOf(ctx), String(id)),
  }),
  mcpServers: t.connection(
    {
      type: McpServerRef,
      description: 'Your account’s MCP servers, newest first.',
      authScopes: read,
      args: pageArgs(t),
      resolve: async (_root, args, ctx) => toConnection(await listMcpServers(ctx.prisma, accountOf(ctx), args as PageArgs)) as never,
    },
    connectionOf('McpServerConnection', 'MCP servers'),
    edgeOf('MCP server'),
  ),
}));

builder.mutationFields((t) => ({
  createMcpServer: t.field({
    type: McpServerRef,
    nullable: false,
    description:
      'Registers an MCP server and lists its tools. A server that cannot be listed is registered all the same, with status `error` and `lastError`.',
    authScopes: write,
    args: { input: t.arg({ type: CreateMcpServerInput, required: true, description: 'The server.' }) },
    resolve: (_root, { input }, ctx) => createMcpServer(ctx.prisma, ctx.serverKey, rulesOf(ctx), accountOf(ctx), input, ctx.idempotency?.commit),
  }),
  updateMcpServer: t.field({
    type: McpServerRef,
    nullable: false,
    description: 'Changes an MCP server: each field given replaces the stored one. A change of url, headers or timeoutMs lists its tools again.',
    authScopes: write,
    args: { id: mcpServerIdArg(t), input: t.arg({ type: UpdateMcpServerInput, required: true, description: 'The changes.' }) },
    resolve: (_root, { id, input }, ctx) =>
      updateMcpServer(ctx.prisma, ctx.serverKey, rulesOf(ctx), accountOf(ctx), String(id), input as Record<string, unknown>, ctx.idempotency?.commit),
  }),
  refreshMcpServer: t.field({
    type: McpServerRef,
    nullable: false,
    description: 'Lists the server’s tools again; answers the server with its new status.',
    authScopes: write,
    args: { id: mcpServerIdArg(t) },
    resolve: (_root, { id }, ctx) => refreshMcpServer(ctx.prisma, ctx.serverKey, rulesOf(ctx), accountOf(ctx), String(id), ctx.idempotency?.commit),
  }),
  deleteMcpServer: t.field({
    type: DeleteMcpServerPayload,
    description: 'Deletes an MCP server; every agent that used it stops using it.',
    authScopes: write,
    args: { id: mcpServerIdArg(t) },
    resolve: async (_root, { id }, ctx) => {
      await deleteMcpServer(ctx.prisma, accountOf(ctx), String(id), ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true };
    },
  }),
  enableMcpServer: t.field({
    type: EnableMcpServerPayload,
    description:
      'The agent uses the MCP server: all its tools, or those named (which must be in its `tools`; INVALID_REQUEST names the others). Replaces the agent’s selection for that server.',
    authScopes: write,
    args: {
      agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }),
      mcpServerId: mcpServerIdArg(t),
      input: t.arg({ type: EnableMcpServerInput, description: 'Which tools; omitted: all of them.' }),
    },
    resolve: (_root, { agentId, mcpServerId, input }, ctx) =>
      enableMcpServer(ctx.prisma, accountOf(ctx), String(agentId), String(mcpServerId), input ?? {}, ctx.idempotency?.commit),
  }),
  disableMcpServer: t.field({
    type: DisableMcpServerPayload,
    description: 'The agent stops using the MCP server (NOT_FOUND when it does not use it); the server stays registered.',
    authScopes: write,
    args: { agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }), mcpServerId: mcpServerIdArg(t) },
    resolve: async (_root, { agentId, mcpServerId }, ctx) => {
      await disableMcpServer(ctx.prisma, accountOf(ctx), String(agentId), String(mcpServerId), ctx.idempotency?.commit);
      return { agentId: String(agentId), mcpServerId: String(mcpServerId), disabled: true };
    },
  }),
}));
