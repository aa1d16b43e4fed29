import { AGENT_LIMITS, type ModelConfig, type Personality } from '../../services/agent-input.js';
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
import { connectionExtras, pageArgs, toConnection } from '../pagination.js';

const L = AGENT_LIMITS;

const AgentStatus = builder.enumType('AgentStatus', {
  description: 'A paused agent keeps its data but does not answer messages.',
  values: ['active', 'paused'] as const,
});

export const ModelProvider = builder.enumType('ModelProvider', {
  description: 'local: the built-in offline engine; openai: OpenAI or any OpenAI-compatible server; anthropic.',
  values: ['local', 'openai', 'anthropic'] as const,
});

const PersonalityExample = builder
  .objectRef<Personality['examples'][number]>('PersonalityExample')
  .implement({
    fields: (t) => ({ user: t.exposeString('user'), agent: t.exposeString('agent') }),
  });

const PersonalityRef = builder.objectRef<Personality>('Personality').implement({
  fields: (t) => ({
    traits: t.exposeStringList('traits'),
    tone: t.exposeString('tone'),
    bio: t.exposeString('bio'),
    style: t.exposeStringList('style'),
    examples: t.field({ type: [PersonalityExample], resolve: (p) => p.examples }),
  }),
});

const ModelConfigRef = builder.objectRef<ModelConfig>('ModelConfig').implement({
  fields: (t) => ({
    provider: t.field({ type: ModelProvider, resolve: (m) => m.provider }),
    name: t.exposeString('name'),
    temperature: t.exposeFloat('temperature'),
    maxTokens: t.exposeInt('maxTokens'),
  }),
});

export const AgentRef = builder.prismaNode('Agent', {
  description: 'An AI agent: who it is (personality, system prompt) and which model answers for it.',
  id: { field: 'id' },
  nullable: true,
  // node(id:) only finds agents of the caller's account.
  findUnique: (id, ctx) => ({ id, accountId: requireKey(ctx).account.id }),
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    personality: t.field({ type: PersonalityRef, resolve: agentPersonality }),
    systemPrompt: t.exposeString('systemPrompt', { nullable: true }),
    model: t.field({ type: ModelConfigRef, resolve: agentModel }),
    status: t.expose('status', { type: AgentStatus }),
    metadata: t.field({ type: 'StringMap', resolve: (a) => a.metadata as Record<string, string> }),
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
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const PersonalityExampleInput = builder.inputType('PersonalityExampleInput', {
  fields: (t) => ({
    user: t.string({ required: true, description: `What a user says (1–${L.exampleText} characters).` }),
    agent: t.string({ required: true, description: 'How the agent answers it.' }),
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
    provider: t.field({ type: ModelProvider }),
    name: t.string({ description: 'Model name; defaults by provider.' }),
    temperature: t.float({ description: '0 to 2.' }),
    maxTokens: t.int({ description: `1 to ${L.maxTokens}.` }),
  }),
});

const agentInputFields = (t: any, nameRequired: boolean) => ({
  name: t.string({ required: nameRequired, description: `1–${L.name} characters.` }),
  description: t.string({ description: `At most ${L.description} characters.` }),
  personality: t.field({ type: PersonalityInput }),
  systemPrompt: t.string({ description: `At most ${L.systemPrompt} characters.` }),
  model: t.field({ type: ModelConfigInput }),
  status: t.field({ type: AgentStatus }),
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
    fields: (t) => ({
      deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted agent.' }),
      deleted: t.exposeBoolean('deleted'),
    }),
  });

builder.queryFields((t) => ({
  agent: t.field({
    type: AgentRef,
    description: 'One agent of your account.',
    authScopes: { scope: 'agents:read' },
    args: { id: t.arg.id({ required: true }) },
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
    { name: 'AgentConnection', ...connectionExtras },
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
    authScopes: { scope: 'agents:write' },
    args: { input: t.arg({ type: CreateAgentInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      assertMayNameCharacter(ctx, input);
      return createAgent(ctx.prisma, requireKey(ctx).account.id, input, ctx.idempotency?.commit);
    },
  }),
  updateAgent: t.field({
    type: AgentRef,
    authScopes: { scope: 'agents:write' },
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateAgentInput, required: true }),
    },
    resolve: (_root, { id, input }, ctx) => {
      assertMayNameCharacter(ctx, input);
      return updateAgent(ctx.prisma, requireKey(ctx).account.id, String(id), input as Record<string, unknown>, ctx.idempotency?.commit);
    },
  }),
  deleteAgent: t.field({
    type: DeleteAgentPayload,
    authScopes: { scope: 'agents:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteAgent(ctx.prisma, requireKey(ctx).account.id, String(id), ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true };
    },
  }),
}));
