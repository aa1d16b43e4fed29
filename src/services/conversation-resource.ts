import type { Conversation, Message } from '../db/generated/prisma/client.js';
import { feedbackOf } from './feedback.js';
import type { Citation } from './knowledge/retrieval.js';
import type { ToolCallRecord } from './tools/types.js';

// The REST shapes of conversations and messages, apart from both services (conversations.ts
// reads messages.ts, and the send path in messages.ts records conversation events): the `data`
// of their webhook events. The webhook tests compare them with what REST returns.

/** The conversation as REST returns it (fragment ConversationFields in src/rest/operations/conversations.graphql). */
export function conversationResource(conversation: Conversation) {
  return {
    id: conversation.id,
    agentId: conversation.agentId,
    userId: conversation.userId,
    messageCount: conversation.messageCount,
    lastMessageAt: conversation.lastMessageAt?.toISOString() ?? null,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
  };
}

/** A stored reply's tool calls (the column is null when there were none). */
export const storedToolCalls = (value: unknown): ToolCallRecord[] => (Array.isArray(value) ? (value as ToolCallRecord[]) : []);

/** A stored reply's citations (the column is null when there were none). */
export const storedCitations = (value: unknown): Citation[] =>
  Array.isArray(value) ? (value as Citation[]).map(({ documentId, chunk, score }) => ({ documentId, chunk, score })) : [];

/** A tool call as REST returns it (fragment ToolCallFields in src/rest/operations/messages.graphql). */
export function toolCallResource(call: ToolCallRecord) {
  return {
    callId: call.id,
    tool: call.tool,
    arguments: call.arguments ?? {},
    result: call.error ? null : (call.result ?? null),
    error: call.error ? { code: call.error.code, message: call.error.message } : null,
    latencyMs: call.latencyMs,
  };
}

/** A message as REST returns it (fragment MessageFields in src/rest/operations/conversations.graphql). */
export function messageResource(message: Message) {
  return {
    id: message.id,
    conversationId: message.conversationId,
    agentId: message.agentId,
    userId: message.userId,
    role: message.role,
    text: message.text,
    status: message.status,
    error: message.errorCode ? { code: message.errorCode, message: message.errorMessage ?? '' } : null,
    replyId: message.replyId,
    model: message.model,
    usage: {
      inputTokens: message.inputTokens,
      outputTokens: message.outputTokens,
      totalTokens: message.inputTokens + message.outputTokens,
    },
    latencyMs: message.latencyMs,
    metadata: (message.metadata as Record<string, string> | null) ?? {},
    createdAt: message.createdAt.toISOString(),
    toolCalls: storedToolCalls(message.toolCalls).map(toolCallResource),
    citations: storedCitations(message.citations),
    feedback: feedbackResource(message),
  };
}

/** A message's feedback as REST returns it (fragment MessageFeedbackFields), or null. */
export function feedbackResource(message: Message) {
  const feedback = feedbackOf(message);
  return feedback && { ...feedback, updatedAt: feedback.updatedAt.toISOString() };
}
