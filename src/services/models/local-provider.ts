import { ApiError } from '../../errors.js';
import { randomBytes } from 'node:crypto';
import type { ToolCallRecord } from '../tools/types.js';
import { inCharacter } from './character-voice.js';
import { localReply } from './local-engine.js';
import { knowledgeReply } from './local-knowledge.js';
import { planToolCall, replyForCall } from './local-tools.js';
import type { ChatMessage, ModelProvider, ModelReply, ModelRequest } from './types.js';

/** Chunks emitted between two yields to the event loop: often enough to notice an abort, rarely enough to be fast. */
const CHUNKS_PER_YIELD = 16;

const approxTokens = (chars: number) => Math.ceil(chars / 4);

/** The built-in offline engine (see local-engine.ts), streamed word by word. */
export class LocalProvider implements ModelProvider {
  readonly name = 'local' as const;
  readonly answersInstantly = true;

  unavailableReason(): string | undefined {
    return undefined;
  }

  async generate(request: ModelRequest, onDelta?: (delta: string) => void): Promise<ModelReply> {
    const turns = request.messages.filter((m) => m.role !== 'system');
    const last = turns.at(-1);
    const text = last?.role === 'user' ? last.content : '';
    const history: ChatMessage[] = last?.role === 'user' ? turns.slice(0, -1) : turns;
    const { agent } = request;

    // Tools by rule (see local-tools.ts): one call, when the request is about one of them and
    // there is a step left to answer after it.
    const plan = request.tools && request.tools.maxSteps >= 2 ? planToolCall(text, request.tools.definitions) : undefined;
    const toolCalls: ToolCallRecord[] = [];
    if (plan) toolCalls.push(await request.tools!.call(`call_${randomBytes(12).toString('hex')}`, plan.tool, plan.arguments));
    if (request.signal.aborted) {
      throw new ApiError('AGENT_UNAVAILABLE', 'The model did not answer in time', { reason: 'timeout' });
    }

    // A question the retrieved knowledge answers is answered by quoting it (see local-knowledge.ts).
    const reply = toolCalls[0] ? replyForCall(toolCalls[0]) : knowledgeReply(text, request.knowledge) ?? inCharacter(
      localReply({
        agentName: agent.name,
        personality: agent.personality,
        systemPrompt: agent.systemPrompt,
        history,
        text,
        userId: request.userId,
      }),
      agent.character,
      { history, text },
    );

    const chunks = onDelta ? (reply.match(/\s*\S+\s*/g) ?? [reply]) : [];
    for (let i = 0; i < chunks.length; i++) {
      if (i > 0 && i % CHUNKS_PER_YIELD === 0) await new Promise(setImmediate);
      if (request.signal.aborted) {
        throw new ApiError('AGENT_UNAVAILABLE', 'The model did not answer in time', { reason: 'timeout' });
      }
      onDelta!(chunks[i]!);
    }

    const inputTokens = approxTokens(request.messages.reduce((n, m) => n + m.content.length, 0));
    const outputTokens = approxTokens(reply.length);
    return {
      text: reply,
      model: agent.model.name,
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      toolCalls,
    };
  }
}
