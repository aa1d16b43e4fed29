import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';
import { newId } from '../../src/ids.js';

describe.each(STORAGES)('API key management (%s)', (storage) => {
  let app: TestApp;
  let owner: { accountId: string; key: string };
  let other: { accountId: string; key: string };

  beforeAll(async () => {
    app = await startTestApp(storage);
    owner = await app.newAccount('Owner');
    other = await app.newAccount('Other');
  });
  afterAll(() => app?.close());

  const create = (body: object, key = owner.key) => app.http.post('/v1/api-keys').set(bearer(key)).send(body);

  it('creates a key with a subset of scopes; the secret is shown once and works at once', async () => {
    const res = await create({ name: 'CI reader', scopes: ['agents:read'], environment: 'test' });
    expect(res.status).toBe(201);
    const { apiKey, secret } = res.body.data;
    expect(secret).toMatch(/^orn_test_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'CI reader', scopes: ['agents:read'], environment: 'test', prefix: secret.slice(0, 17), revokedAt: null });
    expect((await app.http.get('/v1/agents').set(bearer(secret))).status).toBe(200);
    const denied = await app.http.post('/v1/agents').set(bearer(secret)).send({ name: 'x' });
    expect([denied.status, denied.body.error.details.requiredScope]).toEqual([403, 'agents:write']);

    const list = await app.http.get('/v1/api-keys').set(bearer(owner.key));
    expect(list.status).toBe(200);
    const listed = list.body.data.items.find((k: { id: string }) => k.id === apiKey.id);
    // Listed as created (lastUsedAt may meanwhile record the use above).
    expect({ ...listed, lastUsedAt: null }).toEqual(apiKey);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(9));
    expect(list.body.data.items.every((k: object) => !('secret' in k) && !('hash' in k))).toBe(true);
  });

  it('a key can never grant more than it has (403 naming the scope)', async () => {
    const limited = (await create({ name: 'limited', scopes: ['keys:manage', 'agents:read'] })).body.data.secret;
    const before = await app.db.prisma.apiKey.count({ where: { accountId: owner.accountId } });
    const res = await create({ name: 'escalate', scopes: ['agents:read', 'agents:write'] }, limited);
    expect([res.status, res.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(res.body.error.details).toMatchObject({ requiredScope: 'agents:write', scopes: ['agents:write'] });
    const admin = await create({ name: 'admin', scopes: ['admin'] });
    expect([admin.status, admin.body.error.details.requiredScope]).toEqual([403, 'admin']);
    expect(await app.db.prisma.apiKey.count({ where: { accountId: owner.accountId } })).toBe(before);
    const ok = await create({ name: 'narrower', scopes: ['agents:read'] }, limited);
    expect(ok.status).toBe(201);
  });

  it.each([
    ['no name', { scopes: ['agents:read'] }, 'name'],
    ['no scopes', { name: 'x' }, 'scopes'],
    ['an empty scope list', { name: 'x', scopes: [] }, 'scopes'],
    ['an unknown scope', { name: 'x', scopes: ['agents:delete'] }, 'scopes[0]'],
    ['a past expiry', { name: 'x', scopes: ['agents:read'], expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['a malformed expiry', { name: 'x', scopes: ['agents:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an unknown environment', { name: 'x', scopes: ['agents:read'], environment: 'prod' }, 'environment'],
    ['an unknown field', { name: 'x', scopes: ['agents:read'], hash: 'abc' }, 'hash'],
  ])('rejects %s with 400 naming the field, creating nothing', async (_label, body, field) => {
    const before = await app.db.prisma.apiKey.count();
    const res = await create(body);
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await app.db.prisma.apiKey.count()).toBe(before);
  });

  it.each(['2030-02-30T00:00:00Z', '2031-02-29T00:00:00Z', '2030-04-31T12:00:00Z', '2030-13-01T00:00:00Z', '2030-01-01T24:00:00Z', '2030-01-01T00:00:00'])(
    'refuses the impossible or ambiguous expiry %s in both protocols (400 naming expiresAt), creating nothing',
    async (expiresAt) => {
      const before = await app.db.prisma.apiKey.count();
      const rest = await create({ name: 'x', scopes: ['agents:read'], expiresAt });
      expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(rest.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['expiresAt']);
      const gql = await graphql(app, owner.key, OPS.createApiKey, { input: { name: 'x', scopes: ['agents:read'], expiresAt } });
      expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(gql.body.errors[0].extensions.details).toEqual(rest.body.error.details);
      expect(await app.db.prisma.apiKey.count()).toBe(before);
    },
  );

  it('accepts a real leap day and an offset, stored as the same instant', async () => {
    const leap = await create({ name: 'leap', scopes: ['agents:read'], expiresAt: '2032-02-29T23:30:00+01:00' });
    expect([leap.status, leap.body.data.apiKey.expiresAt]).toEqual([201, '2032-02-29T22:30:00.000Z']);
  });

  it('a key that differs from a real one by one character is refused in both protocols', async () => {
    const { secret } = (await create({ name: 'near miss', scopes: ['agents:read'] })).body.data;
    expect((await app.http.get('/v1/agents').set(bearer(secret))).status).toBe(200);
    const last = secret.at(-1)!;
    const nearMisses = [
      secret.slice(0, -1),
      secret.slice(0, -1) + (last === 'A' ? 'B' : 'A'),
      secret + 'A',
      secret.slice(1),
      secret.slice(0, 9) + (secret[9] === 'A' ? 'B' : 'A') + secret.slice(10),
    ];
    for (const wrong of nearMisses) {
      const rest = await app.http.get('/v1/agents').set(bearer(wrong));
      expect([wrong, rest.status, rest.body.error.code]).toEqual([wrong, 401, 'UNAUTHORIZED']);
      const gql = await graphql(app, wrong, '{ viewer { id } }');
      expect([wrong, gql.status, gql.body.errors[0].extensions.code]).toEqual([wrong, 401, 'UNAUTHORIZED']);
    }
  });

  it('a known secret is stored as its known SHA-256, so keys made by earlier versions keep working', async () => {
    // The test suite's admin key; its hash is written out here, not computed by our own code.
    const known = { secret: app.adminKey, hash: '03b00ea8368db60f1d29cd6d5d5e273e7937348b7968e22bc83340ec29390777' };
    expect(known.secret).toBe(`orn_test_${'a'.repeat(43)}`);
    const stored = await app.db.prisma.apiKey.findUnique({ where: { hash: known.hash } });
    expect(stored).toMatchObject({ prefix: 'orn_test_aaaaaaaa', revokedAt: null });
    // A key row as an earlier version stored it (the hash, never the secret) still authenticates.
    const earlier = { secret: `orn_live_${'b'.repeat(43)}`, hash: 'd956073f4b603a5b26f1ed6cd6d364fd3b83da788e61e2196d04a06fd017b551' };
    await app.db.prisma.apiKey.create({
      data: { id: newId('key'), accountId: owner.accountId, name: 'earlier', prefix: 'orn_live_bbbbbbbb', hash: earlier.hash, scopes: ['agents:read'] },
    });
    expect((await app.http.get('/v1/agents').set(bearer(earlier.secret))).status).toBe(200);
    expect((await graphql(app, earlier.secret, '{ viewer { id } }')).body.data.viewer.id).toBe(owner.accountId);
  });

  it('a key with an expiry stops working when it passes (401 in both protocols)', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const { apiKey, secret } = (await create({ name: 'expiring', scopes: ['agents:read'], expiresAt: soon })).body.data;
    expect(apiKey.expiresAt).toBe(soon);
    expect((await app.http.get('/v1/agents').set(bearer(secret))).status).toBe(200);
    await app.db.prisma.apiKey.update({ where: { id: apiKey.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    // Written behind the API's back (time passing): drop what authentication cached.
    app.keyCache.clear();
    const rest = await app.http.get('/v1/agents').set(bearer(secret));
    expect([rest.status, rest.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
    const gql = await graphql(app, secret, '{ viewer { id } }');
    expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('revocation is immediate in both protocols; revoking twice keeps the first time', async () => {
    const { apiKey, secret } = (await create({ name: 'to revoke', scopes: ['agents:read'] })).body.data;
    expect((await graphql(app, secret, '{ viewer { id } }')).status).toBe(200);
    const res = await app.http.delete(`/v1/api-keys/${apiKey.id}`).set(bearer(owner.key));
    expect(res.status).toBe(200);
    expect(res.body.data.revokedAt).not.toBeNull();
    const rest = await app.http.get('/v1/agents').set(bearer(secret));
    expect([rest.status, rest.body.error.code, rest.body.error.message]).toEqual([401, 'UNAUTHORIZED', 'This API key has been revoked']);
    const gql = await graphql(app, secret, '{ viewer { id } }');
    expect(gql.body.errors[0].extensions.code).toBe('UNAUTHORIZED');
    const again = await app.http.delete(`/v1/api-keys/${apiKey.id}`).set(bearer(owner.key));
    expect(again.body.data.revokedAt).toBe(res.body.data.revokedAt);
  });

  it('a narrower key can neither revoke nor rotate a broader one (403 naming the scope, both protocols)', async () => {
    const manager = (await create({ name: 'manager', scopes: ['keys:manage'] })).body.data.secret;
    const broad = (await create({ name: 'broad', scopes: ['agents:read', 'keys:manage'] })).body.data;
    const rest = await app.http.delete(`/v1/api-keys/${broad.apiKey.id}`).set(bearer(manager));
    expect([rest.status, rest.body.error.code, rest.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'agents:read']);
    const gql = await graphql(app, manager, OPS.revokeApiKey, { keyId: broad.apiKey.id });
    expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([403, 'FORBIDDEN']);
    expect(gql.body.errors[0].extensions.details).toEqual(rest.body.error.details);
    const rotate = await app.http.post(`/v1/api-keys/${broad.apiKey.id}/rotate`).set(bearer(manager));
    expect([rotate.status, rotate.body.error.details.requiredScope]).toEqual([403, 'agents:read']);
    // Nothing changed: the broad key still works, and the owner's full key (not narrower) may revoke it.
    expect((await app.db.prisma.apiKey.findUniqueOrThrow({ where: { id: broad.apiKey.id } })).revokedAt).toBeNull();
    expect((await app.http.get('/v1/agents').set(bearer(broad.secret))).status).toBe(200);
    const ownerKeyId = (await app.http.get('/v1/api-keys?limit=100').set(bearer(owner.key))).body.data.items.find(
      (k: { name: string }) => k.name === 'Initial key',
    ).id;
    expect((await app.http.delete(`/v1/api-keys/${ownerKeyId}`).set(bearer(manager))).status).toBe(403);
    expect((await app.http.get('/v1/agents').set(bearer(owner.key))).status).toBe(200);
    expect((await app.http.delete(`/v1/api-keys/${broad.apiKey.id}`).set(bearer(owner.key))).status).toBe(200);
  });

  it('a key can revoke itself', async () => {
    const { apiKey, secret } = (await create({ name: 'self', scopes: ['keys:manage'] })).body.data;
    expect((await app.http.delete(`/v1/api-keys/${apiKey.id}`).set(bearer(secret))).status).toBe(200);
    expect((await app.http.get('/v1/api-keys').set(bearer(secret))).status).toBe(401);
  });

  it('rotation: a new secret at once; the old one works within the grace period and fails after', async () => {
    const { apiKey, secret } = (await create({ name: 'rotating', scopes: ['agents:read', 'keys:manage'] })).body.data;
    const res = await app.http.post(`/v1/api-keys/${apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 3600 });
    expect(res.status).toBe(201);
    const rotated = res.body.data;
    expect(rotated.apiKey).toMatchObject({ name: 'rotating', scopes: ['agents:read', 'keys:manage'], rotatedFromId: apiKey.id });
    expect(rotated.secret).not.toBe(secret);
    const graceEnd = new Date(rotated.previousKey.expiresAt).getTime();
    expect(graceEnd).toBeGreaterThan(Date.now() + 3_500_000);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect((await app.http.get('/v1/agents').set(bearer(rotated.secret))).status).toBe(200);
    expect((await app.http.get('/v1/agents').set(bearer(secret))).status).toBe(200);
    // The grace period passes.
    await app.db.prisma.apiKey.update({ where: { id: apiKey.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    // Written behind the API's back (time passing): drop what authentication cached.
    app.keyCache.clear();
    expect((await app.http.get('/v1/agents').set(bearer(secret))).status).toBe(401);
    expect((await app.http.get('/v1/agents').set(bearer(rotated.secret))).status).toBe(200);
  });

  it('rotation defaults to 24 h of grace, accepts 0, refuses more than 7 days and revoked keys', async () => {
    const a = (await create({ name: 'default grace', scopes: ['agents:read'] })).body.data;
    const def = await app.http.post(`/v1/api-keys/${a.apiKey.id}/rotate`).set(bearer(owner.key));
    expect(def.status).toBe(201);
    const hours = (new Date(def.body.data.previousKey.expiresAt).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);

    const b = (await create({ name: 'no grace', scopes: ['agents:read'] })).body.data;
    const zero = await app.http.post(`/v1/api-keys/${b.apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 0 });
    expect(zero.status).toBe(201);
    expect((await app.http.get('/v1/agents').set(bearer(b.secret))).status).toBe(401);

    const c = (await create({ name: 'too long', scopes: ['agents:read'] })).body.data;
    const tooLong = await app.http.post(`/v1/api-keys/${c.apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 604_801 });
    expect([tooLong.status, tooLong.body.error.details.fields[0].field]).toEqual([400, 'gracePeriodSeconds']);
    await app.http.delete(`/v1/api-keys/${c.apiKey.id}`).set(bearer(owner.key));
    const revoked = await app.http.post(`/v1/api-keys/${c.apiKey.id}/rotate`).set(bearer(owner.key));
    expect([revoked.status, revoked.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('a key in its grace period cannot be rotated again (400, both protocols): no short-lived key is minted', async () => {
    const first = (await create({ name: 'twice', scopes: ['agents:read'] })).body.data;
    const once = await app.http.post(`/v1/api-keys/${first.apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 3600 });
    expect([once.status, once.body.data.apiKey.expiresAt]).toEqual([201, null]);
    const before = await app.db.prisma.apiKey.count();
    const rest = await app.http.post(`/v1/api-keys/${first.apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 60 });
    expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(rest.body.error.details.fields).toEqual([{ field: 'keyId', message: `was already rotated; rotate its replacement ${once.body.data.apiKey.id} instead` }]);
    const gql = await graphql(app, owner.key, OPS.rotateApiKey, { keyId: first.apiKey.id, input: { gracePeriodSeconds: 60 } });
    expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(gql.body.errors[0].extensions.details).toEqual(rest.body.error.details);
    expect(await app.db.prisma.apiKey.count()).toBe(before);
    // The old key keeps its grace end, and the replacement rotates into a key without expiry.
    const old = await app.db.prisma.apiKey.findUniqueOrThrow({ where: { id: first.apiKey.id } });
    expect(old.expiresAt!.toISOString()).toBe(once.body.data.previousKey.expiresAt);
    const next = await app.http.post(`/v1/api-keys/${once.body.data.apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 60 });
    expect([next.status, next.body.data.apiKey.expiresAt]).toEqual([201, null]);
  });

  it('another account’s keys: never listed, never revoked, never rotated (404)', async () => {
    const theirs = (await create({ name: 'theirs', scopes: ['agents:read'] }, other.key)).body.data;
    const list = await app.http.get('/v1/api-keys?limit=100').set(bearer(owner.key));
    expect(list.body.data.items.map((k: { id: string }) => k.id)).not.toContain(theirs.apiKey.id);
    const del = await app.http.delete(`/v1/api-keys/${theirs.apiKey.id}`).set(bearer(owner.key));
    expect([del.status, del.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const rot = await app.http.post(`/v1/api-keys/${theirs.apiKey.id}/rotate`).set(bearer(owner.key));
    expect([rot.status, rot.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const g = await graphql(app, owner.key, OPS.revokeApiKey, { keyId: theirs.apiKey.id });
    expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await app.http.get('/v1/agents').set(bearer(theirs.secret))).status).toBe(200);
  });

  it('REST and GraphQL: same data, same errors', async () => {
    const r = await create({ name: 'parity', scopes: ['agents:read'] });
    const g = await graphql(app, owner.key, OPS.createApiKey, { input: { name: 'parity', scopes: ['agents:read'] } });
    expect(Object.keys(g.body.data.createApiKey)).toEqual(Object.keys(r.body.data));
    expect(Object.keys(g.body.data.createApiKey.apiKey)).toEqual(Object.keys(r.body.data.apiKey));
    const rList = await app.http.get('/v1/api-keys?page=1&limit=50').set(bearer(owner.key));
    const gList = await graphql(app, owner.key, OPS.listApiKeys, { page: 1, limit: 50 });
    expect(gList.body.data.apiKeys).toEqual(rList.body.data);
    const rBad = await create({ name: '', scopes: ['agents:read'] });
    const gBad = await graphql(app, owner.key, OPS.createApiKey, { input: { name: '', scopes: ['agents:read'] } });
    expect(gBad.body.errors[0].extensions.details).toEqual(rBad.body.error.details);
    const rRot = await app.http.post(`/v1/api-keys/${r.body.data.apiKey.id}/rotate`).set(bearer(owner.key)).send({ gracePeriodSeconds: 60 });
    const gRot = await graphql(app, owner.key, OPS.rotateApiKey, { keyId: g.body.data.createApiKey.apiKey.id, input: { gracePeriodSeconds: 60 } });
    expect(Object.keys(gRot.body.data.rotateApiKey)).toEqual(Object.keys(rRot.body.data));
  });
});

describe.each(STORAGES)('operator account administration (%s)', (storage) => {
  let app: TestApp;
  let customer: { accountId: string; key: string };

  beforeAll(async () => {
    app = await startTestApp(storage);
    customer = await app.newAccount('Customer', { tier: 'standard', rateLimitPerMinute: undefined, monthlyMessageQuota: undefined });
  });
  afterAll(() => app?.close());

  const admin = () => bearer(app.adminKey);

  it('lists and gets accounts with their usage', async () => {
    const list = await app.http.get('/v1/accounts?limit=100').set(admin());
    expect(list.status).toBe(200);
    expect(list.body.data.items.map((a: { id: string }) => a.id)).toContain(customer.accountId);
    const one = await app.http.get(`/v1/accounts/${customer.accountId}`).set(admin());
    expect(one.body.data).toMatchObject({ id: customer.accountId, tier: 'standard', rateLimitPerMinute: 60, monthlyMessageQuota: 10000 });
    expect(one.body.data.messageUsage).toMatchObject({ used: 0, quota: 10000 });
    expect(one.body.data.messageUsage.period).toMatch(/^\d{4}-\d{2}$/);
    const missing = await app.http.get('/v1/accounts/acc_01J0000000000000000000000Z').set(admin());
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('changes tier and limits; the new limit applies to the account’s next request', async () => {
    const res = await app.http.patch(`/v1/accounts/${customer.accountId}`).set(admin()).send({ tier: 'pro' });
    expect(res.body.data).toMatchObject({ tier: 'pro', rateLimitPerMinute: 300, monthlyMessageQuota: 100000 });
    const custom = await app.http
      .patch(`/v1/accounts/${customer.accountId}`)
      .set(admin())
      .send({ tier: 'enterprise', rateLimitPerMinute: 1234, monthlyMessageQuota: 55 });
    expect(custom.body.data).toMatchObject({ tier: 'enterprise', rateLimitPerMinute: 1234, monthlyMessageQuota: 55 });
    const seen = await app.http.get('/v1/agents').set(bearer(customer.key));
    expect(seen.headers['x-ratelimit-limit']).toBe('1234');
    const reset = await app.http.patch(`/v1/accounts/${customer.accountId}`).set(admin()).send({ rateLimitPerMinute: null });
    expect(reset.body.data.rateLimitPerMinute).toBe(1000);
  });

  it('validates, and only operators may do any of it', async () => {
    for (const [body, field] of [
      [{ tier: 'gold' }, 'tier'],
      [{ tier: null }, 'tier'],
      [{ name: null }, 'name'],
      [{ rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
      [{ monthlyMessageQuota: -1 }, 'monthlyMessageQuota'],
      [{ id: 'acc_x' }, 'id'],
    ] as const) {
      const res = await app.http.patch(`/v1/accounts/${customer.accountId}`).set(admin()).send(body);
      expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    for (const [method, path] of [
      ['get', '/v1/accounts'],
      ['get', `/v1/accounts/${customer.accountId}`],
      ['patch', `/v1/accounts/${customer.accountId}`],
    ] as const) {
      const res = await app.http[method](path).set(bearer(customer.key)).send({ tier: 'enterprise' });
      expect([res.status, res.body.error.code, res.body.error.details.requiredScope]).toEqual([403, 'FORBIDDEN', 'admin']);
    }
    const gql = await graphql(app, customer.key, OPS.getAccount, { accountId: customer.accountId });
    expect(gql.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const still = await app.db.prisma.account.findUniqueOrThrow({ where: { id: customer.accountId } });
    expect(still.tier).toBe('enterprise');
  });

  it('REST and GraphQL give the same accounts', async () => {
    const r = await app.http.get(`/v1/accounts/${customer.accountId}`).set(admin());
    const g = await graphql(app, app.adminKey, OPS.getAccount, { accountId: customer.accountId });
    expect(g.body.data.account).toEqual(r.body.data);
    const rl = await app.http.get('/v1/accounts?page=1&limit=5').set(admin());
    const gl = await graphql(app, app.adminKey, OPS.listAccounts, { page: 1, limit: 5 });
    expect(gl.body.data.accounts).toEqual(rl.body.data);
  });
});
