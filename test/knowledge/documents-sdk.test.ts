// orion.knowledge against the real app on a loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, NotFoundError, OrionOS, OrionOSError } from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

let app: TestApp;
let socket: Awaited<ReturnType<typeof listen>>;
let orion: OrionOS;
let key: string;

beforeAll(async () => {
  app = await startTestApp('pglite');
  socket = await listen(app.app);
  ({ key } = await app.newAccount('SDK knowledge'));
  orion = new OrionOS({ apiKey: key, baseUrl: `${socket.url}/v1` });
});

afterAll(async () => {
  await socket?.close();
  await app?.close();
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

describe('orion.knowledge', () => {
  it('upload, list, get, chunks, attach, detach, delete', async () => {
    const agent = await orion.agents.create({ name: 'Librarian' });
    const text = '# Library\n\nOpen from nine.\n\n## Loans\nBooks are lent for three weeks.';
    const uploaded = await orion.knowledge.upload({ agentId: agent.data.id, text, metadata: { shelf: 'a' } });
    expect(uploaded.data).toMatchObject({ title: 'Library', chunkCount: 2, agentIds: [agent.data.id] });
    const again = await orion.knowledge.upload({ agentId: agent.data.id, text });
    expect(again.data.id).toBe(uploaded.data.id);

    const loose = await orion.knowledge.upload({ text: 'Quiet please.', format: 'text' });
    expect(loose.data.agentIds).toEqual([]);
    expect((await orion.knowledge.list()).data.items.map((d) => d.id)).toEqual([loose.data.id, uploaded.data.id]);
    expect((await orion.knowledge.list({ agentId: agent.data.id })).data.items.map((d) => d.id)).toEqual([uploaded.data.id]);
    expect((await orion.knowledge.get(uploaded.data.id)).data.content).toBe(text);
    const chunks = await orion.knowledge.chunks(uploaded.data.id, { limit: 1, page: 2 });
    expect(chunks.data.items).toMatchObject([{ position: 1, heading: 'Library > Loans' }]);

    // search: what GET /agents/{id}/knowledge/search answers.
    const found = await orion.knowledge.search(agent.data.id, { q: 'how long are books lent', limit: 1 });
    expect(found.data).toMatchObject({ ranking: 'full_text', items: [{ documentId: uploaded.data.id, chunk: 1, heading: 'Library > Loans' }] });
    const rest = await fetch(`${socket.url}/v1/agents/${agent.data.id}/knowledge/search?q=${encodeURIComponent('how long are books lent')}&limit=1`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect((await rest.json()).data).toEqual(found.data);
    expect(await caught(orion.knowledge.search(agent.data.id, { q: '' }))).toBeInstanceOf(InvalidRequestError);

    expect((await orion.knowledge.attach(agent.data.id, loose.data.id)).data.agentIds).toEqual([agent.data.id]);
    expect((await orion.knowledge.detach(agent.data.id, loose.data.id)).data).toEqual({
      agentId: agent.data.id,
      documentId: loose.data.id,
      detached: true,
    });
    expect((await orion.knowledge.delete(loose.data.id)).data).toEqual({ id: loose.data.id, deleted: true });
    expect(await caught(orion.knowledge.get(loose.data.id))).toBeInstanceOf(NotFoundError);
    const bad = await caught(orion.knowledge.upload({ text: 'x', language: 'klingon' }));
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect(() => orion.knowledge.get('')).toThrow(TypeError);
  });
});
