import type { PrismaClient } from '../db/client.js';
import type { Conversation, Message } from '../db/generated/prisma/client.js';
import { notFound } from '../errors.js';
import { typeOfId } from '../ids.js';
import { nullWhenMissing } from '../db/prisma-errors.js';
import { getAgent } from './agents.js';
import { conversationResource, messageResource } from './conversation-resource.js';
import type { CommitMark } from './idempotency.js';
import { userIdSchema } from './message-input.js';
import { idOrderedSource, paginate, type Page, type PageArgs, type PageBatches } from './pagination.js';
import { parseInput } from './validation.js';
import { writeWithEvent } from './webhooks/outbox.js';

export type { Conversation, Message };
export { conversationResource, messageResource };

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
  // One user has at most one conversation with an agent: that list is counted, cheaply.
  const total = userId ? undefined : async () => agent.conversationCount;
  const buckets = userId ? undefined : ({ prisma, table: 'Conversation', ownerColumn: 'agentId', ownerId: agent.id } as const);
  return paginate(args, idOrderedSource<Conversation>(prisma.conversation, base, isConversationId, total, buckets));
}

/**
 * The conversations of an agent already read from its account (a nested connection), paged
 * together with those of the other agents of the same response (see ChildPages).
 */
export function conversationsOfAgent(
  batches: PageBatches,
  prisma: PrismaClient,
  agent: { id: string; accountId: string },
  args: PageArgs & { userId?: string | null },
): Promise<Page<Conversation>> {
  const userId = args.userId == null ? undefined : parseInput(userIdSchema, args.userId, 'userId');
  const children = batches.for<Conversation>({
    table: 'Conversation',
    parentColumn: 'agentId',
    where: { accountId: agent.accountId, ...(userId ? { userId } : {}) },
    byIds: (ids) => prisma.conversation.findMany({ where: { id: { in: ids } } }),
    isValidCursor: isConversationId,
    ...(userId
      ? {}
      : {
          counter: { table: 'Agent', column: 'conversationCount' } as const,
          ranges: { table: 'Conversation', ownerColumn: 'agentId' } as const,
        }),
  });
  return paginate(args, children.of(agent.id));
}

/** The turns of a conversation already read from its account (a nested connection), batched. */
export function messagesOfConversation(
  batches: PageBatches,
  prisma: PrismaClient,
  conversation: { id: string },
  args: PageArgs,
): Promise<Page<Message>> {
  const children = batches.for<Message>({
    table: 'Message',
    parentColumn: 'conversationId',
    where: {},
    byIds: (ids) => prisma.message.findMany({ where: { id: { in: ids } } }),
    isValidCursor: isMessageId,
    counter: { table: 'Conversation', column: 'messageCount' },
  });
  return paginate(args, children.of(conversation.id));
}

export async function deleteConversation(prisma: PrismaClient, accountId: string, id: string, commit?: CommitMark): Promise<void> {
  if (!isConversationId(id)) throw notFound('Conversation', id);
  const deleted = await writeWithEvent(prisma, {
    accountId,
    type: 'conversation.deleted',
    // The event carries the conversation as it was: its row, read under the delete's own lock.
    write: (db) => db.conversation.delete({ where: { id, accountId } }).catch(nullWhenMissing),
    data: (conversation) => (conversation ? conversationResource(conversation) : undefined),
    commit,
    outcome: { type: 'Conversation', id },
    wrote: (conversation) => conversation !== null,
  });
  if (!deleted) throw notFound('Conversation', id);
}
