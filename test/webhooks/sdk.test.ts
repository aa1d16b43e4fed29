// orion.webhooks against the real app on a loopback port, and orion.webhooks.verify against
// deliveries signed independently with the standardwebhooks library.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NotFoundError,
  OrionOS,
  OrionOSError,
  verifyWebhook,
  WebhookDisabledError,
  WebhookVerificationError,
} from '../../src/sdk/index.js';
import { newSigningSecret } from '../../src/services/signing-secret.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

/** A delivery as a receiver gets it: the raw body and the Standard Webhooks headers. */
function signed(secret: string, event: object, at = new Date(), id = 'evt_01JD4S9X6Q0M4W2T8ZK7Y3N5HB') {
  const body = JSON.stringify(event);
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
  return { body, headers };
}

async function rejection(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('orion.webhooks', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let orion: OrionOS;

  beforeAll(async () => {
    app = await startTestApp('pglite', { allowPrivateNetworks: true });
    socket = await listen(app.app);
    const { key } = await app.newAccount('SDK webhooks');
    orion = new OrionOS({ apiKey: key, baseUrl: `${socket.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  it('create, list, get, update, rotateSecret, test, deliveries, redeliver, delete', async () => {
    const created = await orion.webhooks.create({ url: 'http://127.0.0.1:9/hook', events: ['agent.created'], description: 'SDK' });
    expect(created.data.secret).toMatch(/^whsec_/);
    const webhook = created.data.webhook;
    expect(webhook).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['agent.created'], enabled: true });
    expect((await orion.webhooks.list({ limit: 5 })).data.items.map((w) => w.id)).toEqual([webhook.id]);
    expect((await orion.webhooks.get(webhook.id)).data).toEqual(webhook);
    expect((await orion.webhooks.update(webhook.id, { events: ['*'] })).data.events).toEqual(['*']);

    const rotated = await orion.webhooks.rotateSecret(webhook.id);
    expect(rotated.data.secret).not.toBe(created.data.secret);
    expect(Date.parse(rotated.data.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 23 * 3600_000);

    const delivery = (await orion.webhooks.test(webhook.id)).data;
    expect(delivery).toMatchObject({ webhookId: webhook.id, status: 'pending', event: { type: 'webhook.test', data: { webhookId: webhook.id } } });
    const page = await orion.webhooks.deliveries(webhook.id, { limit: 10 });
    expect(page.data.items.map((d) => d.id)).toEqual([delivery.id]);
    expect((await orion.webhooks.deliveries(webhook.id, delivery.id)).data).toEqual(delivery);
    expect((await orion.webhooks.redeliver(webhook.id, delivery.id)).data.status).toBe('pending');

    await orion.webhooks.update(webhook.id, { enabled: false });
    const disabled = await rejection(() => orion.webhooks.test(webhook.id));
    expect(disabled).toBeInstanceOf(WebhookDisabledError);
    expect([(disabled as WebhookDisabledError).status, (disabled as WebhookDisabledError).disabledReason]).toEqual([409, null]);
    expect(await rejection(() => orion.webhooks.redeliver(webhook.id, delivery.id))).toBeInstanceOf(WebhookDisabledError);

    expect((await orion.webhooks.delete(webhook.id)).data).toEqual({ id: webhook.id, deleted: true });
    const gone = await rejection(() => orion.webhooks.get(webhook.id));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as NotFoundError).code).toBe('NOT_FOUND');
  });

  it('verify answers the event of a delivery signed with the secret, from a string or bytes, any header case', () => {
    const secret = newSigningSecret();
    const event = { id: 'evt_01JD4S9X6Q0M4W2T8ZK7Y3N5HB', type: 'agent.created', createdAt: new Date().toISOString(), data: { id: 'agt_1', name: 'A' } };
    const { body, headers } = signed(secret, event);
    expect(orion.webhooks.verify(body, headers, secret)).toEqual(event);
    expect(verifyWebhook(new TextEncoder().encode(body), new Headers(headers), secret)).toEqual(event);
    expect(verifyWebhook(Buffer.from(body), { 'Webhook-Id': headers['webhook-id'], 'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'], 'webhook-signature': [headers['webhook-signature']] }, secret)).toEqual(event);
  });

  it('verify accepts either secret while a rotation overlaps (two signatures, space separated)', () => {
    const [current, previous] = [newSigningSecret(), newSigningSecret()];
    const event = { id: 'evt_x', type: 'webhook.test', createdAt: new Date().toISOString(), data: { webhookId: 'whk_x' } };
    const a = signed(current, event);
    const b = signed(previous, event);
    const headers = { ...a.headers, 'webhook-signature': `${a.headers['webhook-signature']} ${b.headers['webhook-signature']}` };
    expect(verifyWebhook(a.body, headers, current)).toEqual(event);
    expect(verifyWebhook(a.body, headers, previous)).toEqual(event);
  });

  it('verify throws a WebhookVerificationError for a wrong secret, a changed body, a stale timestamp or missing headers', () => {
    const secret = newSigningSecret();
    const event = { id: 'evt_y', type: 'agent.deleted', createdAt: new Date().toISOString(), data: {} };
    const { body, headers } = signed(secret, event);
    const reasonOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookVerificationError);
        expect(error).toBeInstanceOf(OrionOSError);
        expect((error as WebhookVerificationError).code).toBe('WEBHOOK_VERIFICATION_FAILED');
        return (error as WebhookVerificationError).reason;
      }
      throw new Error('expected it to throw');
    };
    expect(reasonOf(() => verifyWebhook(body, headers, newSigningSecret()))).toBe('bad_signature');
    expect(reasonOf(() => verifyWebhook(body.replace('agent.deleted', 'agent.created'), headers, secret))).toBe('bad_signature');
    const stale = signed(secret, event, new Date(Date.now() - 10 * 60_000));
    expect(reasonOf(() => verifyWebhook(stale.body, stale.headers, secret))).toBe('stale_timestamp');
    const early = signed(secret, event, new Date(Date.now() + 10 * 60_000));
    expect(reasonOf(() => verifyWebhook(early.body, early.headers, secret))).toBe('stale_timestamp');
    expect(reasonOf(() => verifyWebhook(body, { 'webhook-id': headers['webhook-id'] }, secret))).toBe('missing_headers');
    expect(reasonOf(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': 'soon' }, secret))).toBe('invalid_headers');
    expect(() => verifyWebhook(body, headers, '')).toThrow(TypeError);
  });
});
