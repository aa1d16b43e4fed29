import type { PrismaClient } from '../db/client.js';
import type { Conversation, Message } from '../db/generated/prisma/client.js';
import { notFound } from '../errors.js';
import { typeOfId } from '../ids.js';
import { getAgent } from './agents.js';
import { userIdSchema } from './messages.js';
import { idOrderedSource, paginate, type Page, type PageArgs } from './pagination.js';
import { parseInput } from './validation.js';

export type { Conversation, Message };

const isConversationId = (id: string) => typeOfId(id) === 'Conversation';
const isMessageId = (id: string) => typeOfId(id) === 'Message';

export async function getConversation(prisma: PrismaClient, accountId: string, id: string): Promise<Conversation> {
  const conversation = isConversationId(id)
    ? await prisma.conversation.findFirst({ where: { id, accountId } })
    : null;
  if (!conversation) throw notFound('Conversation', id);
  return conversation;
}

/** An agent's conversations, newest first; `userId` narrows them to one end user. */
export async function listConversations(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  args: PageArgs & { userId?: string | null },
): Promise<Page<Conversation>> {
  const userId = args.userId == null ? undefined : parseInput(userIdSchema, args.userId, 'userId');
  const agent = await getAgent(prisma, accountId, agentId);
  const base = { accountId, agentId: agent.id, ...(userId ? { userId } : {}) };
  return paginate(args, idOrderedSource<Conversation>(prisma.conversation, base, isConversationId));
}

/** A conversation's turns, newest first (user turns, failed ones included, and replies). */
export async function listMessages(
  prisma: PrismaClient,
  accountId: string,
  conversationId: string,
  args: PageArgs,
): Promise<Page<Message>> {
  const conversation = await getConversation(prisma, accountId, conversationId);
  const base = { conversationId: conversation.id };
  return paginate(args, idOrderedSource<Message>(prisma.message, base, isMessageId));
}

export async function deleteConversation(prisma: PrismaClient, accountId: string, id: string): Promise<void> {
  if (!isConversationId(id)) throw notFound('Conversation', id);
  const { count } = await prisma.conversation.deleteMany({ where: { id, accountId } });
  if (count === 0) throw notFound('Conversation', id);
}
