import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWebhookSecret, signingSecretsOf, PREVIOUS_SECRET_VALIDITY_MS } from '../../src/services/webhooks/secrets.js';
import { STORAGES, TEST_SERVER_KEY, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

/** Webhook endpoints and deliveries through REST and GraphQL: the same data and the same errors. */

type Answer = { status: number; code?: string; details?: any; data?: any };

function restAnswer(res: { status: number; body: any }): Answer {
  return res.body.success
    ? { status: res.status, data: res.body.data }
    : { status: res.status, code: res.body.error.code, details: res.body.error.details };
}

/** The data of a GraphQL answer at `path`, or its first error, shaped as the REST answer is. */
function gqlAnswer(res: { status: number; body: any }, path: string): Answer {
  const error = res.body.errors?.[0];
  if (error) return { status: res.status, code: error.extensions.code, details: error.extensions.details };
  return { status: res.status, data: path.split('.').reduce((value, key) => value?.[key], res.body.data) };
}

const future = (ms: number) => Date.now() + ms;

describe.each(STORAGES)('webhook endpoints and deliveries (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp(storage, { allowPrivateNetworks: false });
    ({ key, accountId } = await app.newAccount('Webhooks'));
  });
  afterAll(() => app?.close());

  const rest = {
    create: (body: object, k = key) => app.http.post('/v1/webhooks').set(bearer(k)).send(body).then(restAnswer),
    list: (query = '', k = key) => app.http.get(`/v1/webhooks${query}`).set(bearer(k)).then(restAnswer),
    get: (id: string, k = key) => app.http.get(`/v1/webhooks/${id}`).set(bearer(k)).then(restAnswer),
    update: (id: string, body: object, k = key) => app.http.patch(`/v1/webhooks/${id}`).set(bearer(k)).send(body).then(restAnswer),
    delete: (id: string, k = key) => app.http.delete(`/v1/webhooks/${id}`).set(bearer(k)).then(restAnswer),
    rotate: (id: string, k = key) => app.http.post(`/v1/webhooks/${id}/rotate-secret`).set(bearer(k)).then(restAnswer),
    test: (id: string, k = key) => app.http.post(`/v1/webhooks/${id}/test`).set(bearer(k)).then(restAnswer),
    deliveries: (id: string, query = '', k = key) => app.http.get(`/v1/webhooks/${id}/deliveries${query}`).set(bearer(k)).then(restAnswer),
    delivery: (id: string, deliveryId: string, k = key) =>
      app.http.get(`/v1/webhooks/${id}/deliveries/${deliveryId}`).set(bearer(k)).then(restAnswer),
    redeliver: (id: string, deliveryId: string, k = key) =>
      app.http.post(`/v1/webhooks/${id}/deliveries/${deliveryId}/redeliver`).set(bearer(k)).then(restAnswer),
  };

  const gql = {
    create: (input: object, k = key) => graphql(app, k, OPS.createWebhook, { input }).then((r) => gqlAnswer(r, 'createWebhook')),
    list: (vars: Record<string, unknown> = {}, k = key) => graphql(app, k, OPS.listWebhooks, vars).then((r) => gqlAnswer(r, 'webhooks')),
    get: (webhookId: string, k = key) => graphql(app, k, OPS.getWebhook, { webhookId }).then((r) => gqlAnswer(r, 'webhook')),
    update: (webhookId: string, input: object, k = key) =>
      graphql(app, k, OPS.updateWebhook, { webhookId, input }).then((r) => gqlAnswer(r, 'updateWebhook')),
    delete: (webhookId: string, k = key) => graphql(app, k, OPS.deleteWebhook, { webhookId }).then((r) => gqlAnswer(r, 'deleteWebhook')),
    rotate: (webhookId: string, k = key) =>
      graphql(app, k, OPS.rotateWebhookSecret, { webhookId }).then((r) => gqlAnswer(r, 'rotateWebhookSecret')),
    test: (webhookId: string, k = key) => graphql(app, k, OPS.sendTestWebhook, { webhookId }).then((r) => gqlAnswer(r, 'sendTestWebhook')),
    deliveries: (webhookId: string, k = key) =>
      graphql(app, k, OPS.listWebhookDeliveries, { webhookId }).then((r) => gqlAnswer(r, 'webhook.deliveries')),
    delivery: (webhookId: string, deliveryId: string, k = key) =>
      graphql(app, k, OPS.getWebhookDelivery, { webhookId, deliveryId }).then((r) => gqlAnswer(r, 'webhook.delivery')),
    redeliver: (webhookId: string, deliveryId: string, k = key) =>
      graphql(app, k, OPS.redeliverWebhookDelivery, { webhookId, deliveryId }).then((r) => gqlAnswer(r, 'redeliverWebhookDelivery')),
  };

  async function created(body: object = { url: 'https://hooks.example.com/in', events: ['agent.created'] }, k = key) {
    const answer = await rest.create(body, k);
    expect(answer.status, JSON.stringify(answer)).toBe(201);
    return answer.data as { webhook: any; secret: string };
  }

  it('creates in both protocols the same endpoint, with its secret shown once and never readable after', async () => {
    const input = { url: 'https://hooks.example.com/crm', events: ['agent.created', 'agent.created', 'message.completed'], description: 'CRM' };
    const byRest = await rest.create(input);
    const byGql = await gql.create(input);
    expect(byRest.status).toBe(201);
    for (const answer of [byRest, byGql]) {
      expect(answer.data.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
      expect(answer.data.webhook).toMatchObject({
        url: 'https://hooks.example.com/crm',
        events: ['agent.created', 'message.completed'],
        description: 'CRM',
        enabled: true,
        disabledReason: null,
        disabledAt: null,
        previousSecretExpiresAt: null,
      });
      expect(answer.data.webhook.id).toMatch(/^whk_[0-9A-Z]{26}$/);
    }
    const { id: _a, createdAt: _b, updatedAt: _c, ...restShape } = byRest.data.webhook;
    const { id: _d, createdAt: _e, updatedAt: _f, ...gqlShape } = byGql.data.webhook;
    expect(gqlShape).toEqual(restShape);
    expect(byGql.data.secret).not.toBe(byRest.data.secret);

    // Stored only sealed, bound to its endpoint.
    const row = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: byRest.data.webhook.id } });
    expect(row.secret).not.toContain(byRest.data.secret);
    expect(openWebhookSecret(TEST_SERVER_KEY, row.id, row.secret)).toBe(byRest.data.secret);

    // No read answers it, in either protocol; the GraphQL type has no field for it.
    const id = byRest.data.webhook.id;
    const reads = [await rest.get(id), await rest.list(), await gql.get(id), await gql.list()];
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(JSON.stringify(read)).not.toContain('whsec_');
      expect(JSON.stringify(read)).not.toContain('"secret"');
    }
    expect(reads[0]!.data).toEqual(byRest.data.webhook);
    expect(reads[2]!.data).toEqual(byRest.data.webhook);
    const fields = await graphql(app, key, '{ __type(name: "Webhook") { fields { name } } }');
    expect(fields.body.data.__type.fields.map((f: { name: string }) => f.name)).not.toContain('secret');
    const guessed = await graphql(app, key, 'query($id: ID!) { webhook(id: $id) { secret } }', { id });
    expect(guessed.body.errors[0].message).toContain('Cannot query field "secret"');
  });

  it('refuses invalid input naming the field, with the same error in both protocols', async () => {
    const cases: Array<[object, string]> = [
      [{ url: 'not a url', events: ['*'] }, 'url'],
      [{ url: 'ftp://hooks.example.com/x', events: ['*'] }, 'url'],
      [{ url: 'http://hooks.example.com/x', events: ['*'] }, 'url'],
      [{ url: 'https://user:pass@hooks.example.com/x', events: ['*'] }, 'url'],
      [{ url: `https://hooks.example.com/${'x'.repeat(2_100)}`, events: ['*'] }, 'url'],
      [{ url: 'https://hooks.example.com/x', events: ['agent.exploded'] }, 'events[0]'],
      [{ url: 'https://hooks.example.com/x', events: ['*', 'nope'] }, 'events[1]'],
      [{ url: 'https://hooks.example.com/x', events: [] }, 'events'],
      [{ url: 'https://hooks.example.com/x', events: ['*'], description: 'd'.repeat(501) }, 'description'],
    ];
    const before = await app.db.prisma.webhookEndpoint.count({ where: { accountId } });
    for (const [input, field] of cases) {
      const byRest = await rest.create(input);
      const byGql = await gql.create(input);
      expect([byRest.status, byRest.code], JSON.stringify(input)).toEqual([400, 'INVALID_REQUEST']);
      expect(byRest.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
      expect(byGql.code).toBe('INVALID_REQUEST');
      expect(byGql.details).toEqual(byRest.details);
    }
    // Missing fields and unknown ones.
    const missing = await rest.create({ events: ['*'] });
    expect(missing.details.fields.map((f: { field: string }) => f.field)).toEqual(['url']);
    const unknown = await rest.create({ url: 'https://hooks.example.com/x', events: ['*'], secret: 'whsec_mine' });
    expect([unknown.status, unknown.code]).toEqual([400, 'INVALID_REQUEST']);
    // The same rules on update; PATCH cannot null a required field.
    const { webhook } = await created();
    for (const [input, field] of [
      [{ url: 'http://hooks.example.com/x' }, 'url'],
      [{ url: null }, 'url'],
      [{ events: [] }, 'events'],
      [{ events: null }, 'events'],
      [{ events: ['agent.exploded'] }, 'events[0]'],
      [{ enabled: null }, 'enabled'],
      [{ description: 'd'.repeat(501) }, 'description'],
    ] as Array<[object, string]>) {
      const byRest = await rest.update(webhook.id, input);
      const byGql = await gql.update(webhook.id, input);
      expect([byRest.status, byRest.code], JSON.stringify(input)).toEqual([400, 'INVALID_REQUEST']);
      expect(byRest.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
      expect(byGql.details).toEqual(byRest.details);
    }
    expect(await app.db.prisma.webhookEndpoint.count({ where: { accountId } })).toBe(before + 1);
    expect((await rest.get(webhook.id)).data).toEqual(webhook);
  });

  it('accepts http:// and private addresses only when the operator allows private networks', async () => {
    const open = await startTestApp(storage, { allowPrivateNetworks: true });
    try {
      const owner = await open.newAccount('Open');
      for (const url of ['http://127.0.0.1:9/hook', 'http://hooks.example.com/x', 'https://10.0.0.1/x']) {
        const res = await open.http.post('/v1/webhooks').set(bearer(owner.key)).send({ url, events: ['*'] });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        const patched = await open.http.patch(`/v1/webhooks/${res.body.data.webhook.id}`).set(bearer(owner.key)).send({ url });
        expect(patched.status).toBe(200);
      }
      const credentials = await open.http.post('/v1/webhooks').set(bearer(owner.key)).send({ url: 'http://a:b@127.0.0.1/x', events: ['*'] });
      expect([credentials.status, credentials.body.error.details.fields[0].field]).toEqual([400, 'url']);
    } finally {
      await open.close();
    }
  });

  it('allows 16 endpoints per account; the 17th is refused in both protocols', async () => {
    const full = await app.newAccount('Full');
    for (let i = 0; i < 16; i++) await created({ url: `https://hooks.example.com/${i}`, events: ['*'] }, full.key);
    const byRest = await rest.create({ url: 'https://hooks.example.com/17', events: ['*'] }, full.key);
    const byGql = await gql.create({ url: 'https://hooks.example.com/17', events: ['*'] }, full.key);
    expect([byRest.status, byRest.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(byRest.details.fields[0].message).toContain('at most 16');
    expect(byGql.details).toEqual(byRest.details);
    expect(await app.db.prisma.webhookEndpoint.count({ where: { accountId: full.accountId } })).toBe(16);
    // Deleting one makes room.
    const [first] = (await rest.list('?limit=1', full.key)).data.items;
    expect((await rest.delete(first.id, full.key)).data).toEqual({ id: first.id, deleted: true });
    await created({ url: 'https://hooks.example.com/17', events: ['*'] }, full.key);
  });

  it('lists newest first, a page at a time, the same in both protocols', async () => {
    const lister = await app.newAccount('Lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await created({ url: `https://hooks.example.com/${i}`, events: ['*'] }, lister.key)).webhook.id);
    const page = await rest.list('?page=2&limit=2', lister.key);
    expect(page.data.items.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    expect(page.data.pagination).toEqual({ currentPage: 2, totalPages: 3, totalItems: 5, itemsPerPage: 2 });
    expect((await gql.list({ page: 2, limit: 2 }, lister.key)).data).toEqual(page.data);
    const bad = await rest.list('?limit=0', lister.key);
    expect([bad.status, bad.details.fields[0].field]).toEqual([400, 'limit']);
    expect((await gql.list({ limit: 0 }, lister.key)).details).toEqual(bad.details);
  });

  it('updates only the fields named; disabling fails pending deliveries, enabling clears why it was disabled', async () => {
    const { webhook } = await created({ url: 'https://hooks.example.com/u', events: ['agent.created'], description: 'first' });
    const described = await rest.update(webhook.id, { events: ['agent.deleted', '*'] });
    expect(described.data).toMatchObject({ url: webhook.url, events: ['agent.deleted', '*'], description: 'first', enabled: true });
    expect(new Date(described.data.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(webhook.updatedAt).getTime());
    const cleared = await gql.update(webhook.id, { description: null, url: 'https://hooks.example.com/v' });
    expect(cleared.data).toMatchObject({ url: 'https://hooks.example.com/v', events: ['agent.deleted', '*'], description: null });

    const pending = (await rest.test(webhook.id)).data;
    const done = (await rest.test(webhook.id)).data;
    await app.db.prisma.webhookDelivery.update({ where: { id: done.id }, data: { status: 'succeeded', nextAttemptAt: null } });
    const disabled = await rest.update(webhook.id, { enabled: false });
    expect(disabled.data).toMatchObject({ enabled: false, disabledReason: null });
    expect(Date.parse(disabled.data.disabledAt)).toBeGreaterThan(Date.now() - 60_000);
    const statuses = await app.db.prisma.webhookDelivery.findMany({ where: { endpointId: webhook.id }, orderBy: { id: 'asc' } });
    expect(statuses.map((d) => [d.id, d.status, d.nextAttemptAt])).toEqual([
      [pending.id, 'failed', null],
      [done.id, 'succeeded', null],
    ]);
    // Disabling again changes nothing of when and why.
    expect((await gql.update(webhook.id, { enabled: false })).data.disabledAt).toBe(disabled.data.disabledAt);

    // OrionOS disabled it (a 410): enabling clears the reason, the time and the failing streak.
    await app.db.prisma.webhookEndpoint.update({
      where: { id: webhook.id },
      data: { disabledReason: 'endpoint_gone', failingSince: new Date() },
    });
    expect((await rest.get(webhook.id)).data.disabledReason).toBe('endpoint_gone');
    const enabled = await gql.update(webhook.id, { enabled: true });
    expect(enabled.data).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    const row = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row.failingSince).toBeNull();
    // Enabling does not bring failed deliveries back.
    expect((await rest.delivery(webhook.id, pending.id)).data.status).toBe('failed');
  });

  it('rotates the secret: a new one shown once, the old one kept sealed for 24 hours', async () => {
    const { webhook, secret } = await created();
    const before = Date.now();
    const byRest = await rest.rotate(webhook.id);
    expect(byRest.status).toBe(201);
    expect(byRest.data.secret).toMatch(/^whsec_/);
    expect(byRest.data.secret).not.toBe(secret);
    const expires = Date.parse(byRest.data.previousSecretExpiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + PREVIOUS_SECRET_VALIDITY_MS - 1_000);
    expect(expires).toBeLessThanOrEqual(future(PREVIOUS_SECRET_VALIDITY_MS) + 1_000);
    expect(byRest.data.webhook.previousSecretExpiresAt).toBe(byRest.data.previousSecretExpiresAt);
    expect((await rest.get(webhook.id)).data.previousSecretExpiresAt).toBe(byRest.data.previousSecretExpiresAt);
    const row = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(signingSecretsOf(TEST_SERVER_KEY, row)).toEqual([byRest.data.secret, secret]);
    // After the 24 hours only the new one signs.
    expect(signingSecretsOf(TEST_SERVER_KEY, row, new Date(expires + 1))).toEqual([byRest.data.secret]);

    const byGql = await gql.rotate(webhook.id);
    expect(byGql.data.secret).not.toBe(byRest.data.secret);
    const again = await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(signingSecretsOf(TEST_SERVER_KEY, again)).toEqual([byGql.data.secret, byRest.data.secret]);
    expect(JSON.stringify(await rest.list())).not.toContain('whsec_');
  });

  it('a test event makes one pending delivery, whatever the endpoint subscribes to, listed with its event and attempts', async () => {
    const { webhook } = await created({ url: 'https://hooks.example.com/t', events: ['character.deleted'] });
    const other = await created({ url: 'https://hooks.example.com/other', events: ['*'] });
    const byRest = await rest.test(webhook.id);
    expect(byRest.status).toBe(201);
    const delivery = byRest.data;
    expect(delivery).toMatchObject({
      webhookId: webhook.id,
      status: 'pending',
      attemptCount: 0,
      attempts: [],
      event: { type: 'webhook.test', data: { webhookId: webhook.id } },
    });
    expect(delivery.id).toMatch(/^dlv_/);
    expect(delivery.event.id).toMatch(/^evt_/);
    expect(Math.abs(Date.parse(delivery.nextAttemptAt) - Date.now())).toBeLessThan(60_000);
    // Only this endpoint gets it.
    expect((await rest.deliveries(other.webhook.id)).data.items).toEqual([]);

    const second = (await gql.test(webhook.id)).data;
    expect(second.event.id).not.toBe(delivery.event.id);
    const listed = await rest.deliveries(webhook.id);
    expect(listed.data.items.map((d: { id: string }) => d.id)).toEqual([second.id, delivery.id]);
    expect(listed.data.pagination).toEqual({ currentPage: 1, totalPages: 1, totalItems: 2, itemsPerPage: 20 });
    expect(listed.data.items[1]).toEqual(delivery);
    expect((await gql.deliveries(webhook.id)).data).toEqual(listed.data);
    expect((await rest.deliveries(webhook.id, '?limit=1&page=2')).data.items.map((d: { id: string }) => d.id)).toEqual([delivery.id]);

    // Attempts (as the dispatcher writes them), oldest first.
    await app.db.prisma.webhookAttempt.createMany({
      data: [
        { deliveryId: delivery.id, number: 2, at: new Date(), statusCode: 200, latencyMs: 12, error: null },
        { deliveryId: delivery.id, number: 1, at: new Date(Date.now() - 5_000), statusCode: null, latencyMs: 10_000, error: 'timeout' },
      ],
    });
    await app.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'succeeded', attemptCount: 2, nextAttemptAt: null } });
    const one = await rest.delivery(webhook.id, delivery.id);
    expect(one.data).toMatchObject({ status: 'succeeded', attemptCount: 2, nextAttemptAt: null });
    expect(one.data.attempts).toMatchObject([
      { number: 1, statusCode: null, latencyMs: 10_000, error: 'timeout' },
      { number: 2, statusCode: 200, latencyMs: 12, error: null },
    ]);
    expect((await gql.delivery(webhook.id, delivery.id)).data).toEqual(one.data);
    // Through node(id), and the endpoint's own connection.
    const node = await graphql(app, key, 'query($id: ID!) { node(id: $id) { ... on WebhookDelivery { id webhookId status } } }', { id: delivery.id });
    expect(node.body.data.node).toEqual({ id: delivery.id, webhookId: webhook.id, status: 'succeeded' });
    const hook = await graphql(app, key, 'query($id: ID!) { node(id: $id) { ... on Webhook { id deliveries(first: 1) { totalCount nodes { id } } } } }', {
      id: webhook.id,
    });
    expect(hook.body.data.node).toEqual({ id: webhook.id, deliveries: { totalCount: 2, nodes: [{ id: second.id }] } });

    // A delivery of another endpoint of the account is not this one's.
    const elsewhere = (await rest.test(other.webhook.id)).data;
    for (const answer of [await rest.delivery(webhook.id, elsewhere.id), await gql.delivery(webhook.id, elsewhere.id)]) {
      expect(answer.code).toBe('NOT_FOUND');
    }
    expect((await rest.redeliver(webhook.id, elsewhere.id)).code).toBe('NOT_FOUND');
  });

  it('redelivers: pending again, due now, attempts kept', async () => {
    const { webhook } = await created();
    const delivery = (await rest.test(webhook.id)).data;
    await app.db.prisma.webhookAttempt.create({ data: { deliveryId: delivery.id, number: 1, at: new Date(), statusCode: 500, latencyMs: 3, error: 'status 500' } });
    await app.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'failed', attemptCount: 1, nextAttemptAt: null } });
    const byRest = await rest.redeliver(webhook.id, delivery.id);
    expect(byRest.status).toBe(200);
    expect(byRest.data).toMatchObject({ id: delivery.id, status: 'pending', attemptCount: 1, attempts: [{ number: 1, statusCode: 500 }] });
    expect(Math.abs(Date.parse(byRest.data.nextAttemptAt) - Date.now())).toBeLessThan(60_000);
    expect(byRest.data.event).toEqual(delivery.event);
    await app.db.prisma.webhookDelivery.update({ where: { id: delivery.id }, data: { status: 'succeeded', nextAttemptAt: null } });
    const byGql = await gql.redeliver(webhook.id, delivery.id);
    expect(byGql.data).toMatchObject({ id: delivery.id, status: 'pending' });
    // Without naming the endpoint (GraphQL only).
    const bare = await graphql(app, key, 'mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id status } }', { id: delivery.id });
    expect(bare.body.data.redeliverWebhookDelivery).toEqual({ id: delivery.id, status: 'pending' });
  });

  it('refuses test events and redeliveries on a disabled endpoint (409 WEBHOOK_DISABLED), in both protocols', async () => {
    const { webhook } = await created();
    const delivery = (await rest.test(webhook.id)).data;
    await rest.update(webhook.id, { enabled: false });
    const events = await app.db.prisma.webhookEvent.count({ where: { accountId } });
    for (const answer of [await rest.test(webhook.id), await gql.test(webhook.id), await rest.redeliver(webhook.id, delivery.id), await gql.redeliver(webhook.id, delivery.id)]) {
      expect([answer.status, answer.code, answer.details]).toEqual([409, 'WEBHOOK_DISABLED', { id: webhook.id, disabledReason: null }]);
    }
    await app.db.prisma.webhookEndpoint.update({ where: { id: webhook.id }, data: { disabledReason: 'failing' } });
    expect((await rest.test(webhook.id)).details).toEqual({ id: webhook.id, disabledReason: 'failing' });
    expect(await app.db.prisma.webhookEvent.count({ where: { accountId } })).toBe(events);
    expect((await rest.delivery(webhook.id, delivery.id)).data.status).toBe('failed');
  });

  it('deletes the endpoint with its deliveries; it is then not found', async () => {
    const { webhook } = await created();
    const delivery = (await rest.test(webhook.id)).data;
    expect(await rest.delete(webhook.id)).toEqual({ status: 200, data: { id: webhook.id, deleted: true } });
    expect(await app.db.prisma.webhookDelivery.count({ where: { id: delivery.id } })).toBe(0);
    const { webhook: second } = await created();
    expect((await gql.delete(second.id)).data).toEqual({ id: second.id, deleted: true });
    for (const answer of [await rest.get(webhook.id), await gql.get(second.id), await rest.delete(webhook.id), await gql.delete(second.id)]) {
      expect([answer.code, answer.details]).toEqual(['NOT_FOUND', { id: expect.stringMatching(/^whk_/) }]);
    }
  });

  it('answers NOT_FOUND for malformed and unknown IDs alike, in both protocols', async () => {
    const { webhook } = await created();
    const delivery = (await rest.test(webhook.id)).data;
    for (const id of ['nope', `whk_${'0'.repeat(26)}`, delivery.id, `agt_${'0'.repeat(26)}`]) {
      for (const answer of [await rest.get(id), await gql.get(id), await rest.update(id, { enabled: true }), await rest.rotate(id), await rest.test(id)]) {
        expect([answer.status, answer.code, answer.details]).toEqual([404, 'NOT_FOUND', { id }]);
      }
      expect((await rest.deliveries(id)).code).toBe('NOT_FOUND');
    }
    for (const id of ['nope', `dlv_${'0'.repeat(26)}`, webhook.id]) {
      for (const answer of [await rest.delivery(webhook.id, id), await gql.delivery(webhook.id, id), await rest.redeliver(webhook.id, id), await gql.redeliver(webhook.id, id)]) {
        expect([answer.status, answer.code, answer.details]).toEqual([404, 'NOT_FOUND', { id }]);
      }
    }
  });

  it('keeps every account to its own endpoints and deliveries: every route and field', async () => {
    const { webhook } = await created({ url: 'https://hooks.example.com/mine', events: ['*'], description: 'mine' });
    const delivery = (await rest.test(webhook.id)).data;
    const snapshot = async () => ({
      endpoint: await app.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: webhook.id } }),
      deliveries: await app.db.prisma.webhookDelivery.findMany({ where: { endpointId: webhook.id }, orderBy: { id: 'asc' } }),
    });
    const before = await snapshot();
    const intruder = await app.newAccount('Intruder');
    const k = intruder.key;
    const own = (await created({ url: 'https://hooks.example.com/theirs', events: ['*'] }, k)).webhook;

    const answers = [
      await rest.get(webhook.id, k),
      await rest.update(webhook.id, { enabled: false, description: 'taken' }, k),
      await rest.rotate(webhook.id, k),
      await rest.test(webhook.id, k),
      await rest.deliveries(webhook.id, '', k),
      await rest.delivery(webhook.id, delivery.id, k),
      await rest.redeliver(webhook.id, delivery.id, k),
      await rest.delete(webhook.id, k),
      await gql.get(webhook.id, k),
      await gql.update(webhook.id, { enabled: false }, k),
      await gql.rotate(webhook.id, k),
      await gql.test(webhook.id, k),
      await gql.deliveries(webhook.id, k),
      await gql.delivery(webhook.id, delivery.id, k),
      await gql.redeliver(webhook.id, delivery.id, k),
      await gql.delete(webhook.id, k),
    ];
    for (const answer of answers) expect([answer.status, answer.code]).toEqual([404, 'NOT_FOUND']);
    // Their own endpoint does not open the way to another account's delivery.
    for (const answer of [await rest.delivery(own.id, delivery.id, k), await rest.redeliver(own.id, delivery.id, k), await gql.delivery(own.id, delivery.id, k)]) {
      expect([answer.code, answer.details]).toEqual(['NOT_FOUND', { id: delivery.id }]);
    }
    const bare = await graphql(app, k, 'mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id } }', { id: delivery.id });
    expect(bare.body.errors[0].extensions.code).toBe('NOT_FOUND');
    // node(id) is null for another account's IDs; lists hold only their own.
    for (const id of [webhook.id, delivery.id, delivery.event.id]) {
      const node = await graphql(app, k, 'query($id: ID!) { node(id: $id) { id } }', { id });
      expect([node.status, node.body.data.node, node.body.errors]).toEqual([200, null, undefined]);
    }
    expect((await rest.list('', k)).data.items.map((w: { id: string }) => w.id)).toEqual([own.id]);
    expect((await gql.list({}, k)).data.items.map((w: { id: string }) => w.id)).toEqual([own.id]);
    expect(await snapshot()).toEqual(before);
    // The owner still sees it all.
    expect((await rest.get(webhook.id)).data.description).toBe('mine');
    for (const id of [webhook.id, delivery.id, delivery.event.id]) {
      const mine = await graphql(app, key, 'query($id: ID!) { node(id: $id) { id __typename } }', { id });
      expect(mine.body.data.node.id).toBe(id);
    }
    const event = await graphql(app, key, 'query($id: ID!) { node(id: $id) { ... on WebhookEvent { type data } } }', { id: delivery.event.id });
    expect(event.body.data.node).toEqual({ type: 'webhook.test', data: { webhookId: webhook.id } });
  });

  it('a key without webhooks:manage is refused (403) in both protocols, and nothing changes', async () => {
    const { webhook } = await created();
    const reader = await app.keyWithScopes(accountId, ['agents:read', 'agents:write', 'keys:manage']);
    const count = await app.db.prisma.webhookEndpoint.count();
    for (const answer of [
      await rest.create({ url: 'https://hooks.example.com/x', events: ['*'] }, reader),
      await rest.list('', reader),
      await rest.get(webhook.id, reader),
      await rest.test(webhook.id, reader),
      await gql.create({ url: 'https://hooks.example.com/x', events: ['*'] }, reader),
      await gql.list({}, reader),
      await gql.update(webhook.id, { enabled: false }, reader),
    ]) {
      expect([answer.status, answer.code, answer.details]).toEqual([403, 'FORBIDDEN', { requiredScope: 'webhooks:manage' }]);
    }
    const node = await graphql(app, reader, 'query($id: ID!) { node(id: $id) { id } }', { id: webhook.id });
    expect(node.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'webhooks:manage' } });
    expect(await app.db.prisma.webhookEndpoint.count()).toBe(count);
    expect((await rest.get(webhook.id)).data.enabled).toBe(true);
  });
});
