import type { PluginDefinition, ToolDefinition } from '../../services/plugins/catalog.js';
import {
  disablePlugin,
  enablePlugin,
  enabledPluginRows,
  getPlugin,
  listPlugins,
  type AgentPlugin,
} from '../../services/plugins/agent-plugins.js';
import { builder, requireKey } from '../builder.js';
import { AgentRef } from './agent.js';

const PluginToolRef = builder.objectRef<ToolDefinition>('PluginTool').implement({
  description: 'A built-in tool of a plugin, as the model sees it.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the model calls it.' }),
    description: t.exposeString('description', { description: 'What it does, as the model reads it.' }),
    parameters: t.field({
      type: 'JSONObject',
      description: 'The JSON Schema (an object schema) its arguments satisfy.',
      resolve: (tool) => tool.parameters,
    }),
  }),
});

export const PluginRef = builder.objectRef<PluginDefinition>('Plugin').implement({
  description:
    'A catalog plugin: a named bundle of tools an agent can enable, with a JSON-Schema config. The `http` plugin offers the agent’s own custom tools (Agent.tools) instead of built-in ones.',
  fields: (t) => ({
    // Not a Node: its ID is a catalog name (`time`), not a global one.
    pluginId: t.exposeString('id', { description: 'The plugin’s ID in the catalog (`time`, `calculator`, `http`).' }),
    name: t.exposeString('name', { description: 'Its display name, e.g. "Time".' }),
    description: t.exposeString('description', { description: 'What it gives an agent.' }),
    tools: t.field({ type: [PluginToolRef], description: 'Its built-in tools (none for `http`).', resolve: (p) => p.tools }),
    configSchema: t.field({
      type: 'JSONObject',
      description: 'The JSON Schema its config must satisfy; `default`s fill in what a config leaves out.',
      resolve: (p) => p.configSchema,
    }),
  }),
});

const AgentPluginRef = builder.objectRef<AgentPlugin>('AgentPlugin').implement({
  description: 'A plugin an agent has enabled, with its config.',
  fields: (t) => ({
    pluginId: t.exposeString('pluginId', { description: 'The catalog plugin’s ID.' }),
    agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
    plugin: t.field({ type: PluginRef, description: 'The catalog plugin.', resolve: (row) => getPlugin(row.pluginId) }),
    config: t.field({
      type: 'JSONObject',
      description: 'The config, validated against the plugin’s configSchema, defaults filled in.',
      resolve: (row) => row.config as Record<string, unknown>,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the agent enabled it.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When its config last changed.' }),
  }),
});

builder.objectFields(AgentRef, (t) => ({
  plugins: t.field({
    type: [AgentPluginRef],
    description: 'The plugins the agent has enabled, in catalog order.',
    resolve: (agent, _args, ctx) => enabledPluginRows(ctx.prisma, agent.id),
  }),
}));

const EnablePluginInput = builder.inputType('EnablePluginInput', {
  description: 'The whole config (it replaces the stored one); what it leaves out takes the default of the plugin’s configSchema.',
  fields: (t) => ({
    config: t.field({ type: 'JSONObject', description: 'Validated against the plugin’s configSchema.' }),
  }),
});

const DisablePluginPayload = builder
  .objectRef<{ deletedId: string; agentId: string; deleted: boolean }>('DisablePluginPayload')
  .implement({
    description: 'What was disabled: a plugin of an agent, with its config.',
    fields: (t) => ({
      deletedId: t.exposeString('deletedId', { description: 'The ID of the plugin disabled.' }),
      agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
      deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
    }),
  });

builder.queryFields((t) => ({
  plugins: t.field({
    type: [PluginRef],
    description: 'The plugin catalog: every plugin an agent can enable.',
    authScopes: { scope: 'agents:read' },
    resolve: () => [...listPlugins()],
  }),
  plugin: t.field({
    type: PluginRef,
    description: 'One catalog plugin (NOT_FOUND for an unknown ID).',
    authScopes: { scope: 'agents:read' },
    args: { id: t.arg.string({ required: true, description: 'The plugin’s catalog ID, e.g. `time`.' }) },
    resolve: (_root, { id }) => getPlugin(id),
  }),
}));

builder.mutationFields((t) => ({
  enablePlugin: t.field({
    type: AgentPluginRef,
    description: 'Enables a plugin for the agent with this config, or replaces the config of one it has enabled.',
    authScopes: { scope: 'agents:write' },
    args: {
      agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }),
      pluginId: t.arg.string({ required: true, description: 'The plugin’s catalog ID, e.g. `time`.' }),
      input: t.arg({ type: EnablePluginInput, description: 'The config; omitted: the configSchema’s defaults.' }),
    },
    resolve: (_root, { agentId, pluginId, input }, ctx) =>
      enablePlugin(ctx.prisma, requireKey(ctx).account.id, String(agentId), pluginId, input?.config ?? undefined, ctx.idempotency?.commit),
  }),
  disablePlugin: t.field({
    type: DisablePluginPayload,
    description: 'Disables a plugin of the agent (NOT_FOUND when it is not enabled).',
    authScopes: { scope: 'agents:write' },
    args: {
      agentId: t.arg.id({ required: true, description: 'The agent (`agt_…`).' }),
      pluginId: t.arg.string({ required: true, description: 'The plugin’s catalog ID, e.g. `time`.' }),
    },
    resolve: async (_root, { agentId, pluginId }, ctx) => {
      await disablePlugin(ctx.prisma, requireKey(ctx).account.id, String(agentId), pluginId, ctx.idempotency?.commit);
      return { deletedId: pluginId, agentId: String(agentId), deleted: true };
    },
  }),
}));
