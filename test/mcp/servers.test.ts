import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type OperationDefinitionNode } from 'graphql';
import { operationCost } from '../../src/graphql/cost.js';
import { schema } from '../../src/graphql/schema.js';
import { MCP_SERVER_LIMITS } from '../../src/services/mcp/server-input.js';
import { openMcpHeaders } from '../../src/services/mcp/headers.js';
import { STORAGES, TEST_SERVER_KEY, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { startMcpServer, type TestMcpServer } from '../support/mcp-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const FIELDS = `id name description url headerNames timeoutMs status
  tools { name title description inputSchema annotations } toolsListedAt lastError { code message } createdAt updatedAt`;
const AGENT_FIELDS = `mcpServerId agentId tools mcpServer { ${FIELDS} } createdAt updatedAt`;
const CREATE = `mutation($input: CreateMcpServerInput!) { createMcpServer(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateMcpServerInput!) { updateMcpServer(id: $id, input: $input) { ${FIELDS} } }`;
const REFRESH = `mutation($id: ID!) { refreshMcpServer(id: $id) { ${FIELDS} } }`;
const DELETE = 'mutation($id: ID!) { deleteMcpServer(id: $id) { id: deletedId deleted } }';
const GET = `query($id: ID!) { mcpServer(id: $id) { ${FIELDS} } }`;
const NODE = `query($id: ID!) { node(id: $id) { ... on McpServer { ${FIELDS} } } }`;
const LIST = `query($page: Int, $limit: Int) { mcpServers(page: $page, limit: $limit) {
  items: nodes { ${FIELDS} } pagination { currentPage totalPages totalItems itemsPerPage } } }`;
const AGENT_SERVERS = `query($id: ID!) { agent(id: $id) { mcpServers { ${AGENT_FIELDS} } } }`;
const ENABLE = `mutation($agentId: ID!, $id: ID!, $input: EnableMcpServerInput) {
  enableMcpServer(agentId: $agentId, mcpServerId: $id, input: $input) { created agentMcpServer { ${AGENT_FIELDS} } } }`;
const DISABLE = 'mutation($agentId: ID!, $id: ID!) { disableMcpServer(agentId: $agentId, mcpServerId: $id) { agentId mcpServerId disabled } }';

const TOOL_NAMES = ['add', 'echo', 'fail', 'huge', 'slow'];
const SECRET = 'Bearer mcp-secret-7f3a9c';

type Res = { status: number; body: any };
const restError = (res: Res) => [res.status, res.body.error?.code, res.body.error?.details];
const gqlError = (res: Res) => [res.status, res.body.errors?.[0]?.extensions?.code, res.body.errors?.[0]?.extensions?.details];

describe.each(STORAGES)('MCP servers (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let otherKey: string;
  let readKey: string;
  let mcp: TestMcpServer;
  let guarded: TestMcpServer;

  beforeAll(async () => {
    app = await startTestApp(storage, { allowPrivateNetworks: true });
    let accountId: string;
    ({ key, accountId } = await app.newAccount('Owner'));
    ({ key: otherKey } = await app.newAccount('Other'));
    readKey = await app.keyWithScopes(accountId, ['agents:read']);
    mcp = await startMcpServer();
    guarded = await startMcpServer({ jsonResponse: true, requireAuthorization: SECRET });
  });
  afterAll(async () => {
    await app?.close();
    await mcp?.close();
    await guarded?.close();
  });

  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${++counter}`;
  const create = (body: object, k = key) => app.http.post('/v1/mcp-servers').set(bearer(k)).send(body);
  const newAgent = async (k = key) => (await app.http.post('/v1/agents').set(bearer(k)).send({ name: 'Uses MCP' })).body.data.id as string;
  const snapshot = () =>
    Promise.all([
      app.db.prisma.mcpServer.findMany({ orderBy: { id: 'asc' } }),
      app.db.prisma.agentMcpServer.findMany({ orderBy: [{ agentId: 'asc' }, { mcpServerId: 'asc' }] }),
      app.db.prisma.agent.findMany({ select: { id: true, enabledMcpServers: true }, orderBy: { id: 'asc' } }),
    ]);

  it('creates a server and lists its tools (status ready), the same in both protocols', async () => {
    const res = await create({ name: unique('tools'), url: mcp.url, description: 'Test tools' });
    expect(res.status).toBe(201);
    const server = res.body.data;
    expect(server).toMatchObject({
      url: mcp.url,
      description: 'Test tools',
      headerNames: [],
      timeoutMs: MCP_SERVER_LIMITS.timeoutMsDefault,
      status: 'ready',
      lastError: null,
    });
    expect(server.id).toMatch(/^mcs_[0-9A-Z]{26}$/);
    expect(server.toolsListedAt).toEqual(expect.any(String));
    expect(server.tools.map((t: any) => t.name).sort()).toEqual(TOOL_NAMES);
    expect(server.tools.find((t: any) => t.name === 'add')).toEqual({
      name: 'add',
      title: null,
      description: 'Adds two numbers.',
      inputSchema: expect.objectContaining({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } }),
      annotations: { readOnlyHint: true },
    });
    const gql = await graphql(app, key, CREATE, { input: { name: unique('tools'), url: mcp.url, timeoutMs: 5_000 } });
    expect(gql.body.errors).toBeUndefined();
    const created = gql.body.data.createMcpServer;
    expect({ ...created, id: 'x', name: 'x', createdAt: 'x', updatedAt: 'x', toolsListedAt: 'x' }).toEqual({
      ...server,
      description: null,
      timeoutMs: 5_000,
      id: 'x',
      name: 'x',
      createdAt: 'x',
      updatedAt: 'x',
      toolsListedAt: 'x',
    });
    // Reads answer the same in REST, GraphQL and node(id:).
    const rest = await app.http.get(`/v1/mcp-servers/${server.id}`).set(bearer(key));
    expect(rest.body.data).toEqual(server);
    expect((await graphql(app, key, GET, { id: server.id })).body.data.mcpServer).toEqual(server);
    expect((await graphql(app, key, NODE, { id: server.id })).body.data.node).toEqual(server);
  });

  it('lists the account’s servers newest first, paged, the same in both protocols', async () => {
    const { key: own } = await app.newAccount('Lister');
    for (const name of ['one', 'two', 'three']) expect((await create({ name, url: mcp.url }, own)).status).toBe(201);
    const list = await app.http.get('/v1/mcp-servers?limit=2').set(bearer(own));
    expect(list.body.data.items.map((s: any) => s.name)).toEqual(['three', 'two']);
    expect(list.body.data.pagination).toEqual({ currentPage: 1, totalPages: 2, totalItems: 3, itemsPerPage: 2 });
    expect((await graphql(app, own, LIST, { limit: 2 })).body.data.mcpServers).toEqual(list.body.data);
    const page2 = await app.http.get('/v1/mcp-servers?limit=2&page=2').set(bearer(own));
    expect(page2.body.data.items.map((s: any) => s.name)).toEqual(['one']);
    expect(restError(await app.http.get('/v1/mcp-servers?limit=0').set(bearer(own)))[1]).toBe('INVALID_REQUEST');
  });

  it('header values are sent to the server, stored sealed, and never answered (REST and GraphQL)', async () => {
    const before = guarded.requests.length;
    const res = await create({ name: unique('guarded'), url: guarded.url, headers: { Authorization: SECRET, 'X-Api-Key': 'key-value-42' } });
    expect([res.status, res.body.data.status, res.body.data.headerNames]).toEqual([201, 'ready', ['Authorization', 'X-Api-Key']]);
    const seen = guarded.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h.authorization === SECRET && h['x-api-key'] === 'key-value-42')).toBe(true);
    const id = res.body.data.id;
    const agentId = await newAgent();
    await app.http.put(`/v1/agents/${agentId}/mcp-servers/${id}`).set(bearer(key)).expect(201);
    const answers = JSON.stringify([
      res.body,
      (await app.http.get(`/v1/mcp-servers/${id}`).set(bearer(key))).body,
      (await app.http.get('/v1/mcp-servers?limit=100').set(bearer(key))).body,
      (await app.http.get(`/v1/agents/${agentId}/mcp-servers`).set(bearer(key))).body,
      (await app.http.post(`/v1/mcp-servers/${id}/refresh`).set(bearer(key))).body,
      (await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ description: 'still secret' })).body,
      (await graphql(app, key, GET, { id })).body,
      (await graphql(app, key, AGENT_SERVERS, { id: agentId })).body,
      (await graphql(app, key, NODE, { id })).body,
    ]);
    expect(answers).not.toContain('mcp-secret-7f3a9c');
    expect(answers).not.toContain('key-value-42');
    // The schema has no field that could show them.
    const fields = await graphql(app, key, '{ __type(name: "McpServer") { fields { name } } }');
    expect(fields.body.data.__type.fields.map((f: any) => f.name)).not.toContain('headers');
    // The column holds them sealed (AES-GCM, bound to the row), never in plaintext.
    const [row] = await app.db.prisma.$queryRaw<{ headers: string }[]>`SELECT "headers" FROM "McpServer" WHERE "id" = ${id}`;
    expect(row!.headers).toMatch(/^v1\./);
    expect(row!.headers).not.toContain('mcp-secret');
    expect(row!.headers).not.toContain('key-value-42');
    expect(openMcpHeaders(TEST_SERVER_KEY, id, row!.headers)).toEqual({ Authorization: SECRET, 'X-Api-Key': 'key-value-42' });
    expect(openMcpHeaders(TEST_SERVER_KEY, 'mcs_01JD4S9X6Q0M4W2T8ZK7Y3N5HB', row!.headers)).toBeUndefined();
  });

  it('an idempotent create is replayed without running again, and its record holds no header value', async () => {
    const body = { name: unique('idem'), url: guarded.url, headers: { Authorization: SECRET } };
    const first = await create(body).set('Idempotency-Key', `idem-${counter}`);
    const requests = guarded.requests.length;
    const replay = await create(body).set('Idempotency-Key', `idem-${counter}`);
    expect([first.status, replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 201, 'true']);
    expect(replay.body).toEqual(first.body);
    expect(guarded.requests.length).toBe(requests);
    const records = JSON.stringify(await app.db.prisma.idempotencyRecord.findMany());
    expect(records).not.toContain('mcp-secret-7f3a9c');
  });

  it('a server that cannot be reached is stored with status error; refresh once it is up makes it ready', async () => {
    const target = new URL(mcp.url);
    const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    try {
      await proxy.cut('refuse');
      const url = `http://${proxy.host}:${proxy.port}/mcp`;
      const res = await create({ name: unique('down'), url, timeoutMs: 1_000 });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'error', tools: [], toolsListedAt: null, lastError: { code: 'TOOL_HTTP_ERROR' } });
      expect(res.body.data.lastError.message).toEqual(expect.any(String));
      const id = res.body.data.id;
      // Refreshing while it is still down: still an answer (200), still error.
      const still = await app.http.post(`/v1/mcp-servers/${id}/refresh`).set(bearer(key));
      expect([still.status, still.body.data.status]).toEqual([200, 'error']);
      await proxy.restore();
      const up = await app.http.post(`/v1/mcp-servers/${id}/refresh`).set(bearer(key));
      expect(up.status).toBe(200);
      expect(up.body.data).toMatchObject({ status: 'ready', lastError: null });
      expect(up.body.data.tools.map((t: any) => t.name).sort()).toEqual(TOOL_NAMES);
      // Down again: the error is reported, the last tools listed are kept.
      await proxy.cut('refuse');
      const gql = await graphql(app, key, REFRESH, { id });
      expect(gql.body.data.refreshMcpServer).toMatchObject({ status: 'error', lastError: { code: 'TOOL_HTTP_ERROR' } });
      expect(gql.body.data.refreshMcpServer.tools.map((t: any) => t.name).sort()).toEqual(TOOL_NAMES);
      expect(gql.body.data.refreshMcpServer.toolsListedAt).toBe(up.body.data.toolsListedAt);
    } finally {
      await proxy.close();
    }
  });

  it('wrong credentials are a listing error (TOOL_HTTP_ERROR); fixing the headers with PATCH lists again', async () => {
    const res = await create({ name: unique('auth'), url: guarded.url, headers: { Authorization: 'Bearer wrong' } });
    expect([res.status, res.body.data.status, res.body.data.lastError?.code]).toEqual([201, 'error', 'TOOL_HTTP_ERROR']);
    const id = res.body.data.id;
    const fixed = await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ headers: { authorization: SECRET } });
    expect(fixed.status).toBe(200);
    expect(fixed.body.data).toMatchObject({ status: 'ready', headerNames: ['authorization'], lastError: null });
    // headers: null removes them all (and lists again: now refused).
    const removed = await graphql(app, key, UPDATE, { id, input: { headers: null } });
    expect(removed.body.data.updateMcpServer).toMatchObject({ status: 'error', headerNames: [], lastError: { code: 'TOOL_HTTP_ERROR' } });
    expect((await app.db.prisma.mcpServer.findUnique({ where: { id } }))!.headers).toBeNull();
  });

  it('moving the url to another origin needs the headers again: stored values never go to a new host (both protocols)', async () => {
    const res = await create({ name: unique('moved'), url: guarded.url, headers: { authorization: SECRET } });
    expect(res.body.data.status).toBe('ready');
    const id = res.body.data.id;
    const elsewhere = mcp.url.replace('127.0.0.1', 'localhost');
    const before = { guarded: guarded.requests.length, mcp: mcp.requests.length, row: await app.db.prisma.mcpServer.findUnique({ where: { id } }) };
    const refused = await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ url: elsewhere });
    expect([refused.status, refused.body.error.code, refused.body.error.details.fields[0].field]).toEqual([400, 'INVALID_REQUEST', 'headers']);
    const gql = await graphql(app, key, UPDATE, { id, input: { url: elsewhere } });
    expect(gql.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: refused.body.error.details });
    expect(await app.db.prisma.mcpServer.findUnique({ where: { id } })).toEqual(before.row);
    expect([guarded.requests.length, mcp.requests.length]).toEqual([before.guarded, before.mcp]);
    // Another path on the same origin keeps them; another origin with headers given (or null) is fine.
    const samePlace = await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ url: `${guarded.url}?v=2` });
    expect(samePlace.body.data).toMatchObject({ status: 'ready', headerNames: ['authorization'] });
    const moved = await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ url: elsewhere, headers: null });
    expect(moved.body.data).toMatchObject({ status: 'ready', headerNames: [], url: elsewhere });
  });

  it('PATCH replaces the fields named; only url, headers or timeoutMs list the tools again', async () => {
    const res = await create({ name: unique('patch'), url: mcp.url, timeoutMs: 2_000 });
    const id = res.body.data.id;
    const before = mcp.requests.length;
    const renamed = await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ name: unique('renamed'), description: 'Changed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data).toMatchObject({ description: 'Changed', timeoutMs: 2_000, toolsListedAt: res.body.data.toolsListedAt });
    expect(mcp.requests.length).toBe(before);
    const cleared = await app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ description: null, timeoutMs: null });
    expect(cleared.body.data).toMatchObject({ description: null, timeoutMs: MCP_SERVER_LIMITS.timeoutMsDefault, status: 'ready' });
    expect(mcp.requests.length).toBeGreaterThan(before);
    expect(cleared.body.data.toolsListedAt > res.body.data.toolsListedAt).toBe(true);
    // GraphQL answers as REST does.
    const gql = await graphql(app, key, UPDATE, { id, input: { description: 'Via GraphQL' } });
    const rest = await app.http.get(`/v1/mcp-servers/${id}`).set(bearer(key));
    expect(gql.body.data.updateMcpServer).toEqual(rest.body.data);
  });

  it('concurrent PATCHes and refreshes all answer, and the stored server is one of the configurations written', async () => {
    const id = (await create({ name: unique('busy'), url: mcp.url })).body.data.id;
    const results = await Promise.all([
      app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ timeoutMs: 2_000 }),
      app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ url: guarded.url, headers: { Authorization: SECRET } }),
      app.http.post(`/v1/mcp-servers/${id}/refresh`).set(bearer(key)),
      app.http.patch(`/v1/mcp-servers/${id}`).set(bearer(key)).send({ description: 'busy' }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const final = (await app.http.get(`/v1/mcp-servers/${id}`).set(bearer(key))).body.data;
    expect(final).toMatchObject({ url: guarded.url, headerNames: ['Authorization'], timeoutMs: 2_000, description: 'busy' });
    // Listed with the stored configuration: a refresh now finds what the row says.
    const refreshed = (await app.http.post(`/v1/mcp-servers/${id}/refresh`).set(bearer(key))).body.data;
    expect([refreshed.status, refreshed.tools.length]).toEqual(['ready', TOOL_NAMES.length]);
  });

  describe('every invalid input is 400 naming the field, and writes nothing', () => {
    let existingId: string;
    beforeAll(async () => {
      existingId = (await create({ name: unique('existing'), url: mcp.url })).body.data.id;
    });

    const cases: [string, Record<string, unknown>, string][] = [
      ['a name with capitals', { name: 'Bad' }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name of 33 characters', { name: 'a'.repeat(33) }, 'name'],
      ['a name starting with _', { name: '_x' }, 'name'],
      ['a URL that is not one', { url: 'not a url' }, 'url'],
      ['an ftp URL', { url: 'ftp://mcp.example.com/mcp' }, 'url'],
      ['a URL with credentials', { url: 'https://user:pass@mcp.example.com/mcp' }, 'url'],
      ['21 headers', { headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v'])) }, 'headers'],
      ['a header name that is no token', { headers: { 'bad name': 'v' } }, 'headers.bad name'],
      ['the Content-Type header', { headers: { 'Content-Type': 'text/plain' } }, 'headers.Content-Type'],
      ['the Mcp-Session-Id header', { headers: { 'Mcp-Session-Id': 'abc' } }, 'headers.Mcp-Session-Id'],
      ['the host header', { headers: { host: 'evil.example.com' } }, 'headers.host'],
      ['a header given twice', { headers: { 'X-Key': 'a', 'x-key': 'b' } }, 'headers.x-key'],
      ['a header value with a line break', { headers: { 'X-Key': 'a\r\nX-Other: b' } }, 'headers.X-Key'],
      ['a header value that is no string', { headers: { 'X-Key': 5 } }, 'headers.X-Key'],
      ['headers that are no object', { headers: ['X-Key'] }, 'headers'],
      ['a header value of 4,097 characters', { headers: { 'X-Key': 'v'.repeat(4_097) } }, 'headers.X-Key'],
      ['a timeout of 999 ms', { timeoutMs: 999 }, 'timeoutMs'],
      ['a timeout of 60,001 ms', { timeoutMs: 60_001 }, 'timeoutMs'],
      ['a description of 1,001 characters', { description: 'd'.repeat(1_001) }, 'description'],
      ['an unknown field', { secret: 'x' }, 'secret'],
    ];

    it.each(cases)('%s', async (_label, change, field) => {
      const before = await snapshot();
      const body = { name: unique('valid'), url: mcp.url, ...change };
      const rest = await create(body);
      expect(restError(rest).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
      expect(rest.body.error.details.fields.map((f: any) => f.field)).toContain(field);
      // GraphQL: the same code and details (an unknown field is a GraphQL validation error there).
      if (field !== 'secret') {
        const gql = await graphql(app, key, CREATE, { input: body });
        expect(gqlError(gql)).toEqual(restError(rest));
      }
      // PATCH refuses it alike (name and url cannot be absent there, so only what was changed).
      const patch = await app.http.patch(`/v1/mcp-servers/${existingId}`).set(bearer(key)).send(change);
      expect(restError(patch).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
      expect(await snapshot()).toEqual(before);
    });

    it('null name or url in a PATCH', async () => {
      for (const field of ['name', 'url']) {
        const res = await app.http.patch(`/v1/mcp-servers/${existingId}`).set(bearer(key)).send({ [field]: null });
        expect(restError(res)).toEqual([400, 'INVALID_REQUEST', { fields: [{ field, message: 'cannot be null' }] }]);
      }
    });

    it('a name the account already has: 409 ALREADY_EXISTS in both protocols (create and rename)', async () => {
      const name = unique('taken');
      expect((await create({ name, url: mcp.url })).status).toBe(201);
      const before = await snapshot();
      const rest = await create({ name, url: mcp.url });
      expect(restError(rest)).toEqual([409, 'ALREADY_EXISTS', { field: 'name', name }]);
      expect(gqlError(await graphql(app, key, CREATE, { input: { name, url: mcp.url } }))).toEqual(restError(rest));
      const other = (await create({ name: unique('other'), url: mcp.url })).body.data.id;
      const afterOther = await snapshot();
      expect(restError(await app.http.patch(`/v1/mcp-servers/${other}`).set(bearer(key)).send({ name }))).toEqual(restError(rest));
      expect(await snapshot()).toEqual(afterOther);
      expect(afterOther[0].length).toBe(before[0].length + 1);
      // Another account may use the name.
      expect((await create({ name, url: mcp.url }, otherKey)).status).toBe(201);
    });

    it(`at most ${MCP_SERVER_LIMITS.perAccount} servers per account`, async () => {
      const { key: full, accountId } = await app.newAccount('Full');
      await app.db.prisma.mcpServer.createMany({
        data: Array.from({ length: MCP_SERVER_LIMITS.perAccount }, (_, i) => ({
          id: `mcs_01JD4S9X6Q0M4W2T8ZK7Y3N${String(i).padStart(3, '0').replace(/0/g, 'A')}`,
          accountId,
          name: `s${i}`,
          url: mcp.url,
          timeoutMs: 10_000,
        })),
      });
      const res = await create({ name: 'one-more', url: mcp.url }, full);
      expect(restError(res).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
      expect(await app.db.prisma.mcpServer.count({ where: { accountId } })).toBe(MCP_SERVER_LIMITS.perAccount);
    });
  });

  describe('agents', () => {
    it('enable: 201 when new, 200 when replaced; tools chosen or all; Agent.enabledMcpServers in step; both protocols', async () => {
      const agentId = await newAgent();
      const a = (await create({ name: unique('a'), url: mcp.url })).body.data;
      const b = (await create({ name: unique('b'), url: mcp.url })).body.data;
      const first = await app.http.put(`/v1/agents/${agentId}/mcp-servers/${a.id}`).set(bearer(key));
      expect(first.status).toBe(201);
      expect(first.body.data).toMatchObject({ mcpServerId: a.id, agentId, tools: null, mcpServer: a });
      const replaced = await app.http.put(`/v1/agents/${agentId}/mcp-servers/${a.id}`).set(bearer(key)).send({ tools: ['echo', 'add', 'echo'] });
      expect(replaced.status).toBe(200);
      expect(replaced.body.data.tools).toEqual(['echo', 'add']);
      const gql = await graphql(app, key, ENABLE, { agentId, id: b.id, input: { tools: ['slow'] } });
      expect(gql.body.data.enableMcpServer).toMatchObject({ created: true, agentMcpServer: { mcpServerId: b.id, tools: ['slow'] } });
      const again = await graphql(app, key, ENABLE, { agentId, id: b.id, input: { tools: null } });
      expect(again.body.data.enableMcpServer).toMatchObject({ created: false, agentMcpServer: { tools: null } });
      const list = await app.http.get(`/v1/agents/${agentId}/mcp-servers`).set(bearer(key));
      expect(list.body.data.map((r: any) => [r.mcpServerId, r.tools])).toEqual([
        [a.id, ['echo', 'add']],
        [b.id, null],
      ]);
      expect((await graphql(app, key, AGENT_SERVERS, { id: agentId })).body.data.agent.mcpServers).toEqual(list.body.data);
      const agent = await app.db.prisma.agent.findUnique({ where: { id: agentId } });
      expect(agent!.enabledMcpServers).toEqual([a.id, b.id]);

      const off = await app.http.delete(`/v1/agents/${agentId}/mcp-servers/${a.id}`).set(bearer(key));
      expect([off.status, off.body.data]).toEqual([200, { agentId, mcpServerId: a.id, disabled: true }]);
      expect((await app.db.prisma.agent.findUnique({ where: { id: agentId } }))!.enabledMcpServers).toEqual([b.id]);
      const gone = await app.http.delete(`/v1/agents/${agentId}/mcp-servers/${a.id}`).set(bearer(key));
      expect(restError(gone)).toEqual([404, 'NOT_FOUND', { id: a.id }]);
      expect(gqlError(await graphql(app, key, DISABLE, { agentId, id: a.id }))).toEqual(restError(gone));
      const gqlOff = await graphql(app, key, DISABLE, { agentId, id: b.id });
      expect(gqlOff.body.data.disableMcpServer).toEqual({ agentId, mcpServerId: b.id, disabled: true });
      expect((await app.db.prisma.agent.findUnique({ where: { id: agentId } }))!.enabledMcpServers).toEqual([]);
    });

    it('an agent’s servers keep the order it enabled them in, not the order they were created in', async () => {
      const agentId = await newAgent();
      const older = (await create({ name: unique('older'), url: mcp.url })).body.data;
      const newer = (await create({ name: unique('newer'), url: mcp.url })).body.data;
      await app.http.put(`/v1/agents/${agentId}/mcp-servers/${newer.id}`).set(bearer(key)).expect(201);
      await app.http.put(`/v1/agents/${agentId}/mcp-servers/${older.id}`).set(bearer(key)).expect(201);
      // Replacing a selection keeps the server's place.
      await app.http.put(`/v1/agents/${agentId}/mcp-servers/${newer.id}`).set(bearer(key)).send({ tools: ['echo'] }).expect(200);
      expect((await app.db.prisma.agent.findUnique({ where: { id: agentId } }))!.enabledMcpServers).toEqual([newer.id, older.id]);
      const list = await app.http.get(`/v1/agents/${agentId}/mcp-servers`).set(bearer(key));
      expect(list.body.data.map((r: any) => r.mcpServerId)).toEqual([newer.id, older.id]);
    });

    it('enabling with tools the server does not offer is 400 naming them, and changes nothing', async () => {
      const agentId = await newAgent();
      const server = (await create({ name: unique('strict'), url: mcp.url })).body.data;
      await app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(key)).send({ tools: ['echo'] }).expect(201);
      const before = await snapshot();
      const rest = await app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(key)).send({ tools: ['echo', 'nope', 'delete_all'] });
      expect(restError(rest).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
      expect(rest.body.error.details.fields).toEqual([{ field: 'tools', message: expect.stringContaining('"nope", "delete_all"') }]);
      expect(gqlError(await graphql(app, key, ENABLE, { agentId, id: server.id, input: { tools: ['echo', 'nope', 'delete_all'] } }))).toEqual(restError(rest));
      for (const body of [{ tools: [] }, { tools: [''] }, { tools: [42] }, { all: true }]) {
        const bad = await app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(key)).send(body);
        expect(restError(bad).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('a server in error (no tools listed) can be enabled for all its tools, not for named ones', async () => {
      const agentId = await newAgent();
      const server = (await create({ name: unique('err'), url: guarded.url })).body.data;
      expect(server.status).toBe('error');
      const named = await app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(key)).send({ tools: ['echo'] });
      expect(restError(named).slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
      expect((await app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(key)).send({ tools: null })).status).toBe(201);
    });

    it('deleting a server removes its enablings and its ID from every agent, in both protocols', async () => {
      const [a1, a2] = [await newAgent(), await newAgent()];
      const doomed = (await create({ name: unique('doomed'), url: mcp.url })).body.data;
      const kept = (await create({ name: unique('kept'), url: mcp.url })).body.data;
      for (const agentId of [a1, a2]) {
        await app.http.put(`/v1/agents/${agentId}/mcp-servers/${doomed.id}`).set(bearer(key)).expect(201);
      }
      await app.http.put(`/v1/agents/${a1}/mcp-servers/${kept.id}`).set(bearer(key)).expect(201);
      const res = await app.http.delete(`/v1/mcp-servers/${doomed.id}`).set(bearer(key));
      expect([res.status, res.body.data]).toEqual([200, { id: doomed.id, deleted: true }]);
      expect(await app.db.prisma.agentMcpServer.count({ where: { mcpServerId: doomed.id } })).toBe(0);
      const agents = await app.db.prisma.agent.findMany({ where: { id: { in: [a1, a2] } }, orderBy: { id: 'asc' } });
      expect(agents.map((a) => a.enabledMcpServers)).toEqual([[kept.id], []]);
      expect((await app.http.get(`/v1/agents/${a1}/mcp-servers`).set(bearer(key))).body.data.map((r: any) => r.mcpServerId)).toEqual([kept.id]);
      const again = await app.http.delete(`/v1/mcp-servers/${doomed.id}`).set(bearer(key));
      expect(restError(again)).toEqual([404, 'NOT_FOUND', { id: doomed.id }]);
      expect(gqlError(await graphql(app, key, DELETE, { id: doomed.id }))).toEqual(restError(again));
      const gql = await graphql(app, key, DELETE, { id: kept.id });
      expect(gql.body.data.deleteMcpServer).toEqual({ id: kept.id, deleted: true });
      expect((await app.db.prisma.agent.findUnique({ where: { id: a1 } }))!.enabledMcpServers).toEqual([]);
    });

    it('concurrent changes: enables of one agent take turns (none lost); a delete racing enables leaves no trace of the server', async () => {
      const agentId = await newAgent();
      const servers: string[] = [];
      for (let i = 0; i < 5; i++) servers.push((await create({ name: unique('race'), url: mcp.url })).body.data.id);
      const enabled = await Promise.all(servers.map((id) => app.http.put(`/v1/agents/${agentId}/mcp-servers/${id}`).set(bearer(key))));
      expect(enabled.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      // All five, in the order the concurrent enables took their turns (not known in advance).
      expect([...(await app.db.prisma.agent.findUnique({ where: { id: agentId } }))!.enabledMcpServers].sort()).toEqual([...servers].sort());

      const others = [await newAgent(), await newAgent(), await newAgent()];
      const doomed = servers[0]!;
      const results = await Promise.all([
        ...others.map((a) => app.http.put(`/v1/agents/${a}/mcp-servers/${doomed}`).set(bearer(key))),
        app.http.delete(`/v1/mcp-servers/${doomed}`).set(bearer(key)),
        ...others.map((a) => app.http.put(`/v1/agents/${a}/mcp-servers/${doomed}`).set(bearer(key)).send({ tools: ['echo'] })),
      ]);
      // Each enable ran before the delete (201/200) or after it (404): never a 5xx.
      for (const res of results) expect([200, 201, 404], JSON.stringify(res.body)).toContain(res.status);
      expect(results[others.length]!.status).toBe(200);
      expect(await app.db.prisma.agentMcpServer.count({ where: { mcpServerId: doomed } })).toBe(0);
      const agents = await app.db.prisma.agent.findMany({ where: { id: { in: [agentId, ...others] } } });
      for (const agent of agents) expect(agent.enabledMcpServers).not.toContain(doomed);
      expect([...(await app.db.prisma.agent.findUnique({ where: { id: agentId } }))!.enabledMcpServers].sort()).toEqual(servers.slice(1).sort());
    });

    it('deleting an agent removes its enablings; the server stays', async () => {
      const agentId = await newAgent();
      const server = (await create({ name: unique('stays'), url: mcp.url })).body.data;
      await app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(key)).expect(201);
      await app.http.delete(`/v1/agents/${agentId}`).set(bearer(key)).expect(200);
      expect(await app.db.prisma.agentMcpServer.count({ where: { mcpServerId: server.id } })).toBe(0);
      expect((await app.http.get(`/v1/mcp-servers/${server.id}`).set(bearer(key))).status).toBe(200);
    });
  });

  it('another account’s server and agent are NOT_FOUND / AGENT_NOT_FOUND in both protocols, and nothing changes', async () => {
    const mine = (await create({ name: unique('mine'), url: mcp.url })).body.data;
    const myAgent = await newAgent();
    await app.http.put(`/v1/agents/${myAgent}/mcp-servers/${mine.id}`).set(bearer(key)).expect(201);
    const theirAgent = await newAgent(otherKey);
    const theirs = (await create({ name: unique('theirs'), url: mcp.url }, otherKey)).body.data;
    const before = await snapshot();
    const as = (k: string) => ({
      get: () => app.http.get(`/v1/mcp-servers/${mine.id}`).set(bearer(k)),
      patch: () => app.http.patch(`/v1/mcp-servers/${mine.id}`).set(bearer(k)).send({ description: 'hijacked' }),
      refresh: () => app.http.post(`/v1/mcp-servers/${mine.id}/refresh`).set(bearer(k)),
      delete: () => app.http.delete(`/v1/mcp-servers/${mine.id}`).set(bearer(k)),
    });
    for (const call of Object.values(as(otherKey))) {
      expect(restError(await call())).toEqual([404, 'NOT_FOUND', { id: mine.id }]);
    }
    const notFound = [404, 'NOT_FOUND', { id: mine.id }];
    expect(gqlError(await graphql(app, otherKey, GET, { id: mine.id }))).toEqual(notFound);
    expect(gqlError(await graphql(app, otherKey, UPDATE, { id: mine.id, input: { description: 'x' } }))).toEqual(notFound);
    expect(gqlError(await graphql(app, otherKey, REFRESH, { id: mine.id }))).toEqual(notFound);
    expect(gqlError(await graphql(app, otherKey, DELETE, { id: mine.id }))).toEqual(notFound);
    expect((await graphql(app, otherKey, NODE, { id: mine.id })).body.data.node).toBeNull();
    // Their list does not show it.
    const list = await app.http.get('/v1/mcp-servers?limit=100').set(bearer(otherKey));
    expect(list.body.data.items.map((s: any) => s.id)).not.toContain(mine.id);
    // My server on their agent: NOT_FOUND; their key on my agent: AGENT_NOT_FOUND (whatever the server).
    const enableMine = await app.http.put(`/v1/agents/${theirAgent}/mcp-servers/${mine.id}`).set(bearer(otherKey));
    expect(restError(enableMine)).toEqual(notFound);
    expect(gqlError(await graphql(app, otherKey, ENABLE, { agentId: theirAgent, id: mine.id }))).toEqual(notFound);
    const agentNotFound = [404, 'AGENT_NOT_FOUND', { id: myAgent }];
    for (const serverId of [mine.id, theirs.id]) {
      expect(restError(await app.http.put(`/v1/agents/${myAgent}/mcp-servers/${serverId}`).set(bearer(otherKey)))).toEqual(agentNotFound);
      expect(restError(await app.http.delete(`/v1/agents/${myAgent}/mcp-servers/${serverId}`).set(bearer(otherKey)))).toEqual(agentNotFound);
      expect(gqlError(await graphql(app, otherKey, ENABLE, { agentId: myAgent, id: serverId }))).toEqual(agentNotFound);
      expect(gqlError(await graphql(app, otherKey, DISABLE, { agentId: myAgent, id: serverId }))).toEqual(agentNotFound);
    }
    expect(restError(await app.http.get(`/v1/agents/${myAgent}/mcp-servers`).set(bearer(otherKey)))).toEqual(agentNotFound);
    // Their server on my agent, with my key: NOT_FOUND.
    expect(restError(await app.http.put(`/v1/agents/${myAgent}/mcp-servers/${theirs.id}`).set(bearer(key)))).toEqual([404, 'NOT_FOUND', { id: theirs.id }]);
    // IDs that are not MCP server IDs are NOT_FOUND too.
    expect(restError(await app.http.get(`/v1/mcp-servers/${myAgent}`).set(bearer(key)))).toEqual([404, 'NOT_FOUND', { id: myAgent }]);
    expect(await snapshot()).toEqual(before);
  });

  it('a key with agents:read reads but cannot write (403 FORBIDDEN in both protocols, nothing changes)', async () => {
    const server = (await create({ name: unique('scoped'), url: mcp.url })).body.data;
    const agentId = await newAgent();
    const before = await snapshot();
    const writes = [
      app.http.post('/v1/mcp-servers').set(bearer(readKey)).send({ name: unique('nope'), url: mcp.url }),
      app.http.patch(`/v1/mcp-servers/${server.id}`).set(bearer(readKey)).send({ description: 'x' }),
      app.http.post(`/v1/mcp-servers/${server.id}/refresh`).set(bearer(readKey)),
      app.http.delete(`/v1/mcp-servers/${server.id}`).set(bearer(readKey)),
      app.http.put(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(readKey)),
      app.http.delete(`/v1/agents/${agentId}/mcp-servers/${server.id}`).set(bearer(readKey)),
    ];
    for (const res of await Promise.all(writes)) {
      expect(restError(res)).toEqual([403, 'FORBIDDEN', { requiredScope: 'agents:write' }]);
    }
    const forbidden = [403, 'FORBIDDEN', { requiredScope: 'agents:write' }];
    expect(gqlError(await graphql(app, readKey, CREATE, { input: { name: unique('nope'), url: mcp.url } }))).toEqual(forbidden);
    expect(gqlError(await graphql(app, readKey, ENABLE, { agentId, id: server.id }))).toEqual(forbidden);
    expect(await snapshot()).toEqual(before);
    expect((await app.http.get(`/v1/mcp-servers/${server.id}`).set(bearer(readKey))).status).toBe(200);
    expect((await app.http.get(`/v1/agents/${agentId}/mcp-servers`).set(bearer(readKey))).status).toBe(200);
    const noRead = await app.keyWithScopes((await app.db.prisma.mcpServer.findUnique({ where: { id: server.id } }))!.accountId, ['agents:write']);
    expect(restError(await app.http.get(`/v1/mcp-servers/${server.id}`).set(bearer(noRead)))).toEqual([403, 'FORBIDDEN', { requiredScope: 'agents:read' }]);
    // node(id:) answers its error beside `data` (a partial answer), with the same code and details.
    expect(gqlError(await graphql(app, noRead, NODE, { id: server.id })).slice(1)).toEqual(['FORBIDDEN', { requiredScope: 'agents:read' }]);
  });
});

describe('GraphQL cost of MCP servers', () => {
  const cost = (source: string) => {
    const document = parse(source);
    return operationCost(schema, document, document.definitions[0] as OperationDefinitionNode);
  };

  it('an agent’s servers are charged as a page of 50; a server’s tools as its own row', () => {
    const one = cost('{ agent(id: "x") { mcpServers { mcpServerId } } }');
    expect(one).toBeGreaterThanOrEqual(50);
    // Every agent's servers with their tools, 100 agents at once: over the default limit (5,000).
    expect(cost('{ agents(first: 100) { nodes { mcpServers { mcpServer { id tools { name inputSchema } } } } } }')).toBeGreaterThan(5_000);
    expect(cost('{ mcpServer(id: "x") { tools { name title description inputSchema annotations } } }')).toBeLessThan(10);
  });
});

describe('MCP servers when private networks are not allowed, and without a server key', () => {
  let app: TestApp;
  let key: string;
  let mcp: TestMcpServer;

  beforeAll(async () => {
    app = await startTestApp('pglite', { allowPrivateNetworks: false, serverKey: undefined });
    ({ key } = await app.newAccount());
    mcp = await startMcpServer();
  });
  afterAll(async () => {
    await app?.close();
    await mcp?.close();
  });

  it('http:// is refused at create (400 on url): the headers may carry credentials', async () => {
    const res = await app.http.post('/v1/mcp-servers').set(bearer(key)).send({ name: 'plain', url: mcp.url });
    expect(restError(res)).toEqual([400, 'INVALID_REQUEST', { fields: [{ field: 'url', message: 'must be an https:// URL' }] }]);
    expect(await app.db.prisma.mcpServer.count()).toBe(0);
  });

  it('a private address is stored with status error TOOL_NETWORK_REFUSED, and nothing is sent to it', async () => {
    const port = new URL(mcp.url).port;
    const before = mcp.requests.length;
    for (const url of [`https://127.0.0.1:${port}/mcp`, 'https://169.254.169.254/mcp', `https://localhost:${port}/mcp`]) {
      const res = await app.http.post('/v1/mcp-servers').set(bearer(key)).send({ name: `private-${new URL(url).hostname.replaceAll('.', '-')}`, url });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ status: 'error', tools: [], lastError: { code: 'TOOL_NETWORK_REFUSED' } });
      const refreshed = await app.http.post(`/v1/mcp-servers/${res.body.data.id}/refresh`).set(bearer(key));
      expect(refreshed.body.data.lastError.code).toBe('TOOL_NETWORK_REFUSED');
    }
    expect(mcp.requests.length).toBe(before);
  });

  it('headers need the server key (503 SERVICE_UNAVAILABLE, nothing stored); a server without headers does not', async () => {
    const res = await app.http
      .post('/v1/mcp-servers')
      .set(bearer(key))
      .send({ name: 'with-headers', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } });
    expect(restError(res)).toEqual([503, 'SERVICE_UNAVAILABLE', { reason: 'secret_key_not_configured' }]);
    expect(await app.db.prisma.mcpServer.count({ where: { name: 'with-headers' } })).toBe(0);
    const plain = await app.http.post('/v1/mcp-servers').set(bearer(key)).send({ name: 'no-headers', url: 'https://mcp.example.com/mcp', timeoutMs: 1_000 });
    expect(plain.status).toBe(201);
    expect(plain.body.data.status).toBe('error');
  });
});
