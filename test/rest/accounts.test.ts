import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';

describe.each(STORAGES)('POST /v1/accounts (%s)', (storage) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(storage);
  });
  afterAll(() => app?.close());

  it('an admin creates an account and gets its first key, once; that key works for its own account only', async () => {
    const res = await app.http.post('/v1/accounts').set(bearer(app.adminKey)).send({ name: 'Acme', tier: 'pro' });
    expect(res.status).toBe(201);
    const { account, apiKey, secret } = res.body.data;
    expect(account).toMatchObject({ name: 'Acme', tier: 'pro', rateLimitPerMinute: 300, monthlyMessageQuota: 100000 });
    expect(account.id).toMatch(/^acc_/);
    expect(secret).toMatch(/^orn_live_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ prefix: secret.slice(0, 17), environment: 'live', revokedAt: null, lastUsedAt: null });
    expect(apiKey.scopes).toEqual(['agents:read', 'agents:write', 'characters:read', 'characters:write', 'messages:write', 'conversations:read', 'knowledge:read', 'knowledge:write', 'keys:manage', 'webhooks:manage']);
    expect(JSON.stringify(apiKey)).not.toContain(secret);

    const stored = await app.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(JSON.stringify(stored)).not.toContain(secret.slice(9));

    const agents = await app.http.get('/v1/agents').set(bearer(secret));
    expect(agents.status).toBe(200);
    expect(agents.body.data.pagination.totalItems).toBe(0);
    const denied = await app.http.post('/v1/accounts').set(bearer(secret)).send({ name: 'Nope' });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(denied.body.error.details.requiredScope).toBe('admin');
  });

  it('enterprise accounts take custom limits; standard is the default tier', async () => {
    const ent = await app.http
      .post('/v1/accounts')
      .set(bearer(app.adminKey))
      .send({ name: 'Big', tier: 'enterprise', rateLimitPerMinute: 5000, monthlyMessageQuota: 2000000 });
    expect(ent.body.data.account).toMatchObject({ tier: 'enterprise', rateLimitPerMinute: 5000, monthlyMessageQuota: 2000000 });
    const std = await app.http.post('/v1/accounts').set(bearer(app.adminKey)).send({ name: 'Small' });
    expect(std.body.data.account).toMatchObject({ tier: 'standard', rateLimitPerMinute: 60, monthlyMessageQuota: 10000 });
  });

  it.each([
    ['no name', {}, 'name'],
    ['an empty name', { name: '' }, 'name'],
    ['an unknown tier', { name: 'x', tier: 'gold' }, 'tier'],
    ['a zero rate limit', { name: 'x', rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
    ['a mass-assigned id', { name: 'x', id: 'acc_1' }, 'id'],
  ])('rejects %s with 400 naming the field, creating nothing', async (_label, body, field) => {
    const before = await app.db.prisma.account.count();
    const res = await app.http.post('/v1/accounts').set(bearer(app.adminKey)).send(body);
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await app.db.prisma.account.count()).toBe(before);
  });

  it('401 without a key', async () => {
    const res = await app.http.post('/v1/accounts').send({ name: 'x' });
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
  });
});
