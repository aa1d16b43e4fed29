// Two app instances on one PostgreSQL schema, both dispatching: a burst of events is delivered
// exactly once each (SKIP LOCKED claims), counted at the receiver; limits hold across them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { startWebhookReceiver, subscribe, type WebhookReceiver } from '../support/webhooks.js';

const EVENTS = 500;
const SETTINGS = { dispatch: true, pollIntervalMs: 50, retryScheduleMs: [50, 50, 50], timeoutMs: 5_000, leaseMs: 30_000, concurrency: 8 };

describe('two instances dispatching from one PostgreSQL schema', () => {
  let a: TestApp | undefined;
  let b: TestApp | undefined;
  let receiver: WebhookReceiver | undefined;
  beforeAll(async () => {
    a = await startTestApp('postgres', { allowPrivateNetworks: true, webhooks: SETTINGS });
    b = await startTestApp('postgres', { allowPrivateNetworks: true, webhooks: SETTINGS, postgresUrl: a.postgresUrl });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await receiver?.close();
  });

  it(`delivers a burst of ${EVENTS} events once each`, { timeout: 240_000 }, async () => {
    receiver = await startWebhookReceiver();
    const { accountId, key } = await a!.newAccount();
    const endpoint = await subscribe(a!, accountId, receiver.url, ['agent.created']);
    receiver.setSecrets([endpoint.secret]);

    const created: string[] = [];
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        const app = worker % 2 ? b! : a!;
        while (next < EVENTS) {
          next++;
          const res = await app.http.post('/v1/agents').set(bearer(key)).send({ name: `Burst ${next}` });
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          created.push(res.body.data.id);
        }
      }),
    );
    await receiver.waitFor(EVENTS, () => true, 150_000);
    const elapsed = Date.now() - started;
    // Anything more would be a duplicate: give it a moment to show up.
    await new Promise((r) => setTimeout(r, 500));

    expect(receiver.received).toHaveLength(EVENTS);
    expect(receiver.received.every((d) => d.verified && d.status === 200)).toBe(true);
    expect(new Set(receiver.received.map((d) => d.id)).size).toBe(EVENTS);
    const delivered = new Set(receiver.received.map((d) => d.payload.data.id as string));
    expect([...created].sort()).toEqual([...delivered].sort());

    const rows = await a!.db.prisma.webhookDelivery.groupBy({ by: ['status'], where: { endpointId: endpoint.id }, _count: true });
    expect(rows).toEqual([{ status: 'succeeded', _count: EVENTS }]);
    expect(await a!.db.prisma.webhookAttempt.count({ where: { delivery: { endpointId: endpoint.id } } })).toBe(EVENTS);
    console.info(`[webhooks, two instances] ${EVENTS} agents created and their events delivered in ${elapsed} ms`);
  });

  it('endpoint creates racing on both instances for the last places stop at 16', { timeout: 60_000 }, async () => {
    const { accountId, key } = await a!.newAccount('Racing');
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? b! : a!).http
          .post('/v1/webhooks')
          .set(bearer(key))
          .send({ url: `https://hooks.example.com/race/${i}`, events: ['*'] }),
      ),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(16);
    expect(answers.filter((r) => r.status === 400).map((r) => r.body.error.code)).toEqual(Array(8).fill('INVALID_REQUEST'));
    expect(await a!.db.prisma.webhookEndpoint.count({ where: { accountId } })).toBe(16);
  });
});

describe('an event recorded by one instance', () => {
  let writer: TestApp | undefined;
  let dispatcher: TestApp | undefined;
  let receiver: WebhookReceiver | undefined;
  beforeAll(async () => {
    writer = await startTestApp('postgres', { allowPrivateNetworks: true });
    // Polls once a minute: only the database's notification can deliver within the test.
    dispatcher = await startTestApp('postgres', {
      allowPrivateNetworks: true,
      webhooks: { ...SETTINGS, pollIntervalMs: 60_000 },
      postgresUrl: writer.postgresUrl,
    });
  }, 120_000);
  afterAll(async () => {
    await dispatcher?.close();
    await writer?.close();
    await receiver?.close();
  });

  it('is delivered at once by another instance (NOTIFY on commit), not at its next poll', { timeout: 60_000 }, async () => {
    receiver = await startWebhookReceiver();
    const { accountId, key } = await writer!.newAccount('Notified');
    const endpoint = await subscribe(writer!, accountId, receiver.url, ['agent.created', 'message.completed']);
    receiver.setSecrets([endpoint.secret]);
    // The dispatcher's first poll (at start) is over.
    await new Promise((r) => setTimeout(r, 300));
    const created = await writer!.http.post('/v1/agents').set(bearer(key)).send({ name: 'Far away' });
    expect(created.status).toBe(201);
    await receiver.waitFor(1, (d) => d.payload.type === 'agent.created', 10_000);
    const sent = await writer!.http
      .post(`/v1/agents/${created.body.data.id}/messages`)
      .set(bearer(key))
      .send({ text: 'Anyone there?', userId: 'u1' });
    expect(sent.status).toBe(201);
    await receiver.waitFor(1, (d) => d.payload.type === 'message.completed', 10_000);
    expect(receiver.received.map((d) => d.payload.type)).toEqual(['agent.created', 'message.completed']);
  });
});
