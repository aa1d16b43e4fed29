import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { Account, Agent, Conversation, Message, Prisma } from '../db/generated/prisma/client.js';
import { ApiError, forbidden, invalidRequest, notFound } from '../errors.js';
import { newId, typeOfId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { getAgent } from './agents.js';
import type { Embedder } from './knowledge/embeddings.js';
import { agentKnowledgeSources, searchChunks, type SearchOptions, type Citation, type RetrievedChunk } from './knowledge/retrieval.js';
import { knowledgeCandidates, mergeCitations } from './knowledge/turn-knowledge.js';
import { conversationResource, messageResource } from './conversation-resource.js';
import type { CommitMark } from './idempotency.js';
import { openToolSecret } from './tools/tool-secret.js';
import type { Providers } from './models/registry.js';
import type { ModelReply, RequestTools, Usage } from './models/types.js';
import { assemblePrompt, modelRequestAgent, promptKnowledge, type HistoryTurn, type PromptAgent } from './prompt.js';
import { quotaPeriod, recordQuotaThresholds, refundMessage, reserveMessage } from './quotas.js';
import { effectiveLimits } from './tiers.js';
import { storeExchangeInOneStatement, type ExchangeRow } from './exchange-statement.js';
import { loadToolRows, Toolset, type ToolCallContext } from './tools/runtime.js';
import type { ToolCallRecord } from './tools/types.js';
import { MESSAGE_LIMITS, USER_ID_PATTERN, userIdSchema } from './message-input.js';
import { parseInput } from './validation.js';
import { recordEvent } from './webhooks/outbox.js';
import { subscribes, subscriptionsSql, type Subscriptions } from './webhooks/subscriptions.js';

export { messageResource };

export { MESSAGE_LIMITS, USER_ID_PATTERN, userIdSchema };

const sendMessageSchema = z
  .object({
    text: z
      .string()
      .max(MESSAGE_LIMITS.text, `must be at most ${MESSAGE_LIMITS.text} characters`)
      .refine((t) => t.trim().length > 0, 'must not be empty'),
    userId: userIdSchema,
    conversationId: z.string().nullish(),
    metadata: z
      .record(z.string().min(1).max(40), z.string().max(500))
      .refine((m) => Object.keys(m).length <= 16, 'at most 16 pairs')
      .nullish(),
  })
  .strict();

export type SendMessageInput = z.input<typeof sendMessageSchema>;

/** What a send returns (REST `data`, GraphQL `SentMessage`), and what a stream completes with. */
export type SentMessage = {
  id: string;
  conversationId: string;
  agentId: string;
  userId: string;
  text: string;
  response: string;
  model: string;
  usage: Usage;
  latencyMs: number;
  createdAt: Date;
  /** The tools the model called on the way, in order (empty when none). */
  toolCalls: ToolCallRecord[];
  /** The knowledge chunks the prompt held, then those the knowledge tool returned, each once (empty when none). */
  citations: Citation[];
};

/** What a stream reports of a tool call, in order with the deltas: the call, then its outcome. */
export type ToolEvent =
  | { kind: 'tool.call'; id: string; tool: string; arguments: unknown }
  | ({ kind: 'tool.result' } & ToolCallRecord);

/** How a streamed answer reports its progress. */
export type ReplySink = { delta(delta: string): void; tool?(event: ToolEvent): void };

export type MessagingDeps = {
  prisma: PrismaClient;
  providers: Providers;
  modelTimeoutMs: number;
  logger: Logger;
  /** Replies still being produced, so shutdown can wait for them. */
  inflight: Set<Promise<unknown>>;
  metrics?: Metrics;
  /** ORION_ALLOW_PRIVATE_NETWORKS: custom tools may call private, loopback and link-local addresses. */
  allowPrivateNetworks?: boolean;
  /** The server key that opens agents' sealed tool-signing secrets (see services/server-key.ts). */
  serverKey?: string;
  /** The embedding model for knowledge, when one is configured (see services/knowledge/embeddings.ts). */
  embedder?: Embedder;
};

/** The conversation a client named: it must be this agent's (of this account) and this user's. */
async function givenConversation(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  userId: string,
  conversationId: string,
): Promise<Conversation> {
  const conversation =
    typeOfId(conversationId) === 'Conversation'
      ? await prisma.conversation.findFirst({ where: { id: conversationId, accountId, agentId } })
      : null;
  if (!conversation) throw notFound('Conversation', conversationId);
  if (conversation.userId !== userId) {
    throw invalidRequest([{ field: 'conversationId', message: 'belongs to another userId' }]);
  }
  return conversation;
}

/** The latest completed turns of the agent's conversation with a user (none yet: empty), oldest first. */
async function loadHistory(
  prisma: PrismaClient,
  conversation: { conversationId: string } | { agentId: string; userId: string },
): Promise<HistoryTurn[]> {
  const rows = await prisma.message.findMany({
    where: {
      status: 'completed',
      // By (agentId, userId) through the relation: one query, without reading the conversation first.
      ...('conversationId' in conversation ? conversation : { conversation }),
    },
    orderBy: { id: 'desc' },
    take: MESSAGE_LIMITS.history,
    select: { role: true, text: true },
  });
  return rows.reverse();
}

type SendContext = {
  input: z.output<typeof sendMessageSchema>;
  agent: Agent;
  history: HistoryTurn[];
  /** The agent's tools; absent when it has none. */
  toolset?: Toolset;
  /** The chunks of the agent's knowledge the prompt holds (see promptKnowledge); empty when none. */
  knowledge: RetrievedChunk[];
};

/**
 * Validates a send and reads what answering it needs: the agent, the conversation's history,
 * (only for an agent with plugins or MCP servers) its tools and the ids of its documents, the reads after the
 * agent's running together; then, only for an agent with documents, the chunks that match the
 * user's text.
 */
async function sendContext(
  deps: MessagingDeps,
  accountId: string,
  agentId: string,
  rawInput: SendMessageInput,
): Promise<SendContext> {
  const { prisma } = deps;
  const input = parseInput(sendMessageSchema, rawInput);
  const { userId, conversationId } = input;
  let agent: Agent;
  let history: HistoryTurn[];
  let toolRows: Awaited<ReturnType<typeof loadToolRows>>;
  let sources: Awaited<ReturnType<typeof agentKnowledgeSources>>;
  if (conversationId != null) {
    agent = await getAgent(prisma, accountId, agentId);
    [history, toolRows, sources] = await Promise.all([
      givenConversation(prisma, accountId, agent.id, userId, conversationId).then((conversation) =>
        loadHistory(prisma, { conversationId: conversation.id }),
      ),
      loadToolRows(prisma, agent),
      agentKnowledgeSources(prisma, agent),
    ]);
  } else {
    // Together: an agent that is not the account's throws, and its history is never used.
    [[agent, toolRows, sources], history] = await Promise.all([
      getAgent(prisma, accountId, agentId).then(
        async (found) => [found, ...(await Promise.all([loadToolRows(prisma, found), agentKnowledgeSources(prisma, found)]))] as const,
      ),
      loadHistory(prisma, { agentId, userId }),
    ]);
  }
  const { documentIds } = sources;
  if (sources.characterDocumentId) agent = { ...agent, characterKnowledgeRetrieved: true } as PromptAgent;
  const knowledge = promptKnowledge(
    await knowledgeCandidates(prisma, agent.accountId, documentIds, input.text, { embedder: deps.embedder, logger: deps.logger }),
  );
  const toolset = toolRows
    ? Toolset.build(agent, toolRows, {
        allowPrivateNetworks: deps.allowPrivateNetworks ?? false,
        toolSecret: openToolSecret(deps.serverKey, agent.id, agent.toolSecret),
        serverKey: deps.serverKey,
        logger: deps.logger,
        // The agent's own documents, of its own account, whatever the model asks for.
        searchKnowledge: (query, limit) =>
          searchChunks(prisma, agent.accountId, documentIds, query, { limit, embedder: deps.embedder, logger: deps.logger }),
      })
    : undefined;
  return { input, agent, history, toolset, knowledge };
}

/** The conversation a turn is stored in, and what the turn's webhook events need. */
type TurnConversation = {
  conversation: Conversation;
  /** This turn created it (conversation.created). */
  created: boolean;
  /** The event types the account's endpoints subscribe to: the turn's one check. */
  subscriptions: Subscriptions;
};

/**
 * The agent's conversation with the user, created on its first turn, counting `turns` more
 * turns: one statement (INSERT ... ON CONFLICT DO UPDATE), inside the transaction storing them.
 * The same statement reads the account's webhook subscriptions, so a turn of an account without
 * endpoints costs no statement more for its events. When the client named a conversation, it
 * must still be that one.
 */
async function conversationForTurns(
  tx: Prisma.TransactionClient,
  accountId: string,
  agentId: string,
  input: SendContext['input'],
  turns: number,
  at: Date,
): Promise<TurnConversation> {
  const id = newId('cnv');
  const [row] = await tx.$queryRaw<(Conversation & { subscriptions: string[] })[]>`
    INSERT INTO "Conversation" ("id", "accountId", "agentId", "userId", "messageCount", "lastMessageAt", "createdAt", "updatedAt")
    VALUES (${id}, ${accountId}, ${agentId}, ${input.userId}, ${turns}::int, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz)
    ON CONFLICT ("agentId", "userId") DO UPDATE SET
      "messageCount" = "Conversation"."messageCount" + EXCLUDED."messageCount",
      "lastMessageAt" = EXCLUDED."lastMessageAt",
      "updatedAt" = EXCLUDED."updatedAt"
    RETURNING "id", "accountId", "agentId", "userId", "messageCount", "lastMessageAt", "createdAt", "updatedAt",
      ${subscriptionsSql(accountId)} AS "subscriptions"`;
  const { subscriptions, ...conversation } = row!;
  // Deleted (and so re-created) since it was checked.
  if (input.conversationId != null && conversation.id !== input.conversationId) {
    throw notFound('Conversation', input.conversationId);
  }
  return { conversation, created: conversation.id === id, subscriptions };
}

/** conversation.created, when the turn opened the conversation and the account subscribes to it. */
async function recordConversationCreated(
  tx: Prisma.TransactionClient,
  accountId: string,
  { conversation, created, subscriptions }: TurnConversation,
): Promise<void> {
  if (created && subscribes(subscriptions, 'conversation.created')) {
    await recordEvent(tx, { accountId, type: 'conversation.created', data: () => conversationResource(conversation) });
  }
}

/**
 * Takes the turn's message from the quota (last, so the account's usage row stays locked only
 * until the commit that follows) and records quota.threshold when that crossed one.
 */
async function reserveTurn(
  tx: Prisma.TransactionClient,
  account: Account,
  at: Date,
  subscriptions: Subscriptions,
): Promise<void> {
  const usage = await reserveMessage(tx, account, at);
  if (subscribes(subscriptions, 'quota.threshold')) await recordQuotaThresholds(tx, account.id, usage);
}

/** Why the agent cannot answer at all right now, or undefined. */
function unavailability(deps: MessagingDeps, agent: Agent): ApiError | undefined {
  if (agent.status === 'paused') {
    return new ApiError('AGENT_UNAVAILABLE', `Agent ${agent.id} is paused`, { reason: 'paused' });
  }
  const provider = deps.providers[agent.modelProvider];
  const reason = provider.unavailableReason();
  return reason
    ? new ApiError('AGENT_UNAVAILABLE', reason, { reason: 'provider_not_configured', provider: provider.name })
    : undefined;
}

function countQuotaRejection(deps: MessagingDeps) {
  return (error: unknown): never => {
    if (error instanceof ApiError && error.code === 'INSUFFICIENT_QUOTA') deps.metrics?.quotaRejections.inc();
    throw error;
  };
}

/** Keeps `work` in `inflight` until it settles, so shutdown waits for it. */
function tracked<T>(deps: MessagingDeps, work: Promise<T>): Promise<T> {
  deps.inflight.add(work);
  void work.finally(() => deps.inflight.delete(work)).catch(() => {});
  return work;
}

/**
 * Sends a message and waits for the reply (not streamed). A provider that answers in-process
 * (the local engine: no I/O, it cannot hang) answers first, and both turns are then stored in
 * one transaction with the quota unit and the idempotency mark: a crash before its commit leaves
 * nothing stored and nothing charged, and the client had no answer. Any other provider may be
 * slow, so the user's turn is stored (pending) before it is called (see prepareExchange).
 */
export async function sendMessage(
  deps: MessagingDeps,
  account: Account,
  agentId: string,
  rawInput: SendMessageInput,
  commit?: CommitMark,
): Promise<SentMessage> {
  const context = await sendContext(deps, account.id, agentId, rawInput);
  const provider = deps.providers[context.agent.modelProvider];
  // A custom or MCP tool calls out (I/O, up to its timeout): the local engine then no longer answers
  // instantly, and the user's turn is stored first like for any other provider.
  if (!provider.answersInstantly || context.toolset?.callsOut || unavailability(deps, context.agent)) {
    return (await storePendingTurn(deps, account, context, commit)).run();
  }
  return tracked(deps, answerInstantly(deps, account, context, commit));
}

/**
 * Accounts seen lately with an endpoint subscribed to an exchange's events, until when (ms): their
 * sends go straight to the transaction that records the events instead of trying the one
 * statement first. Only a hint: the statement checks the endpoints itself.
 */
const subscribedAccounts = new Map<string, number>();
const SUBSCRIBED_HINT_MS = 60_000;
const SUBSCRIBED_HINT_MAX = 10_000;

function subscribedLately(accountId: string, nowMs: number): boolean {
  const until = subscribedAccounts.get(accountId);
  if (until === undefined) return false;
  if (until > nowMs) return true;
  subscribedAccounts.delete(accountId);
  return false;
}

function rememberSubscribed(accountId: string, nowMs: number): void {
  subscribedAccounts.delete(accountId);
  if (subscribedAccounts.size >= SUBSCRIBED_HINT_MAX) subscribedAccounts.delete(subscribedAccounts.keys().next().value!);
  subscribedAccounts.set(accountId, nowMs + SUBSCRIBED_HINT_MS);
}

/**
 * An answered exchange in an existing conversation, stored in one statement when it can be (see
 * storeExchangeInOneStatement): the conversation's id, or undefined when nothing was written and
 * the transaction must store it. A user's first turn goes to the transaction directly (its
 * conversation is created there, with conversation.created); the history read for the prompt
 * tells (a conversation the client named was checked to exist).
 */
async function storeInOneStatement(
  prisma: PrismaClient,
  account: Account,
  { input, agent, history }: Pick<SendContext, 'input' | 'agent' | 'history'>,
  rows: [ExchangeRow, ExchangeRow],
  now: Date,
  repliedAt: Date,
): Promise<string | undefined> {
  const nowMs = now.getTime();
  if ((input.conversationId == null && history.length === 0) || subscribedLately(account.id, nowMs)) return undefined;
  const outcome = await storeExchangeInOneStatement(prisma, {
    accountId: account.id,
    agentId: agent.id,
    userId: input.userId,
    conversationId: input.conversationId,
    rows,
    at: repliedAt,
    // The unit is taken for the month the turn was sent in, as reserveTurn takes it.
    period: quotaPeriod(now).period,
    quota: effectiveLimits(account).monthlyMessageQuota,
  });
  if (outcome.stored) return outcome.conversationId;
  if (outcome.subscribed) rememberSubscribed(account.id, nowMs);
  return undefined;
}

async function answerInstantly(
  deps: MessagingDeps,
  account: Account,
  { input, agent, history, toolset, knowledge }: SendContext,
  commit: CommitMark | undefined,
): Promise<SentMessage> {
  const { prisma } = deps;
  const userId = newId('msg');
  const now = new Date();
  // Only built-in tools come this way (see sendMessage): they read no conversation.
  const tools = toolset && { toolset, context: { agentId: agent.id, conversationId: input.conversationId ?? '' } };
  const reply = await callModel(deps, agent, input.userId, history, input.text, knowledge, undefined, tools);
  const replyId = newId('msg');
  const repliedAt = new Date();
  const userRow = {
    id: userId,
    role: 'user' as const,
    text: input.text,
    status: 'completed' as const,
    replyId,
    model: reply.model,
    inputTokens: reply.usage.inputTokens,
    outputTokens: reply.usage.outputTokens,
    latencyMs: reply.latencyMs,
    metadata: input.metadata ?? undefined,
    createdAt: now,
  };
  const stored =
    commit === undefined
      ? await storeInOneStatement(deps.prisma, account, { input, agent, history }, [userRow, replyRow({}, replyId, reply, repliedAt)], now, repliedAt)
      : undefined;
  const conversationId =
    stored ??
    (await prisma
      .$transaction(async (tx) => {
        const stored = await conversationForTurns(tx, account.id, agent.id, input, 2, repliedAt);
        const { conversation, subscriptions } = stored;
        const turn = { accountId: account.id, conversationId: conversation.id, agentId: agent.id, userId: input.userId };
        const turns: { data: Prisma.MessageCreateManyInput[] } = {
          data: [{ ...turn, ...userRow }, replyRow(turn, replyId, reply, repliedAt)],
        };
        const completed = subscribes(subscriptions, 'message.completed');
        // The rows as stored only when an event needs them (RETURNING: no statement more).
        const rows = completed ? await tx.message.createManyAndReturn(turns) : (await tx.message.createMany(turns), []);
        await recordConversationCreated(tx, account.id, stored);
        const storedReply = rows.find((row) => row.id === replyId);
        if (storedReply) {
          await recordEvent(tx, { accountId: account.id, type: 'message.completed', data: () => messageResource(storedReply) });
        }
        if (commit) await commit(tx, { type: 'Message', id: userId });
        await reserveTurn(tx, account, now, subscriptions);
        return conversation.id;
      })
      .catch(countQuotaRejection(deps)));
  return sentMessage({ id: userId, conversationId, agentId: agent.id, userId: input.userId, text: input.text, createdAt: now }, reply);
}

/** A send that passed every check and whose user turn is stored; `run` asks the model. */
export type PreparedExchange = {
  userMessage: Message;
  run(sink?: ReplySink): Promise<SentMessage>;
};

/**
 * Validates the send, finds the agent and the conversation, stores the user's turn (pending),
 * and checks the agent can answer. A rejected request (bad input, unknown agent or
 * conversation) stores nothing; an agent that cannot answer leaves the turn stored as failed.
 */
export async function prepareExchange(
  deps: MessagingDeps,
  account: Account,
  agentId: string,
  rawInput: SendMessageInput,
  commit?: CommitMark,
): Promise<PreparedExchange> {
  return storePendingTurn(deps, account, await sendContext(deps, account.id, agentId, rawInput), commit);
}

async function storePendingTurn(
  deps: MessagingDeps,
  account: Account,
  { input, agent, history, toolset, knowledge }: SendContext,
  commit: CommitMark | undefined,
): Promise<PreparedExchange> {
  const { prisma } = deps;
  const accountId = account.id;
  const now = new Date();
  const { userMessage, subscriptions } = await prisma
    .$transaction(async (tx) => {
      const stored = await conversationForTurns(tx, accountId, agent.id, input, 1, now);
      const { conversation } = stored;
      const message = await tx.message.create({
        data: {
          id: newId('msg'),
          accountId,
          conversationId: conversation.id,
          agentId: agent.id,
          userId: input.userId,
          role: 'user',
          text: input.text,
          status: 'pending',
          metadata: input.metadata ?? undefined,
          createdAt: now,
        },
      });
      await recordConversationCreated(tx, accountId, stored);
      await reserveTurn(tx, account, now, stored.subscriptions);
      return { userMessage: message, subscriptions: stored.subscriptions };
    })
    .catch(countQuotaRejection(deps));

  const unavailable = unavailability(deps, agent);
  if (unavailable) {
    await failTurn(prisma, userMessage, unavailable, subscriptions);
    throw unavailable;
  }

  return {
    userMessage,
    run: (sink) =>
      tracked(deps, answer(deps, agent, userMessage, { history, knowledge }, sink, commit, toolset, subscriptions)),
  };
}

/**
 * Marks a pending user turn failed and gives its message back to the quota, in one transaction,
 * with its message.failed event. Only the pending → failed change refunds (and records), so a
 * turn is never refunded twice (by the send that failed and by the recovery of another instance)
 * nor refunded once answered. False when the turn was no longer pending. `subscriptions`: what
 * the turn's send read; without them (recovery), recordEvent checks.
 */
async function failTurn(
  prisma: PrismaClient,
  turn: Pick<Message, 'id' | 'accountId' | 'createdAt'>,
  error: Pick<ApiError, 'code' | 'message'>,
  subscriptions?: Subscriptions,
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const [failed] = await tx.message.updateManyAndReturn({
      where: { id: turn.id, status: 'pending' },
      data: { status: 'failed', errorCode: error.code, errorMessage: error.message },
    });
    if (!failed) return false;
    if (!subscriptions || subscribes(subscriptions, 'message.failed')) {
      await recordEvent(tx, { accountId: turn.accountId, type: 'message.failed', data: () => messageResource(failed) });
    }
    // The unit was taken for the month the turn was stored in (see prepareExchange).
    await refundMessage(tx, turn.accountId, quotaPeriod(turn.createdAt).period);
    return true;
  });
}

type TimedReply = ModelReply & { latencyMs: number; citations: Citation[] };

/**
 * Of a send's model time, what its tool calls may not use: the model's last turn (the answer
 * after the tools) needs time too. Tool calls that would run past the rest time out
 * (TOOL_TIMEOUT, told to the model) rather than the whole send (a 503 that loses the turn).
 */
export function toolReserveMs(modelTimeoutMs: number): number {
  return Math.min(10_000, Math.max(1_000, Math.round(modelTimeoutMs * 0.25)));
}

/** The toolset as the model request carries it: each call runs in `context` and is reported to the stream. */
function requestTools(
  agent: Agent,
  toolset: Toolset,
  context: ToolCallContext,
  signal: AbortSignal,
  toolsDeadline: number,
  sink: ReplySink | undefined,
): RequestTools {
  return {
    definitions: toolset.definitions,
    maxSteps: agent.maxToolSteps,
    async call(id, name, args) {
      sink?.tool?.({ kind: 'tool.call', id, tool: name, arguments: args ?? null });
      const left = Math.max(0, toolsDeadline - Date.now());
      const record = await toolset.call(id, name, args, context, AbortSignal.any([signal, AbortSignal.timeout(left)]));
      sink?.tool?.({ kind: 'tool.result', ...record });
      return record;
    },
  };
}

/** Asks the agent's model; a failure is an ApiError (MODEL_ERROR unless the provider said better). */
async function callModel(
  deps: MessagingDeps,
  agent: Agent,
  userId: string,
  history: HistoryTurn[],
  text: string,
  knowledge: RetrievedChunk[],
  sink: ReplySink | undefined,
  tools?: { toolset: Toolset; context: ToolCallContext },
): Promise<TimedReply> {
  const started = performance.now();
  const signal = AbortSignal.timeout(deps.modelTimeoutMs);
  const toolsDeadline = Date.now() + deps.modelTimeoutMs - toolReserveMs(deps.modelTimeoutMs);
  let reply: ModelReply;
  try {
    reply = await deps.providers[agent.modelProvider].generate(
      {
        agent: modelRequestAgent(agent),
        userId,
        messages: assemblePrompt(agent, history, text, knowledge).messages,
        signal,
        ...(tools ? { tools: requestTools(agent, tools.toolset, tools.context, signal, toolsDeadline, sink) } : {}),
        ...(knowledge.length ? { knowledge } : {}),
      },
      sink && ((delta) => sink.delta(delta)),
    );
  } catch (error) {
    const failedAfter = (performance.now() - started) / 1000;
    const apiError =
      error instanceof ApiError
        ? error
        : new ApiError('MODEL_ERROR', 'The model failed to answer', { provider: agent.modelProvider });
    if (!(error instanceof ApiError)) deps.logger.error({ err: error, agentId: agent.id }, 'model call failed');
    deps.metrics?.recordModelCall(agent.modelProvider, apiError.code, failedAfter);
    throw apiError;
  } finally {
    // The calls are over: the MCP sessions they opened end with the answer (or its failure).
    // A toolset opens nothing before its first call, so one never used needs no closing.
    await tools?.toolset.close();
  }
  const latencyMs = Math.round(performance.now() - started);
  deps.metrics?.recordModelCall(agent.modelProvider, 'ok', latencyMs / 1000, {
    input: reply.usage.inputTokens,
    output: reply.usage.outputTokens,
  });
  return { ...reply, latencyMs, citations: mergeCitations(knowledge, tools?.toolset.knowledgeFound ?? []) };
}

/** The agent's reply to a user's turn, as stored (both ways of answering write the same row). */
function replyRow<Turn extends Partial<Pick<Message, 'accountId' | 'conversationId' | 'agentId' | 'userId'>>>(
  turn: Turn,
  id: string,
  reply: TimedReply,
  at: Date,
) {
  return {
    ...turn,
    id,
    role: 'agent' as const,
    text: reply.text,
    status: 'completed' as const,
    model: reply.model,
    outputTokens: reply.usage.outputTokens,
    latencyMs: reply.latencyMs,
    // Absent (null) when no tool was called.
    toolCalls: reply.toolCalls?.length ? (reply.toolCalls as Prisma.InputJsonValue) : undefined,
    citations: reply.citations.length ? reply.citations : undefined,
    createdAt: at,
  };
}

function sentMessage(
  turn: Pick<Message, 'id' | 'conversationId' | 'agentId' | 'userId' | 'text' | 'createdAt'>,
  reply: TimedReply,
): SentMessage {
  return {
    id: turn.id,
    conversationId: turn.conversationId,
    agentId: turn.agentId,
    userId: turn.userId,
    text: turn.text,
    response: reply.text,
    model: reply.model,
    usage: reply.usage,
    latencyMs: reply.latencyMs,
    createdAt: turn.createdAt,
    toolCalls: reply.toolCalls ?? [],
    citations: reply.citations,
  };
}

/** Asks the model for the reply to a stored pending turn, and stores the reply with the outcome. */
async function answer(
  deps: MessagingDeps,
  agent: Agent,
  userMessage: Message,
  { history, knowledge }: Pick<SendContext, 'history' | 'knowledge'>,
  sink: ReplySink | undefined,
  commit: CommitMark | undefined,
  toolset: Toolset | undefined,
  subscriptions: Subscriptions,
): Promise<SentMessage> {
  const { prisma } = deps;
  const tools = toolset && {
    toolset,
    context: { agentId: agent.id, conversationId: userMessage.conversationId, messageId: userMessage.id },
  };
  let reply: TimedReply;
  try {
    reply = await callModel(deps, agent, userMessage.userId, history, userMessage.text, knowledge, sink, tools);
  } catch (apiError) {
    // A message that got no answer does not count against the quota. If this cannot be written,
    // the turn stays pending and the recovery of interrupted turns fails and refunds it later.
    await failTurn(prisma, userMessage, apiError as ApiError, subscriptions).catch((e: unknown) =>
      deps.logger.error({ err: e, messageId: userMessage.id }, 'could not record a failed turn'),
    );
    throw apiError;
  }
  const { latencyMs } = reply;
  const replyId = newId('msg');
  const repliedAt = new Date();
  const conversationId = userMessage.conversationId;
  const { accountId } = userMessage;
  // The reply and the outcome of the user's turn are written together or not at all.
  const storeReply = (db: Prisma.TransactionClient) => ({
    reply: db.message.create({
      data: replyRow({ accountId, conversationId, agentId: agent.id, userId: userMessage.userId }, replyId, reply, repliedAt),
    }),
    rest: [
      // Still pending: a turn already failed (and refunded) by recovery is never completed after all.
      db.message.update({
        where: { id: userMessage.id, status: 'pending' },
        data: {
          status: 'completed',
          replyId,
          model: reply.model,
          inputTokens: reply.usage.inputTokens,
          outputTokens: reply.usage.outputTokens,
          latencyMs,
        },
      }),
      db.conversation.update({
        where: { id: conversationId },
        data: { messageCount: { increment: 1 }, lastMessageAt: repliedAt },
      }),
      ...(commit ? [commit(db, { type: 'Message', id: userMessage.id })] : []),
    ],
  });
  if (!subscribes(subscriptions, 'message.completed')) {
    const { reply: createReply, rest } = storeReply(prisma);
    await prisma.$transaction([createReply, ...rest]);
  } else {
    // With its message.completed event: the reply as stored, read back by the create itself.
    await prisma.$transaction(async (tx) => {
      const { reply: createReply, rest } = storeReply(tx);
      const stored = await createReply;
      await recordEvent(tx, { accountId, type: 'message.completed', data: () => messageResource(stored) });
      for (const write of rest) await write;
    });
  }
  return sentMessage(userMessage, reply);
}

/** A chunk of knowledge as prompt-preview shows it (and the knowledge tool returns it). */
export type PromptKnowledgeChunk = {
  documentId: string;
  title: string;
  chunk: number;
  heading: string | null;
  score: number;
  text: string;
};

/**
 * The messages the agent's model would receive next for this user, without calling it; with a
 * next `text`, the knowledge chunks retrieved for it, as a send would (and in the system message).
 */
export async function previewPrompt(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  args: { userId: string; text?: string | null },
  access: { mayReadKnowledge: boolean; ranking?: Pick<SearchOptions, 'embedder' | 'logger'> },
) {
  const userId = parseInput(userIdSchema, args.userId, 'userId');
  if (args.text != null) parseInput(sendMessageSchema.shape.text, args.text, 'text');
  const agent = await getAgent(prisma, accountId, agentId);
  const conversation = await prisma.conversation.findUnique({
    where: { agentId_userId: { agentId: agent.id, userId } },
  });
  const [history, sources] = await Promise.all([
    conversation ? loadHistory(prisma, { conversationId: conversation.id }) : [],
    agentKnowledgeSources(prisma, agent),
  ]);
  // Without a next text there is nothing to retrieve (but the system message is a send's).
  const documentIds = args.text != null ? sources.documentIds : [];
  // The chunks are the documents' text, in `knowledge` and in the system message.
  if (documentIds.length > 0 && !access.mayReadKnowledge) throw forbidden('knowledge:read');
  const knowledge = promptKnowledge(await knowledgeCandidates(prisma, agent.accountId, documentIds, args.text ?? '', access.ranking));
  const promptAgent: PromptAgent = sources.characterDocumentId ? { ...agent, characterKnowledgeRetrieved: true } : agent;
  const prompt = assemblePrompt(promptAgent, history, args.text ?? undefined, knowledge);
  return {
    agentId: agent.id,
    userId,
    conversationId: conversation?.id ?? null,
    messages: prompt.messages,
    estimatedTokens: prompt.estimatedTokens,
    omittedTurns: prompt.droppedTurns,
    knowledge: knowledge.map(
      (c): PromptKnowledgeChunk => ({
        documentId: c.documentId,
        title: c.documentTitle,
        chunk: c.position,
        heading: c.heading,
        score: c.score,
        text: c.text,
      }),
    ),
  };
}

const INTERRUPTED = { code: 'AGENT_UNAVAILABLE', message: 'The server stopped before the model answered' } as const;

/**
 * User turns stored before `createdBefore` and still pending belong to an instance that died
 * mid-call: mark them failed (so history tells the truth) and give their quota back.
 */
export async function recoverInterruptedTurns(prisma: PrismaClient, createdBefore: Date): Promise<number> {
  const stale = await prisma.message.findMany({
    where: { status: 'pending', role: 'user', createdAt: { lt: createdBefore } },
    select: { id: true, accountId: true, createdAt: true },
    take: 1000,
  });
  let recovered = 0;
  for (const turn of stale) {
    if (await failTurn(prisma, turn, INTERRUPTED)) recovered++;
  }
  return recovered;
}
