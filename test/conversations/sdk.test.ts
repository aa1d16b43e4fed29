// orion.messages.feedback and orion.conversations.search against the real app on a loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, NotFoundError, OrionOS } from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected it to fail');
}

describe('SDK: feedback and search', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let orion: OrionOS;

  beforeAll(async () => {
    app = await startTestApp('pglite');
    socket = await listen(app.app);
    const { key } = await app.newAccount('SDK search');
    orion = new OrionOS({ apiKey: key, baseUrl: `${socket.url}/v1` });
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  it('rates a reply, replaces and withdraws it; typed errors', async () => {
    const agent = await orion.agents.create({ name: 'Rated' });
    const sent = await orion.agents.sendMessage(agent.data.id, { text: 'My parcel never arrived', userId: 'sdk-user' });
    const history = await orion.conversations.messages(sent.data.conversationId);
    const reply = history.data.items.find((m) => m.role === 'agent')!;

    const liked = await orion.messages.feedback(reply.id, { rating: 'like', comment: 'Helpful' });
    expect(liked.data).toMatchObject({ messageId: reply.id, rating: 'like', comment: 'Helpful' });
    const disliked = await orion.messages.feedback(reply.id, { rating: 'dislike' });
    expect(disliked.data).toMatchObject({ rating: 'dislike', comment: null });
    const after = await orion.conversations.messages(sent.data.conversationId);
    expect(after.data.items.find((m) => m.id === reply.id)!.feedback).toEqual(disliked.data);

    expect((await orion.messages.deleteFeedback(reply.id)).data).toEqual({ messageId: reply.id, deleted: true });
    expect(await rejection(orion.messages.deleteFeedback(reply.id))).toBeInstanceOf(NotFoundError);
    const onUser = (await rejection(orion.messages.feedback(sent.data.id, { rating: 'like' }))) as InvalidRequestError;
    expect(onUser).toBeInstanceOf(InvalidRequestError);
    expect(onUser.details).toMatchObject({ fields: [{ field: 'messageId' }] });
  });

  it('searches conversations, with Date bounds and pages', async () => {
    const agent = await orion.agents.create({ name: 'Searched' });
    await orion.agents.sendMessage(agent.data.id, { text: 'Where is my parcel?', userId: 'searcher' });
    const found = await orion.conversations.search({ q: 'parcels', agentId: agent.data.id, from: new Date(Date.now() - 60_000), limit: 5 });
    expect(found.data.items).toHaveLength(1);
    expect(found.data.items[0]).toMatchObject({ agentId: agent.data.id, userId: 'searcher' });
    expect(found.data.items[0]!.match!.snippet).toContain('«parcel»');
    expect(found.data.pagination).toEqual({ currentPage: 1, totalPages: 1, totalItems: 1, itemsPerPage: 5 });
    const all = await orion.conversations.search();
    expect(all.data.items.every((c) => c.match === null)).toBe(true);
    expect(await rejection(orion.conversations.search({ q: '' }))).toBeInstanceOf(InvalidRequestError);
  });
});
