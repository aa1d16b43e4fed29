// The SDK's conversation exports against the real app on a loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, OrionOS, PermissionDeniedError, type ExportRecord } from '../../src/sdk/index.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

describe('SDK: conversation export', () => {
  let app: TestApp;
  let server: Awaited<ReturnType<typeof listen>>;
  let orion: OrionOS;
  let key: string;
  let accountId: string;
  let agentId: string;
  let conversationId: string;

  beforeAll(async () => {
    app = await startTestApp('pglite');
    server = await listen(app.app);
    ({ key, accountId } = await app.newAccount('SDK export'));
    orion = new OrionOS({ apiKey: key, baseUrl: `${server.url}/v1`, maxRetries: 0 });
    agentId = (await orion.agents.create({ name: 'Exported' })).data.id;
    for (const text of ['Hello', 'Tell me more']) {
      conversationId = (await orion.agents.sendMessage(agentId, { text, userId: 'sdk-user' })).data.conversationId;
    }
    await orion.agents.sendMessage(agentId, { text: 'Hi', userId: 'other-user' });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('records(): the conversation, then its turns as messages() lists them, oldest first', async () => {
    const file = await orion.conversations.export(conversationId);
    expect(file.contentType).toBe('application/x-ndjson; charset=utf-8');
    expect(file.fileName).toBe(`${conversationId}.jsonl`);
    expect(file.requestId).toMatch(/^req_/);
    const records: ExportRecord[] = [];
    for await (const record of file.records()) records.push(record);
    expect(records[0]).toEqual({ type: 'conversation', ...(await orion.conversations.get(conversationId)).data });
    const listed = (await orion.conversations.messages(conversationId, { limit: 100 })).data.items.reverse();
    expect(records.slice(1)).toEqual(listed.map((m) => ({ type: 'message', ...m })));
    expect(() => file[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('text() and lines(): the same bytes REST sends; Markdown too; exportAll covers every conversation', async () => {
    const rest = async (path: string) => {
      const res = await fetch(`${server.url}/v1${path}`, { headers: bearer(key) });
      return res.text();
    };
    const markdown = await orion.conversations.export(conversationId, { format: 'markdown' });
    expect(markdown.fileName).toBe(`${conversationId}.md`);
    expect(await markdown.text()).toBe(await rest(`/conversations/${conversationId}/export?format=markdown`));
    const all = await orion.conversations.exportAll(agentId);
    expect(all.fileName).toBe(`${agentId}-conversations.jsonl`);
    const lines: string[] = [];
    for await (const line of all.lines()) lines.push(line);
    expect(`${lines.join('\n')}\n`).toBe(await rest(`/agents/${agentId}/conversations/export`));
    expect(lines.filter((l) => l.startsWith('{"type":"conversation"'))).toHaveLength(2);
  });

  it('errors before the file are thrown typed; leaving a loop early closes the download', async () => {
    await expect(orion.conversations.export('cnv_01J0000000000000000000000Z')).rejects.toBeInstanceOf(NotFoundError);
    await expect(orion.conversations.exportAll('agt_01J0000000000000000000000Z')).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    const narrow = new OrionOS({ apiKey: await app.keyWithScopes(accountId, ['agents:read']), baseUrl: `${server.url}/v1` });
    await expect(narrow.conversations.export(conversationId)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(orion.conversations.export(conversationId, { format: 'csv' as 'jsonl' })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    const file = await orion.conversations.export(conversationId);
    for await (const record of file.records()) {
      expect(record.type).toBe('conversation');
      break;
    }
  });
});
