import { Prisma } from '../../db/generated/prisma/client.js';
import type { PrismaClient } from '../../db/client.js';
import { newId } from '../../ids.js';
import type { CommitMark, RecordedOutcome } from '../idempotency.js';
import { ALL_EVENTS, type WebhookEventType } from './event-types.js';

/** The Prisma client, or the transaction client the change is written in. */
type Db = PrismaClient | Prisma.TransactionClient;

export type EventToRecord = {
  accountId: string;
  type: WebhookEventType;
  /** The resource as REST returns it; only built when an endpoint subscribes to the type. */
  data: () => unknown;
  /** Only this endpoint receives it (webhook.test), whatever it subscribed to. */
  endpointId?: string;
};

/**
 * Records an event and one pending delivery per enabled endpoint of the account that subscribes
 * to its type. Call it with the transaction that writes the change: the event then commits with
 * the change or not at all (a transactional outbox), and the dispatchers deliver it after. An
 * account without such an endpoint costs one indexed read and writes nothing.
 * Answers the event's ID, or undefined when no endpoint wanted it.
 */
export async function recordEvent(db: Db, event: EventToRecord, now = new Date()): Promise<string | undefined> {
  const endpoints = await db.webhookEndpoint.findMany({
    where: event.endpointId
      ? { id: event.endpointId, accountId: event.accountId }
      : { accountId: event.accountId, enabled: true, events: { hasSome: [event.type, ALL_EVENTS] } },
    select: { id: true },
  });
  if (endpoints.length === 0) return undefined;
  return insertEvent(db, event, endpoints.map((e) => e.id), now);
}

/**
 * The channel a committed event is announced on (NOTIFY): dispatchers of every instance listen,
 * and deliver it at once rather than at their next poll.
 */
export const WEBHOOK_EVENTS_CHANNEL = 'orion_webhook_events';

/**
 * The event, its deliveries to these endpoints and the announcement, in one statement; an
 * endpoint deleted or disabled since it was read gets none. PostgreSQL sends the notification
 * only if the transaction commits.
 */
async function insertEvent(db: Db, event: EventToRecord, endpointIds: string[], now: Date): Promise<string> {
  const eventId = newId('evt');
  const deliveryIds = endpointIds.map(() => newId('dlv'));
  const data = JSON.stringify(event.data());
  const live = event.endpointId ? Prisma.sql`TRUE` : Prisma.sql`endpoint."enabled"`;
  await db.$executeRaw`
    WITH event AS (
      INSERT INTO "WebhookEvent" ("id", "accountId", "type", "data", "createdAt")
      VALUES (${eventId}, ${event.accountId}, ${event.type}, ${data}::jsonb, ${now})
    ), announced AS (
      SELECT pg_notify(${WEBHOOK_EVENTS_CHANNEL}, '')
    )
    INSERT INTO "WebhookDelivery" ("id", "accountId", "endpointId", "eventId", "nextAttemptAt", "createdAt", "updatedAt")
    SELECT target."deliveryId", ${event.accountId}, target."endpointId", ${eventId}, ${now}, ${now}, ${now}
    FROM unnest(${deliveryIds}::text[], ${endpointIds}::text[]) AS target("deliveryId", "endpointId")
    JOIN "WebhookEndpoint" endpoint ON endpoint."id" = target."endpointId" AND endpoint."accountId" = ${event.accountId}
    CROSS JOIN announced
    WHERE ${live}`;
  return eventId;
}

/** The enabled endpoints of the account subscribed to the type: one indexed read. */
async function subscribedEndpoints(db: Db, accountId: string, type: WebhookEventType): Promise<string[]> {
  const endpoints = await db.webhookEndpoint.findMany({
    where: { accountId, enabled: true, events: { hasSome: [type, ALL_EVENTS] } },
    select: { id: true },
  });
  return endpoints.map((e) => e.id);
}

export type EventfulWrite<T> = {
  accountId: string;
  type: WebhookEventType;
  /** The write; it runs in a transaction when it records an event or a commit mark. */
  write: (db: Db) => Promise<T>;
  /** The event's data (the resource as REST returns it) from the write's result; undefined: no event. */
  data: (result: T) => unknown;
  /** The idempotency record's commit mark, written in the same transaction (see withCommitMark). */
  commit?: CommitMark;
  outcome?: RecordedOutcome;
  /** Whether the write changed anything (default: it did); nothing changed, nothing recorded. */
  wrote?: (result: T) => boolean;
};

/**
 * Runs a change and records the event it causes in the same transaction (and the idempotency
 * commit mark, if any). An account with no endpoint subscribed to the type pays one indexed read
 * and no transaction; an endpoint created while the change runs may or may not get its event.
 */
export async function writeWithEvent<T>(prisma: PrismaClient, change: EventfulWrite<T>): Promise<T> {
  const { accountId, type, write, data, commit, outcome, wrote = () => true } = change;
  // Read before the transaction, so an account without endpoints needs none.
  const endpointIds = await subscribedEndpoints(prisma, accountId, type);
  if (endpointIds.length === 0 && !commit) return write(prisma);
  return prisma.$transaction(async (tx) => {
    const result = await write(tx);
    if (!wrote(result)) return result;
    if (endpointIds.length > 0) {
      const resource = data(result);
      if (resource !== undefined) {
        await insertEvent(tx, { accountId, type, data: () => resource }, endpointIds, new Date());
      }
    }
    if (commit && outcome) await commit(tx, outcome);
    return result;
  });
}
