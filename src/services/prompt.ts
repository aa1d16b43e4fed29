import type { Agent } from '../db/generated/prisma/client.js';
import type { AgentCharacter } from './agent-character.js';
import { agentModel, agentPersonality } from './agents.js';
import type { RetrievedChunk } from './knowledge/retrieval.js';
import { fitKnowledge } from './knowledge/turn-knowledge.js';
import type { ChatMessage, ModelRequest } from './models/types.js';

/** Prompt tokens the history may use, whatever the model: older turns beyond it are left out. */
export const PROMPT_TOKEN_BUDGET = 8_000;

/** A rough, model-independent count (about four characters a token). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * An agent as prompts see it: with the character it speaks as, when getAgent resolved one
 * (absent or null: none).
 */
export type PromptAgent = Agent & {
  character?: AgentCharacter | null;
  /**
   * The character's knowledge entries are retrieved like documents (the agent follows its latest
   * revision, which is indexed): only the relevant ones reach the prompt, in the Knowledge section.
   */
  characterKnowledgeRetrieved?: boolean;
};

const bullets = (items: string[]) => items.map((s) => `- ${s}`).join('\n');

/**
 * The character's part of the system message, in this order (as README documents): who it is
 * (name, username), bio, lore, adjectives, topics, style, scenario, greeting, knowledge, example
 * conversations, then its own system text.
 */
export function characterSection(character: AgentCharacter, knowledgeRetrieved = false): string[] {
  const c = character;
  const lines = [`You play the character ${c.name}${c.username ? ` (@${c.username})` : ''}.`];
  if (c.bio.length) lines.push(c.bio.join(' '));
  if (c.lore.length) lines.push(`Background:\n${bullets(c.lore)}`);
  if (c.adjectives.length) lines.push(`You are ${c.adjectives.join(', ')}.`);
  if (c.topics.length) lines.push(`Topics you know well: ${c.topics.join(', ')}.`);
  const style = [...c.style.all, ...c.style.chat];
  if (style.length) lines.push(`How ${c.name} writes:\n${bullets(style)}`);
  if (c.scenario) lines.push(`Scenario: ${c.scenario}`);
  if (c.greeting) lines.push(`How you greet someone new: ${c.greeting}`);
  if (c.knowledge.length && !knowledgeRetrieved) lines.push(`What you know:\n${bullets(c.knowledge)}`);
  if (c.messageExamples.length) {
    const conversations = c.messageExamples.map((turns) =>
      turns.map((t) => `${t.role === 'agent' ? c.name : 'User'}: ${t.text}`).join('\n'),
    );
    lines.push(`Example conversations:\n${conversations.join('\n\n')}`);
  }
  if (c.system) lines.push(c.system);
  return lines;
}

/**
 * The system message: who the agent is (its name and description), then its character's part
 * (see characterSection), then the agent's own bio, traits, tone, style, examples and system
 * prompt, which come last so they can refine the character.
 */
export function systemMessage(agent: PromptAgent): string {
  const p = agentPersonality(agent);
  const lines = [`You are ${agent.name}.${agent.description ? ` ${agent.description}` : ''}`];
  if (agent.character) lines.push(...characterSection(agent.character, agent.characterKnowledgeRetrieved));
  if (p.bio) lines.push(p.bio);
  if (p.traits.length) lines.push(`Personality traits: ${p.traits.join(', ')}.`);
  if (p.tone) lines.push(`Tone: ${p.tone}.`);
  if (p.style.length) lines.push(`Style:\n${p.style.map((s) => `- ${s}`).join('\n')}`);
  if (p.examples.length) {
    lines.push(
      `Examples of how you answer:\n${p.examples.map((e) => `User: ${e.user}\n${agent.name}: ${e.agent}`).join('\n\n')}`,
    );
  }
  if (agent.systemPrompt) lines.push(agent.systemPrompt);
  return lines.join('\n\n');
}

export type HistoryTurn = { role: 'user' | 'agent'; text: string };

const KNOWLEDGE_INTRO =
  'Knowledge (passages from your documents that may help with the user’s next message; rely on them ' +
  'when they answer it, and say which one you used):';

/** One passage of the Knowledge section: its number, document title and heading, then its text. */
export function knowledgeEntry(chunk: RetrievedChunk, index: number): string {
  const heading = chunk.heading ? ` (${chunk.heading})` : '';
  return `[${index + 1}] "${chunk.documentTitle}"${heading}\n${chunk.text.trim()}`;
}

/** The system message's Knowledge section for these chunks (none: empty). */
export function knowledgeSection(chunks: RetrievedChunk[]): string {
  if (chunks.length === 0) return '';
  return [KNOWLEDGE_INTRO, ...chunks.map(knowledgeEntry)].join('\n\n');
}

/**
 * Of the retrieved chunks (best first), those the prompt holds: see fitKnowledge, each costing
 * what its entry in the Knowledge section costs (the section's introduction counts with the first).
 */
export function promptKnowledge(candidates: RetrievedChunk[]): RetrievedChunk[] {
  return fitKnowledge(
    candidates,
    // With the blank line before each entry, so the section as a whole never costs more than the sum.
    (chunk, index) => estimateTokens(`\n\n${knowledgeEntry(chunk, index)}`) + (index === 0 ? estimateTokens(KNOWLEDGE_INTRO) : 0),
  );
}

/**
 * The messages a model receives: the system message (with the Knowledge section when chunks
 * were retrieved for the new turn: see promptKnowledge), as much recent history as fits what the
 * budget leaves (oldest dropped first, whole exchanges only), then the new user turn when there
 * is one.
 */
export function assemblePrompt(
  agent: PromptAgent,
  history: HistoryTurn[],
  nextUserText?: string,
  knowledge: RetrievedChunk[] = [],
): { messages: ChatMessage[]; estimatedTokens: number; droppedTurns: number } {
  const section = knowledgeSection(knowledge);
  const system: ChatMessage = { role: 'system', content: section ? `${systemMessage(agent)}\n\n${section}` : systemMessage(agent) };
  const tail: ChatMessage[] = nextUserText === undefined ? [] : [{ role: 'user', content: nextUserText }];
  let used = estimateTokens(system.content) + tail.reduce((n, m) => n + estimateTokens(m.content), 0);
  const kept: ChatMessage[] = [];
  let index = history.length - 1;
  for (; index >= 0; index--) {
    const turn = history[index]!;
    const cost = estimateTokens(turn.text);
    if (used + cost > PROMPT_TOKEN_BUDGET) break;
    used += cost;
    kept.unshift({ role: turn.role === 'agent' ? 'assistant' : 'user', content: turn.text });
  }
  // Never start the history with a lone reply whose question was dropped.
  let dropped = index + 1;
  while (kept[0]?.role === 'assistant') {
    used -= estimateTokens(kept.shift()!.content);
    dropped++;
  }
  return { messages: [system, ...kept, ...tail], estimatedTokens: used, droppedTurns: dropped };
}

export function modelRequestAgent(agent: PromptAgent): ModelRequest['agent'] {
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    personality: agentPersonality(agent),
    systemPrompt: agent.systemPrompt,
    model: agentModel(agent),
    character: agent.character ?? null,
  };
}
