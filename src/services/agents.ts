import type { PrismaClient } from '../db/client.js';
import type { Agent, Prisma } from '../db/generated/prisma/client.js';
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
import { withCommitMark, type CommitMark } from './idempotency.js';
import { accountCounter, idOrderedSource, paginate, type Page, type PageArgs } from './pagination.js';
import { parseInput } from './validation.js';

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
 * A character deleted after checkCharacterReference and before the agent's write fails that
 * write's foreign key: the client gets the 404 it would have got a moment later, not a 500.
 */
function characterDeletedMeanwhile(characterId: string | null | undefined) {
  return (error: unknown): never => {
    if (characterId && (error as { code?: string })?.code === 'P2003') throw characterNotFound(characterId);
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
  const create = prisma.agent.create({
    data: { ...(columns(values) as Prisma.AgentUncheckedCreateInput), id, accountId },
  });
  const written = commit ? prisma.$transaction([create, commit(prisma, { type: 'Agent', id })]).then(([agent]) => agent) : create;
  return written.catch(characterDeletedMeanwhile(values.characterId));
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
  const { count } = await withCommitMark(
    prisma,
    commit,
    { type: 'Agent', id },
    (db) => db.agent.updateMany({ where: { id, accountId }, data }),
    (result) => result.count > 0,
  ).catch(characterDeletedMeanwhile(changes.characterId));
  if (count === 0) throw agentNotFound(id);
  return getAgent(prisma, accountId, id);
}

export async function deleteAgent(prisma: PrismaClient, accountId: string, id: string, commit?: CommitMark): Promise<void> {
  if (!isAgentId(id)) throw agentNotFound(id);
  const { count } = await withCommitMark(
    prisma,
    commit,
    { type: 'Agent', id },
    (db) => db.agent.deleteMany({ where: { id, accountId } }),
    (result) => result.count > 0,
  );
  if (count === 0) throw agentNotFound(id);
}

export function listAgents(
  prisma: PrismaClient,
  accountId: string,
  args: PageArgs,
): Promise<Page<Agent>> {
  const total = () => accountCounter(prisma, accountId, 'agentCount');
  return paginate(args, idOrderedSource<Agent>(prisma.agent, { accountId }, isAgentId, total));
}
