import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';
import { useMcpServer } from '../support/mcp.js';
import { startMcpServer, type TestMcpServer } from '../support/mcp-server.js';
import { SqlCounter } from '../support/sql-counter.js';

// What reading an agent's MCP servers costs a send: one statement (the servers joined), and
// nothing at all for an agent without.
describe.each(STORAGES)('SQL of MCP tools in a send (%s)', (storage) => {
  const sql = new SqlCounter();
  let mcp: TestMcpServer;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    mcp = await startMcpServer();
    app = await startTestApp(storage, { wrapAdapter: sql.wrap, allowPrivateNetworks: true });
    ({ key } = await app.newAccount());
  });
  afterAll(async () => {
    await app?.close();
    await mcp?.close();
  });

  const agent = async (name: string) => (await app.http.post('/v1/agents').set(bearer(key)).send({ name })).body.data.id as string;
  const mcpStatements = () => sql.statements.filter((s) => /"AgentMcpServer"|"McpServer"/.test(s));

  it('an agent without MCP servers: no statement about them', async () => {
    const id = await agent('Plain');
    sql.reset();
    expect((await app.http.post(`/v1/agents/${id}/messages`).set(bearer(key)).send({ text: 'Hello', userId: 'u1' })).status).toBe(201);
    expect(mcpStatements()).toEqual([]);
  });

  it('an agent with two MCP servers: one statement reads them both, with the servers joined', async () => {
    const id = await agent('Equipped');
    await useMcpServer(app, id, { url: mcp.url, name: 'one' });
    await useMcpServer(app, id, { url: mcp.url, name: 'two' });
    sql.reset();
    const res = await app.http.post(`/v1/agents/${id}/messages`).set(bearer(key)).send({ text: 'Hello', userId: 'u1' });
    expect(res.status).toBe(201);
    expect(mcpStatements(), sql.statements.join('\n')).toHaveLength(1);
    // No plugins: their table is not read.
    expect(sql.statements.filter((s) => /"AgentPlugin"|"Tool"/.test(s))).toEqual([]);
    // The rows read that way make working tools (the local engine calls one by rule).
    const echoed = await app.http.post(`/v1/agents/${id}/messages`).set(bearer(key)).send({ text: 'Echo "hi there"', userId: 'u1' });
    expect(echoed.body.data.toolCalls[0]).toMatchObject({ tool: 'one__echo', arguments: { text: 'hi there' }, result: 'hi there' });
  });
});
