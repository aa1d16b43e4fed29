import type { AgentCharacter } from '../agent-character.js';
import type { ChatMessage } from './types.js';
import { cap } from './local-engine.js';

/** A stable choice among `n` from the text, so the same exchange always gets the same reply. */
function pick(text: string, n: number): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash % n;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

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
  const named = topics.find((t) => mentioned(t, exchange.text));
  // Not every reply: when the conversation starts, when the user names a topic, and now and then.
  if (firstMessage || named || pick(exchange.text, 3) === 0) {
    const topic = named ?? (topics.length ? topics[pick(exchange.text, topics.length)] : undefined);
    const adjective = adjectives.length ? adjectives[pick(`${exchange.text}#`, adjectives.length)] : undefined;
    const about = topic && (named ? `${capitalise(topic)} is close to my heart.` : `Ask me about ${topic}.`);
    const voice = adjective ? `Speaking as ${character.name}, ${adjective} as ever` : `Speaking as ${character.name}`;
    if (adjective || about) parts.push(about ? `${voice}. ${about}` : `${voice}.`);
  }
  // Bounded like every reply of the offline engine.
  return cap(parts.join(' '));
}
