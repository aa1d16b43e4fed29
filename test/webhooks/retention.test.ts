import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createWebhookEndpoint } from '../../src/services/webhooks/endpoints.js';
import { recordEvent } from '../../src/services/webhooks/outbox.js';
import { deleteOldWebhookEvents } from '../../src/services/webhooks/retention.js';
import { TEST_SERVER_KEY, startTestApp, type TestApp } from '../support/app.js';

describe('webhook event retention', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(() => app.close());

  it('deletes old events once nothing is pending, with their deliveries; keeps pending and newer ones', async () => {
    const prisma = app.db.prisma;
    const { accountId } = await app.newAccount();
    const { endpoint } = await createWebhookEndpoint(prisma, TEST_SERVER_KEY, { allowPrivateNetworks: true }, accountId, {
      url: 'http://127.0.0.1:9/hook',
      events: ['*'],
    });
    const record = () => recordEvent(prisma, { accountId, type: 'webhook.test', data: () => ({ webhookId: endpoint.id }) });
    const done = (await record())!;
    const pending = (await record())!;
    await prisma.webhookDelivery.updateMany({ where: { eventId: done }, data: { status: 'succeeded', nextAttemptAt: null } });
    await sleep(5);
    const bound = new Date();
    await sleep(5);
    const newer = (await record())!;
    await prisma.webhookDelivery.updateMany({ where: { eventId: newer }, data: { status: 'failed', nextAttemptAt: null } });

    expect(await deleteOldWebhookEvents(prisma, bound)).toBe(1);
    const left = await prisma.webhookEvent.findMany({ where: { accountId }, select: { id: true }, orderBy: { id: 'asc' } });
    expect(left.map((e) => e.id)).toEqual([pending, newer]);
    expect(await prisma.webhookDelivery.count({ where: { eventId: done } })).toBe(0);
    expect(await deleteOldWebhookEvents(prisma, bound)).toBe(0);
  });
});
