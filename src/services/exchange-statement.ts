import type { PrismaClient } from '../db/client.js';
import { Prisma } from '../db/generated/prisma/client.js';
import { ALL_EVENTS, type WebhookEventType } from './webhooks/event-types.js';

/** One stored turn of an answered exchange, as answerInstantly builds it. */
export type ExchangeRow = {
  id: string;
  role: 'user' | 'agent';
  text: string;
  replyId?: string | null;
  model?: string | null;
  inputTokens?: number;
  outputTokens?: number;
  latencyMs?: number | null;
  metadata?: unknown;
  toolCalls?: unknown;
  citations?: unknown;
  createdAt: Date;
};

export type Exchange = {
  accountId: string;
  agentId: string;
  userId: string;
  /** The conversation the client named, or undefined: the agent's conversation with the user. */
  conversationId?: string | null;
  /** The user's turn and the reply, both completed. */
  rows: [ExchangeRow, ExchangeRow];
  /** The conversation's lastMessageAt (the reply's time). */
  at: Date;
  /** The month the quota unit is taken from, and the quota. */
  period: string;
  quota: number;
};

/**
 * The events a stored exchange of an existing conversation may cause: with an endpoint
 * subscribed to any of them, the exchange is stored by the transaction that records them.
 */
const EXCHANGE_EVENTS: (WebhookEventType | typeof ALL_EVENTS)[] = ['message.completed', 'quota.threshold', ALL_EVENTS];

export type ExchangeOutcome =
  | { stored: true; conversationId: string }
  /** Nothing was written: `subscribed` when an enabled endpoint wants the exchange's events. */
  | { stored: false; subscribed: boolean };

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/**
 * Stores an answered exchange in ONE statement, committed on its own (no BEGIN, no COMMIT round
 * trip): locks the existing conversation, takes the quota unit (the same conditional UPDATE as
 * reserveMessage), counts the two turns on the conversation and inserts them. PostgreSQL runs a
 * statement atomically, so all of it is written or none, as with the transaction it replaces, and
 * the account's usage row is locked only while PostgreSQL runs and commits it: no round trip to
 * this process happens under that lock, which is what serialised an account's concurrent sends.
 * Locks are taken in the order every other turn write takes them (conversation, then usage).
 *
 * Writes nothing (and the caller falls back to the transaction) when the conversation does not
 * exist (or is not the one named), the month's usage row does not exist yet, the quota is used
 * up, or an endpoint subscribes to the exchange's events.
 */
export async function storeExchangeInOneStatement(prisma: PrismaClient, exchange: Exchange): Promise<ExchangeOutcome> {
  const { accountId, agentId, userId, conversationId, rows, at, period, quota } = exchange;
  const named = conversationId != null ? Prisma.sql`AND "id" = ${conversationId}` : Prisma.empty;
  const values = Prisma.join(
    rows.map(
      (row) => Prisma.sql`(${row.id}, ${row.role}::"MessageRole", ${row.text}, ${row.replyId ?? null}, ${row.model ?? null},
        ${row.inputTokens ?? 0}::int, ${row.outputTokens ?? 0}::int, ${row.latencyMs ?? null}::int,
        ${json(row.metadata)}::jsonb, ${json(row.toolCalls)}::jsonb, ${json(row.citations)}::jsonb, ${row.createdAt}::timestamptz)`,
    ),
  );
  const [result] = await prisma.$queryRaw<{ conversationId: string | null; subscribed: boolean }[]>`
    WITH subscribed AS (
      SELECT EXISTS (
        SELECT 1 FROM "WebhookEndpoint"
        WHERE "accountId" = ${accountId} AND "enabled" AND "events" && ${EXCHANGE_EVENTS}::text[]
      ) AS yes
    ), conversation AS (
      SELECT "id" FROM "Conversation"
      WHERE "agentId" = ${agentId} AND "userId" = ${userId} AND "accountId" = ${accountId} ${named}
      FOR NO KEY UPDATE
    ), usage AS (
      UPDATE "MessageUsage" SET "used" = "used" + 1
      WHERE "accountId" = ${accountId} AND "period" = ${period} AND "used" < ${quota}::int
        AND EXISTS (SELECT 1 FROM conversation) AND NOT (SELECT yes FROM subscribed)
      RETURNING "used"
    ), counted AS (
      UPDATE "Conversation" SET
        "messageCount" = "Conversation"."messageCount" + 2,
        "lastMessageAt" = ${at}::timestamptz,
        "updatedAt" = ${at}::timestamptz
      FROM conversation, usage
      WHERE "Conversation"."id" = conversation."id"
      RETURNING "Conversation"."id"
    ), turns AS (
      INSERT INTO "Message" ("id", "accountId", "conversationId", "agentId", "userId", "role", "text", "status",
        "replyId", "model", "inputTokens", "outputTokens", "latencyMs", "metadata", "toolCalls", "citations", "createdAt")
      SELECT turn.id, ${accountId}, counted."id", ${agentId}, ${userId}, turn.role, turn.text, 'completed'::"MessageStatus",
        turn."replyId", turn.model, turn."inputTokens", turn."outputTokens", turn."latencyMs",
        turn.metadata, turn."toolCalls", turn.citations, turn."createdAt"
      FROM counted, (VALUES ${values}) AS turn(id, role, text, "replyId", model, "inputTokens", "outputTokens",
        "latencyMs", metadata, "toolCalls", citations, "createdAt")
    )
    SELECT (SELECT "id" FROM counted) AS "conversationId", (SELECT yes FROM subscribed) AS "subscribed"`;
  return result?.conversationId
    ? { stored: true, conversationId: result.conversationId }
    : { stored: false, subscribed: result?.subscribed ?? false };
}
