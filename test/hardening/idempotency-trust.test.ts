// Who gets a recorded answer, and what the record keeps: a replay goes only to the API key that
// made the first request, and no secret shown once is ever stored readable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';

const CREATE_KEY = 'mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id name } secret } }';

describe.each(STORAGES)('Idempotency-Key trust rules (%s)', (storage) => {
  let app: TestApp;
  let owner: string;
  let reader: string;
  let otherManager: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key: owner, accountId } = await app.newAccount('Trust'));
    reader = await app.keyWithScopes(accountId, ['agents:read']);
    otherManager = await app.keyWithScopes(accountId, ['keys:manage', 'agents:read', 'agents:write']);
  });
  afterAll(async () => {
    await app?.close();
  });

  const as = (key: string, idempotencyKey: string) => ({ ...bearer(key), 'Idempotency-Key': idempotencyKey });
  const gql = (key: string, idempotencyKey: string, query: string, variables: Record<string, unknown>) =>
    app.http.post('/graphql').set(as(key, idempotencyKey)).set('Accept', 'application/json').send({ query, variables });
  const keysNamed = (name: string) => app.db.prisma.apiKey.count({ where: { accountId, name } });

  describe('a replay is answered only to the API key that made the first request', () => {
    it('REST: a key without keys:manage re-sending another key\'s POST /v1/api-keys gets 403, not the secret', async () => {
      const body = { name: 'rest made once', scopes: ['agents:read'] };
      const first = await app.http.post('/v1/api-keys').set(as(owner, 'trust-rest')).send(body);
      expect(first.status).toBe(201);
      const stolen = await app.http.post('/v1/api-keys').set(as(reader, 'trust-rest')).send(body);
      expect([stolen.status, stolen.body.error?.code]).toEqual([403, 'FORBIDDEN']);
      expect(stolen.headers['idempotent-replayed']).toBe('false');
      expect(JSON.stringify(stolen.body)).not.toContain(first.body.data.secret);
      // The owner's own retry still replays.
      const again = await app.http.post('/v1/api-keys').set(as(owner, 'trust-rest')).send(body);
      expect([again.status, again.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(again.body).toEqual(first.body);
      expect(await keysNamed('rest made once')).toBe(1);
    });

    it('GraphQL: the same for createApiKey, with the same error code', async () => {
      const variables = { input: { name: 'gql made once', scopes: ['agents:read'] } };
      const first = await gql(owner, 'trust-gql', CREATE_KEY, variables);
      expect(first.body.data.createApiKey.secret).toMatch(/^orn_live_/);
      const stolen = await gql(reader, 'trust-gql', CREATE_KEY, variables);
      expect(stolen.headers['idempotent-replayed']).toBe('false');
      expect(stolen.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(stolen.body.data).toBeNull();
      expect(JSON.stringify(stolen.body)).not.toContain(first.body.data.createApiKey.secret);
      const again = await gql(owner, 'trust-gql', CREATE_KEY, variables);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await keysNamed('gql made once')).toBe(1);
    });

    it('any recorded answer: a read-only key re-sending another key\'s agent creation is refused', async () => {
      const body = { name: 'trust agent' };
      expect((await app.http.post('/v1/agents').set(as(owner, 'trust-agent')).send(body)).status).toBe(201);
      const stolen = await app.http.post('/v1/agents').set(as(reader, 'trust-agent')).send(body);
      expect([stolen.status, stolen.body.error?.code]).toEqual([403, 'FORBIDDEN']);
      expect(await app.db.prisma.agent.count({ where: { accountId, name: 'trust agent' } })).toBe(1);
    });

    it('another key of the same account with the same Idempotency-Key makes a new, independent request', async () => {
      const body = { name: 'two independent', scopes: ['agents:read'] };
      const first = await app.http.post('/v1/api-keys').set(as(owner, 'trust-independent')).send(body);
      const second = await app.http.post('/v1/api-keys').set(as(otherManager, 'trust-independent')).send(body);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.headers['idempotent-replayed']).toBe('false');
      expect(second.body.data.secret).not.toBe(first.body.data.secret);
      expect(await keysNamed('two independent')).toBe(2);
      // Each key replays its own.
      const replayed = await app.http.post('/v1/api-keys').set(as(otherManager, 'trust-independent')).send(body);
      expect(replayed.body).toEqual(second.body);
    });
  });

  describe('no secret is stored in plaintext, replay records included', () => {
    it('created, rotated and first-account secrets are replayed whole, yet no database row holds them', async () => {
      const created = await app.http.post('/v1/api-keys').set(as(owner, 'secret-create')).send({ name: 'sealed', scopes: ['agents:read'] });
      const rotated = await app.http.post(`/v1/api-keys/${created.body.data.apiKey.id}/rotate`).set(as(owner, 'secret-rotate')).send({});
      const account = await app.http.post('/v1/accounts').set(as(app.adminKey, 'secret-account')).send({ name: 'Sealed account' });
      const viaGraphql = await gql(owner, 'secret-gql', CREATE_KEY, { input: { name: 'sealed gql', scopes: ['agents:read'] } });
      expect([created.status, rotated.status, account.status]).toEqual([201, 201, 201]);
      const secrets: string[] = [
        created.body.data.secret,
        rotated.body.data.secret,
        account.body.data.secret,
        viaGraphql.body.data.createApiKey.secret,
      ];
      for (const secret of secrets) expect(secret).toMatch(/^orn_(live|test)_.{43}$/);

      const rows = await app.db.prisma.$queryRawUnsafe<Record<string, unknown>[]>('SELECT * FROM "IdempotencyRecord"');
      expect(rows.filter((r) => String(r.key).startsWith('secret-'))).toHaveLength(4);
      const stored = JSON.stringify(rows);
      for (const secret of secrets) {
        // Neither the secret nor its random part, in any column of any record.
        expect(stored).not.toContain(secret);
        expect(stored).not.toContain(secret.slice('orn_live_'.length));
      }

      // The replay (same API key, same request) answers the same secret, which works.
      const replays = [
        await app.http.post('/v1/api-keys').set(as(owner, 'secret-create')).send({ name: 'sealed', scopes: ['agents:read'] }),
        await app.http.post(`/v1/api-keys/${created.body.data.apiKey.id}/rotate`).set(as(owner, 'secret-rotate')).send({}),
        await app.http.post('/v1/accounts').set(as(app.adminKey, 'secret-account')).send({ name: 'Sealed account' }),
      ];
      expect(replays.map((r) => [r.status, r.headers['idempotent-replayed']])).toEqual([
        [201, 'true'],
        [201, 'true'],
        [201, 'true'],
      ]);
      expect(replays.map((r) => r.body.data.secret)).toEqual(secrets.slice(0, 3));
      const gqlReplay = await gql(owner, 'secret-gql', CREATE_KEY, { input: { name: 'sealed gql', scopes: ['agents:read'] } });
      expect(gqlReplay.body.data.createApiKey.secret).toBe(secrets[3]);
      const works = await app.http.get('/v1/agents').set(bearer(replays[1]!.body.data.secret));
      expect(works.status).toBe(200);
    });
  });

  describe('the record is completed before the answer leaves', () => {
    it('a retry sent the moment the answer arrives is always a replay, never "still in progress"', async () => {
      const tries = 60;
      const outcomes = await Promise.all(
        Array.from({ length: tries }, async (_, i) => {
          const body = { name: `race ${i}` };
          const first = await app.http.post('/v1/agents').set(as(owner, `race-${i}`)).send(body);
          // Straight from the database, as another instance would see it.
          const row = await app.db.prisma.idempotencyRecord.findFirst({ where: { key: `race-${i}` }, select: { state: true } });
          const retry = await app.http.post('/v1/agents').set(as(owner, `race-${i}`)).send(body);
          return { first: first.status, state: row?.state, retry: retry.status, replayed: retry.headers['idempotent-replayed'] };
        }),
      );
      expect(outcomes.filter((o) => o.state !== 'completed' || o.retry !== 201 || o.replayed !== 'true')).toEqual([]);
    });

    it('a streamed answer is recorded before its end is sent: a retry right after replays the stream', async () => {
      const agent = (await app.http.post('/v1/agents').set(bearer(owner)).send({ name: 'stream race' })).body.data;
      const body = { text: 'hello there', userId: 'stream-race', stream: true };
      const first = await app.http.post(`/v1/agents/${agent.id}/messages`).set(as(owner, 'stream-race')).send(body);
      expect(first.status).toBe(200);
      const row = await app.db.prisma.idempotencyRecord.findFirst({ where: { key: 'stream-race' }, select: { state: true } });
      expect(row?.state).toBe('completed');
      const retry = await app.http.post(`/v1/agents/${agent.id}/messages`).set(as(owner, 'stream-race')).send(body);
      expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([200, 'true']);
      expect(retry.text).toBe(first.text);
      expect(retry.text).toContain('event: message.completed');
    });
  });
});
