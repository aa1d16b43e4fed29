import type { PrismaClient } from '../db/client.js';
import type { Agent, Prisma } from '../db/generated/prisma/client.js';
import { isForeignKeyViolation, nullWhenMissing } from '../db/prisma-errors.js';
import { agentNotFound } from '../errors.js';
import { newId, typeOfId } from '../ids.js';
import {
  createAgentSchema,
  updateAgentSchema,
  type AgentChanges,
  type AgentValues,
  type ModelConfig,
  type Personality,
} from './agent-input.js';
import { checkCharacterReference, withCharacter, type AgentWithCharacter } from './agent-character.js';
import { characterNotFound } from './characters.js';
import type { CommitMark } from './idempotency.js';
import { accountCounter, idOrderedSource, paginate, type Page, type PageArgs } from './pagination.js';
import { parseInput } from './validation.js';
import { writeWithEvent } from './webhooks/outbox.js';

export type { Agent };

function isAgentId(id: string): boolean {
  return typeOfId(id) === 'Agent';
}

function columns(values: AgentChanges): Prisma.AgentUncheckedUpdateInput {
  const data: Prisma.AgentUncheckedUpdateInput = {};
  if (values.name !== undefined) data.name = values.name;
  if (values.description !== undefined) data.description = values.description;
  if (values.personality !== undefined) data.personality = values.personality;
  if (values.systemPrompt !== undefined) data.systemPrompt = values.systemPrompt;
  if (values.status !== undefined) data.status = values.status;
  if (values.metadata !== undefined) data.metadata = values.metadata;
  if (values.characterId !== undefined) data.characterId = values.characterId;
  if (values.characterRevision !== undefined) data.characterRevision = values.characterRevision;
  if (values.maxToolSteps !== undefined) data.maxToolSteps = values.maxToolSteps;
  if (values.model !== undefined) {
    data.modelProvider = values.model.provider;
    data.modelName = values.model.name;
    data.modelTemperature = values.model.temperature;
    data.modelMaxTokens = values.model.maxTokens;
  }
  return data;
}

export function agentModel(agent: Agent): ModelConfig {
  return {
    provider: agent.modelProvider,
    name: agent.modelName,
    temperature: agent.modelTemperature,
    maxTokens: agent.modelMaxTokens,
  };
}

export function agentPersonality(agent: Agent): Personality {
  return agent.personality as Personality;
}

/**
 * The agent as REST returns it (fragment AgentFields in src/rest/operations/agents.graphql): the
 * `data` of its webhook events. The webhook tests compare the two.
 */
export function agentResource(agent: Agent) {
  const personality = agentPersonality(agent);
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    personality: {
      traits: personality.traits,
      tone: personality.tone,
      bio: personality.bio,
      style: personality.style,
      examples: personality.examples.map((example) => ({ user: example.user, agent: example.agent })),
    },
    systemPrompt: agent.systemPrompt,
    model: agentModel(agent),
    status: agent.status,
    metadata: agent.metadata,
    characterId: agent.characterId,
    characterRevision: agent.characterRevision,
    maxToolSteps: agent.maxToolSteps,
    createdAt: agent.createdAt.toISOString(),
    updatedAt: agent.updatedAt.toISOString(),
  };
}

/**
 * A character deleted after checkCharacterReference and before the agent's write fails that
 * write's foreign key: the client gets the 404 it would have got a moment later, not a 500.
 */
function characterDeletedMeanwhile(characterId: string | null | undefined) {
  return (error: unknown): never => {
    if (characterId && isForeignKeyViolation(error)) throw characterNotFound(characterId);
    throw error;
  };
}

export async function createAgent(
  prisma: PrismaClient,
  accountId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<Agent> {
  const values: AgentValues = parseInput(createAgentSchema, rawInput);
  await checkCharacterReference(prisma, accountId, values);
  const id = newId('agt');
  return writeWithEvent(prisma, {
    accountId,
    type: 'agent.created',
    write: (db) => db.agent.create({ data: { ...(columns(values) as Prisma.AgentUncheckedCreateInput), id, accountId } }),
    data: agentResource,
    commit,
    outcome: { type: 'Agent', id },
  }).catch(characterDeletedMeanwhile(values.characterId));
}

/**
 * The agent, with the character it speaks as, if it exists and belongs to the account; otherwise
 * AGENT_NOT_FOUND (never which).
 */
export async function getAgent(prisma: PrismaClient, accountId: string, id: string): Promise<AgentWithCharacter> {
  const agent = isAgentId(id) ? await prisma.agent.findFirst({ where: { id, accountId } }) : null;
  if (!agent) throw agentNotFound(id);
  return withCharacter(prisma, agent);
}

export async function updateAgent(
  prisma: PrismaClient,
  accountId: string,
  id: string,
  rawInput: Record<string, unknown>,
  commit?: CommitMark,
): Promise<Agent> {
  const parsed = parseInput(updateAgentSchema, rawInput) as AgentChanges;
  // Only the fields the client named change; defaults never fill in absent ones.
  const changes = Object.fromEntries(
    Object.keys(rawInput).map((key) => [key, parsed[key as keyof AgentChanges]]),
  ) as AgentChanges;
  if (!isAgentId(id)) throw agentNotFound(id);
  if (changes.characterId !== undefined || changes.characterRevision !== undefined) {
    const current = await getAgent(prisma, accountId, id);
    // Another character (or none) drops the pin unless the same change names one.
    if (changes.characterRevision === undefined) {
      const sameCharacter = changes.characterId === undefined || changes.characterId === current.characterId;
      changes.characterRevision = sameCharacter ? current.characterRevision : null;
    }
    await checkCharacterReference(prisma, accountId, {
      characterId: changes.characterId === undefined ? current.characterId : changes.characterId,
      characterRevision: changes.characterRevision,
    });
  }
  const data = { ...columns(changes), updatedAt: new Date() };
  const updated = await writeWithEvent(prisma, {
    accountId,
    type: 'agent.updated',
    // One row at most (id is the key); RETURNING gives the event the row as it now is.
    write: (db) => db.agent.updateManyAndReturn({ where: { id, accountId }, data }),
    data: ([agent]) => (agent ? agentResource(agent) : undefined),
    commit,
    outcome: { type: 'Agent', id },
    wrote: (rows) => rows.length > 0,
  }).catch(characterDeletedMeanwhile(changes.characterId));
  if (updated.length === 0) throw agentNotFound(id);
  return getAgent(prisma, accountId, id);
}

export async function deleteAgent(prisma: PrismaClient, accountId: string, id: string, commit?: CommitMark): Promise<void> {
  if (!isAgentId(id)) throw agentNotFound(id);
  const deleted = await writeWithEvent(prisma, {
    accountId,
    type: 'agent.deleted',
    // The event carries the agent as it was: its row, read under the delete's own lock.
    write: (db) => db.agent.delete({ where: { id, accountId } }).catch(nullWhenMissing),
    data: (agent) => (agent ? agentResource(agent) : undefined),
    commit,
    outcome: { type: 'Agent', id },
    wrote: (agent) => agent !== null,
  });
  if (!deleted) throw agentNotFound(id);
}

export function listAgents(
  prisma: PrismaClient,
  accountId: string,
  args: PageArgs,
): Promise<Page<Agent>> {
  const total = () => accountCounter(prisma, accountId, 'agentCount');
  return paginate(args, idOrderedSource<Agent>(prisma.agent, { accountId }, isAgentId, total, {
      prisma,
      table: 'Agent',
      ownerColumn: 'accountId',
      ownerId: accountId,
    }));
}
