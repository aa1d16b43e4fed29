import type { AgentCharacter } from '../agent-character.js';
import type { RetrievedChunk } from '../knowledge/retrieval.js';
import type { ModelConfig, Personality } from '../agent-input.js';
import type { ToolDefinition } from '../plugins/catalog.js';
import type { ToolCallRecord } from '../tools/types.js';

/** One turn of a conversation as a model sees it. */
export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** Everything a model provider needs to answer: the assembled prompt and the agent behind it. */
export type ModelRequest = {
  agent: {
    id: string;
    name: string;
    description: string | null;
    personality: Personality;
    systemPrompt: string | null;
    model: ModelConfig;
    /** The character the agent speaks as (its pinned or latest revision), if any. */
    character?: AgentCharacter | null;
  };
  /** The user's identifier (as sent in `userId`). */
  userId: string;
  /** System prompt first, then the history (oldest first), the new user turn last. */
  messages: ChatMessage[];
  signal: AbortSignal;
  /** The tools the agent may call while answering; absent for an agent without any. */
  tools?: RequestTools;
  /**
   * The chunks of the agent's knowledge retrieved for the new turn, best first, as the system
   * message's Knowledge section holds them; absent or empty when none.
   */
  knowledge?: RetrievedChunk[];
};

/**
 * The agent's tools for one answer. `call` runs one call and never throws: its record (result
 * or error) is what the model gets back. It also reports the call and its outcome to a stream.
 */
export type RequestTools = {
  definitions: ToolDefinition[];
  /** Model steps at most (each step may call tools; the last one must answer in text). */
  maxSteps: number;
  call(id: string, name: string, args: unknown): Promise<ToolCallRecord>;
};

export type Usage = { inputTokens: number; outputTokens: number; totalTokens: number };

/** `usage` sums every step; `toolCalls` lists the calls made on the way, in order (none: absent or empty). */
export type ModelReply = { text: string; model: string; usage: Usage; toolCalls?: ToolCallRecord[] };

/**
 * A model provider. With `onDelta`, `generate` streams: it reports the reply's text as it is
 * produced (the deltas concatenated are exactly `ModelReply.text`); without, it asks for the
 * whole answer at once. Either way it resolves with the whole reply.
 * It rejects with an ApiError: MODEL_ERROR for a provider failure or garbage, AGENT_UNAVAILABLE
 * when `request.signal` aborts (timeout).
 */
export interface ModelProvider {
  readonly name: 'local' | 'openai' | 'anthropic';
  /** Why it cannot answer at all (missing credentials...), or undefined when it can. */
  unavailableReason(): string | undefined;
  /**
   * Answers in-process, without I/O, so it cannot hang: a send may ask it before storing anything
   * and store both turns at once (see sendMessage).
   */
  readonly answersInstantly?: boolean;
  generate(request: ModelRequest, onDelta?: (delta: string) => void): Promise<ModelReply>;
}
