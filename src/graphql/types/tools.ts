import type { PageArgs } from '../../services/pagination.js';
import {
  TOOL_LIMITS as L,
  createTool,
  deleteTool,
  getTool,
  toolsOfAgent,
  updateTool,
  type CreatedTool,
} from '../../services/tools/custom-tools.js';
import { rotateToolSecret } from '../../services/tools/tool-secret.js';
import { notFound } from '../../errors.js';
import { builder, requireKey } from '../builder.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';
import { AgentRef } from './agent.js';

export const ToolRef = builder.prismaNode('Tool', {
  description:
    'A custom HTTP tool of an agent (offered to the model while the agent has the `http` plugin enabled): OrionOS POSTs the arguments to `url`, signed like a webhook with the agent’s tool secret, and hands the JSON answer back.',
  id: { field: 'id', description: 'The tool’s ID (`tol_…`).' },
  nullable: true,
  // node(id:) only finds tools of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    agentId: t.exposeID('agentId', { description: 'The agent it belongs to (`agt_…`).' }),
    name: t.exposeString('name', { description: 'What the model calls it; unique per agent.' }),
    description: t.exposeString('description', { description: 'What it does, for the model.' }),
    parameters: t.field({
      type: 'JSONObject',
      description: 'The JSON Schema (an object schema) the arguments must satisfy; checked before every call.',
      resolve: (tool) => tool.parameters as Record<string, unknown>,
    }),
    url: t.exposeString('url', { description: 'Where the arguments are POSTed.' }),
    timeoutMs: t.exposeInt('timeoutMs', { description: 'How long a call may take.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

builder.objectFields(AgentRef, (t) => ({
  tools: t.connection(
    {
      type: ToolRef,
      description: 'The agent’s custom tools, newest first.',
      args: pageArgs(t),
      resolve: async (agent, args, ctx) => toConnection(await toolsOfAgent(ctx.prisma, agent.id, args as PageArgs)) as never,
    },
    connectionOf('ToolConnection', 'an agent’s custom tools'),
    edgeOf('tool'),
  ),
  tool: t.field({
    type: ToolRef,
    description: 'One custom tool of the agent (NOT_FOUND when the agent has none with this ID).',
    args: { id: t.arg.id({ required: true, description: 'The tool’s ID (`tol_…`).' }) },
    resolve: async (agent, { id }, ctx) => {
      const tool = await ctx.prisma.tool.findFirst({ where: { id: String(id), agentId: agent.id, accountId: agent.accountId } });
      if (!tool) throw notFound('Tool', String(id));
      return tool;
    },
  }),
}));

const toolInputFields = (t: any, required: boolean) => ({
  name: t.string({
    required,
    description: `What the model calls it: a letter, then letters, digits, _ or - (at most ${L.name} characters); unique per agent, not a built-in tool’s name.`,
  }),
  description: t.string({ required, description: `What it does, for the model (1–${L.description} characters).` }),
  parameters: t.field({
    type: 'JSONObject',
    required,
    description: `A JSON Schema with \`type: "object"\` (strict: unknown keywords are refused), at most ${L.parametersBytes} characters as JSON.`,
  }),
  url: t.string({ required, description: `An absolute http(s) URL without credentials, at most ${L.url} characters.` }),
  timeoutMs: t.int({
    description: `${L.timeoutMsMin}–${L.timeoutMsMax} ms (default ${L.timeoutMsDefault}).${required ? '' : ' null restores the default.'}`,
  }),
});

const CreateToolInput = builder.inputType('CreateToolInput', {
  description: 'A new custom tool: every field but timeoutMs is required.',
  fields: (t) => toolInputFields(t, true),
});

const UpdateToolInput = builder.inputType('UpdateToolInput', {
  description: 'Each field given replaces the stored one.',
  fields: (t) => toolInputFields(t, false),
});

const CreateToolPayload = builder.objectRef<CreatedTool>('CreateToolPayload').implement({
  description: 'The new tool, and the agent’s signing secret when this is its first tool.',
  fields: (t) => ({
    tool: t.field({ type: ToolRef, nullable: false, description: 'The new tool.', resolve: (r) => r.tool }),
    signingSecret: t.exposeString('signingSecret', {
      nullable: true,
      description:
        'The agent’s tool-signing secret (`whsec_…`), shown this once: with the agent’s first tool; null on later creates (rotateToolSecret makes a new one).',
    }),
  }),
});

const DeleteToolPayload = builder.objectRef<{ deletedId: string; deleted: boolean }>('DeleteToolPayload').implement({
  description: 'What was deleted: a custom tool.',
  fields: (t) => ({
    deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted tool.' }),
    deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
  }),
});

const RotateToolSecretPayload = builder.objectRef<{ agentId: string; secret: string }>('RotateToolSecretPayload').implement({
  description: 'An agent’s new tool-signing secret.',
  fields: (t) => ({
    agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
    secret: t.exposeString('secret', {
      description: 'The agent’s new tool-signing secret (`whsec_…`), shown this once; the old one stops signing at once.',
    }),
  }),
});

const agentIdOfPath = (t: any) =>
  t.arg.id({ description: 'When given, the tool must be this agent’s (AGENT_NOT_FOUND when the agent is not yours).' });

builder.queryFields((t) => ({
  tool: t.field({
    type: ToolRef,
    description: 'One custom tool of your account’s agents.',
    authScopes: { scope: 'agents:read' },
    args: { id: t.arg.id({ required: true, description: 'The tool’s ID (`tol_…`).' }) },
    resolve: (_root, { id }, ctx) => getTool(ctx.prisma, requireKey(ctx).account.id, String(id)),
  }),
}));

builder.mutationFields((t) => ({
  createTool: t.field({
    type: CreateToolPayload,
    description: `Adds a custom tool to the agent (at most ${L.perAgent}). The agent’s first tool also makes its signing secret, answered once in signingSecret.`,
    authScopes: { scope: 'agents:write' },
    args: {
      agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }),
      input: t.arg({ type: CreateToolInput, required: true, description: 'The tool.' }),
    },
    resolve: (_root, { agentId, input }, ctx) =>
      createTool(ctx.prisma, ctx.serverKey, requireKey(ctx).account.id, String(agentId), input, ctx.idempotency?.commit),
  }),
  updateTool: t.field({
    type: ToolRef,
    description: 'Changes a custom tool: each field given replaces the stored one.',
    authScopes: { scope: 'agents:write' },
    args: {
      id: t.arg.id({ required: true, description: 'The tool’s ID (`tol_…`).' }),
      agentId: agentIdOfPath(t),
      input: t.arg({ type: UpdateToolInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, { id, agentId, input }, ctx) =>
      updateTool(
        ctx.prisma,
        requireKey(ctx).account.id,
        String(id),
        input as Record<string, unknown>,
        agentId == null ? undefined : String(agentId),
        ctx.idempotency?.commit,
      ),
  }),
  deleteTool: t.field({
    type: DeleteToolPayload,
    description: 'Deletes a custom tool; the model no longer sees it.',
    authScopes: { scope: 'agents:write' },
    args: { id: t.arg.id({ required: true, description: 'The tool’s ID (`tol_…`).' }), agentId: agentIdOfPath(t) },
    resolve: async (_root, { id, agentId }, ctx) => {
      await deleteTool(ctx.prisma, requireKey(ctx).account.id, String(id), agentId == null ? undefined : String(agentId), ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true };
    },
  }),
  rotateToolSecret: t.field({
    type: RotateToolSecretPayload,
    description: 'Replaces the agent’s tool-signing secret (making one if it has none); the new one is answered once.',
    authScopes: { scope: 'agents:write' },
    args: { agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }) },
    resolve: async (_root, { agentId }, ctx) => ({
      agentId: String(agentId),
      secret: await rotateToolSecret(ctx.prisma, ctx.serverKey, requireKey(ctx).account.id, String(agentId), ctx.idempotency?.commit),
    }),
  }),
}));
