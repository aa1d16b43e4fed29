import { AGENT_LIMITS, DEFAULT_MODEL_NAMES, type ModelConfig, type Personality } from '../../services/agent-input.js';
import {
  agentModel,
  agentPersonality,
  createAgent,
  deleteAgent,
  getAgent,
  listAgents,
  updateAgent,
} from '../../services/agents.js';
import type { PageArgs } from '../../services/pagination.js';
import { forbidden } from '../../errors.js';
import type { GraphQLContext } from '../context.js';
import { builder, requireKey } from '../builder.js';
import { CharacterRef } from './character.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';

const L = AGENT_LIMITS;

const AgentStatus = builder.enumType('AgentStatus', {
  description: 'A paused agent keeps its data but does not answer messages.',
  values: {
    active: { description: 'Answers messages (the default).' },
    paused: { description: 'Refuses messages with AGENT_UNAVAILABLE (503) until set active again.' },
  } as const,
});

export const ModelProvider = builder.enumType('ModelProvider', {
  description: 'local: the built-in offline engine; openai: OpenAI or any OpenAI-compatible server; anthropic.',
  values: {
    local: {
      description: `The built-in offline engine (${DEFAULT_MODEL_NAMES.local}): rule-based, deterministic, needs no key or network. The default.`,
    },
    openai: {
      description: `OpenAI, or any OpenAI-compatible server the operator set (OPENAI_BASE_URL); default model ${DEFAULT_MODEL_NAMES.openai}.`,
    },
    anthropic: { description: `Anthropic (ANTHROPIC_API_KEY on the server); default model ${DEFAULT_MODEL_NAMES.anthropic}.` },
  } as const,
});

const PersonalityExample = builder
  .objectRef<Personality['examples'][number]>('PersonalityExample')
  .implement({
    description: 'An example exchange that shows the model how the agent answers.',
    fields: (t) => ({
      user: t.exposeString('user', { description: 'What a user says.' }),
      agent: t.exposeString('agent', { description: 'How the agent answers it.' }),
    }),
  });

const PersonalityRef = builder.objectRef<Personality>('Personality').implement({
  description: 'Who the agent is: the prompt is composed from these fields (and its character, if any).',
  fields: (t) => ({
    traits: t.exposeStringList('traits', { description: 'Character traits, e.g. "patient", "curious" (empty when none).' }),
    tone: t.exposeString('tone', { description: 'How it sounds, e.g. "friendly"; "neutral" unless set.' }),
    bio: t.exposeString('bio', { description: 'A short biography in prose (empty when none).' }),
    style: t.exposeStringList('style', { description: 'Rules for how it writes, e.g. "Answer in two sentences" (empty when none).' }),
    examples: t.field({ type: [PersonalityExample], description: 'Example exchanges (empty when none).', resolve: (p) => p.examples }),
  }),
});

const ModelConfigRef = builder.objectRef<ModelConfig>('ModelConfig').implement({
  description: 'Which model answers for the agent, and how.',
  fields: (t) => ({
    provider: t.field({ type: ModelProvider, description: 'Who runs the model.', resolve: (m) => m.provider }),
    name: t.exposeString('name', { description: 'The model’s name at its provider, e.g. gpt-4o-mini.' }),
    temperature: t.exposeFloat('temperature', { description: 'Sampling temperature, 0 (focused) to 2 (varied).' }),
    maxTokens: t.exposeInt('maxTokens', { description: `The most tokens a reply may have (1–${L.maxTokens}).` }),
  }),
});

export const AgentRef = builder.prismaNode('Agent', {
  description: 'An AI agent: who it is (personality, system prompt) and which model answers for it.',
  id: { field: 'id', description: 'The agent’s ID (`agt_…`).' },
  nullable: true,
  // node(id:) only finds agents of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    name: t.exposeString('name', { description: `The agent’s name (1–${L.name} characters); the prompt opens with “You are <name>.”` }),
    description: t.exposeString('description', { nullable: true, description: 'What the agent is, in a sentence or two; the prompt gives it right after the name. Null when none.' }),
    personality: t.field({ type: PersonalityRef, description: 'Who the agent is; defaults fill what was not set.', resolve: agentPersonality }),
    systemPrompt: t.exposeString('systemPrompt', {
      nullable: true,
      description: 'The agent’s own instructions, last in the system message (after its character and personality); null when none.',
    }),
    model: t.field({ type: ModelConfigRef, description: 'The model that answers, with defaults filled in.', resolve: agentModel }),
    status: t.expose('status', { type: AgentStatus, description: 'Active, or paused (refuses messages).' }),
    metadata: t.field({
      type: 'StringMap',
      description: 'Your own string pairs (up to 16), stored and returned as given; {} when none.',
      resolve: (a) => a.metadata as Record<string, string>,
    }),
    characterId: t.exposeID('characterId', { nullable: true, description: 'The character the agent speaks as (`chr_…`).' }),
    characterRevision: t.exposeInt('characterRevision', {
      nullable: true,
      description: 'The character revision the agent is pinned to; null follows the latest revision.',
    }),
    character: t.field({
      type: CharacterRef,
      nullable: true,
      description: 'The character the agent speaks as, at its latest revision (see characterRevision for a pin).',
      authScopes: { scope: 'characters:read' },
      resolve: (agent, _args, ctx) =>
        agent.characterId ? ctx.prisma.character.findFirst({ where: { id: agent.characterId, accountId: agent.accountId } }) : null,
    }),
    maxToolSteps: t.exposeInt('maxToolSteps', {
      description: `Model steps a turn may take calling tools (${L.maxToolStepsMin}–${L.maxToolStepsMax}, default ${L.maxToolStepsDefault}).`,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the agent was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the agent last changed.' }),
  }),
});

const PersonalityExampleInput = builder.inputType('PersonalityExampleInput', {
  description: 'An example exchange: what a user says and how the agent answers it.',
  fields: (t) => ({
    user: t.string({ required: true, description: `What a user says (1–${L.exampleText} characters).` }),
    agent: t.string({ required: true, description: `How the agent answers it (1–${L.exampleText} characters).` }),
  }),
});

const PersonalityInput = builder.inputType('PersonalityInput', {
  description: 'Omitted or null fields take their defaults.',
  fields: (t) => ({
    traits: t.stringList({ description: `Up to ${L.traits} traits, each 1–${L.trait} characters.` }),
    tone: t.string({ description: `Default "neutral"; at most ${L.tone} characters.` }),
    bio: t.string({ description: `At most ${L.bio} characters.` }),
    style: t.stringList({ description: `Up to ${L.style} style rules, each at most ${L.styleRule} characters.` }),
    examples: t.field({ type: [PersonalityExampleInput], description: `Up to ${L.examples} example exchanges.` }),
  }),
});

const ModelConfigInput = builder.inputType('ModelConfigInput', {
  description: 'Omitted or null fields take their defaults (local engine, temperature 0.7, 1024 tokens).',
  fields: (t) => ({
    provider: t.field({ type: ModelProvider, description: 'Who runs the model (see ModelProvider).' }),
    name: t.string({ description: 'Model name; defaults by provider.' }),
    temperature: t.float({ description: '0 to 2.' }),
    maxTokens: t.int({ description: `1 to ${L.maxTokens}.` }),
  }),
});

const agentInputFields = (t: any, nameRequired: boolean) => ({
  name: t.string({ required: nameRequired, description: `1–${L.name} characters.` }),
  description: t.string({ description: `At most ${L.description} characters.` }),
  personality: t.field({ type: PersonalityInput, description: 'Who the agent is; omitted fields take their defaults.' }),
  systemPrompt: t.string({ description: `At most ${L.systemPrompt} characters.` }),
  model: t.field({ type: ModelConfigInput, description: 'The model that answers; omitted fields take their defaults.' }),
  status: t.field({ type: AgentStatus, description: 'Active, or paused: a paused agent refuses messages.' }),
  metadata: t.field({ type: 'StringMap', description: `Up to ${L.metadataPairs} string pairs.` }),
  characterId: t.id({
    description: 'A character of your account the agent speaks as; null for none. Changing it drops a pin the same change does not name.',
  }),
  maxToolSteps: t.int({
    description: `Model steps a turn may take calling tools, ${L.maxToolStepsMin}–${L.maxToolStepsMax} (default ${L.maxToolStepsDefault}); null restores the default.`,
  }),
  characterRevision: t.int({ description: 'Pin a revision of the character (it must exist); null follows its latest revision.' }),
});

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  description: 'A new agent: only name is required; every other field has a default.',
  fields: (t) => agentInputFields(t, true),
});

const UpdateAgentInput = builder.inputType('UpdateAgentInput', {
  description: 'Each field given replaces the stored one; null clears an optional field.',
  fields: (t) => agentInputFields(t, false),
});

// A payload names the object it is about (`deletedId`) instead of reusing its `id`.
const DeleteAgentPayload = builder
  .objectRef<{ deletedId: string; deleted: boolean }>('DeleteAgentPayload')
  .implement({
    description: 'What was deleted: the agent, with its conversations, tools and attachments.',
    fields: (t) => ({
      deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted agent.' }),
      deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
    }),
  });

builder.queryFields((t) => ({
  agent: t.field({
    type: AgentRef,
    description: 'One agent of your account (AGENT_NOT_FOUND when it is not yours or does not exist).',
    authScopes: { scope: 'agents:read' },
    args: { id: t.arg.id({ required: true, description: 'The agent’s ID (`agt_…`).' }) },
    resolve: (_root, { id }, ctx) => getAgent(ctx.prisma, requireKey(ctx).account.id, String(id)),
  }),
  agents: t.connection(
    {
      type: AgentRef,
      description: 'Your agents, newest first.',
      authScopes: { scope: 'agents:read' },
      args: pageArgs(t),
      resolve: async (_root, args, ctx) =>
        toConnection(await listAgents(ctx.prisma, requireKey(ctx).account.id, args as PageArgs)) as never,
    },
    connectionOf('AgentConnection', 'your agents'),
    edgeOf('agent'),
  ),
}));

/**
 * Naming a character (or one of its revisions) shows its text through the agent, in the prompt
 * preview: it takes `characters:read` besides `agents:write`.
 */
function assertMayNameCharacter(ctx: GraphQLContext, input: { characterId?: unknown; characterRevision?: unknown }): void {
  const names = (input.characterId !== undefined && input.characterId !== null) ||
    (input.characterRevision !== undefined && input.characterRevision !== null);
  if (names && !requireKey(ctx).key.scopes.includes('characters:read')) throw forbidden('characters:read');
}

builder.mutationFields((t) => ({
  createAgent: t.field({
    type: AgentRef,
    description: 'Creates an agent. Naming a character (characterId) also needs characters:read.',
    authScopes: { scope: 'agents:write' },
    args: { input: t.arg({ type: CreateAgentInput, required: true, description: 'The new agent.' }) },
    resolve: (_root, { input }, ctx) => {
      assertMayNameCharacter(ctx, input);
      return createAgent(ctx.prisma, requireKey(ctx).account.id, input, ctx.idempotency?.commit);
    },
  }),
  updateAgent: t.field({
    type: AgentRef,
    description: 'Changes an agent: each field given replaces the stored one. Naming a character also needs characters:read.',
    authScopes: { scope: 'agents:write' },
    args: {
      id: t.arg.id({ required: true, description: 'The agent’s ID (`agt_…`).' }),
      input: t.arg({ type: UpdateAgentInput, required: true, description: 'The changes.' }),
    },
    resolve: (_root, { id, input }, ctx) => {
      assertMayNameCharacter(ctx, input);
      return updateAgent(ctx.prisma, requireKey(ctx).account.id, String(id), input as Record<string, unknown>, ctx.idempotency?.commit);
    },
  }),
  deleteAgent: t.field({
    type: DeleteAgentPayload,
    description: 'Deletes an agent with its conversations and messages, tools and plugin settings. Cannot be undone.',
    authScopes: { scope: 'agents:write' },
    args: { id: t.arg.id({ required: true, description: 'The agent’s ID (`agt_…`).' }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteAgent(ctx.prisma, requireKey(ctx).account.id, String(id), ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true };
    },
  }),
}));
