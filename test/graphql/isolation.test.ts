import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

/** A key of account A can never reach account B's agents, in either protocol. */
describe.each(STORAGES)('tenant isolation (%s)', (storage) => {
  let app: TestApp;
  let a: { accountId: string; key: string };
  let b: { accountId: string; key: string };
  let bAgent: any;

  beforeAll(async () => {
    app = await startTestApp(storage);
    a = await app.newAccount('A', { tier: 'standard', rateLimitPerMinute: undefined, monthlyMessageQuota: undefined });
    b = await app.newAccount('B');
    await app.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'A1' });
    bAgent = (await app.http.post('/v1/agents').set(bearer(b.key)).send({ name: 'B-secret', description: 'private' })).body.data;
  });
  afterAll(() => app?.close());

  const notLeaking = (body: unknown) => expect(JSON.stringify(body)).not.toContain('B-secret');

  it('REST: get, update, delete answer 404 AGENT_NOT_FOUND and change nothing', async () => {
    const get = await app.http.get(`/v1/agents/${bAgent.id}`).set(bearer(a.key));
    expect([get.status, get.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    notLeaking(get.body);
    const patch = await app.http.patch(`/v1/agents/${bAgent.id}`).set(bearer(a.key)).send({ name: 'hijacked' });
    expect([patch.status, patch.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    const del = await app.http.delete(`/v1/agents/${bAgent.id}`).set(bearer(a.key));
    expect([del.status, del.body.error.code]).toEqual([404, 'AGENT_NOT_FOUND']);
    const stillThere = await app.http.get(`/v1/agents/${bAgent.id}`).set(bearer(b.key));
    expect(stillThere.body.data).toEqual(bAgent);
  });

  it('REST: the list shows only the caller’s agents', async () => {
    const list = await app.http.get('/v1/agents?limit=100').set(bearer(a.key));
    expect(list.body.data.items.map((x: { name: string }) => x.name)).toEqual(['A1']);
    expect(list.body.data.pagination.totalItems).toBe(1);
    notLeaking(list.body);
  });

  it('GraphQL: agent, agents, updateAgent, deleteAgent and node(id) never reach B', async () => {
    const get = await graphql(app, a.key, OPS.getAgent, { agentId: bAgent.id });
    expect(get.body.errors![0].extensions.code).toBe('AGENT_NOT_FOUND');
    expect(get.body.data).toBeNull();
    const list = await graphql(app, a.key, '{ agents(first: 100) { totalCount nodes { id name } } }');
    expect(list.body.data.agents.nodes.map((x: { name: string }) => x.name)).toEqual(['A1']);
    expect(list.body.data.agents.totalCount).toBe(1);
    const upd = await graphql(app, a.key, OPS.updateAgent, { agentId: bAgent.id, input: { name: 'x' } });
    expect(upd.body.errors![0].extensions.code).toBe('AGENT_NOT_FOUND');
    const del = await graphql(app, a.key, OPS.deleteAgent, { agentId: bAgent.id });
    expect(del.body.errors![0].extensions.code).toBe('AGENT_NOT_FOUND');
    const node = await graphql(app, a.key, 'query($id: ID!) { node(id: $id) { id ... on Agent { name description } } }', { id: bAgent.id });
    // Relay: an id the caller cannot see is no object (null), not an error that would tell why.
    expect(node.status).toBe(200);
    expect(node.body).toEqual({ data: { node: null } });
    for (const body of [get.body, upd.body, del.body, node.body]) notLeaking(body);
    const own = await graphql(app, b.key, 'query($id: ID!) { node(id: $id) { id ... on Agent { name } } }', { id: bAgent.id });
    expect(own.body.data.node).toEqual({ id: bAgent.id, name: 'B-secret' });
  });

  it('GraphQL: node(id) of another account → null; viewer is always the caller', async () => {
    const other = await graphql(app, a.key, 'query($id: ID!) { node(id: $id) { id ... on Account { name } } }', { id: b.accountId });
    expect(other.body).toEqual({ data: { node: null } });
    expect(JSON.stringify(other.body)).not.toContain('"B"');
    const viewer = await graphql(app, a.key, '{ viewer { id name tier rateLimitPerMinute monthlyMessageQuota } }');
    expect(viewer.body.data.viewer).toEqual({ id: a.accountId, name: 'A', tier: 'standard', rateLimitPerMinute: 60, monthlyMessageQuota: 10000 });
    const self = await graphql(app, a.key, 'query($id: ID!) { node(id: $id) { id ... on Account { name } } }', { id: a.accountId });
    expect(self.body.data.node).toEqual({ id: a.accountId, name: 'A' });
  });
});
