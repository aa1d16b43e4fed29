import { Webhook } from 'standardwebhooks';

export type SignedRequest = { body: string; headers: Record<string, string> };

export type EventPayload = { id: string; type: string; createdAt: Date; data: unknown };

/** The JSON body of an event's deliveries: the same bytes on every attempt. */
export function eventBody(event: EventPayload): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data });
}

/**
 * A Standard Webhooks request: `webhook-id` is the event's ID (the same on every retry, so
 * receivers can drop duplicates), one `v1,…` signature per secret, space separated.
 */
export function signDelivery(eventId: string, body: string, secrets: readonly string[], at: Date): SignedRequest {
  if (secrets.length === 0) throw new Error('no signing secret');
  const signature = secrets.map((secret) => new Webhook(secret).sign(eventId, at, body)).join(' ');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
  };
}
