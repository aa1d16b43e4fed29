import { Prisma } from '../../db/generated/prisma/client.js';
import { ALL_EVENTS, type WebhookEventType } from './event-types.js';

/**
 * The event types an account's enabled endpoints subscribe to ("*" among them: every type), read
 * once for a change that may cause several events (a turn: conversation.created,
 * message.completed or message.failed, quota.threshold). Empty for most accounts.
 */
export type Subscriptions = readonly string[];

export function subscribes(subscriptions: Subscriptions, type: WebhookEventType): boolean {
  return subscriptions.includes(type) || subscriptions.includes(ALL_EVENTS);
}

/**
 * The account's Subscriptions as an SQL expression (a text[]), to be selected by a statement the
 * change sends anyway: the check then costs no statement of its own (an indexed lookup inside it).
 */
export function subscriptionsSql(accountId: string): Prisma.Sql {
  return Prisma.sql`ARRAY(
    SELECT DISTINCT subscribed FROM "WebhookEndpoint" endpoint, unnest(endpoint."events") AS subscribed
    WHERE endpoint."accountId" = ${accountId} AND endpoint."enabled")`;
}
