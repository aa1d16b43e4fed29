import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARACTER_LIMITS as L } from '../../src/services/character-input.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

const FULL = {
  name: 'Ada',
  username: 'ada',
  bio: ['A patient teacher of mathematics.'],
  lore: ['Wrote the first program.'],
  topics: ['engines', 'poetry'],
  adjectives: ['curious', 'precise'],
  style: { all: ['short sentences'], chat: ['ask a question back'] },
  messageExamples: [[{ role: 'user', text: 'Who are you?' }, { role: 'agent', text: 'Ada, at your service.' }]],
  system: 'Never give up on a proof.',
  knowledge: ['The Analytical Engine was never finished.'],
  greeting: 'Good day, friend.',
  scenario: 'A Victorian study.',
  tags: ['history'],
  metadata: { team: 'edu' },
};

const EMPTY = {
  username: null,
  bio: [],
  lore: [],
  topics: [],
  adjectives: [],
  style: { all: [], chat: [] },
  messageExamples: [],
  system: null,
  knowledge: [],
  greeting: null,
  scenario: null,
  tags: [],
  metadata: {},
};

describe.each(STORAGES)('characters (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key, accountId } = await app.newAccount());
  });
  afterAll(() => app?.close());

  const rest = {
    create: (body: object, k = key) => app.http.post('/v1/characters').set(bearer(k)).send(body),
    get: (id: string, k = key) => app.http.get(`/v1/characters/${id}`).set(bearer(k)),
    update: (id: string, body: object, k = key) => app.http.patch(`/v1/characters/${id}`).set(bearer(k)).send(body),
    remove: (id: string, query = '', k = key) => app.http.delete(`/v1/characters/${id}${query}`).set(bearer(k)),
    revisions: (id: string, query = '', k = key) => app.http.get(`/v1/characters/${id}/revisions${query}`).set(bearer(k)),
    revision: (id: string, n: number | string, k = key) => app.http.get(`/v1/characters/${id}/revisions/${n}`).set(bearer(k)),
  };
  const counts = () =>
    Promise.all([app.db.prisma.character.count({ where: { accountId } }), app.db.prisma.characterRevision.count()]);

  it('creates with every field (201), and with only a name (defaults)', async () => {
    const res = await rest.create(FULL);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ ...FULL, revision: 1 });
    expect(res.body.data.id).toMatch(/^chr_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(res.body.data.createdAt).toBe(res.body.data.updatedAt);
    const minimal = await rest.create({ name: 'Min' });
    expect(minimal.status).toBe(201);
    expect(minimal.body.data).toMatchObject({ name: 'Min', ...EMPTY, revision: 1 });
  });

  it('REST and GraphQL give the same data for create, get, list, update and delete', async () => {
    const viaRest = (await rest.create(FULL)).body.data;
    const viaGql = (await graphql(app, key, OPS.createCharacter, { input: FULL })).body.data.createCharacter;
    const strip = ({ id: _i, createdAt: _c, updatedAt: _u, ...rest }: any) => rest;
    expect(strip(viaGql)).toEqual(strip(viaRest));

    const got = await graphql(app, key, OPS.getCharacter, { characterId: viaRest.id });
    expect(got.body.data.character).toEqual((await rest.get(viaRest.id)).body.data);

    const listRest = (await app.http.get('/v1/characters?limit=2').set(bearer(key))).body.data;
    const listGql = (await graphql(app, key, OPS.listCharacters, { limit: 2 })).body.data.characters;
    expect(listGql).toEqual(listRest);
    expect(listRest.items.map((c: any) => c.id)).toEqual([viaGql.id, viaRest.id]); // newest first
    expect(listRest.pagination).toMatchObject({ currentPage: 1, itemsPerPage: 2 });

    const patchedRest = (await rest.update(viaRest.id, { greeting: null, topics: ['looms'] })).body.data;
    const patchedGql = (await graphql(app, key, OPS.updateCharacter, { characterId: viaGql.id, input: { greeting: null, topics: ['looms'] } }))
      .body.data.updateCharacter;
    expect(strip(patchedGql)).toEqual(strip(patchedRest));
    expect(patchedRest).toMatchObject({ greeting: null, topics: ['looms'], bio: FULL.bio, revision: 2 });

    const deletedRest = await rest.remove(viaRest.id);
    expect([deletedRest.status, deletedRest.body.data]).toEqual([200, { id: viaRest.id, deleted: true, detachedAgents: 0 }]);
    const deletedGql = await graphql(app, key, OPS.deleteCharacter, { characterId: viaGql.id });
    expect(deletedGql.body.data.deleteCharacter).toEqual({ id: viaGql.id, deleted: true, detachedAgents: 0 });
    expect((await rest.get(viaRest.id)).body.error.code).toBe('NOT_FOUND');
    expect(await app.db.prisma.characterRevision.count({ where: { characterId: { in: [viaRest.id, viaGql.id] } } })).toBe(0);
  });

  it.each([
    ['name', { name: '' }],
    ['name', { name: 'x'.repeat(L.name + 1) }],
    ['bio', { name: 'B', bio: Array.from({ length: L.listItems + 1 }, () => 'b') }],
    ['bio[0]', { name: 'B', bio: ['x'.repeat(L.listItem + 1)] }],
    ['style.chat[0]', { name: 'B', style: { chat: [''] } }],
    ['system', { name: 'B', system: 'x'.repeat(L.system + 1) }],
    ['messageExamples', { name: 'B', messageExamples: Array.from({ length: L.conversations + 1 }, () => [{ role: 'user', text: 'hi' }]) }],
    ['messageExamples[0]', { name: 'B', messageExamples: [Array.from({ length: L.turns + 1 }, () => ({ role: 'user', text: 'hi' }))] }],
    ['messageExamples', { name: 'B', messageExamples: Array.from({ length: 6 }, () => Array.from({ length: 20 }, () => ({ role: 'user', text: 'hi' }))) }],
    ['metadata', { name: 'B', metadata: Object.fromEntries(Array.from({ length: L.metadataPairs + 1 }, (_, i) => [`k${i}`, 'v'])) }],
    ['tags[0]', { name: 'B', tags: ['x'.repeat(L.tag + 1)] }],
  ])('refuses %s over its bound, in both protocols, and stores nothing', async (field, body) => {
    const before = await counts();
    const res = await rest.create(body);
    expect([res.status, res.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(res.body.error.details.fields.map((f: any) => f.field)).toContain(field);
    const gql = await graphql(app, key, OPS.createCharacter, { input: body });
    expect(gql.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
    expect(gql.body.errors[0].extensions.details.fields.map((f: any) => f.field)).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('accepts a character with every bound full (within the request limits), in both protocols', async () => {
    const full = (length: number) => Array.from({ length: L.listItems }, () => 'y'.repeat(length));
    const turns = L.totalTurns / L.conversations;
    const body = {
      name: 'x'.repeat(L.name),
      username: 'u'.repeat(L.username),
      bio: full(L.listItem),
      lore: full(L.listItem),
      topics: full(L.listItem),
      adjectives: full(L.listItem),
      style: { all: full(L.listItem), chat: full(L.listItem) },
      knowledge: full(L.listItem),
      system: 'z'.repeat(L.system),
      greeting: 'g'.repeat(L.greeting),
      scenario: 's'.repeat(L.scenario),
      tags: Array.from({ length: L.tags }, () => 't'.repeat(L.tag)),
      messageExamples: Array.from({ length: L.conversations }, () =>
        Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'agent' : 'user', text: 'w'.repeat(L.turnText) })),
      ),
      metadata: Object.fromEntries(Array.from({ length: L.metadataPairs }, (_, i) => [`k${i}`.padEnd(L.metadataKey, 'k'), 'v'.repeat(L.metadataValue)])),
    };
    const res = await rest.create(body);
    expect(res.status, JSON.stringify(res.body.error)).toBe(201);
    expect(res.body.data).toMatchObject(body);
    const gql = await graphql(app, key, OPS.createCharacter, { input: body });
    expect(gql.body.errors).toBeUndefined();
    // A change to that character is a full snapshot too.
    expect((await rest.update(res.body.data.id, { name: 'Again' })).body.data.revision).toBe(2);
  });

  it('refuses unknown fields, a null name, and writable-looking fields such as revision', async () => {
    const created = (await rest.create({ name: 'Strict' })).body.data;
    for (const body of [{ name: 'S', revision: 5 }, { name: 'S', id: 'chr_x' }, { name: 'S', style: { voice: ['x'] } }]) {
      expect((await rest.create(body)).body.error.code).toBe('INVALID_REQUEST');
    }
    const res = await rest.update(created.id, { name: null });
    expect([res.status, res.body.error.details.fields[0].field]).toEqual([400, 'name']);
    expect((await rest.update(created.id, { revision: 3 })).status).toBe(400);
    expect((await rest.get(created.id)).body.data.revision).toBe(1);
  });

  it('every change makes an immutable, numbered revision; lists are newest first in both protocols', async () => {
    const created = (await rest.create({ name: 'V1', bio: ['first'] })).body.data;
    await rest.update(created.id, { name: 'V2' });
    const third = (await rest.update(created.id, { bio: ['third'] })).body.data;
    expect(third).toMatchObject({ name: 'V2', bio: ['third'], revision: 3 });

    const list = await rest.revisions(created.id);
    expect(list.status).toBe(200);
    expect(list.body.data.items.map((r: any) => [r.number, r.name, r.bio])).toEqual([
      [3, 'V2', ['third']],
      [2, 'V2', ['first']],
      [1, 'V1', ['first']],
    ]);
    expect(list.body.data.pagination).toEqual({ currentPage: 1, totalPages: 1, totalItems: 3, itemsPerPage: 20 });
    const gqlList = await graphql(app, key, OPS.listCharacterRevisions, { characterId: created.id });
    expect(gqlList.body.data.character.revisions).toEqual(list.body.data);

    const paged = await rest.revisions(created.id, '?page=2&limit=2');
    expect(paged.body.data.items.map((r: any) => r.number)).toEqual([1]);

    const first = await rest.revision(created.id, 1);
    expect(first.body.data).toMatchObject({ number: 1, name: 'V1', bio: ['first'] });
    const gqlFirst = await graphql(app, key, OPS.getCharacterRevision, { characterId: created.id, number: 1 });
    expect(gqlFirst.body.data.characterRevision).toEqual(first.body.data);

    // Relay cursors page through revisions too, and a revision is reachable from its character.
    const relay = await graphql(
      app,
      key,
      'query($id: ID!) { character(id: $id) { revisionByNumber(number: 2) { name } revisions(first: 1) { edges { cursor node { number } } pageInfo { hasNextPage endCursor } } } }',
      { id: created.id },
    );
    const c = relay.body.data.character;
    expect(c.revisionByNumber).toEqual({ name: 'V2' });
    expect(c.revisions.edges.map((e: any) => e.node.number)).toEqual([3]);
    expect(c.revisions.pageInfo.hasNextPage).toBe(true);
    const next = await graphql(app, key, 'query($id: ID!, $after: String) { character(id: $id) { revisions(first: 5, after: $after) { nodes { number } } } }', {
      id: created.id,
      after: c.revisions.pageInfo.endCursor,
    });
    expect(next.body.data.character.revisions.nodes.map((n: any) => n.number)).toEqual([2, 1]);

    // Later changes never alter an earlier revision.
    await rest.update(created.id, { name: 'V4', bio: null });
    expect((await rest.revision(created.id, 1)).body.data).toEqual(first.body.data);
    expect((await rest.get(created.id)).body.data).toMatchObject({ name: 'V4', bio: [], revision: 4 });

    const missing = await rest.revision(created.id, 99);
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const gqlMissing = await graphql(app, key, OPS.getCharacterRevision, { characterId: created.id, number: 99 });
    expect([gqlMissing.status, gqlMissing.body.errors[0].extensions.code]).toEqual([404, 'NOT_FOUND']);
    for (const bad of ['0', 'abc', '-1', '1.5', '99999999999']) {
      const res = await rest.revision(created.id, bad);
      expect([res.status, res.body.error.code, res.body.error.details.fields[0].field]).toEqual([400, 'INVALID_REQUEST', 'number']);
    }
  });

  it('concurrent changes get consecutive revision numbers', async () => {
    const created = (await rest.create({ name: 'Busy' })).body.data;
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => rest.update(created.id, { tags: [`t${i}`] })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(results.map((r) => r.body.data.revision).sort()).toEqual([2, 3, 4, 5, 6]);
    const numbers = (await rest.revisions(created.id)).body.data.items.map((r: any) => r.number);
    expect(numbers).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('deleting a character agents use answers 409 CHARACTER_IN_USE in both protocols, unless forced', async () => {
    const character = (await rest.create({ name: 'Shared' })).body.data;
    const agents = await Promise.all(
      ['A', 'B'].map(async (name) => (await app.http.post('/v1/agents').set(bearer(key)).send({ name, characterId: character.id })).body.data),
    );
    const res = await rest.remove(character.id);
    expect([res.status, res.body.error.code, res.body.error.details]).toEqual([409, 'CHARACTER_IN_USE', { id: character.id, agents: 2 }]);
    const gql = await graphql(app, key, OPS.deleteCharacter, { characterId: character.id });
    expect([gql.status, gql.body.errors[0].extensions.code, gql.body.errors[0].extensions.details]).toEqual([
      409,
      'CHARACTER_IN_USE',
      { id: character.id, agents: 2 },
    ]);
    expect((await rest.get(character.id)).status).toBe(200);
    expect((await rest.remove(character.id, '?force=maybe')).body.error.details.fields[0].field).toBe('force');

    const forced = await rest.remove(character.id, '?force=true');
    expect([forced.status, forced.body.data]).toEqual([200, { id: character.id, deleted: true, detachedAgents: 2 }]);
    for (const agent of agents) {
      const now = (await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key))).body.data;
      expect([now.characterId, now.characterRevision]).toEqual([null, null]);
    }

    const other = (await rest.create({ name: 'Shared2' })).body.data;
    await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'C', characterId: other.id, characterRevision: 1 });
    const gqlForced = await graphql(app, key, 'mutation($id: ID!) { deleteCharacter(id: $id, force: true) { deletedId detachedAgents } }', {
      id: other.id,
    });
    expect(gqlForced.body.data.deleteCharacter).toEqual({ deletedId: other.id, detachedAgents: 1 });
  });

  it('another account sees nothing of a character: 404 / null in both protocols, and changes nothing', async () => {
    const character = (await rest.create({ name: 'Private', greeting: 'secret hello' })).body.data;
    const stranger = (await app.newAccount('Stranger')).key;
    const before = await counts();
    for (const res of [
      await rest.get(character.id, stranger),
      await rest.update(character.id, { name: 'Stolen' }, stranger),
      await rest.remove(character.id, '?force=true', stranger),
      await rest.revisions(character.id, '', stranger),
      await rest.revision(character.id, 1, stranger),
    ]) {
      expect([res.status, res.body.error.code, res.body.error.details]).toEqual([404, 'NOT_FOUND', { id: character.id }]);
    }
    for (const [query, variables] of [
      [OPS.getCharacter, { characterId: character.id }],
      [OPS.updateCharacter, { characterId: character.id, input: { name: 'Stolen' } }],
      [OPS.deleteCharacter, { characterId: character.id, force: true }],
      [OPS.listCharacterRevisions, { characterId: character.id }],
      [OPS.getCharacterRevision, { characterId: character.id, number: 1 }],
    ] as const) {
      const res = await graphql(app, stranger, query, variables);
      expect([res.status, res.body.errors[0].extensions.code]).toEqual([404, 'NOT_FOUND']);
    }
    const node = await graphql(app, stranger, 'query($id: ID!) { node(id: $id) { id } }', { id: character.id });
    expect(node.body).toEqual({ data: { node: null } });
    expect((await graphql(app, stranger, '{ characters { totalCount } }')).body.data.characters.totalCount).toBe(0);
    expect(JSON.stringify((await app.http.get('/v1/characters').set(bearer(stranger))).body)).not.toContain('Private');
    expect(await counts()).toEqual(before);
    expect((await rest.get(character.id)).body.data).toMatchObject({ name: 'Private', revision: 1 });
  });

  it('an Idempotency-Key create records its outcome in the write’s own transaction, and replays', async () => {
    const idempotencyKey = `chars-${storage}-${Date.now()}`;
    const first = await app.http.post('/v1/characters').set(bearer(key)).set('Idempotency-Key', idempotencyKey).send({ name: 'Once' });
    expect(first.status).toBe(201);
    const record = await app.db.prisma.idempotencyRecord.findFirst({ where: { key: idempotencyKey } });
    expect(record?.outcome).toEqual({ type: 'Character', id: first.body.data.id });
    const replay = await app.http.post('/v1/characters').set(bearer(key)).set('Idempotency-Key', idempotencyKey).send({ name: 'Once' });
    expect([replay.status, replay.headers['idempotent-replayed'], replay.body]).toEqual([201, 'true', first.body]);
    expect(await app.db.prisma.character.count({ where: { accountId, name: 'Once' } })).toBe(1);
  });

  it('node(id:) finds a character of the caller by its chr_ id', async () => {
    const character = (await rest.create({ name: 'Noded' })).body.data;
    const res = await graphql(app, key, 'query($id: ID!) { node(id: $id) { id ... on Character { name revision } } }', { id: character.id });
    expect(res.body.data.node).toEqual({ id: character.id, name: 'Noded', revision: 1 });
  });
});
