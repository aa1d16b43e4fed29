import { AsyncQueue } from '../../services/async-queue.js';
import { storedCitations, storedToolCalls } from '../../services/conversation-resource.js';
import type { Citation } from '../../services/knowledge/retrieval.js';
import {
  deleteConversation,
  getConversation,
  conversationsOfAgent,
  messagesOfConversation,
} from '../../services/conversations.js';
import {
  MESSAGE_LIMITS,
  prepareExchange,
  previewPrompt,
  sendMessage,
  type PromptKnowledgeChunk,
  type SentMessage,
  type ToolEvent,
} from '../../services/messages.js';
import type { ToolCallRecord } from '../../services/tools/types.js';
import type { PageArgs } from '../../services/pagination.js';
import { invalidRequest } from '../../errors.js';
import { DEPRECATIONS, deprecationReason } from '../../deprecations.js';
import { searchConversations, type ConversationFilter } from '../../services/conversation-search.js';
import { builder, requireKey } from '../builder.js';
import { ConversationFilterInput } from './conversation-search.js';
import { connectionOf, edgeOf, pageArgs, toConnection } from '../pagination.js';

const Usage = builder
  .objectRef<{ inputTokens: number; outputTokens: number; totalTokens: number }>('Usage')
  .implement({
    description: 'Tokens the model counted (the local engine estimates about four characters a token).',
    fields: (t) => ({
      inputTokens: t.exposeInt('inputTokens', { description: 'Tokens of the prompt: system message, history and the new message.' }),
      outputTokens: t.exposeInt('outputTokens', { description: 'Tokens of the reply.' }),
      totalTokens: t.exposeInt('totalTokens', { description: 'The sum of inputTokens and outputTokens.' }),
    }),
  });

const ToolCallErrorRef = builder.objectRef<{ code: string; message: string }>('ToolCallError').implement({
  description: 'Why a tool call failed (TOOL_INVALID_ARGUMENTS, TOOL_TIMEOUT, TOOL_NETWORK_REFUSED, TOOL_HTTP_ERROR, ...).',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'A TOOL_… code, e.g. TOOL_TIMEOUT.' }),
    message: t.exposeString('message', { description: 'What went wrong, in words (also what the model was told).' }),
  }),
});

const toolCallFields = {
  callId: 'The model’s id for the call.',
  tool: 'The tool’s name.',
} as const;

export const ToolCallRef = builder.objectRef<ToolCallRecord>('ToolCall').implement({
  description: 'A tool the model called while answering, with its outcome: `result` or `error`.',
  fields: (t) => ({
    callId: t.string({ description: toolCallFields.callId, resolve: (c) => c.id }),
    tool: t.exposeString('tool', { description: toolCallFields.tool }),
    arguments: t.field({ type: 'JSON', description: 'The arguments the model passed.', resolve: (c) => c.arguments ?? {} }),
    result: t.field({ type: 'JSON', nullable: true, description: 'What the tool returned (null when it failed).', resolve: (c) => (c.error ? null : (c.result ?? null)) }),
    error: t.field({ type: ToolCallErrorRef, nullable: true, description: 'Why the call failed (null when it succeeded).', resolve: (c) => c.error ?? null }),
    latencyMs: t.exposeInt('latencyMs', { description: 'How long the call took, in milliseconds.' }),
  }),
});

export const CitationRef = builder.objectRef<Citation>('Citation').implement({
  description: 'A knowledge chunk a reply drew on: one its prompt held, or one the knowledge tool returned.',
  fields: (t) => ({
    documentId: t.exposeID('documentId', { description: 'The document (`doc_…`).' }),
    chunk: t.exposeInt('chunk', { description: 'The chunk’s position in its document (0 first).' }),
    score: t.exposeFloat('score', { description: 'How well it matched the user’s text or the tool’s query (0..1, comparable within one search).' }),
  }),
});

const citationsDescription = 'The knowledge chunks the prompt held, then those the knowledge tool returned, each once (empty when none).';

// A payload, not a Node: it names the stored user turn (`messageId`, `message`) instead of
// reusing its `id`, so clients that normalize by id never take one for the other.
const SentMessageRef = builder.objectRef<SentMessage>('SentMessage').implement({
  description: 'A message sent to an agent and the agent’s reply (`response`).',
  fields: (t) => ({
    messageId: t.exposeID('id', { description: 'The ID of the user’s message.' }),
    message: t.field({
      type: MessageRef,
      description: 'The user’s message, as stored in its conversation.',
      resolve: (m, _args, ctx) => ctx.prisma.message.findUniqueOrThrow({ where: { id: m.id, accountId: accountOf(ctx) } }),
    }),
    conversationId: t.exposeID('conversationId', { description: 'The conversation both turns were stored in (`cnv_…`).' }),
    agentId: t.exposeID('agentId', { description: 'The agent that answered (`agt_…`).' }),
    userId: t.exposeString('userId', { description: 'Your end user’s identifier, as sent.' }),
    text: t.exposeString('text', { description: 'The user’s message, as sent.' }),
    response: t.exposeString('response', { description: 'The agent’s reply.' }),
    model: t.exposeString('model', { description: 'The name of the model that answered, e.g. orion-local-1 or gpt-4o-mini.' }),
    usage: t.field({ type: Usage, description: 'Tokens the exchange used.', resolve: (m) => m.usage }),
    latencyMs: t.exposeInt('latencyMs', { description: 'How long the model took to answer, tool calls included, in milliseconds.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user’s message was received.' }),
    toolCalls: t.field({
      type: [ToolCallRef],
      description: 'The tools the model called while answering, in order (empty when none).',
      resolve: (m) => m.toolCalls,
    }),
    citations: t.field({ type: [CitationRef], description: citationsDescription, resolve: (m) => m.citations }),
  }),
});

const MessageRole = builder.enumType('MessageRole', {
  description: 'Who wrote a message.',
  values: {
    user: { description: 'Your end user (a sent message).' },
    agent: { description: 'The agent (its reply).' },
  } as const,
});
const MessageStatus = builder.enumType('MessageStatus', {
  description: 'A user turn is pending while the model answers, then completed or failed.',
  values: {
    pending: { description: 'The model is still answering.' },
    completed: { description: 'The model answered; the reply is stored (replyId).' },
    failed: { description: 'The model or its provider failed; `error` says why.' },
  } as const,
});

const MessageErrorRef = builder
  .objectRef<{ code: string; message: string }>('MessageError')
  .implement({
    description: 'Why the model call for a user turn failed, as the API error it answered.',
    fields: (t) => ({
      code: t.exposeString('code', { description: 'The error code, e.g. MODEL_ERROR or AGENT_UNAVAILABLE.' }),
      message: t.exposeString('message', { description: 'What went wrong, in words.' }),
    }),
  });

const accountOf = (ctx: Parameters<typeof requireKey>[0]) => requireKey(ctx).account.id;

export const MessageRef = builder.prismaNode('Message', {
  description: 'One turn of a conversation: the user’s (with the outcome of the model call) or the agent’s.',
  id: { field: 'id', description: 'The message’s ID (`msg_…`).' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, accountId: accountOf(ctx) }),
  fields: (t) => ({
    conversationId: t.exposeID('conversationId', { description: 'Its conversation (`cnv_…`).' }),
    agentId: t.exposeID('agentId', { description: 'The conversation’s agent (`agt_…`).' }),
    userId: t.exposeString('userId', { description: 'The conversation’s end user.' }),
    role: t.expose('role', { type: MessageRole, description: 'Who wrote it: user or agent.' }),
    text: t.exposeString('text', { description: 'What was said.' }),
    status: t.expose('status', { type: MessageStatus, description: 'Pending, completed or failed (an agent’s reply is always completed).' }),
    error: t.field({
      type: MessageErrorRef,
      nullable: true,
      description: 'Why the model call for this turn failed.',
      resolve: (m) => (m.errorCode ? { code: m.errorCode, message: m.errorMessage ?? '' } : null),
    }),
    replyId: t.exposeID('replyId', { nullable: true, description: 'The agent’s reply to this user turn.' }),
    model: t.exposeString('model', { nullable: true, description: 'The name of the model that answered; null until it did.' }),
    usage: t.field({
      type: Usage,
      description: 'Tokens of the model call: on a user turn its input and output; on a reply its output only. 0 until the call completed.',
      resolve: (m) => ({
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        totalTokens: m.inputTokens + m.outputTokens,
      }),
    }),
    latencyMs: t.exposeInt('latencyMs', { nullable: true, description: 'How long the model took to answer, in milliseconds; null until it did.' }),
    metadata: t.field({
      type: 'StringMap',
      description: 'The string pairs sent with the message; {} when none.',
      resolve: (m) => (m.metadata as Record<string, string> | null) ?? {},
    }),
    toolCalls: t.field({
      type: [ToolCallRef],
      description: 'On an agent’s reply: the tools the model called while answering, in order (empty when none).',
      resolve: (m) => storedToolCalls(m.toolCalls),
    }),
    citations: t.field({
      type: [CitationRef],
      description: `On an agent’s reply: ${citationsDescription}`,
      resolve: (m) => storedCitations(m.citations),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was written.' }),
  }),
});

export const ConversationRef = builder.prismaNode('Conversation', {
  description: 'The exchanges between one agent and one end user.',
  id: { field: 'id', description: 'The conversation’s ID (`cnv_…`).' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, accountId: accountOf(ctx) }),
  fields: (t) => ({
    agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
    userId: t.exposeString('userId', { description: 'Your end user’s identifier, as sent with their messages.' }),
    messageCount: t.exposeInt('messageCount', { description: 'How many messages it holds, the users’ and the agent’s.' }),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime', nullable: true, description: 'When its latest message was written; null before the first.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it started.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
    messages: t.connection(
      {
        type: MessageRef,
        description: 'Its turns, newest first.',
        authScopes: { scope: 'conversations:read' },
        args: pageArgs(t),
        resolve: async (conversation, args, ctx) =>
          toConnection(await messagesOfConversation(ctx.pageBatches, ctx.prisma, conversation, args as PageArgs)) as never,
      },
      connectionOf('MessageConnection', 'a conversation’s messages'),
      edgeOf('message'),
    ),
  }),
});

const PromptMessage = builder
  .objectRef<{ role: string; content: string }>('PromptMessage')
  .implement({
    description: 'One message of a model prompt, in the provider-neutral chat form.',
    fields: (t) => ({
      role: t.exposeString('role', { description: 'The speaker: system, user, or assistant (the agent’s earlier replies).' }),
      content: t.exposeString('content', { description: 'The message’s text.' }),
    }),
  });

const PromptKnowledgeChunkRef = builder.objectRef<PromptKnowledgeChunk>('PromptKnowledgeChunk').implement({
  description: 'A chunk of the agent’s knowledge that the prompt would hold (its text is in the system message’s Knowledge section too).',
  fields: (t) => ({
    documentId: t.exposeID('documentId', { description: 'The document (`doc_…`).' }),
    title: t.exposeString('title', { description: 'The document’s title.' }),
    chunk: t.exposeInt('chunk', { description: 'The chunk’s position in its document (0 first).' }),
    heading: t.exposeString('heading', { nullable: true, description: 'The Markdown headings above it, joined with " > ".' }),
    score: t.exposeFloat('score', { description: 'How well it matched the text (0..1).' }),
    text: t.exposeString('text', { description: 'The chunk’s text, as the prompt holds it.' }),
  }),
});

const PromptPreviewRef = builder
  .objectRef<Awaited<ReturnType<typeof previewPrompt>>>('PromptPreview')
  .implement({
    description: 'The exact messages the agent’s model would receive next, without calling it.',
    fields: (t) => ({
      agentId: t.exposeID('agentId', { description: 'The agent (`agt_…`).' }),
      userId: t.exposeString('userId', { description: 'The end user the preview is for.' }),
      conversationId: t.exposeID('conversationId', {
        nullable: true,
        description: 'The conversation whose history it holds; null when the agent has none with this user yet.',
      }),
      messages: t.field({ type: [PromptMessage], description: 'The prompt: the system message, then the history, oldest first.', resolve: (p) => p.messages }),
      estimatedTokens: t.exposeInt('estimatedTokens', { description: 'Estimated tokens of the whole prompt (about four characters a token).' }),
      omittedTurns: t.exposeInt('omittedTurns', {
        description: 'Older turns left out to stay within the prompt token budget.',
      }),
      knowledge: t.field({
        type: [PromptKnowledgeChunkRef],
        description: 'With `text`: the chunks of the agent’s knowledge retrieved for it, best first, as a send would use them (empty without `text` or when none match).',
        resolve: (p) => p.knowledge,
      }),
    }),
  });

builder.prismaObjectFields('Agent', (t) => ({
  conversations: t.connection(
    {
      type: ConversationRef,
      description: 'Conversations with this agent, newest first; `userId` narrows to one end user.',
      authScopes: { scope: 'conversations:read' },
      args: { ...pageArgs(t), userId: t.arg.string({ description: 'Only the conversation with this end user.' }) },
      resolve: async (agent, args, ctx) =>
        toConnection(await conversationsOfAgent(ctx.pageBatches, ctx.prisma, agent, args as PageArgs)) as never,
    },
    connectionOf('ConversationConnection', 'an agent’s conversations'),
    edgeOf('conversation'),
  ),
  promptPreview: t.field({
    type: PromptPreviewRef,
    description:
      'Needs conversations:read as well as agents:read: the preview shows the conversation’s history; and, given a `text` for an agent with knowledge, knowledge:read too: it shows the chunks retrieved.',
    authScopes: { $all: { scope: 'agents:read', $all: { scope: 'conversations:read' } } },
    args: {
      userId: t.arg.string({ required: true, description: 'The end user whose conversation with the agent the prompt continues.' }),
      text: t.arg.string({ description: 'A next message to include, as a send would.' }),
    },
    resolve: (agent, args, ctx) =>
      previewPrompt(ctx.prisma, accountOf(ctx), agent.id, args, {
        mayReadKnowledge: ctx.auth.kind === 'key' && ctx.auth.key.scopes.includes('knowledge:read'),
        ranking: { embedder: ctx.messaging.embedder, logger: ctx.logger },
      }),
  }),
}));

const SendMessageInput = builder.inputType('SendMessageInput', {
  description: 'A message from your end user to the agent.',
  fields: (t) => ({
    text: t.string({ required: true, description: `1–${MESSAGE_LIMITS.text} characters.` }),
    userId: t.string({
      required: true,
      description: `Your end user’s identifier: 1–${MESSAGE_LIMITS.userId} of letters, digits and . _ : @ + -`,
    }),
    conversationId: t.id({
      description: 'Continue this conversation (it must be this agent’s and this user’s); default: the agent’s conversation with userId.',
    }),
    metadata: t.field({ type: 'StringMap', description: 'Up to 16 string pairs, stored with the message.' }),
  }),
});

type StreamEvent = { kind: 'delta'; delta: string } | { kind: 'completed'; message: SentMessage } | ToolEvent;

const MessageDelta = builder.objectRef<Extract<StreamEvent, { kind: 'delta' }>>('MessageDelta').implement({
  description: 'A piece of the reply as the model writes it (REST stream event `message.delta`); concatenated, the deltas are the reply.',
  fields: (t) => ({ delta: t.exposeString('delta', { description: 'The next piece of the reply.' }) }),
});

const MessageCompleted = builder
  .objectRef<Extract<StreamEvent, { kind: 'completed' }>>('MessageCompleted')
  .implement({
    description: 'The end of the stream (REST stream event `message.completed`): the stored exchange, as sendMessage answers it.',
    fields: (t) => ({
      message: t.field({ type: SentMessageRef, description: 'The message and the whole reply.', resolve: (e) => e.message }),
    }),
  });

const ToolCallStarted = builder.objectRef<Extract<StreamEvent, { kind: 'tool.call' }>>('ToolCallStarted').implement({
  description: 'The model calls a tool (REST stream event `tool.call`); its ToolCallFinished follows.',
  fields: (t) => ({
    callId: t.string({ description: toolCallFields.callId, resolve: (e) => e.id }),
    tool: t.exposeString('tool', { description: toolCallFields.tool }),
    arguments: t.field({ type: 'JSON', description: 'The arguments the model passed.', resolve: (e) => e.arguments ?? {} }),
  }),
});

const ToolCallFinished = builder.objectRef<Extract<StreamEvent, { kind: 'tool.result' }>>('ToolCallFinished').implement({
  description: 'A tool call’s outcome (REST stream event `tool.result`), as it is recorded in `toolCalls`.',
  fields: (t) => ({
    toolCall: t.field({ type: ToolCallRef, description: 'The call with its result or error.', resolve: ({ kind: _kind, ...record }) => record }),
  }),
});

const MessageStreamEvent = builder.unionType('MessageStreamEvent', {
  description: 'An event of sendMessageStream: deltas and tool calls as they happen, then one MessageCompleted.',
  types: [MessageDelta, ToolCallStarted, ToolCallFinished, MessageCompleted],
  resolveType: (event) =>
    event.kind === 'delta'
      ? MessageDelta
      : event.kind === 'tool.call'
        ? ToolCallStarted
        : event.kind === 'tool.result'
          ? ToolCallFinished
          : MessageCompleted,
});

const DeleteConversationPayload = builder
  .objectRef<{ deletedId: string; deleted: boolean }>('DeleteConversationPayload')
  .implement({
    description: 'What was deleted: a conversation with its messages.',
    fields: (t) => ({
      deletedId: t.exposeID('deletedId', { description: 'The ID of the deleted conversation.' }),
      deleted: t.exposeBoolean('deleted', { description: 'Always true.' }),
    }),
  });

/** The filter, with the older top-level arguments folded in (each given once, or twice alike). */
function mergeFilter(
  agentId: string | number | null | undefined,
  userId: string | null | undefined,
  filter: ConversationFilter | null | undefined,
): ConversationFilter {
  const merged: ConversationFilter = { ...filter };
  for (const [field, value] of [['agentId', agentId == null ? null : String(agentId)], ['userId', userId]] as const) {
    if (value == null) continue;
    const inFilter = merged[field];
    if (inFilter != null && String(inFilter) !== value) {
      throw invalidRequest([{ field, message: `differs from filter.${field}: give it once` }]);
    }
    merged[field] = value;
  }
  if (merged.agentId != null) merged.agentId = String(merged.agentId);
  return merged;
}

builder.queryFields((t) => ({
  conversations: t.connection(
    {
      type: ConversationRef,
      description:
        'Your account’s conversations, newest first, narrowed by `filter` (or by the older `agentId` and `userId` arguments); ' +
        'with `filter.q`, a full-text search: only those with a matching message, best match first, each with its `match`. Needs only conversations:read.',
      authScopes: { scope: 'conversations:read' },
      args: {
        ...pageArgs(t),
        agentId: t.arg.id({
          description: 'Same as filter.agentId (kept for older clients).',
          deprecationReason: deprecationReason(DEPRECATIONS['Query.conversations(agentId:)']),
        }),
        userId: t.arg.string({
          description: 'Same as filter.userId (kept for older clients).',
          deprecationReason: deprecationReason(DEPRECATIONS['Query.conversations(userId:)']),
        }),
        filter: t.arg({ type: ConversationFilterInput, description: 'Which conversations: by agent, end user, words and time.' }),
      },
      resolve: async (_root, args, ctx) => {
        const { agentId, userId, filter, ...page } = args;
        return toConnection(
          await searchConversations(ctx.prisma, accountOf(ctx), mergeFilter(agentId, userId, filter), page as PageArgs),
        ) as never;
      },
    },
    connectionOf('RootConversationConnection', 'conversations'),
    edgeOf('conversation'),
  ),
  conversation: t.field({
    type: ConversationRef,
    description: 'One conversation of your account.',
    authScopes: { scope: 'conversations:read' },
    args: { id: t.arg.id({ required: true, description: 'The conversation’s ID (`cnv_…`).' }) },
    resolve: (_root, { id }, ctx) => getConversation(ctx.prisma, accountOf(ctx), String(id)),
  }),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: SentMessageRef,
    description: 'Sends a message to an agent and waits for its reply. For a stream, use the sendMessageStream subscription.',
    authScopes: { scope: 'messages:write' },
    args: {
      agentId: t.arg.id({ required: true, description: 'The agent to talk to (`agt_…`).' }),
      input: t.arg({ type: SendMessageInput, required: true, description: 'The message.' }),
    },
    resolve: (_root, { agentId, input }, ctx) =>
      sendMessage(ctx.messaging, requireKey(ctx).account, String(agentId), input, ctx.idempotency?.commit),
  }),
  deleteConversation: t.field({
    type: DeleteConversationPayload,
    description: 'Deletes a conversation with its messages; the next message from the same user starts a new one.',
    authScopes: { scope: 'messages:write' },
    args: { id: t.arg.id({ required: true, description: 'The conversation’s ID (`cnv_…`).' }) },
    resolve: async (_root, { id }, ctx) => {
      await deleteConversation(ctx.prisma, accountOf(ctx), String(id), ctx.idempotency?.commit);
      return { deletedId: String(id), deleted: true };
    },
  }),
}));

builder.subscriptionFields((t) => ({
  sendMessageStream: t.field({
    type: MessageStreamEvent,
    description:
      'Sends a message and streams the reply: MessageDelta events, then one MessageCompleted. ' +
      'If the client goes away, the reply is still completed and stored.',
    authScopes: { scope: 'messages:write' },
    args: {
      agentId: t.arg.id({ required: true, description: 'The agent to talk to (`agt_…`).' }),
      input: t.arg({ type: SendMessageInput, required: true, description: 'The message.' }),
    },
    subscribe: async (_root, { agentId, input }, ctx) => {
      const exchange = await prepareExchange(ctx.messaging, requireKey(ctx).account, String(agentId), input, ctx.idempotency?.commit);
      const events = new AsyncQueue<StreamEvent>();
      exchange.run({ delta: (delta) => events.push({ kind: 'delta', delta }), tool: (event) => events.push(event) }).then(
        (message) => {
          events.push({ kind: 'completed', message });
          events.end();
        },
        (error: unknown) => events.end(error),
      );
      return events;
    },
    resolve: (event: StreamEvent) => event,
  }),
}));
