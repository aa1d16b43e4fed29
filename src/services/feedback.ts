import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import type { FeedbackRating, Message } from '../db/generated/prisma/client.js';
import { invalidRequest, notFound } from '../errors.js';
import { typeOfId } from '../ids.js';
import { withCommitMark, type CommitMark } from './idempotency.js';
import { parseInput } from './validation.js';

export const FEEDBACK_LIMITS = { comment: 2_000 } as const;

/** An end user's rating of an agent's reply, as both protocols show it. */
export type MessageFeedback = {
  messageId: string;
  rating: FeedbackRating;
  comment: string | null;
  updatedAt: Date;
};

const feedbackSchema = z.object({
  rating: z.enum(['like', 'dislike']),
  // Trimmed; an empty (or blank) comment is no comment.
  comment: z
    .string()
    .trim()
    .max(FEEDBACK_LIMITS.comment, `must be at most ${FEEDBACK_LIMITS.comment} characters`)
    .nullish()
    .transform((c) => (c ? c : null)),
});

/** The feedback a stored message carries, or null. */
export function feedbackOf(message: Pick<Message, 'id' | 'feedbackRating' | 'feedbackComment' | 'feedbackAt'>): MessageFeedback | null {
  if (!message.feedbackRating || !message.feedbackAt) return null;
  return {
    messageId: message.id,
    rating: message.feedbackRating,
    comment: message.feedbackComment,
    updatedAt: message.feedbackAt,
  };
}

const USER_MESSAGE = "is a user's message; feedback rates an agent's reply";

/** Why a write that matched no row matched none: no such message of this account, or not an agent's. */
async function explainMiss(prisma: PrismaClient, accountId: string, messageId: string): Promise<never> {
  const message = await prisma.message.findFirst({ where: { id: messageId, accountId }, select: { role: true } });
  if (!message) throw notFound('Message', messageId);
  if (message.role !== 'agent') throw invalidRequest([{ field: 'messageId', message: USER_MESSAGE }]);
  throw notFound('Feedback on message', messageId);
}

/** Sets (or replaces: one per message) the feedback on an agent's reply. */
export async function setMessageFeedback(
  prisma: PrismaClient,
  accountId: string,
  messageId: string,
  rawInput: unknown,
  commit?: CommitMark,
): Promise<MessageFeedback> {
  if (typeOfId(messageId) !== 'Message') throw notFound('Message', messageId);
  const input = parseInput(feedbackSchema, rawInput);
  const updatedAt = new Date();
  const { count } = await withCommitMark(
    prisma,
    commit,
    { type: 'Message', id: messageId },
    (db) =>
      db.message.updateMany({
        where: { id: messageId, accountId, role: 'agent' },
        data: { feedbackRating: input.rating, feedbackComment: input.comment, feedbackAt: updatedAt },
      }),
    (result) => result.count > 0,
  );
  if (count === 0) return explainMiss(prisma, accountId, messageId);
  return { messageId, rating: input.rating, comment: input.comment, updatedAt };
}

/** Withdraws the feedback on an agent's reply; 404 when it has none. */
export async function deleteMessageFeedback(
  prisma: PrismaClient,
  accountId: string,
  messageId: string,
  commit?: CommitMark,
): Promise<void> {
  if (typeOfId(messageId) !== 'Message') throw notFound('Message', messageId);
  const { count } = await withCommitMark(
    prisma,
    commit,
    { type: 'Message', id: messageId },
    (db) =>
      db.message.updateMany({
        where: { id: messageId, accountId, role: 'agent', feedbackRating: { not: null } },
        data: { feedbackRating: null, feedbackComment: null, feedbackAt: null },
      }),
    (result) => result.count > 0,
  );
  if (count === 0) await explainMiss(prisma, accountId, messageId);
}
