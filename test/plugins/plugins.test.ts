import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGINS } from '../../src/services/plugins/catalog.js';
import { loadToolRows } from '../../src/services/tools/runtime.js';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

const PLUGIN_FIELDS = 'id: pluginId name description tools { name description parameters } configSchema';
const AGENT_PLUGIN_FIELDS = 'pluginId agentId config createdAt updatedAt';

const ENABLE = `mutation($agentId: ID!, $pluginId: String!, $input: EnablePluginInput) {
  enablePlugin(agentId: $agentId, pluginId: $pluginId, input: $input) { ${AGENT_PLUGIN_FIELDS} } }`;
const DISABLE = `mutation($agentId: ID!, $pluginId: String!) {
  disablePlugin(agentId: $agentId, pluginId: $pluginId) { id: deletedId agentId deleted } }`;
const AGENT_PLUGINS = `query($id: ID!) { agent(id: $id) { plugins { ${AGENT_PLUGIN_FIELDS} } } }`;

/** An error as both protocols tell it: status, code, details. */
const restError = (res: { status: number; body: any }) => [res.status, res.body.error?.code, res.body.error?.details];
const gqlError = (res: { status: number; body: any }) => [res.status, res.body.errors?.[0]?.extensions.code, res.body.errors?.[0]?.extensions.details];

describe.each(STORAGES)('plugins (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  let otherKey: string;
  let agentId: string;
  let othersAgentId: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount('Owner'));
    ({ key: otherKey } = await app.newAccount('Other'));
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Plugged' })).body.data.id;
    othersAgentId = (await app.http.post('/v1/agents').set(bearer(otherKey)).send({ name: 'Theirs' })).body.data.id;
  });
  afterAll(() => app?.close());

  const put = (agent: string, plugin: string, body?: object, k = key) => {
    const req = app.http.put(`/v1/agents/${agent}/plugins/${plugin}`).set(bearer(k));
    return body === undefined ? req : req.send(body);
  };
  const rows = () => app.db.prisma.agentPlugin.findMany({ orderBy: [{ agentId: 'asc' }, { pluginId: 'asc' }] });

  it('the catalog: every plugin with its tools (JSON-Schema parameters) and config schema, the same in both protocols', async () => {
    const rest = await app.http.get('/v1/plugins').set(bearer(key));
    expect(rest.status).toBe(200);
    expect(rest.body.data.map((p: any) => p.id)).toEqual(['time', 'calculator', 'http', 'knowledge']);
    expect(rest.body.data).toEqual(PLUGINS.map(({ id, name, description, tools, configSchema }) => ({ id, name, description, tools, configSchema })));
    const gql = await graphql(app, key, `{ plugins { ${PLUGIN_FIELDS} } }`);
    expect(gql.body.data.plugins).toEqual(rest.body.data);
    const one = await app.http.get('/v1/plugins/calculator').set(bearer(key));
    expect(one.body.data).toEqual(rest.body.data[1]);
    const gqlOne = await graphql(app, key, `{ plugin(id: "calculator") { ${PLUGIN_FIELDS} } }`);
    expect(gqlOne.body.data.plugin).toEqual(one.body.data);
  });

  it('an unknown plugin: 404 NOT_FOUND in both protocols', async () => {
    const rest = await app.http.get('/v1/plugins/weather').set(bearer(key));
    const gql = await graphql(app, key, '{ plugin(id: "weather") { pluginId } }');
    expect(restError(rest)).toEqual([404, 'NOT_FOUND', { id: 'weather' }]);
    expect(gqlError(gql)).toEqual(restError(rest));
  });

  it('enables with the defaults filled in, replaces the config on a second PUT (200 both times), lists in catalog order', async () => {
    const enabled = await put(agentId, 'calculator');
    expect(enabled.status).toBe(200);
    expect(enabled.body.data).toMatchObject({ pluginId: 'calculator', agentId, config: { precision: 12 } });
    const time = await put(agentId, 'time', { config: {} });
    expect(time.body.data.config).toEqual({ defaultTimeZone: 'UTC' });
    const replaced = await put(agentId, 'time', { config: { defaultTimeZone: 'Europe/Paris' } });
    expect([replaced.status, replaced.body.data.config]).toEqual([200, { defaultTimeZone: 'Europe/Paris' }]);
    expect(replaced.body.data.createdAt).toBe(time.body.data.createdAt);
    // A PUT replaces the whole config: what it leaves out is the default again.
    const again = await put(agentId, 'time', {});
    expect(again.body.data.config).toEqual({ defaultTimeZone: 'UTC' });
    await put(agentId, 'time', { config: { defaultTimeZone: 'Asia/Tokyo' } }).expect(200);

    const list = await app.http.get(`/v1/agents/${agentId}/plugins`).set(bearer(key));
    expect(list.body.data.map((p: any) => [p.pluginId, p.config])).toEqual([
      ['time', { defaultTimeZone: 'Asia/Tokyo' }],
      ['calculator', { precision: 12 }],
    ]);
    const gql = await graphql(app, key, AGENT_PLUGINS, { id: agentId });
    expect(gql.body.data.agent.plugins).toEqual(list.body.data);
  });

  it('GraphQL enablePlugin answers as PUT does', async () => {
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'G' })).body.data.id;
    const gql = await graphql(app, key, ENABLE, { agentId: agent, pluginId: 'calculator', input: { config: { precision: 4 } } });
    expect(gql.body.data.enablePlugin).toMatchObject({ pluginId: 'calculator', agentId: agent, config: { precision: 4 } });
    const rest = await app.http.get(`/v1/agents/${agent}/plugins`).set(bearer(key));
    expect(rest.body.data).toEqual([gql.body.data.enablePlugin]);
  });

  it.each([
    ['a precision out of range', 'calculator', { config: { precision: 99 } }, [{ field: 'config.precision', message: 'must be <= 15' }]],
    ['a precision of the wrong type', 'calculator', { config: { precision: 'high' } }, [{ field: 'config.precision', message: 'must be integer' }]],
    ['an unknown config field', 'calculator', { config: { precision: 3, rounding: 'up' } }, [{ field: 'config.rounding', message: 'is not a known field' }]],
    ['a time zone that does not exist', 'time', { config: { defaultTimeZone: 'Mars/Olympus_Mons' } }, [{ field: 'config.defaultTimeZone', message: 'must be an IANA time zone such as Europe/Paris or UTC' }]],
    ['an http config field', 'http', { config: { proxy: 'x' } }, [{ field: 'config.proxy', message: 'is not a known field' }]],
  ])('%s: 400 INVALID_REQUEST naming config.<field>, in both protocols, nothing stored', async (_name, plugin, body, fields) => {
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Strict' })).body.data.id;
    const rest = await put(agent, plugin, body);
    expect(restError(rest)).toEqual([400, 'INVALID_REQUEST', { fields }]);
    const gql = await graphql(app, key, ENABLE, { agentId: agent, pluginId: plugin, input: body });
    expect(gqlError(gql)).toEqual(restError(rest));
    expect(await app.db.prisma.agentPlugin.count({ where: { agentId: agent } })).toBe(0);
  });

  it('a body that is not {config: object}: 400 naming the field (both protocols)', async () => {
    const unknown = await put(agentId, 'time', { settings: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.fields[0].field).toBe('settings');
    const notObject = await put(agentId, 'time', { config: 'UTC' });
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.details.fields[0].field).toBe('config');
    const gql = await graphql(app, key, ENABLE, { agentId, pluginId: 'time', input: { config: 'UTC' } });
    expect(gqlError(gql)).toEqual(restError(notObject));
  });

  it('an unknown plugin: 404 NOT_FOUND for PUT and DELETE, in both protocols', async () => {
    const rest = await put(agentId, 'weather', { config: {} });
    expect(restError(rest)).toEqual([404, 'NOT_FOUND', { id: 'weather' }]);
    expect(gqlError(await graphql(app, key, ENABLE, { agentId, pluginId: 'weather' }))).toEqual(restError(rest));
    const del = await app.http.delete(`/v1/agents/${agentId}/plugins/weather`).set(bearer(key));
    expect([del.status, del.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(gqlError(await graphql(app, key, DISABLE, { agentId, pluginId: 'weather' }))).toEqual(restError(del));
  });

  it('disables; disabling a plugin that is not enabled is 404 NOT_FOUND (both protocols)', async () => {
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'D' })).body.data.id;
    await put(agent, 'time').expect(200);
    await put(agent, 'calculator').expect(200);
    const del = await app.http.delete(`/v1/agents/${agent}/plugins/time`).set(bearer(key));
    expect([del.status, del.body.data]).toEqual([200, { id: 'time', agentId: agent, deleted: true }]);
    const gql = await graphql(app, key, DISABLE, { agentId: agent, pluginId: 'calculator' });
    expect(gql.body.data.disablePlugin).toEqual({ id: 'calculator', agentId: agent, deleted: true });
    const again = await app.http.delete(`/v1/agents/${agent}/plugins/time`).set(bearer(key));
    expect(restError(again)).toEqual([404, 'NOT_FOUND', { id: agent }]);
    expect(gqlError(await graphql(app, key, DISABLE, { agentId: agent, pluginId: 'time' }))).toEqual(restError(again));
    expect((await app.http.get(`/v1/agents/${agent}/plugins`).set(bearer(key))).body.data).toEqual([]);
  });

  it('another account’s agent, or none: AGENT_NOT_FOUND everywhere, and nothing changes', async () => {
    await put(othersAgentId, 'time', undefined, otherKey).expect(200);
    const before = await rows();
    for (const agent of [othersAgentId, `agt_${'0'.repeat(26)}`, 'nonsense']) {
      const attempts = [
        await app.http.get(`/v1/agents/${agent}/plugins`).set(bearer(key)),
        await put(agent, 'calculator', { config: {} }),
        await app.http.delete(`/v1/agents/${agent}/plugins/time`).set(bearer(key)),
      ];
      for (const res of attempts) expect(restError(res)).toEqual([404, 'AGENT_NOT_FOUND', { id: agent }]);
      expect(gqlError(await graphql(app, key, ENABLE, { agentId: agent, pluginId: 'calculator' }))).toEqual(restError(attempts[1]!));
      expect(gqlError(await graphql(app, key, DISABLE, { agentId: agent, pluginId: 'time' }))).toEqual(restError(attempts[2]!));
      expect(gqlError(await graphql(app, key, AGENT_PLUGINS, { id: agent }))).toEqual(restError(attempts[0]!));
    }
    expect(await rows()).toEqual(before);
  });

  it('what a send reads for tools: nothing without plugins; custom tools only while http is enabled', async () => {
    const agent = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Toolset' })).body.data.id;
    const row = () => app.db.prisma.agent.findUniqueOrThrow({ where: { id: agent } });
    expect(await loadToolRows(app.db.prisma, await row())).toBeUndefined();
    await put(agent, 'calculator', { config: { precision: 6 } }).expect(200);
    await app.http
      .post(`/v1/agents/${agent}/tools`)
      .set(bearer(key))
      .send({ name: 'lookup', description: 'Looks up.', parameters: { type: 'object' }, url: 'https://tools.example.com/l' })
      .expect(201);
    expect(await loadToolRows(app.db.prisma, await row())).toEqual({ plugins: [{ pluginId: 'calculator', config: { precision: 6 } }], tools: [], mcpServers: [] });
    await put(agent, 'http').expect(200);
    const rows = await loadToolRows(app.db.prisma, await row());
    expect(rows!.plugins.map((p) => p.pluginId).sort()).toEqual(['calculator', 'http']);
    expect(rows!.tools.map((t) => t.name)).toEqual(['lookup']);
    // Read as another account's agent, it holds nothing of this one.
    const other = await app.db.prisma.agent.findUniqueOrThrow({ where: { id: othersAgentId } });
    expect(await loadToolRows(app.db.prisma, { ...(await row()), accountId: other.accountId })).toEqual({ plugins: [], tools: [], mcpServers: [] });
  });
});

describe.each(STORAGES)('an agent’s maxToolSteps (%s)', (storage) => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  it('defaults to 5, is set on create and update, null restores the default (both protocols)', async () => {
    const created = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Steps' });
    expect(created.body.data.maxToolSteps).toBe(5);
    const set = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Steps', maxToolSteps: 3 });
    expect(set.body.data.maxToolSteps).toBe(3);
    const updated = await app.http.patch(`/v1/agents/${set.body.data.id}`).set(bearer(key)).send({ maxToolSteps: 10 });
    expect(updated.body.data.maxToolSteps).toBe(10);
    const gql = await graphql(app, key, 'mutation($id: ID!) { updateAgent(id: $id, input: {maxToolSteps: null}) { maxToolSteps } }', {
      id: set.body.data.id,
    });
    expect(gql.body.data.updateAgent.maxToolSteps).toBe(5);
    const gqlCreate = await graphql(app, key, 'mutation { createAgent(input: {name: "S", maxToolSteps: 1}) { maxToolSteps } }');
    expect(gqlCreate.body.data.createAgent.maxToolSteps).toBe(1);
  });

  it.each([0, 11, 2.5, '3'])('maxToolSteps %j: 400 INVALID_REQUEST naming maxToolSteps (both protocols), nothing created', async (value) => {
    const before = await app.db.prisma.agent.count();
    const rest = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Bad', maxToolSteps: value });
    expect([rest.status, rest.body.error.code, rest.body.error.details.fields[0].field]).toEqual([400, 'INVALID_REQUEST', 'maxToolSteps']);
    const gql = await graphql(app, key, 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }', {
      input: { name: 'Bad', maxToolSteps: value },
    });
    expect(gqlError(gql)).toEqual(restError(rest));
    expect(await app.db.prisma.agent.count()).toBe(before);
  });
});
