import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpSessions, type McpToolRow } from '../../src/services/mcp/tools.js';
import { ToolFailure } from '../../src/services/tools/failure.js';
import { startMcpServer, type TestMcpServer } from '../support/mcp-server.js';

// The sessions of one send, against a real SDK server on loopback.
describe('the MCP sessions of a send', () => {
  let server: TestMcpServer;
  let row: McpToolRow['mcpServer'];
  beforeAll(async () => {
    server = await startMcpServer();
    row = { id: 'mcs_test', name: 'kit', url: server.url, headers: null, timeoutMs: 2_000, tools: [] };
  });
  afterAll(() => server.close());

  it('calls that come together share one session, opened once', async () => {
    const sessions = new McpSessions({ allowPrivateNetworks: true, serverKey: undefined });
    const before = server.initializations;
    const results = await Promise.all(
      ['a', 'b', 'c'].map(async (text) => (await sessions.session(row, undefined)).callTool('echo', { text })),
    );
    expect(results).toEqual(['a', 'b', 'c']);
    expect(server.initializations - before).toBe(1);
    await sessions.close();
    await sessions.close();
  });

  it('once closed, no session opens again', async () => {
    const sessions = new McpSessions({ allowPrivateNetworks: true, serverKey: undefined });
    await sessions.close();
    const before = server.requests.length;
    await expect(sessions.session(row, undefined)).rejects.toBeInstanceOf(ToolFailure);
    expect(server.requests.length).toBe(before);
  });

  it('closed while still opening: the session is closed when it opens', async () => {
    const sessions = new McpSessions({ allowPrivateNetworks: true, serverKey: undefined });
    const opening = sessions.session(row, undefined);
    await sessions.close();
    const session = await opening;
    // The client is closed: a call fails rather than reaching the server.
    const callsBefore = server.calls.length;
    await expect(session.callTool('echo', { text: 'late' })).rejects.toBeInstanceOf(ToolFailure);
    expect(server.calls.length).toBe(callsBefore);
  });

  it('sealed header values without the key that sealed them: TOOL_FAILED saying the server key changed', async () => {
    const sessions = new McpSessions({ allowPrivateNetworks: true, serverKey: `a-server-key-${'x'.repeat(32)}` });
    const failure = await sessions.session({ ...row, headers: 'v1.bad.seal.x.y' }, undefined).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolFailure);
    expect((failure as ToolFailure).code).toBe('TOOL_FAILED');
    expect((failure as ToolFailure).message).toContain('server key changed');
    await sessions.close();
  });
});
