import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

describe.each(STORAGES)('agents that speak as a character (%s)', (storage) => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  const post = async (path: string, body: object, k = key) => {
    const res = await app.http.post(`/v1${path}`).set(bearer(k)).send(body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const patch = (path: string, body: object, k = key) => app.http.patch(`/v1${path}`).set(bearer(k)).send(body);
  const systemPrompt = async (agentId: string) =>
    (await app.http.get(`/v1/agents/${agentId}/prompt-preview?userId=u`).set(bearer(key))).body.data.messages[0].content as string;

  it('composes the system prompt from the character, then the agent’s own fields, in the documented order', async () => {
    const character = await post('/characters', {
      name: 'Ada',
      username: 'ada',
      bio: ['A patient teacher.'],
      lore: ['Wrote the first program.'],
      adjectives: ['curious', 'precise'],
      topics: ['engines'],
      style: { all: ['short sentences'], chat: ['ask back'] },
      scenario: 'A study.',
      greeting: 'Good day.',
      knowledge: ['Engines compute.'],
      messageExamples: [[{ role: 'user', text: 'Hi?' }, { role: 'agent', text: 'Hello.' }]],
      system: 'CHARACTER SYSTEM',
    });
    const agent = await post('/agents', {
      name: 'Tutor',
      description: 'Teaches.',
      personality: { traits: ['kind'] },
      systemPrompt: 'AGENT SYSTEM',
      characterId: character.id,
    });
    expect([agent.characterId, agent.characterRevision]).toEqual([character.id, null]);
    const prompt = await systemPrompt(agent.id);
    const order = [
      'You are Tutor. Teaches.',
      'You play the character Ada (@ada).',
      'A patient teacher.',
      'Background:\n- Wrote the first program.',
      'You are curious, precise.',
      'Topics you know well: engines.',
      'How Ada writes:\n- short sentences\n- ask back',
      'Scenario: A study.',
      'How you greet someone new: Good day.',
      'Example conversations:\nUser: Hi?\nAda: Hello.',
      'CHARACTER SYSTEM',
      'Personality traits: kind.',
      'AGENT SYSTEM',
    ];
    const positions = order.map((part) => prompt.indexOf(part));
    expect(positions.every((p) => p >= 0), prompt).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Following the latest revision, its knowledge entries are retrieved like documents (only
    // the relevant ones, in the Knowledge section); pinned to a revision, they are all listed.
    expect(prompt).not.toContain('What you know');
    const pinned = await post('/agents', { name: 'Pinned tutor', characterId: character.id, characterRevision: 1 });
    expect(await systemPrompt(pinned.id)).toContain('How you greet someone new: Good day.\n\nWhat you know:\n- Engines compute.');
    // The same text through GraphQL, where the agent also leads to its character.
    const gql = await graphql(app, key, OPS.promptPreview, { agentId: agent.id, userId: 'u' });
    expect(gql.body.data.agent.promptPreview.messages[0].content).toBe(prompt);
    const linked = await graphql(app, key, 'query($id: ID!) { agent(id: $id) { character { id name revision } } }', { id: agent.id });
    expect(linked.body.data.agent.character).toEqual({ id: character.id, name: 'Ada', revision: 1 });
  });

  it('a following agent sees every change; a pinned one keeps its revision’s text (both protocols)', async () => {
    const character = await post('/characters', { name: 'Shifty', bio: ['Version one bio.'] });
    const follower = await post('/agents', { name: 'Follower', characterId: character.id });
    const gqlPinned = await graphql(app, key, OPS.createAgent, { input: { name: 'Pinned', characterId: character.id, characterRevision: 1 } });
    const pinned = gqlPinned.body.data.createAgent;
    expect([pinned.characterId, pinned.characterRevision]).toEqual([character.id, 1]);

    await patch(`/characters/${character.id}`, { bio: ['Version two bio.'] }).expect(200);
    expect(await systemPrompt(follower.id)).toContain('Version two bio.');
    expect(await systemPrompt(pinned.id)).toContain('Version one bio.');
    expect(await systemPrompt(pinned.id)).not.toContain('Version two bio.');

    // Pin the follower to revision 2, then unpin the pinned one: each now shows the other text.
    expect((await patch(`/agents/${follower.id}`, { characterRevision: 2 })).body.data.characterRevision).toBe(2);
    await patch(`/characters/${character.id}`, { bio: ['Version three bio.'] }).expect(200);
    expect(await systemPrompt(follower.id)).toContain('Version two bio.');
    const unpinned = await graphql(app, key, OPS.updateAgent, { agentId: pinned.id, input: { characterRevision: null } });
    expect(unpinned.body.data.updateAgent).toMatchObject({ characterId: character.id, characterRevision: null });
    expect(await systemPrompt(pinned.id)).toContain('Version three bio.');

    // Detaching drops the character (and its pin) from the prompt.
    const detached = (await patch(`/agents/${follower.id}`, { characterId: null })).body.data;
    expect([detached.characterId, detached.characterRevision]).toEqual([null, null]);
    expect(await systemPrompt(follower.id)).not.toContain('Shifty');
  });

  it('a revision that does not exist, or a pin without a character, is 400 naming characterRevision in both protocols', async () => {
    const character = await post('/characters', { name: 'Young' });
    const agent = await post('/agents', { name: 'Plain' });
    const cases: [object, string][] = [
      [{ name: 'X', characterId: character.id, characterRevision: 2 }, 'characterRevision'],
      [{ name: 'X', characterRevision: 1 }, 'characterRevision'],
      [{ name: 'X', characterId: character.id, characterRevision: 0 }, 'characterRevision'],
    ];
    for (const [input, field] of cases) {
      const res = await app.http.post('/v1/agents').set(bearer(key)).send(input);
      expect([res.status, res.body.error.code, res.body.error.details.fields[0].field]).toEqual([400, 'INVALID_REQUEST', field]);
      const gql = await graphql(app, key, OPS.createAgent, { input });
      expect([gql.body.errors[0].extensions.code, gql.body.errors[0].extensions.details.fields[0].field]).toEqual(['INVALID_REQUEST', field]);
    }
    const res = await patch(`/agents/${agent.id}`, { characterRevision: 1 });
    expect([res.status, res.body.error.details.fields[0].field]).toEqual([400, 'characterRevision']);
    expect((await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key))).body.data.characterRevision).toBeNull();
  });

  it('a character of another account cannot be attached: 404 NOT_FOUND for the character, in both protocols', async () => {
    const stranger = await app.newAccount('Stranger');
    const theirs = await post('/characters', { name: 'Theirs', bio: ['their secret'] }, stranger.key);
    const missing = `chr_${'0'.repeat(26)}`;
    const agent = await post('/agents', { name: 'Mine' });
    for (const characterId of [theirs.id, missing, 'not-an-id']) {
      const created = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Thief', characterId });
      expect([created.status, created.body.error.code, created.body.error.details]).toEqual([404, 'NOT_FOUND', { id: characterId }]);
      const updated = await patch(`/agents/${agent.id}`, { characterId });
      expect([updated.status, updated.body.error.code]).toEqual([404, 'NOT_FOUND']);
      const gql = await graphql(app, key, OPS.createAgent, { input: { name: 'Thief', characterId } });
      expect([gql.status, gql.body.errors[0].extensions.code, gql.body.errors[0].extensions.details]).toEqual([404, 'NOT_FOUND', { id: characterId }]);
      // The same answer whether the character exists elsewhere or not at all.
      expect(created.body.error.message).toBe(`Character ${JSON.stringify(characterId)} was not found`);
    }
    expect(await app.db.prisma.agent.count({ where: { name: 'Thief' } })).toBe(0);
    expect((await app.http.get(`/v1/agents/${agent.id}`).set(bearer(key))).body.data.characterId).toBeNull();
  });

  it('the offline engine speaks in character: greeting first, then its adjectives and topics', async () => {
    const pirate = await post('/characters', {
      name: 'Captain Rook',
      greeting: 'Ahoy, matey! Welcome aboard.',
      adjectives: ['salty'],
      topics: ['the high seas'],
    });
    const scholar = await post('/characters', {
      name: 'Professor Vale',
      greeting: 'Good afternoon. Please, take a seat.',
      adjectives: ['meticulous'],
      topics: ['ancient maps'],
    });
    const [a, b] = await Promise.all([
      post('/agents', { name: 'Guide', characterId: pirate.id }),
      post('/agents', { name: 'Guide', characterId: scholar.id }),
    ]);
    const send = (agentId: string, text: string) => post(`/agents/${agentId}/messages`, { text, userId: 'traveller' });
    const [first, other] = [await send(a.id, 'Hello, who are you?'), await send(b.id, 'Hello, who are you?')];
    expect(first.response.startsWith('Ahoy, matey! Welcome aboard.')).toBe(true);
    expect(first.response).toContain('salty');
    expect(first.response).toContain('the high seas');
    expect(other.response.startsWith('Good afternoon. Please, take a seat.')).toBe(true);
    expect(other.response).toContain('meticulous');
    expect(other.response).not.toEqual(first.response);
    // The greeting opens a conversation only; a topic the user names is the one it talks about.
    const second = await send(a.id, 'Tell me about the high seas');
    expect(second.response).not.toContain('Ahoy, matey! Welcome aboard.');
    expect(second.response).toContain('The high seas is close to my heart.');
    // An agent without a character answers as before (no character line).
    const plain = await post('/agents', { name: 'Guide' });
    expect((await send(plain.id, 'Hello, who are you?')).response).not.toContain('Speaking as');
  });
});

describe.each(STORAGES)('naming a character takes characters:read (%s)', (storage) => {
  let app: TestApp;
  let accountId: string;
  let ownerKey: string;
  let agentsOnly: string;
  let characterId: string;
  let agentId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ accountId, key: ownerKey } = await app.newAccount());
    agentsOnly = await app.keyWithScopes(accountId, ['agents:read', 'agents:write']);
    characterId = (await app.http.post('/v1/characters').set(bearer(ownerKey)).send({ name: 'Secret', bio: ['classified'] })).body.data.id;
    agentId = (await app.http.post('/v1/agents').set(bearer(ownerKey)).send({ name: 'Plain' })).body.data.id;
  });
  afterAll(() => app?.close());

  const agentCount = async () => (await app.http.get('/v1/agents').set(bearer(ownerKey))).body.data.pagination.totalItems;

  it('creating an agent with a characterId: 403 FORBIDDEN (characters:read) in both protocols, nothing created', async () => {
    const before = await agentCount();
    const rest = await app.http.post('/v1/agents').set(bearer(agentsOnly)).send({ name: 'Spy', characterId });
    expect(rest.status).toBe(403);
    expect(rest.body.error).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'characters:read' } });
    const gql = await graphql(app, agentsOnly, 'mutation($c: ID) { createAgent(input: { name: "Spy", characterId: $c }) { id } }', { c: characterId });
    expect(gql.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', details: { requiredScope: 'characters:read' } });
    expect(await agentCount()).toBe(before);
  });

  it('attaching one or pinning a revision: 403 in both protocols, the agent unchanged', async () => {
    for (const input of [{ characterId }, { characterRevision: 1 }]) {
      const rest = await app.http.patch(`/v1/agents/${agentId}`).set(bearer(agentsOnly)).send(input);
      expect(rest.status).toBe(403);
      expect(rest.body.error.details.requiredScope).toBe('characters:read');
      const gql = await graphql(app, agentsOnly, 'mutation($id: ID!, $input: UpdateAgentInput!) { updateAgent(id: $id, input: $input) { id } }', { id: agentId, input });
      expect(gql.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
    expect((await app.http.get(`/v1/agents/${agentId}`).set(bearer(ownerKey))).body.data.characterId).toBeNull();
  });

  it('without naming one, agents:write alone still creates, changes and detaches', async () => {
    expect((await app.http.post('/v1/agents').set(bearer(agentsOnly)).send({ name: 'Fine' })).status).toBe(201);
    expect((await app.http.patch(`/v1/agents/${agentId}`).set(bearer(agentsOnly)).send({ name: 'Renamed', characterId: null })).status).toBe(200);
  });

  it('with characters:read as well, it attaches', async () => {
    const both = await app.keyWithScopes(accountId, ['agents:read', 'agents:write', 'characters:read']);
    const res = await app.http.patch(`/v1/agents/${agentId}`).set(bearer(both)).send({ characterId });
    expect(res.status).toBe(200);
    expect(res.body.data.characterId).toBe(characterId);
  });
});
