import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedToolSecret } from '../support/tools.js';
import { TOOL_LIMITS } from '../../src/services/tools/custom-tools.js';
import { STORAGES, TEST_SERVER_KEY, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

const TOOL_FIELDS = 'id agentId name description parameters url timeoutMs createdAt updatedAt';
const CREATE = `mutation($agentId: ID!, $input: CreateToolInput!) {
  createTool(agentId: $agentId, input: $input) { tool { ${TOOL_FIELDS} } signingSecret } }`;
const UPDATE = `mutation($id: ID!, $agentId: ID, $input: UpdateToolInput!) { updateTool(id: $id, agentId: $agentId, input: $input) { ${TOOL_FIELDS} } }`;
const DELETE = 'mutation($id: ID!, $agentId: ID) { deleteTool(id: $id, agentId: $agentId) { id: deletedId deleted } }';
const ROTATE = 'mutation($agentId: ID!) { rotateToolSecret(agentId: $agentId) { agentId secret } }';
const AGENT_TOOLS = `query($id: ID!, $page: Int, $limit: Int) { agent(id: $id) { tools(page: $page, limit: $limit) {
  items: nodes { ${TOOL_FIELDS} } pagination { currentPage totalPages totalItems itemsPerPage } } } }`;
const AGENT_TOOL = `query($id: ID!, $toolId: ID!) { agent(id: $id) { tool(id: $toolId) { ${TOOL_FIELDS} } } }`;
const NODE = `query($id: ID!) { node(id: $id) { id ... on Tool { ${TOOL_FIELDS} } } }`;

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

const restError = (res: { status: number; body: any }) => [res.status, res.body.error?.code, res.body.error?.details];
const gqlError = (res: { status: number; body: any }) => [res.status, res.body.errors?.[0]?.extensions.code, res.body.errors?.[0]?.extensions.details];

const tool = (over: Record<string, unknown> = {}) => ({
  name: 'get_weather',
  description: 'The weather in a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  url: 'https://tools.example.com/weather',
  ...over,
});

describe.each(STORAGES)('custom tools (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount('Owner'));
    ({ key: otherKey } = await app.newAccount('Other'));
  });
  afterAll(() => app?.close());

  const newAgent = async (k = key) => (await app.http.post('/v1/agents').set(bearer(k)).send({ name: 'Tooled' })).body.data.id as string;
  const create = (agentId: string, body: object, k = key) => app.http.post(`/v1/agents/${agentId}/tools`).set(bearer(k)).send(body);
  const snapshot = () =>
    Promise.all([
      app.db.prisma.tool.findMany({ orderBy: { id: 'asc' } }),
      app.db.prisma.agent.findMany({ select: { id: true, toolSecret: true }, orderBy: { id: 'asc' } }),
    ]);

  it('creates a tool (201, timeoutMs 10000 by default); the agent’s first tool shows its signing secret once', async () => {
    const agentId = await newAgent();
    const first = await create(agentId, tool());
    expect(first.status).toBe(201);
    expect(first.body.data.tool).toMatchObject({ ...tool(), agentId, timeoutMs: 10_000 });
    expect(first.body.data.tool.id).toMatch(/^tol_[0-9A-Z]{26}$/);
    expect(first.body.data.signingSecret).toMatch(SECRET);
    expect(Buffer.from(first.body.data.signingSecret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const second = await create(agentId, tool({ name: 'get_time', timeoutMs: 250 }));
    expect([second.status, second.body.data.tool.timeoutMs, second.body.data.signingSecret]).toEqual([201, 250, null]);
    // GraphQL answers alike: no secret, the agent has one.
    const gql = await graphql(app, key, CREATE, { agentId, input: tool({ name: 'get_news' }) });
    expect(gql.body.data.createTool.signingSecret).toBeNull();
    expect(gql.body.data.createTool.tool).toMatchObject({ ...tool({ name: 'get_news' }), agentId, timeoutMs: 10_000 });
  });

  it('the secret is stored sealed (the column never holds it), opens with the server key only, and rotates', async () => {
    const agentId = await newAgent();
    const { signingSecret } = (await create(agentId, tool())).body.data;
    const [raw] = await app.db.prisma.$queryRaw<{ toolSecret: string }[]>`SELECT "toolSecret" FROM "Agent" WHERE "id" = ${agentId}`;
    expect(raw!.toolSecret).toMatch(/^v1\./);
    expect(raw!.toolSecret).not.toContain(signingSecret.slice('whsec_'.length, 20));
    expect(JSON.stringify(await app.db.prisma.tool.findMany({ where: { agentId } }))).not.toContain(signingSecret);
    expect(await storedToolSecret(app.db.prisma, TEST_SERVER_KEY, agentId)).toBe(signingSecret);
    expect(await storedToolSecret(app.db.prisma, `another-server-key-${'x'.repeat(32)}`, agentId)).toBeUndefined();
    expect(await storedToolSecret(app.db.prisma, undefined, agentId)).toBeUndefined();
    // Sealed for this agent: copied onto another agent, it does not open.
    const other = await newAgent();
    await app.db.prisma.agent.update({ where: { id: other }, data: { toolSecret: raw!.toolSecret } });
    expect(await storedToolSecret(app.db.prisma, TEST_SERVER_KEY, other)).toBeUndefined();

    const rotated = await app.http.post(`/v1/agents/${agentId}/tools/secret`).set(bearer(key));
    expect(rotated.status).toBe(201);
    expect(rotated.body.data).toEqual({ agentId, secret: expect.stringMatching(SECRET) });
    expect(rotated.body.data.secret).not.toBe(signingSecret);
    expect(await storedToolSecret(app.db.prisma, TEST_SERVER_KEY, agentId)).toBe(rotated.body.data.secret);
    const gql = await graphql(app, key, ROTATE, { agentId });
    expect(gql.body.data.rotateToolSecret).toEqual({ agentId, secret: expect.stringMatching(SECRET) });
    expect(await storedToolSecret(app.db.prisma, TEST_SERVER_KEY, agentId)).toBe(gql.body.data.rotateToolSecret.secret);
    // Reading the agent or its tools never shows it.
    const read = JSON.stringify([
      (await app.http.get(`/v1/agents/${agentId}`).set(bearer(key))).body,
      (await app.http.get(`/v1/agents/${agentId}/tools`).set(bearer(key))).body,
    ]);
    expect(read).not.toContain('whsec_');
  });

  it('rotating makes a secret for an agent that has none', async () => {
    const agentId = await newAgent();
    const rotated = await app.http.post(`/v1/agents/${agentId}/tools/secret`).set(bearer(key));
    expect(rotated.body.data.secret).toMatch(SECRET);
    // Its first tool then shows none: the secret exists already.
    expect((await create(agentId, tool())).body.data.signingSecret).toBeNull();
  });

  it('lists (newest first, paged), gets, updates and deletes, the same in both protocols', async () => {
    const agentId = await newAgent();
    const ids: string[] = [];
    for (const name of ['a1', 'a2', 'a3']) ids.push((await create(agentId, tool({ name }))).body.data.tool.id);
    const list = await app.http.get(`/v1/agents/${agentId}/tools?limit=2`).set(bearer(key));
    expect(list.body.data.items.map((t: any) => t.name)).toEqual(['a3', 'a2']);
    expect(list.body.data.pagination).toEqual({ currentPage: 1, totalPages: 2, totalItems: 3, itemsPerPage: 2 });
    const gqlList = await graphql(app, key, AGENT_TOOLS, { id: agentId, limit: 2 });
    expect(gqlList.body.data.agent.tools).toEqual(list.body.data);

    const one = await app.http.get(`/v1/agents/${agentId}/tools/${ids[0]}`).set(bearer(key));
    expect(one.body.data.name).toBe('a1');
    expect((await graphql(app, key, AGENT_TOOL, { id: agentId, toolId: ids[0] })).body.data.agent.tool).toEqual(one.body.data);
    expect((await graphql(app, key, NODE, { id: ids[0] })).body.data.node).toEqual(one.body.data);
    expect((await graphql(app, key, `query($id: ID!) { tool(id: $id) { ${TOOL_FIELDS} } }`, { id: ids[0] })).body.data.tool).toEqual(one.body.data);

    const patched = await app.http
      .patch(`/v1/agents/${agentId}/tools/${ids[0]}`)
      .set(bearer(key))
      .send({ description: 'Changed.', url: 'http://tools.example.com:8080/v2?x=1', parameters: { type: 'object', properties: {} }, timeoutMs: 30_000 });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ name: 'a1', description: 'Changed.', url: 'http://tools.example.com:8080/v2?x=1', timeoutMs: 30_000 });
    const restored = await graphql(app, key, UPDATE, { id: ids[0], input: { timeoutMs: null, name: 'renamed' } });
    expect(restored.body.data.updateTool).toMatchObject({ name: 'renamed', timeoutMs: 10_000, description: 'Changed.' });

    const deleted = await app.http.delete(`/v1/agents/${agentId}/tools/${ids[0]}`).set(bearer(key));
    expect([deleted.status, deleted.body.data]).toEqual([200, { id: ids[0], deleted: true }]);
    const gqlDeleted = await graphql(app, key, DELETE, { id: ids[1] });
    expect(gqlDeleted.body.data.deleteTool).toEqual({ id: ids[1], deleted: true });
    const gone = await app.http.get(`/v1/agents/${agentId}/tools/${ids[0]}`).set(bearer(key));
    expect(restError(gone)).toEqual([404, 'NOT_FOUND', { id: ids[0] }]);
    expect(gqlError(await graphql(app, key, AGENT_TOOL, { id: agentId, toolId: ids[0] }))).toEqual(restError(gone));
    expect(gqlError(await graphql(app, key, DELETE, { id: ids[0] }))).toEqual(restError(gone));
    // Deleting the agent deletes its tools.
    await app.http.delete(`/v1/agents/${agentId}`).set(bearer(key)).expect(200);
    expect(await app.db.prisma.tool.count({ where: { agentId } })).toBe(0);
  });

  const bigSchema = {
    type: 'object',
    properties: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`field_${i}`, { type: 'string', description: 'x'.repeat(40) }])),
  };
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 10; i++) deep = { type: 'object', properties: { a: deep } };

  it.each<[string, Record<string, unknown>, string]>([
    ['a name that does not start with a letter', { name: '1tool' }, 'name'],
    ['a name with a space', { name: 'get weather' }, 'name'],
    ['a name of 65 characters', { name: `a${'b'.repeat(64)}` }, 'name'],
    ['a built-in tool’s name', { name: 'calculate' }, 'name'],
    ['an empty description', { description: '   ' }, 'description'],
    ['a description of 1001 characters', { description: 'x'.repeat(1001) }, 'description'],
    ['parameters whose top level is not an object schema', { parameters: { type: 'array', items: { type: 'string' } } }, 'parameters.type'],
    ['parameters without a type', { parameters: { properties: {} } }, 'parameters.type'],
    ['parameters with an unknown keyword (strict)', { parameters: { type: 'object', propertees: {} } }, 'parameters'],
    ['parameters with a wrong type name', { parameters: { type: 'object', properties: { a: { type: 'text' } } } }, 'parameters'],
    ['parameters requiring an undeclared property (strict)', { parameters: { type: 'object', properties: {}, required: ['city'] } }, 'parameters'],
    ['parameters with a remote $ref', { parameters: { type: 'object', properties: { a: { $ref: 'https://example.com/s.json' } } } }, 'parameters'],
    ['parameters too large', { parameters: bigSchema }, 'parameters'],
    ['parameters nested too deep', { parameters: { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'object', properties: { c: deep } } } } } } }, 'parameters'],
    ['parameters that are not an object', { parameters: 'object' }, 'parameters'],
    ['a relative url', { url: '/weather' }, 'url'],
    ['an ftp url', { url: 'ftp://tools.example.com/w' }, 'url'],
    ['a url with credentials', { url: 'https://user:pass@tools.example.com/w' }, 'url'],
    ['a url over 2048 characters', { url: `https://tools.example.com/${'a'.repeat(2040)}` }, 'url'],
    ['a timeout under 100 ms', { timeoutMs: 99 }, 'timeoutMs'],
    ['a timeout over 30 s', { timeoutMs: 30_001 }, 'timeoutMs'],
    ['a timeout that is not an integer', { timeoutMs: 150.5 }, 'timeoutMs'],
    ['an unknown field', { headers: { 'X-Key': 'v' } }, 'headers'],
  ])('create with %s: 400 INVALID_REQUEST naming %s… (both protocols), nothing changes', async (_name, over, field) => {
    const agentId = await newAgent();
    const before = await snapshot();
    const rest = await create(agentId, tool(over));
    expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(rest.body.error.details.fields[0].field).toBe(field);
    const gql = await graphql(app, key, CREATE, { agentId, input: tool(over) });
    expect(gqlError(gql)).toEqual(restError(rest));
    expect(await snapshot()).toEqual(before);
  });

  it('missing required fields: 400 naming each (both protocols)', async () => {
    const agentId = await newAgent();
    const rest = await create(agentId, {});
    expect(rest.status).toBe(400);
    expect(rest.body.error.details.fields.map((f: any) => f.field).sort()).toEqual(['description', 'name', 'parameters', 'url']);
    expect(gqlError(await graphql(app, key, CREATE, { agentId, input: {} }))).toEqual(restError(rest));
  });

  it('update: null for a field that cannot be cleared, and every create bound, are 400; nothing changes', async () => {
    const agentId = await newAgent();
    const id = (await create(agentId, tool())).body.data.tool.id;
    const before = await snapshot();
    for (const [body, field] of [
      [{ name: null }, 'name'],
      [{ url: null }, 'url'],
      [{ parameters: null }, 'parameters'],
      [{ description: null }, 'description'],
      [{ name: 'current_time' }, 'name'],
      [{ parameters: { type: 'object', nope: 1 } }, 'parameters'],
      [{ url: 'file:///etc/passwd' }, 'url'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ id: 'tol_x' }, 'id'],
    ] as const) {
      const rest = await app.http.patch(`/v1/agents/${agentId}/tools/${id}`).set(bearer(key)).send(body);
      expect([rest.status, rest.body.error?.details.fields[0].field], JSON.stringify(body)).toEqual([400, field]);
      expect(gqlError(await graphql(app, key, UPDATE, { id, agentId, input: body }))).toEqual(restError(rest));
    }
    expect(await snapshot()).toEqual(before);
  });

  it('a regular expression that could backtrack is refused (400 naming where it is, both protocols); a safe one is kept', async () => {
    const agentId = await newAgent();
    const before = await snapshot();
    const parameters = {
      type: 'object',
      properties: {
        code: { type: 'string', pattern: '^(a+)+$' },
        tags: { type: 'object', patternProperties: { '^(x|y*)*$': { type: 'string' } } },
      },
    };
    const rest = await create(agentId, tool({ parameters }));
    expect(restError(rest).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
    expect(rest.body.error.details.fields.map((f: any) => f.field)).toEqual([
      'parameters.properties.code.pattern',
      'parameters.properties.tags.patternProperties.^(x|y*)*$',
    ]);
    expect(gqlError(await graphql(app, key, CREATE, { agentId, input: tool({ parameters }) }))).toEqual(restError(rest));
    expect(await snapshot()).toEqual(before);
    const safe = await create(agentId, tool({ parameters: { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}-\\d{4}$' } } } }));
    expect(safe.status).toBe(201);
  });

  it('a name the agent already has: 409 ALREADY_EXISTS on create and update (both protocols); another agent may use it', async () => {
    const agentId = await newAgent();
    await create(agentId, tool()).expect(201);
    const other = (await create(agentId, tool({ name: 'other' }))).body.data.tool.id;
    const before = await snapshot();
    const rest = await create(agentId, tool());
    expect(restError(rest)).toEqual([409, 'ALREADY_EXISTS', { field: 'name', name: 'get_weather' }]);
    expect(gqlError(await graphql(app, key, CREATE, { agentId, input: tool() }))).toEqual(restError(rest));
    const renamed = await app.http.patch(`/v1/agents/${agentId}/tools/${other}`).set(bearer(key)).send({ name: 'get_weather' });
    expect(restError(renamed)).toEqual(restError(rest));
    expect(gqlError(await graphql(app, key, UPDATE, { id: other, input: { name: 'get_weather' } }))).toEqual(restError(rest));
    expect(await snapshot()).toEqual(before);
    // Renaming a tool to its own name is no conflict; another agent may have the name.
    await app.http.patch(`/v1/agents/${agentId}/tools/${other}`).set(bearer(key)).send({ name: 'other' }).expect(200);
    await create(await newAgent(), tool()).expect(201);
  });

  it(`at most ${TOOL_LIMITS.perAgent} tools per agent: the next is 400 (both protocols), nothing created`, async () => {
    const agentId = await newAgent();
    for (let i = 0; i < TOOL_LIMITS.perAgent; i++) await create(agentId, tool({ name: `t${i}` })).expect(201);
    const rest = await create(agentId, tool({ name: 'one_more' }));
    expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect(rest.body.error.message).toContain(`at most ${TOOL_LIMITS.perAgent}`);
    expect(gqlError(await graphql(app, key, CREATE, { agentId, input: tool({ name: 'one_more' }) }))).toEqual(restError(rest));
    expect(await app.db.prisma.tool.count({ where: { agentId } })).toBe(TOOL_LIMITS.perAgent);
  });

  it('another account’s agent and tools: not found in every route and field, node(id:) is null, nothing changes', async () => {
    const theirAgent = await newAgent(otherKey);
    const theirTool = (await create(theirAgent, tool(), otherKey)).body.data.tool.id;
    const myAgent = await newAgent();
    const myTool = (await create(myAgent, tool())).body.data.tool.id;
    const mySecond = await newAgent();
    const before = await snapshot();

    // Their agent: AGENT_NOT_FOUND, as for an agent that does not exist.
    for (const res of [
      await create(theirAgent, tool({ name: 'mine' })),
      await app.http.get(`/v1/agents/${theirAgent}/tools`).set(bearer(key)),
      await app.http.get(`/v1/agents/${theirAgent}/tools/${theirTool}`).set(bearer(key)),
      await app.http.patch(`/v1/agents/${theirAgent}/tools/${theirTool}`).set(bearer(key)).send({ description: 'mine' }),
      await app.http.delete(`/v1/agents/${theirAgent}/tools/${theirTool}`).set(bearer(key)),
      await app.http.post(`/v1/agents/${theirAgent}/tools/secret`).set(bearer(key)),
    ]) {
      expect(restError(res)).toEqual([404, 'AGENT_NOT_FOUND', { id: theirAgent }]);
    }
    expect(gqlError(await graphql(app, key, CREATE, { agentId: theirAgent, input: tool({ name: 'mine' }) }))[1]).toBe('AGENT_NOT_FOUND');
    expect(gqlError(await graphql(app, key, ROTATE, { agentId: theirAgent }))[1]).toBe('AGENT_NOT_FOUND');
    expect(gqlError(await graphql(app, key, AGENT_TOOLS, { id: theirAgent }))[1]).toBe('AGENT_NOT_FOUND');

    // Their tool under my agent, or by its ID alone: NOT_FOUND, as for a tool that does not exist.
    const missing = `tol_${'0'.repeat(26)}`;
    for (const id of [theirTool, missing]) {
      const attempts = [
        await app.http.get(`/v1/agents/${myAgent}/tools/${id}`).set(bearer(key)),
        await app.http.patch(`/v1/agents/${myAgent}/tools/${id}`).set(bearer(key)).send({ description: 'mine' }),
        await app.http.delete(`/v1/agents/${myAgent}/tools/${id}`).set(bearer(key)),
      ];
      for (const res of attempts) expect(restError(res)).toEqual([404, 'NOT_FOUND', { id }]);
      expect(gqlError(await graphql(app, key, UPDATE, { id, input: { description: 'mine' } }))).toEqual(restError(attempts[1]!));
      expect(gqlError(await graphql(app, key, DELETE, { id }))).toEqual(restError(attempts[2]!));
      expect(gqlError(await graphql(app, key, AGENT_TOOL, { id: myAgent, toolId: id }))).toEqual(restError(attempts[0]!));
      expect(gqlError(await graphql(app, key, 'query($id: ID!) { tool(id: $id) { id } }', { id }))).toEqual(restError(attempts[0]!));
      expect((await graphql(app, key, NODE, { id })).body).toEqual({ data: { node: null } });
    }
    // My tool under another of my agents: NOT_FOUND too.
    expect(restError(await app.http.get(`/v1/agents/${mySecond}/tools/${myTool}`).set(bearer(key)))).toEqual([404, 'NOT_FOUND', { id: myTool }]);
    expect(restError(await app.http.delete(`/v1/agents/${mySecond}/tools/${myTool}`).set(bearer(key)))).toEqual([404, 'NOT_FOUND', { id: myTool }]);
    // My agent's list holds my tools only.
    const mine = await graphql(app, key, AGENT_TOOLS, { id: myAgent });
    expect(mine.body.data.agent.tools.items.map((t: any) => t.id)).toEqual([myTool]);
    expect(await snapshot()).toEqual(before);
  });

  it('the rotate path has POST only: 405 with its Allow header (not taken for a tool ID)', async () => {
    const agentId = await newAgent();
    const res = await app.http.get(`/v1/agents/${agentId}/tools/secret`).set(bearer(key));
    expect([res.status, res.headers['allow'], res.body.error.code]).toEqual([405, 'POST, OPTIONS', 'METHOD_NOT_ALLOWED']);
    const put = await app.http.put(`/v1/agents/${agentId}/tools`).set(bearer(key)).send({});
    expect([put.status, put.headers['allow']]).toEqual([405, 'POST, GET, HEAD, OPTIONS']);
  });
});

describe.each(STORAGES)('custom tools without a server key (%s)', (storage) => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(storage, { serverKey: undefined });
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  it('creating a tool or rotating the secret: 503 SERVICE_UNAVAILABLE, reason secret_key_not_configured (both protocols); nothing stored', async () => {
    const agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Keyless' })).body.data.id;
    const rest = await app.http.post(`/v1/agents/${agentId}/tools`).set(bearer(key)).send(tool());
    expect(restError(rest)).toEqual([503, 'SERVICE_UNAVAILABLE', { reason: 'secret_key_not_configured' }]);
    expect(rest.headers['retry-after']).toBeDefined();
    expect(gqlError(await graphql(app, key, CREATE, { agentId, input: tool() }))).toEqual(restError(rest));
    const rotate = await app.http.post(`/v1/agents/${agentId}/tools/secret`).set(bearer(key));
    expect(restError(rotate)).toEqual(restError(rest));
    expect(gqlError(await graphql(app, key, ROTATE, { agentId }))).toEqual(restError(rest));
    expect(await app.db.prisma.tool.count()).toBe(0);
    expect((await app.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).toolSecret).toBeNull();
    // Plugins need no key.
    await app.http.put(`/v1/agents/${agentId}/plugins/http`).set(bearer(key)).expect(200);
  });
});
