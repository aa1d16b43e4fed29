/**
 * The events an endpoint may subscribe to. Each is delivered as
 * `{id: "evt_…", type, createdAt, data}`, `data` being the resource exactly as REST returns it.
 */
export const WEBHOOK_EVENT_TYPES = [
  'agent.created',
  'agent.updated',
  'agent.deleted',
  'conversation.created',
  'conversation.deleted',
  'message.completed',
  'message.failed',
  'quota.threshold',
  'character.created',
  'character.updated',
  'character.deleted',
  'webhook.test',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Subscribes an endpoint to every type, including those added later. */
export const ALL_EVENTS = '*';

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}
