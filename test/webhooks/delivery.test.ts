// The dispatcher against a real receiver on loopback: signed deliveries verified by the
// standardwebhooks library, retries on the schedule, 410, failing endpoints, secret rotation,
// the outbound rules, and a lease that outlives a crashed attempt.
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDispatcher, DEFAULT_DISPATCH_SETTINGS } from '../../src/services/webhooks/dispatcher.js';
import { recordEvent } from '../../src/services/webhooks/outbox.js';
import { openWebhookSecret } from '../../src/services/webhooks/secrets.js';
import { newSigningSecret } from '../../src/services/signing-secret.js';
import { eventBody, signDelivery } from '../../src/services/webhooks/signing.js';
import { createLogger } from '../../src/logger.js';
import { STORAGES, TEST_SERVER_KEY, bearer, startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';
import { startWebhookReceiver, subscribe, type WebhookReceiver } from '../support/webhooks.js';

const FAST = { dispatch: true, pollIntervalMs: 20, retryScheduleMs: [30, 30, 30], timeoutMs: 2_000, leaseMs: 5_000 };

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Each test starts its own app (its settings differ); PGlite's start is slow on a busy machine.
describe.each(STORAGES)('webhook delivery (%s)', { timeout: 90_000 }, (storage) => {
  async function setup(
    options: TestAppOptions['webhooks'] = {},
    receiverOptions = {},
    appOptions: TestAppOptions = {},
    urlOf = (receiver: WebhookReceiver) => receiver.url,
  ) {
    const app = await startTestApp(storage, { allowPrivateNetworks: true, ...appOptions, webhooks: { ...FAST, ...options } });
    const receiver = await startWebhookReceiver(receiverOptions);
    cleanups.push(() => app.close(), () => receiver.close());
    const { accountId, key } = await app.newAccount();
    const endpoint = await subscribe(app, accountId, urlOf(receiver), ['agent.created']);
    receiver.setSecrets([endpoint.secret]);
    return { app, receiver, accountId, key, endpoint };
  }

  const createAgent = async (app: TestApp, key: string, name = 'Hooked') => {
    const res = await app.http.post('/v1/agents').set(bearer(key)).send({ name });
    expect(res.status).toBe(201);
    return res.body.data as { id: string };
  };

  const deliveriesOf = (app: TestApp, endpointId: string) =>
    app.db.prisma.webhookDelivery.findMany({
      where: { endpointId },
      include: { attempts: { orderBy: { number: 'asc' } } },
      orderBy: { id: 'asc' },
    });

  it('delivers a signed event that the standardwebhooks library verifies; a wrong secret and a stale timestamp are refused', async () => {
    const { app, receiver, key, endpoint } = await setup();
    const agent = await createAgent(app, key);
    const [delivery] = await receiver.waitFor(1);
    expect(delivery!.verified).toBe(true);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['user-agent']).toBe('OrionOS');
    expect(delivery!.payload).toMatchObject({ type: 'agent.created', data: { id: agent.id, name: 'Hooked' } });
    expect(delivery!.payload.id).toMatch(/^evt_/);
    expect(delivery!.id).toBe(delivery!.payload.id);
    expect(new Date(delivery!.payload.createdAt).toISOString()).toBe(delivery!.payload.createdAt);
    const agentRes = await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key));
    expect(delivery!.payload.data).toEqual(agentRes.body.data);

    const wrong = receiver.verifyWith(newSigningSecret(), delivery!);
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/signature/i) });

    // A replay signed properly but 10 minutes ago: the library refuses it at the receiver.
    const stale = signDelivery(delivery!.id, delivery!.body, [endpoint.secret], new Date(Date.now() - 600_000));
    const res = await fetch(receiver.url, { method: 'POST', headers: stale.headers, body: stale.body });
    expect(res.status).toBe(200);
    expect(receiver.received.at(-1)).toMatchObject({ verified: false, error: 'Message timestamp too old' });

    const [row] = await until(async () => {
      const rows = await deliveriesOf(app, endpoint.id);
      return rows[0]?.status === 'succeeded' && rows;
    });
    expect(row).toMatchObject({ status: 'succeeded', attemptCount: 1, nextAttemptAt: null, eventId: delivery!.id });
    expect(row!.attempts).toEqual([
      expect.objectContaining({ number: 1, statusCode: 200, error: null, latencyMs: expect.any(Number) }),
    ]);
  });

  it('retries a failed delivery on the schedule: 500, 500, then 200 → succeeded with three attempts recorded', async () => {
    const { app, receiver, key, endpoint } = await setup({}, { statuses: [500, 500] });
    await createAgent(app, key);
    const arrived = await receiver.waitFor(3);
    expect(arrived.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(new Set(arrived.map((d) => d.id)).size).toBe(1);
    expect(arrived.every((d) => d.verified)).toBe(true);
    // Each retry waits its turn of the schedule (30 ms), never less.
    expect(arrived[1]!.at - arrived[0]!.at).toBeGreaterThanOrEqual(25);
    const [row] = await until(async () => {
      const rows = await deliveriesOf(app, endpoint.id);
      return rows[0]?.status === 'succeeded' && rows;
    });
    expect(row!.attemptCount).toBe(3);
    expect(row!.attempts.map((a) => [a.number, a.statusCode, a.error])).toEqual([
      [1, 500, 'status 500'],
      [2, 500, 'status 500'],
      [3, 200, null],
    ]);
    for (const attempt of row!.attempts) {
      expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);
      expect(attempt.latencyMs).toBeLessThan(2_000);
    }
    // A success ends the endpoint's run of failures.
    const stored = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(stored).toMatchObject({ enabled: true, failingSince: null });
  });

  it('fails the delivery once the schedule is exhausted; the endpoint stays enabled, failing since the first failure', async () => {
    const { app, receiver, key, endpoint } = await setup({ retryScheduleMs: [20, 20] }, { status: 500 });
    await createAgent(app, key);
    const [row] = await until(async () => {
      const rows = await deliveriesOf(app, endpoint.id);
      return rows[0]?.status === 'failed' && rows;
    });
    expect(row).toMatchObject({ attemptCount: 3, nextAttemptAt: null });
    expect(row!.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(receiver.received).toHaveLength(3);
    const stored = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(stored).toMatchObject({ enabled: true, disabledReason: null });
    expect(stored.failingSince).toEqual(row!.attempts[0]!.at);
  });

  it('records a timeout and a network failure as failed attempts with no status', async () => {
    const { app, key, accountId, endpoint } = await setup({ retryScheduleMs: [], timeoutMs: 200, leaseMs: 2_000 }, { delayMs: 1_000 });
    const gone = await startWebhookReceiver();
    await gone.close();
    const dead = await subscribe(app, accountId, gone.url, ['agent.created']);
    await createAgent(app, key);
    for (const [endpointId, error] of [
      [endpoint.id, 'timeout'],
      [dead.id, expect.stringMatching(/^network: /)],
    ] as const) {
      const [row] = await until(async () => {
        const rows = await deliveriesOf(app, endpointId);
        return rows[0]?.status === 'failed' && rows;
      });
      expect(row!.attempts).toEqual([expect.objectContaining({ number: 1, statusCode: null, error })]);
    }
  });

  it('410 Gone disables the endpoint (endpoint_gone) and fails its pending deliveries', async () => {
    const { app, receiver, key, accountId, endpoint } = await setup({}, { status: 410 });
    // A delivery due only in an hour: pending when the 410 comes.
    const later = await recordEvent(
      app.db.prisma,
      { accountId, type: 'agent.created', data: () => ({ id: 'later' }) },
      new Date(Date.now() + 3600_000),
    );
    await createAgent(app, key);
    await receiver.waitFor(1);
    const stored = await until(async () => {
      const row = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      return !row.enabled && row;
    });
    expect(stored).toMatchObject({ enabled: false, disabledReason: 'endpoint_gone', disabledAt: expect.any(Date) });
    const rows = await until(async () => {
      const all = await deliveriesOf(app, endpoint.id);
      return all.every((d) => d.status === 'failed') && all;
    });
    expect(rows).toHaveLength(2);
    const pendingOne = rows.find((d) => d.eventId === later)!;
    expect(pendingOne).toMatchObject({ status: 'failed', attemptCount: 0, nextAttemptAt: null, attempts: [] });
    const goneOne = rows.find((d) => d.eventId !== later)!;
    expect(goneOne.attempts.map((a) => [a.statusCode, a.error])).toEqual([[410, 'status 410: endpoint gone']]);
    // A disabled endpoint gets no new deliveries.
    await createAgent(app, key, 'After');
    expect(await app.db.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(2);
    expect(receiver.received).toHaveLength(1);
  });

  it('disables an endpoint whose attempts have all failed for longer than disableAfterFailingMs (failing)', async () => {
    const { app, key, endpoint } = await setup({ retryScheduleMs: Array(50).fill(30), disableAfterFailingMs: 300 }, { status: 503 });
    const started = Date.now();
    await createAgent(app, key);
    const stored = await until(async () => {
      const row = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      return !row.enabled && row;
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(stored).toMatchObject({ enabled: false, disabledReason: 'failing' });
    expect(stored.disabledAt!.getTime() - stored.failingSince!.getTime()).toBeGreaterThan(300);
    const [row] = await deliveriesOf(app, endpoint.id);
    expect(row!.status).toBe('failed');
    // The first failure starts the clock, a later one finds it over: how many fit in between
    // depends on how busy the machine is.
    expect(row!.attempts.length).toBeGreaterThanOrEqual(2);
    expect(row!.attempts.every((a) => a.statusCode === 503)).toBe(true);
  });

  it('signs with both secrets while a rotated one is valid, each verifying alone; then with the new one only', async () => {
    const { app, receiver, key, endpoint } = await setup();
    const stored = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(openWebhookSecret(TEST_SERVER_KEY, endpoint.id, stored.secret)).toBe(endpoint.secret);
    const rotation = await app.http.post(`/v1/webhooks/${endpoint.id}/rotate-secret`).set(bearer(key));
    expect(rotation.status).toBe(201);
    const rotated: string = rotation.body.data.secret;
    receiver.setSecrets([rotated, endpoint.secret]);
    await createAgent(app, key, 'During rotation');
    const [during] = await receiver.waitFor(1);
    expect(String(during!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(during!.verifiedBy).toEqual([true, true]);

    await app.db.prisma.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { previousSecretExpiresAt: new Date(Date.now() - 1) },
    });
    await createAgent(app, key, 'After rotation');
    const [, after] = await receiver.waitFor(2);
    expect(String(after!.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(after!.verifiedBy).toEqual([true, false]);
  });

  it('refuses a host that resolves to loopback when private networks are not allowed: the attempt records the refusal', async () => {
    // https (as the API requires then), on a name that DNS resolves to the receiver's loopback address.
    const { app, receiver, key, endpoint } = await setup({ retryScheduleMs: [] }, {}, { allowPrivateNetworks: false }, (r) =>
      r.url.replace('http://127.0.0.1', 'https://localhost'),
    );
    await createAgent(app, key);
    const [row] = await until(async () => {
      const rows = await deliveriesOf(app, endpoint.id);
      return rows[0]?.status === 'failed' && rows;
    });
    expect(row!.attempts).toEqual([expect.objectContaining({ number: 1, statusCode: null, error: expect.stringMatching(/^refused: /) })]);
    expect(receiver.received).toHaveLength(0);
  });

  it('delivers an event recorded by this instance at once, not at the next poll', async () => {
    const { app, receiver, key } = await setup({ pollIntervalMs: 60_000 });
    // The first poll (at start) is over: only a wake-up can deliver within the minute.
    await new Promise((r) => setTimeout(r, 200));
    for (const name of ['First', 'Second']) {
      const sent = Date.now();
      await createAgent(app, key, name);
      const [delivery] = await receiver.waitFor(1, (d) => d.payload.data.name === name, 10_000);
      expect(delivery!.at - sent).toBeLessThan(10_000);
    }
  });

  it('delivers an event of the send path (message.completed) at once, not at the next poll', async () => {
    const { app, receiver, key, accountId, endpoint } = await setup({ pollIntervalMs: 60_000 });
    const replies = await subscribe(app, accountId, receiver.url, ['message.completed']);
    receiver.setSecrets([endpoint.secret, replies.secret]);
    const agent = await createAgent(app, key);
    await receiver.waitFor(1, (d) => d.payload.type === 'agent.created', 10_000);
    const sent = Date.now();
    const res = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'Hello there', userId: 'u1' });
    expect(res.status).toBe(201);
    const [delivery] = await receiver.waitFor(1, (d) => d.payload.type === 'message.completed', 10_000);
    expect(delivery!.verified).toBe(true);
    expect(delivery!.payload.data).toMatchObject({ role: 'agent', text: res.body.data.response });
    expect(delivery!.at - sent).toBeLessThan(10_000);
  });

  it('stopping waits for the attempts in flight and records them', async () => {
    const { app, receiver, key, endpoint } = await setup({}, { delayMs: 400 });
    await createAgent(app, key);
    await until(async () => {
      const [row] = await deliveriesOf(app, endpoint.id);
      return row && row.nextAttemptAt && row.nextAttemptAt.getTime() > Date.now() + 1_000;
    });
    const stopping = Date.now();
    await app.dispatcher!.stop(5_000);
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(100);
    const [row] = await deliveriesOf(app, endpoint.id);
    expect(row).toMatchObject({ status: 'succeeded', attemptCount: 1, nextAttemptAt: null });
    expect(row!.attempts.map((a) => a.statusCode)).toEqual([200]);
    expect(receiver.received).toHaveLength(1);
  });

  it('runs a delivery again once the lease of a crashed claim is over (at least once)', async () => {
    const { app, receiver, key, endpoint } = await setup({ leaseMs: 800, timeoutMs: 700 }, { delayMs: 300 });
    await createAgent(app, key);
    // Claimed and in flight: the dispatcher "crashes" (drops its attempt, records nothing).
    await until(async () => {
      const [row] = await deliveriesOf(app, endpoint.id);
      return row && row.nextAttemptAt && row.nextAttemptAt.getTime() > Date.now() + 100;
    });
    await app.dispatcher!.stop(0);
    const [claimed] = await deliveriesOf(app, endpoint.id);
    expect(claimed).toMatchObject({ status: 'pending', attemptCount: 0 });
    const crashedAt = Date.now();

    receiver.answer({ delayMs: 0 });
    const replacement = new WebhookDispatcher({
      prisma: app.db.prisma,
      serverKey: TEST_SERVER_KEY,
      allowPrivateNetworks: true,
      logger: createLogger('silent'),
      settings: { ...DEFAULT_DISPATCH_SETTINGS, ...FAST, leaseMs: 800, timeoutMs: 700 },
    });
    replacement.start();
    cleanups.push(() => replacement.stop());
    const [row] = await until(async () => {
      const rows = await deliveriesOf(app, endpoint.id);
      return rows[0]?.status === 'succeeded' && rows;
    });
    // Not before the lease ran out.
    expect(row!.attempts[0]!.at.getTime()).toBeGreaterThanOrEqual(claimed!.nextAttemptAt!.getTime());
    expect(row!.attempts[0]!.at.getTime() - crashedAt).toBeLessThan(5_000);
    expect(row).toMatchObject({ attemptCount: 1 });
    const received = await receiver.waitFor(1, (d) => d.status === 200);
    expect(received.every((d) => d.id === row!.eventId)).toBe(true);
  });
});
