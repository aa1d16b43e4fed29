// orion.mcpServers against the real app on a loopback port, with a real MCP server behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, InvalidRequestError, NotFoundError, OrionOS, OrionOSError } from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startMcpServer, type TestMcpServer } from '../support/mcp-server.js';
import { listen } from '../support/sse.js';

let app: TestApp;
let socket: Awaited<ReturnType<typeof listen>>;
let orion: OrionOS;
let mcp: TestMcpServer;

beforeAll(async () => {
  app = await startTestApp('pglite', { allowPrivateNetworks: true });
  socket = await listen(app.app);
  const { key } = await app.newAccount('SDK MCP');
  orion = new OrionOS({ apiKey: key, baseUrl: `${socket.url}/v1` });
  mcp = await startMcpServer({ requireAuthorization: 'Bearer sdk-mcp' });
});

afterAll(async () => {
  await socket?.close();
  await app?.close();
  await mcp?.close();
});

async function caught(promise: Promise<unknown>): Promise<OrionOSError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OrionOSError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('orion.mcpServers', () => {
  it('create, list, get, update, refresh, enable for an agent, list its servers, disable, delete', async () => {
    const created = await orion.mcpServers.create({ name: 'tools', url: mcp.url, headers: { Authorization: 'Bearer wrong' } });
    expect(created.data).toMatchObject({ name: 'tools', status: 'error', headerNames: ['Authorization'], lastError: { code: 'TOOL_HTTP_ERROR' } });
    const id = created.data.id;
    const fixed = await orion.mcpServers.update(id, { headers: { Authorization: 'Bearer sdk-mcp' } });
    expect(fixed.data.status).toBe('ready');
    expect(fixed.data.tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'fail', 'huge', 'slow']);
    expect((await orion.mcpServers.refresh(id)).data).toMatchObject({ status: 'ready', lastError: null });
    expect((await orion.mcpServers.get(id)).data.id).toBe(id);
    expect((await orion.mcpServers.list({ limit: 5 })).data.items.map((s) => s.id)).toEqual([id]);
    expect(JSON.stringify((await orion.mcpServers.get(id)).data)).not.toContain('sdk-mcp');

    const agent = await orion.agents.create({ name: 'MCP agent' });
    const enabled = await orion.mcpServers.enable(agent.data.id, id, { tools: ['echo'] });
    expect(enabled.data).toMatchObject({ mcpServerId: id, agentId: agent.data.id, tools: ['echo'] });
    expect((await orion.mcpServers.enable(agent.data.id, id)).data.tools).toBeNull();
    expect((await orion.mcpServers.listForAgent(agent.data.id)).data.map((r) => r.mcpServerId)).toEqual([id]);
    const unknown = await caught(orion.mcpServers.enable(agent.data.id, id, { tools: ['nope'] }));
    expect(unknown).toBeInstanceOf(InvalidRequestError);
    expect(unknown.details).toMatchObject({ fields: [{ field: 'tools' }] });
    expect((await orion.mcpServers.disable(agent.data.id, id)).data).toEqual({ agentId: agent.data.id, mcpServerId: id, disabled: true });
    expect(await caught(orion.mcpServers.disable(agent.data.id, id))).toBeInstanceOf(NotFoundError);

    expect(await caught(orion.mcpServers.create({ name: 'tools', url: mcp.url }))).toBeInstanceOf(ConflictError);
    expect((await orion.mcpServers.delete(id)).data).toEqual({ id, deleted: true });
    expect(await caught(orion.mcpServers.get(id))).toBeInstanceOf(NotFoundError);
    expect(() => orion.mcpServers.get('')).toThrow(TypeError);
  });
});
