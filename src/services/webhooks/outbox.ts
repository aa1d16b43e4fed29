import type { Prisma } from '../../db/generated/prisma/client.js';
import type { PrismaClient } from '../../db/client.js';
import { newId } from '../../ids.js';
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
  const eventId = newId('evt');
  await db.webhookEvent.create({
    data: {
      id: eventId,
      accountId: event.accountId,
      type: event.type,
      data: event.data() as Prisma.InputJsonValue,
      createdAt: now,
      deliveries: {
        createMany: {
          data: endpoints.map((endpoint) => ({
            id: newId('dlv'),
            accountId: event.accountId,
            endpointId: endpoint.id,
            nextAttemptAt: now,
            createdAt: now,
          })),
        },
      },
    },
  });
  return eventId;
}
