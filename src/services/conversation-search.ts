import { z } from 'zod';
import type { PrismaClient } from '../db/client.js';
import { Prisma, type Conversation } from '../db/generated/prisma/client.js';
import { invalidRequest } from '../errors.js';
import { typeOfId } from '../ids.js';
import { getAgent } from './agents.js';
import { listConversations } from './conversations.js';
import { userIdSchema } from './message-input.js';
import { DEFAULT_PAGE_SIZE, idOrderedSource, paginate, type Page, type PageArgs, type PageSource } from './pagination.js';
import { SNIPPET_MARKS } from './snippets.js';
import { parseInput } from './validation.js';

export const SEARCH_LIMITS = { q: 200 } as const;

export { SNIPPET_MARKS };

/** The message of a conversation that best matched a search's `q`. */
export type ConversationMatch = {
  messageId: string;
  role: 'user' | 'agent';
  snippet: string;
  rank: number;
  createdAt: Date;
};

export type SearchedConversation = Conversation & { match?: ConversationMatch | null };

export type ConversationFilter = {
  agentId?: string | null;
  userId?: string | null;
  q?: string | null;
  from?: Date | null;
  to?: Date | null;
};

const filterSchema = z
  .object({
    agentId: z.string().nullish(),
    userId: userIdSchema.nullish(),
    q: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(SEARCH_LIMITS.q, `must be at most ${SEARCH_LIMITS.q} characters`)
      .nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { path: ['to'], message: 'must be after from' });

// The English full-text vector of the message's text, a stored generated column with a GIN index
// (migration 20261130103907): ranking reads it rather than computing it again for every match.
const DOCUMENT = Prisma.sql`m."searchVector"`;
const HEADLINE_OPTIONS = `StartSel=${SNIPPET_MARKS.start}, StopSel=${SNIPPET_MARKS.stop}, MaxWords=35, MinWords=15, ShortWord=3`;

const isConversationId = (id: string) => typeOfId(id) === 'Conversation';

type MatchRow = {
  conversationId: string;
  messageId: string;
  role: 'user' | 'agent';
  createdAt: Date;
  rank: number;
  snippet: string;
  total: bigint;
};

/**
 * The account's conversations, filtered (every filter optional and combinable). With `q`: those
 * with a message matching it (English full-text search; within [from, to) by the message's time),
 * best match first, each with that `match`. Without: newest first, [from, to) on lastMessageAt.
 */
export async function searchConversations(
  prisma: PrismaClient,
  accountId: string,
  rawFilter: ConversationFilter,
  args: PageArgs,
): Promise<Page<SearchedConversation>> {
  const filter = parseInput(filterSchema, rawFilter);
  if (!filter.q && !filter.from && !filter.to && filter.agentId) {
    // The agent's list, as GET /agents/{id}/conversations answers it.
    return listConversations(prisma, accountId, filter.agentId, { ...args, userId: filter.userId });
  }
  const agentId = filter.agentId ? (await getAgent(prisma, accountId, filter.agentId)).id : undefined;
  if (!filter.q) {
    const lastMessageAt = filter.from || filter.to ? { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } : undefined;
    const where = {
      accountId,
      ...(agentId ? { agentId } : {}),
      ...(filter.userId ? { userId: filter.userId } : {}),
      ...(lastMessageAt ? { lastMessageAt } : {}),
    };
    return paginate(args, idOrderedSource<Conversation>(prisma.conversation, where, isConversationId));
  }
  for (const field of ['after', 'before', 'last'] as const) {
    if (args[field] != null) {
      throw invalidRequest([{ field, message: 'cannot page a search ranked by q: use page and limit (or first)' }]);
    }
  }
  // The page paginate() reads first: page/limit's, or Relay's `first` (one more, to see if there is a next).
  const planned =
    args.first != null
      ? { skip: 0, take: args.first + 1 }
      : { skip: ((args.page ?? 1) - 1) * (args.limit ?? DEFAULT_PAGE_SIZE), take: args.limit ?? DEFAULT_PAGE_SIZE };
  return paginate(args, rankedSource(prisma, accountId, { ...filter, q: filter.q, agentId }, planned));
}

type RankedFilter = { q: string; agentId?: string; userId?: string | null; from?: Date | null; to?: Date | null };

/** The statements of a ranked search: its count, and a page of each conversation's best match. */
export function rankedSearchSql(accountId: string, filter: RankedFilter) {
  const query = Prisma.sql`websearch_to_tsquery('english'::regconfig, ${filter.q})`;
  const conditions = [
    Prisma.sql`m."accountId" = ${accountId}`,
    Prisma.sql`${DOCUMENT} @@ ${query}`,
    ...(filter.agentId ? [Prisma.sql`m."agentId" = ${filter.agentId}`] : []),
    ...(filter.userId ? [Prisma.sql`m."userId" = ${filter.userId}`] : []),
    ...(filter.from ? [Prisma.sql`m."createdAt" >= ${filter.from}`] : []),
    ...(filter.to ? [Prisma.sql`m."createdAt" < ${filter.to}`] : []),
  ];
  const where = Prisma.join(conditions, ' AND ');
  return {
    count: Prisma.sql`SELECT count(DISTINCT m."conversationId") AS n FROM "Message" m WHERE ${where}`,
    /** `total`, on each row: how many conversations match (none when the page is past the end). */
    page: (order: 'asc' | 'desc', skip: number, take: number) => {
      const direction = order === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`;
      // Each conversation's best message (DISTINCT ON), ranked; the snippets of the page only.
      return Prisma.sql`
        SELECT b."conversationId", b.id AS "messageId", b.role::text AS role, b."createdAt",
               round(b.rank::numeric, 6)::float8 AS rank, b.total,
               ts_headline('english'::regconfig, b."text", ${query}, ${HEADLINE_OPTIONS}) AS snippet
        FROM (
          SELECT b.*, count(*) OVER () AS total FROM (
            SELECT DISTINCT ON (m."conversationId") m."conversationId", m.id, m.role, m."createdAt", m."text",
                   ts_rank_cd(${DOCUMENT}, ${query}) AS rank
            FROM "Message" m
            WHERE ${where}
            ORDER BY m."conversationId", rank DESC, m.id DESC
          ) b
          ORDER BY b.rank ${direction}, b."conversationId" ${direction}
          OFFSET ${skip} LIMIT ${take}
        ) b
        ORDER BY b.rank ${direction}, b."conversationId" ${direction}`;
    },
  };
}

/**
 * Ranking reads every matching message, so the page expected (`planned`: the one paginate() asks
 * for first) is read with the total, in one statement; the count runs apart only when that page
 * is empty, and another page (one read from the oldest end) is a statement of its own.
 */
function rankedSource(
  prisma: PrismaClient,
  accountId: string,
  filter: RankedFilter,
  planned: { skip: number; take: number },
): PageSource<SearchedConversation> {
  const sql = rankedSearchSql(accountId, filter);
  let prefetched: MatchRow[] | undefined;
  // The rows asked for, when they are the prefetched page: newest-first as read, or (a page past
  // the middle, which paginate() reads from the oldest end) the same rows in reverse.
  const fromPrefetched = (order: 'asc' | 'desc', skip: number, take: number): MatchRow[] | undefined => {
    if (!prefetched) return undefined;
    if (order === 'desc') return skip === planned.skip && take === planned.take ? prefetched : undefined;
    const total = Number(prefetched[0]!.total);
    return total - skip - take === planned.skip && take <= prefetched.length ? prefetched.slice(0, take).reverse() : undefined;
  };
  return {
    isValidCursor: () => false,
    total: async () => {
      const rows = await prisma.$queryRaw<MatchRow[]>(sql.page('desc', planned.skip, planned.take));
      if (rows.length > 0) {
        prefetched = rows;
        return Number(rows[0]!.total);
      }
      const [row] = await prisma.$queryRaw<{ n: bigint }[]>(sql.count);
      return Number(row?.n ?? 0);
    },
    count: () => Promise.reject(new Error('a ranked search has no cursors')),
    findMany: async ({ order, skip, take }) => {
      const rows = fromPrefetched(order, skip, take) ?? (await prisma.$queryRaw<MatchRow[]>(sql.page(order, skip, take)));
      const conversations = await prisma.conversation.findMany({
        where: { id: { in: rows.map((r) => r.conversationId) }, accountId },
      });
      const byId = new Map(conversations.map((c) => [c.id, c]));
      return rows.flatMap((row) => {
        const conversation = byId.get(row.conversationId);
        if (!conversation) return []; // deleted meanwhile
        const { conversationId: _c, total: _t, ...match } = row;
        return [{ ...conversation, match }];
      });
    },
  };
}
