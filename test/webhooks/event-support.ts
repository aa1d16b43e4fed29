import { expect } from 'vitest';
import { bearer, graphql, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

/**
 * Makes a webhook endpoint of the account with POST /v1/webhooks. Nothing listens at its URL:
 * these tests read what is recorded (events and their deliveries); test apps do not dispatch
 * unless asked to.
 */
export async function subscribe(
  app: TestApp,
  accountId: string,
  events: string[],
  options: { enabled?: boolean } = {},
): Promise<string> {
  const key = await app.keyWithScopes(accountId, ['webhooks:manage']);
  const res = await app.http
    .post('/v1/webhooks')
    .set(bearer(key))
    .send({ url: 'https://hooks.example.com/orion', events, ...options });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.webhook.id;
}

/** The events recorded for the account, oldest first, with their deliveries. */
export function eventsOf(app: TestApp, accountId: string, type?: string) {
  return app.db.prisma.webhookEvent.findMany({
    where: { accountId, ...(type ? { type } : {}) },
    orderBy: { id: 'asc' },
    include: { deliveries: { orderBy: { endpointId: 'asc' } } },
  });
}

/**
 * The account's only event of this type: one pending delivery to each endpoint given, due now.
 * Answers its `data`.
 */
export async function onlyEvent(app: TestApp, accountId: string, type: string, endpointIds: string[]): Promise<any> {
  const events = await eventsOf(app, accountId, type);
  expect(events, `${type} events`).toHaveLength(1);
  const [event] = events;
  expect(event!.deliveries.map((d) => d.endpointId)).toEqual([...endpointIds].sort());
  for (const delivery of event!.deliveries) {
    expect(delivery).toMatchObject({ status: 'pending', attemptCount: 0, accountId });
    expect(delivery.nextAttemptAt?.getTime()).toBe(event!.createdAt.getTime());
  }
  return event!.data;
}

export async function newAgent(app: TestApp, key: string, body: object = {}): Promise<string> {
  const res = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Hooked', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data.id;
}

export type Protocol = 'REST' | 'GraphQL';
export const PROTOCOLS: Protocol[] = ['REST', 'GraphQL'];

/** A send through either protocol: the REST envelope's data (SentMessage), or the error code. */
export async function send(
  app: TestApp,
  protocol: Protocol,
  key: string,
  agentId: string,
  input: { text: string; userId: string; conversationId?: string },
): Promise<{ data?: any; code?: string }> {
  if (protocol === 'REST') {
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send(input);
    return res.status === 201 ? { data: res.body.data } : { code: res.body.error.code };
  }
  const res = await graphql(app, key, OPS.sendMessage, { agentId, input });
  return res.body.errors ? { code: res.body.errors[0].extensions.code } : { data: res.body.data.sendMessage };
}

export async function restGet(app: TestApp, key: string, path: string): Promise<any> {
  const res = await app.http.get(`/v1${path}`).set(bearer(key));
  expect(res.status, `GET ${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body.data;
}

/** The conversation's messages as REST lists them. */
export async function restMessages(app: TestApp, key: string, conversationId: string): Promise<any[]> {
  return (await restGet(app, key, `/conversations/${conversationId}/messages?limit=100`)).items;
}
