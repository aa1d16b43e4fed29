import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { Account, Agent, Conversation, Message } from '../db/generated/prisma/client.js';
import { ApiError, invalidRequest, notFound } from '../errors.js';
import { newId, typeOfId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { getAgent } from './agents.js';
import type { CommitMark } from './idempotency.js';
import type { Providers } from './models/registry.js';
import type { ModelReply, Usage } from './models/types.js';
import { assemblePrompt, modelRequestAgent, type HistoryTurn } from './prompt.js';
import { quotaPeriod, refundMessage, reserveMessage } from './quotas.js';
import { parseInput } from './validation.js';

export const MESSAGE_LIMITS = { text: 16_000, userId: 128, history: 100 } as const;

export const USER_ID_PATTERN = /^[A-Za-z0-9._:@+-]+$/;

export const userIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MESSAGE_LIMITS.userId, `must be at most ${MESSAGE_LIMITS.userId} characters`)
  .regex(USER_ID_PATTERN, 'may contain only letters, digits and . _ : @ + -');

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
};

export type MessagingDeps = {
  prisma: PrismaClient;
  providers: Providers;
  modelTimeoutMs: number;
  logger: Logger;
  /** Replies still being produced, so shutdown can wait for them. */
  inflight: Set<Promise<unknown>>;
  metrics?: Metrics;
};

async function findConversation(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  userId: string,
  conversationId: string | null | undefined,
): Promise<Conversation> {
  if (conversationId != null) {
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
  const where = { agentId_userId: { agentId, userId } };
  const existing = await prisma.conversation.findUnique({ where });
  if (existing) return existing;
  try {
    return await prisma.conversation.create({ data: { id: newId('cnv'), accountId, agentId, userId } });
  } catch {
    // Another request created it a moment ago.
    return prisma.conversation.findUniqueOrThrow({ where });
  }
}

async function loadHistory(prisma: PrismaClient, conversationId: string): Promise<HistoryTurn[]> {
  const rows = await prisma.message.findMany({
    where: { conversationId, status: 'completed' },
    orderBy: { id: 'desc' },
    take: MESSAGE_LIMITS.history,
    select: { role: true, text: true },
  });
  return rows.reverse();
}

/** A send that passed every check and whose user turn is stored; `run` asks the model. */
export type PreparedExchange = {
  userMessage: Message;
  run(onDelta?: (delta: string) => void): Promise<SentMessage>;
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
  const input = parseInput(sendMessageSchema, rawInput);
  const { prisma } = deps;
  const accountId = account.id;
  const agent = await getAgent(prisma, accountId, agentId);
  const conversation = await findConversation(prisma, accountId, agent.id, input.userId, input.conversationId);
  const history = await loadHistory(prisma, conversation.id);
  const now = new Date();
  const userMessage = await prisma
    .$transaction(async (tx) => {
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
      await tx.conversation.update({
        where: { id: conversation.id },
        data: { messageCount: { increment: 1 }, lastMessageAt: now },
      });
      // Last, so the account's usage row stays locked only until the commit that follows.
      await reserveMessage(tx, account, now);
      return message;
    })
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'INSUFFICIENT_QUOTA') deps.metrics?.quotaRejections.inc();
      throw error;
    });

  const provider = deps.providers[agent.modelProvider];
  const unavailable =
    agent.status === 'paused'
      ? new ApiError('AGENT_UNAVAILABLE', `Agent ${agent.id} is paused`, { reason: 'paused' })
      : provider.unavailableReason() &&
        new ApiError('AGENT_UNAVAILABLE', provider.unavailableReason()!, {
          reason: 'provider_not_configured',
          provider: provider.name,
        });
  if (unavailable) {
    await failTurn(prisma, userMessage, unavailable);
    throw unavailable;
  }

  return {
    userMessage,
    run: (onDelta) => {
      const work = answer(deps, agent, conversation, userMessage, history, onDelta, commit);
      deps.inflight.add(work);
      void work.finally(() => deps.inflight.delete(work)).catch(() => {});
      return work;
    },
  };
}

/**
 * Marks a pending user turn failed and gives its message back to the quota, in one transaction.
 * Only the pending → failed change refunds, so a turn is never refunded twice (by the send that
 * failed and by the recovery of another instance) nor refunded once answered. False when the
 * turn was no longer pending.
 */
async function failTurn(
  prisma: PrismaClient,
  turn: Pick<Message, 'id' | 'accountId' | 'createdAt'>,
  error: Pick<ApiError, 'code' | 'message'>,
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.message.updateMany({
      where: { id: turn.id, status: 'pending' },
      data: { status: 'failed', errorCode: error.code, errorMessage: error.message },
    });
    if (count === 0) return false;
    // The unit was taken for the month the turn was stored in (see prepareExchange).
    await refundMessage(tx, turn.accountId, quotaPeriod(turn.createdAt).period);
    return true;
  });
}

async function answer(
  deps: MessagingDeps,
  agent: Agent,
  conversation: Conversation,
  userMessage: Message,
  history: HistoryTurn[],
  onDelta: ((delta: string) => void) | undefined,
  commit: CommitMark | undefined,
): Promise<SentMessage> {
  const { prisma } = deps;
  const started = performance.now();
  let reply: ModelReply;
  try {
    reply = await deps.providers[agent.modelProvider].generate(
      {
        agent: modelRequestAgent(agent),
        userId: userMessage.userId,
        messages: assemblePrompt(agent, history, userMessage.text).messages,
        signal: AbortSignal.timeout(deps.modelTimeoutMs),
      },
      onDelta,
    );
  } catch (error) {
    const failedAfter = (performance.now() - started) / 1000;
    const apiError =
      error instanceof ApiError
        ? error
        : new ApiError('MODEL_ERROR', 'The model failed to answer', { provider: agent.modelProvider });
    if (!(error instanceof ApiError)) deps.logger.error({ err: error, agentId: agent.id }, 'model call failed');
    deps.metrics?.recordModelCall(agent.modelProvider, apiError.code, failedAfter);
    // A message that got no answer does not count against the quota. If this cannot be written,
    // the turn stays pending and the recovery of interrupted turns fails and refunds it later.
    await failTurn(prisma, userMessage, apiError).catch((e: unknown) =>
      deps.logger.error({ err: e, messageId: userMessage.id }, 'could not record a failed turn'),
    );
    throw apiError;
  }
  const latencyMs = Math.round(performance.now() - started);
  deps.metrics?.recordModelCall(agent.modelProvider, 'ok', latencyMs / 1000, {
    input: reply.usage.inputTokens,
    output: reply.usage.outputTokens,
  });
  const replyId = newId('msg');
  const repliedAt = new Date();
  // The reply and the outcome of the user's turn are written together or not at all.
  await prisma.$transaction([
    prisma.message.create({
      data: {
        id: replyId,
        accountId: userMessage.accountId,
        conversationId: conversation.id,
        agentId: agent.id,
        userId: userMessage.userId,
        role: 'agent',
        text: reply.text,
        status: 'completed',
        model: reply.model,
        outputTokens: reply.usage.outputTokens,
        latencyMs,
        createdAt: repliedAt,
      },
    }),
    // Still pending: a turn already failed (and refunded) by recovery is never completed after all.
    prisma.message.update({
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
    prisma.conversation.update({
      where: { id: conversation.id },
      data: { messageCount: { increment: 1 }, lastMessageAt: repliedAt },
    }),
    ...(commit ? [commit(prisma, { type: 'Message', id: userMessage.id })] : []),
  ]);
  return {
    id: userMessage.id,
    conversationId: conversation.id,
    agentId: agent.id,
    userId: userMessage.userId,
    text: userMessage.text,
    response: reply.text,
    model: reply.model,
    usage: reply.usage,
    latencyMs,
    createdAt: userMessage.createdAt,
  };
}

/** The messages the agent's model would receive next for this user, without calling it. */
export async function previewPrompt(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  args: { userId: string; text?: string | null },
) {
  const userId = parseInput(userIdSchema, args.userId, 'userId');
  if (args.text != null) parseInput(sendMessageSchema.shape.text, args.text, 'text');
  const agent = await getAgent(prisma, accountId, agentId);
  const conversation = await prisma.conversation.findUnique({
    where: { agentId_userId: { agentId: agent.id, userId } },
  });
  const history = conversation ? await loadHistory(prisma, conversation.id) : [];
  const prompt = assemblePrompt(agent, history, args.text ?? undefined);
  return {
    agentId: agent.id,
    userId,
    conversationId: conversation?.id ?? null,
    messages: prompt.messages,
    estimatedTokens: prompt.estimatedTokens,
    omittedTurns: prompt.droppedTurns,
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
