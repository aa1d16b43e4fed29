import type { PrismaClient } from '../../db/client.js';
import type { AgentPlugin, Prisma } from '../../db/generated/prisma/client.js';
import { agentNotFound, invalidRequest, notFound, type FieldError } from '../../errors.js';
import { typeOfId } from '../../ids.js';
import { changingAgent, syncEnabledPlugins } from '../agent-lock.js';
import type { CommitMark } from '../idempotency.js';
import { catalogValidator, schemaFieldErrors } from '../json-schema.js';
import { PLUGINS, pluginById, type PluginDefinition } from './catalog.js';

export type { AgentPlugin };

/** The catalog, in its fixed order. */
export function listPlugins(): readonly PluginDefinition[] {
  return PLUGINS;
}

export function getPlugin(id: string): PluginDefinition {
  const plugin = pluginById(id);
  if (!plugin) throw notFound('Plugin', id);
  return plugin;
}

/** Whether `timeZone` is an IANA time zone this runtime knows (UTC included). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Checks beyond JSON Schema, per plugin. */
const EXTRA_CHECKS: Record<string, (config: Record<string, unknown>) => FieldError[]> = {
  time: (config) =>
    typeof config['defaultTimeZone'] === 'string' && !isTimeZone(config['defaultTimeZone'])
      ? [{ field: 'config.defaultTimeZone', message: 'must be an IANA time zone such as Europe/Paris or UTC' }]
      : [],
};

/**
 * A plugin's config as stored: validated against its schema, `default`s filled in; otherwise
 * INVALID_REQUEST naming each `config.<path>`.
 */
export function pluginConfig(plugin: PluginDefinition, raw: unknown): Record<string, unknown> {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw invalidRequest([{ field: 'config', message: 'must be an object' }]);
  }
  // A copy: filling in defaults changes the object validated.
  const config = structuredClone((raw ?? {}) as Record<string, unknown>);
  const validate = catalogValidator(plugin.configSchema);
  if (!validate(config)) throw invalidRequest(schemaFieldErrors(validate.errors, 'config'));
  const extra = EXTRA_CHECKS[plugin.id]?.(config) ?? [];
  if (extra.length) throw invalidRequest(extra);
  return config;
}

/** The agent's ID when it is one of the account's agents; AGENT_NOT_FOUND otherwise (never which). */
export async function ownAgentId(prisma: Pick<PrismaClient, 'agent'>, accountId: string, agentId: string): Promise<string> {
  const agent =
    typeOfId(agentId) === 'Agent'
      ? await prisma.agent.findFirst({ where: { id: agentId, accountId }, select: { id: true } })
      : null;
  if (!agent) throw agentNotFound(agentId);
  return agent.id;
}

/** The agent's enabled plugins, in catalog order. */
export async function agentPlugins(prisma: PrismaClient, accountId: string, agentId: string): Promise<AgentPlugin[]> {
  await ownAgentId(prisma, accountId, agentId);
  return enabledPluginRows(prisma, agentId);
}

/** The enabled plugins of an agent already known to be the caller's, in catalog order. */
export async function enabledPluginRows(prisma: PrismaClient, agentId: string): Promise<AgentPlugin[]> {
  const rows = await prisma.agentPlugin.findMany({ where: { agentId } });
  const order = (id: string) => PLUGINS.findIndex((p) => p.id === id);
  return rows.sort((a, b) => order(a.pluginId) - order(b.pluginId));
}

/**
 * Enables the plugin for the agent with this config, or replaces the config it has (PUT: the
 * whole config; what is absent takes its default). Answers the row either way.
 */
export async function enablePlugin(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  pluginId: string,
  rawConfig: unknown,
  commit?: CommitMark,
): Promise<AgentPlugin> {
  return changingPlugins(prisma, accountId, agentId, async (tx) => {
    // After the agent: a missing agent is AGENT_NOT_FOUND whatever the plugin and config.
    const plugin = getPlugin(pluginId);
    const config = pluginConfig(plugin, rawConfig) as Prisma.InputJsonObject;
    const row = await tx.agentPlugin.upsert({
      where: { agentId_pluginId: { agentId, pluginId: plugin.id } },
      create: { agentId, pluginId: plugin.id, accountId, config },
      update: { config },
    });
    if (commit) await commit(tx, { type: 'Agent', id: agentId });
    return row;
  });
}

/** Disables the plugin; NOT_FOUND when the agent does not have it enabled. */
export async function disablePlugin(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  pluginId: string,
  commit?: CommitMark,
): Promise<void> {
  await changingPlugins(prisma, accountId, agentId, async (tx) => {
    const { count } = await tx.agentPlugin.deleteMany({ where: { agentId, accountId, pluginId } });
    if (count === 0) throw notFound(`Plugin ${JSON.stringify(pluginId)} of agent`, agentId);
    if (commit) await commit(tx, { type: 'Agent', id: agentId });
  });
}

/** A change of the agent's plugins, with Agent.enabledPlugins kept in step (see changingAgent). */
function changingPlugins<T>(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  change: (tx: Prisma.TransactionClient) => Promise<T>,
): Promise<T> {
  return changingAgent(prisma, accountId, agentId, change, syncEnabledPlugins);
}
