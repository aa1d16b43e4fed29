import type { AgentCharacter } from '../agent-character.js';
import type { ChatMessage } from './types.js';
import { cap } from './local-engine.js';

/** A stable choice among `n` from the text, so the same exchange always gets the same reply. */
function pick(text: string, n: number): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash % n;
}

function mentioned(topic: string, text: string): boolean {
  return text.toLowerCase().includes(topic.toLowerCase());
}

/**
 * How the offline engine's reply sounds in the agent's character: the character's greeting opens
 * a conversation, and a line drawn from its adjectives and topics (one the user named first)
 * follows the reply. Without a character the reply is unchanged.
 */
export function inCharacter(
  reply: string,
  character: AgentCharacter | null | undefined,
  exchange: { history: ChatMessage[]; text: string },
): string {
  if (!character) return reply;
  const parts: string[] = [];
  const firstMessage = !exchange.history.some((m) => m.role === 'assistant');
  if (firstMessage && character.greeting) parts.push(character.greeting.trim());
  parts.push(reply);
  const { adjectives, topics } = character;
  const topic = topics.find((t) => mentioned(t, exchange.text)) ?? (topics.length ? topics[pick(exchange.text, topics.length)] : undefined);
  const adjective = adjectives.length ? adjectives[pick(`${exchange.text}#`, adjectives.length)] : undefined;
  if (adjective && topic) parts.push(`Speaking as ${character.name}, ${adjective} as ever: ask me about ${topic}.`);
  else if (adjective) parts.push(`Speaking as ${character.name}, ${adjective} as ever.`);
  else if (topic) parts.push(`Speaking as ${character.name}: ask me about ${topic}.`);
  // Bounded like every reply of the offline engine.
  return cap(parts.join(' '));
}
