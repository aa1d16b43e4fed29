import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

const fixture = async (name: string) =>
  JSON.parse(await readFile(path.join(import.meta.dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;

const FULL = {
  name: 'Ada',
  username: 'ada',
  bio: ['A patient teacher of mathematics.', 'Fond of engines.'],
  lore: ['Wrote the first program.'],
  topics: ['engines', 'poetry'],
  adjectives: ['curious', 'precise'],
  style: { all: ['short sentences'], chat: ['ask a question back'] },
  messageExamples: [
    [
      { role: 'user', text: 'Who are you?' },
      { role: 'agent', text: 'Ada, at your service.' },
    ],
  ],
  system: 'Never give up on a proof.',
  knowledge: ['The Analytical Engine was never finished.'],
  greeting: 'Good day, friend.',
  scenario: 'A Victorian study.',
  tags: ['history'],
  metadata: { team: 'edu' },
};

const IMPORT = `mutation($input: JSONObject!) { importCharacter(input: $input) {
  character { id name username bio lore topics adjectives style { all chat } messageExamples { role text } system knowledge greeting scenario tags metadata revision }
  format mapped dropped } }`;
const EXPORT = 'query($id: ID!, $format: CharacterExportFormat) { character(id: $id) { export(format: $format) } }';

const fieldsOf = ({ id: _id, revision: _r, createdAt: _c, updatedAt: _u, ...fields }: Record<string, unknown>) => fields;

describe.each(STORAGES)('character import and export (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key, accountId } = await app.newAccount('importers'));
  });
  afterAll(() => app?.close());

  it('imports an ElizaOS file in both protocols alike, reports what it kept and dropped, and stores no secret', async () => {
    const file = await fixture('eliza-legacy.json');
    const rest = await app.http.post('/v1/characters/import').set(bearer(key)).send(file);
    expect(rest.status).toBe(201);
    const gql = await graphql(app, key, IMPORT, { input: file });
    expect(gql.body.errors).toBeUndefined();
    const viaGraphql = gql.body.data.importCharacter;
    expect(rest.body.data.format).toBe('eliza-legacy');
    expect(rest.body.data.dropped).toContain('settings.secrets');
    expect(rest.body.data.mapped).toContain('bio');
    expect({ ...rest.body.data, character: fieldsOf(rest.body.data.character) }).toEqual({
      ...viaGraphql,
      character: fieldsOf(viaGraphql.character),
    });
    expect(rest.body.data.character.revision).toBe(1);
    const stored = await app.db.prisma.character.findMany({ where: { accountId } });
    const rows = JSON.stringify(stored) + JSON.stringify(await app.db.prisma.characterRevision.findMany({ where: { characterId: { in: stored.map((c) => c.id) } } }));
    expect(rows).not.toMatch(/sk-legacy-secret-value-1234|legacy-discord-token-5678/);
  });

  it.each(['ccv2.json', 'ccv3.json', 'eliza-1x.json', 'eliza-wrapped.json', 'sillytavern-v3-labelled.json'])(
    'imports %s',
    async (name) => {
      const res = await app.http.post('/v1/characters/import').set(bearer(key)).send(await fixture(name));
      expect([res.status, res.body.error]).toEqual([201, undefined]);
      expect(res.body.data.character.name.length).toBeGreaterThan(0);
    },
  );

  it.each(['orion', 'eliza', 'ccv2'])('exports as %s a file that imports back to the same character', async (format) => {
    const created = await app.http.post('/v1/characters').set(bearer(key)).send(FULL);
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    const rest = await app.http.get(`/v1/characters/${id}/export`).query({ format }).set(bearer(key));
    expect(rest.status).toBe(200);
    const gql = await graphql(app, key, EXPORT, { id, format });
    expect(gql.body.data.character.export).toEqual(rest.body.data);
    const back = await app.http.post('/v1/characters/import').set(bearer(key)).send(rest.body.data);
    expect(back.status).toBe(201);
    expect(fieldsOf(back.body.data.character)).toEqual(fieldsOf(created.body.data));
  });

  it('exports as orion when no format is named', async () => {
    const created = await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Plain' });
    const res = await app.http.get(`/v1/characters/${created.body.data.id}/export`).set(bearer(key));
    expect([res.status, res.body.data.spec, res.body.data.data.name]).toEqual([200, 'orionos_character', 'Plain']);
  });

  it('refuses an invalid file with the same 400 in both protocols, and stores nothing', async () => {
    const before = await app.db.prisma.character.count({ where: { accountId } });
    for (const file of [{ spec: 'chara_card_v9', data: { name: 'X' } }, { spec: 'chara_card_v2', data: { description: 'no name' } }]) {
      const rest = await app.http.post('/v1/characters/import').set(bearer(key)).send(file);
      expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      const gql = await graphql(app, key, IMPORT, { input: file });
      expect(gql.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
      expect(gql.body.errors[0].extensions.details).toEqual(rest.body.error.details);
    }
    const notObject = await app.http.post('/v1/characters/import').set(bearer(key)).set('Content-Type', 'application/json').send('[1]');
    expect([notObject.status, notObject.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(await app.db.prisma.character.count({ where: { accountId } })).toBe(before);
  });

  it('refuses an unknown export format, naming it', async () => {
    const created = await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Fmt' });
    const res = await app.http.get(`/v1/characters/${created.body.data.id}/export`).query({ format: 'yaml' }).set(bearer(key));
    expect([res.status, res.body.error.code, res.body.error.details.fields[0].field]).toEqual([400, 'INVALID_REQUEST', 'format']);
  });

  it('another account can neither export a character nor learn it exists; scopes hold', async () => {
    const created = await app.http.post('/v1/characters').set(bearer(key)).send({ name: 'Private' });
    const id = created.body.data.id;
    const other = await app.newAccount('outsiders');
    const rest = await app.http.get(`/v1/characters/${id}/export`).set(bearer(other.key));
    expect([rest.status, rest.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const gql = await graphql(app, other.key, EXPORT, { id, format: 'orion' });
    expect(gql.body.errors[0].extensions.code).toBe('NOT_FOUND');

    const readOnly = await app.keyWithScopes(accountId, ['characters:read']);
    const refused = await app.http.post('/v1/characters/import').set(bearer(readOnly)).send({ name: 'Nope', bio: 'x' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const noRead = await app.keyWithScopes(accountId, ['agents:read']);
    const hidden = await app.http.get(`/v1/characters/${id}/export`).set(bearer(noRead));
    expect([hidden.status, hidden.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });
});
