// orion.paginate / paginate against the real app on a loopback port: several pages, an empty list,
// exactly one full page, a start page, leaving early, items added while iterating, lists that take
// an id first, and failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, OrionOS, paginate, type Agent, type CharacterRevision } from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

/** A fetch that records the URL of every call made through it. */
function countingFetch() {
  const calls: { url: URL; headers: Headers }[] = [];
  const wrapped: typeof fetch = (input, init) => {
    calls.push({ url: new URL(String(input)), headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

let app: TestApp;
let socket: Awaited<ReturnType<typeof listen>>;
let baseUrl: string;

/** A client of a new account, and the calls it makes. */
async function client() {
  const { key } = await app.newAccount('Paginate');
  const counted = countingFetch();
  return { orion: new OrionOS({ apiKey: key, baseUrl, fetch: counted.fetch, maxRetries: 0 }), calls: counted.calls };
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

const pages = (calls: { url: URL }[]) => calls.map((call) => [call.url.searchParams.get('page'), call.url.searchParams.get('limit')]);

beforeAll(async () => {
  app = await startTestApp('pglite');
  socket = await listen(app.app);
  baseUrl = `${socket.url}/v1`;
});

afterAll(async () => {
  await socket?.close();
  await app?.close();
});

describe('orion.paginate', () => {
  it('yields every item of several pages in list order, one call per page and none past the last', async () => {
    const { orion, calls } = await client();
    for (let n = 1; n <= 7; n += 1) await orion.agents.create({ name: `Agent ${n}` });
    const listed = (await orion.agents.list({ limit: 100 })).data.items;
    expect(listed).toHaveLength(7);
    calls.length = 0;

    const agents: Agent[] = [];
    for await (const agent of orion.paginate(orion.agents.list, { limit: 3 })) agents.push(agent);
    expect(agents.map((agent) => agent.id)).toEqual(listed.map((agent) => agent.id));
    expect(agents.map((agent) => agent.name)).toEqual(['Agent 7', 'Agent 6', 'Agent 5', 'Agent 4', 'Agent 3', 'Agent 2', 'Agent 1']);
    expect(pages(calls)).toEqual([
      ['1', '3'],
      ['2', '3'],
      ['3', '3'],
    ]);

    // The exported function is the same iterator; without a limit the server's default page size applies.
    calls.length = 0;
    expect((await all(paginate(orion.agents.list))).map((agent) => agent.id)).toEqual(listed.map((agent) => agent.id));
    expect(pages(calls)).toEqual([['1', null]]);
  });

  it('yields nothing for an empty list, after one call', async () => {
    const { orion, calls } = await client();
    expect(await all(orion.paginate(orion.agents.list, { limit: 5 }))).toEqual([]);
    expect(await all(orion.paginate(orion.knowledge.list))).toEqual([]);
    expect(pages(calls)).toEqual([
      ['1', '5'],
      ['1', null],
    ]);
  });

  it('stops after a list of exactly one full page, without asking for a second', async () => {
    const { orion, calls } = await client();
    for (let n = 1; n <= 3; n += 1) await orion.characters.create({ name: `Character ${n}` });
    calls.length = 0;
    const characters = await all(orion.paginate(orion.characters.list, { limit: 3 }));
    expect(characters.map((character) => character.name)).toEqual(['Character 3', 'Character 2', 'Character 1']);
    expect(pages(calls)).toEqual([['1', '3']]);
  });

  it('starts at the page given, passes the list filters and the request options on to every call', async () => {
    const { orion, calls } = await client();
    for (let n = 1; n <= 5; n += 1) await orion.agents.create({ name: `Agent ${n}` });
    calls.length = 0;
    const names = (await all(orion.paginate(orion.agents.list, { page: 2, limit: 2 }, { headers: { 'X-Request-Id': 'req_paginate' } }))).map(
      (agent) => agent.name,
    );
    expect(names).toEqual(['Agent 3', 'Agent 2', 'Agent 1']);
    expect(pages(calls)).toEqual([
      ['2', '2'],
      ['3', '2'],
    ]);
    expect(calls.map((call) => call.headers.get('x-request-id'))).toEqual(['req_paginate', 'req_paginate']);

    // A filter of the list's own params (knowledge of one agent) goes with every page.
    const agent = (await orion.agents.list({ limit: 1 })).data.items[0]!;
    for (let n = 1; n <= 3; n += 1) await orion.knowledge.upload({ agentId: agent.id, title: `Doc ${n}`, text: `Document number ${n}.` });
    await orion.knowledge.upload({ title: 'Unattached', text: 'Attached to no agent.' });
    calls.length = 0;
    const documents = await all(orion.paginate(orion.knowledge.list, { agentId: agent.id, limit: 2 }));
    expect(documents.map((document) => document.title)).toEqual(['Doc 3', 'Doc 2', 'Doc 1']);
    expect(calls.map((call) => call.url.pathname)).toEqual([`/v1/agents/${agent.id}/knowledge`, `/v1/agents/${agent.id}/knowledge`]);
  });

  it('fetches nothing more when the loop is left early', async () => {
    const { orion, calls } = await client();
    for (let n = 1; n <= 4; n += 1) await orion.agents.create({ name: `Agent ${n}` });
    calls.length = 0;
    for await (const agent of orion.paginate(orion.agents.list, { limit: 2 })) {
      expect(agent.name).toBe('Agent 4');
      break;
    }
    expect(pages(calls)).toEqual([['1', '2']]);
  });

  it('yields each item once when items are added meanwhile; the new ones (at the front) are not yielded', async () => {
    const { orion, calls } = await client();
    for (let n = 1; n <= 7; n += 1) await orion.agents.create({ name: `Agent ${n}` });
    const before = (await orion.agents.list({ limit: 100 })).data.items.map((agent) => agent.name);
    calls.length = 0;
    const names: string[] = [];
    let added = false;
    for await (const agent of orion.paginate(orion.agents.list, { limit: 3 })) {
      names.push(agent.name);
      if (!added) {
        // Pushes every agent one place back: "Agent 5" ends page 1 and starts page 2 now.
        await orion.agents.create({ name: 'Agent 8' });
        added = true;
      }
    }
    expect(names).toEqual(before);
    // 8 agents by 3 make 3 pages; the last answer says so, and nothing past it is asked.
    expect(pages(calls.filter((call) => call.url.searchParams.has('page')))).toEqual([
      ['1', '3'],
      ['2', '3'],
      ['3', '3'],
    ]);
  });

  it('reads a list that takes an id first through an arrow function (character revisions: items without an id)', async () => {
    const { orion, calls } = await client();
    const character = await orion.characters.create({ name: 'Revised' });
    for (let n = 1; n <= 4; n += 1) await orion.characters.update(character.id, { adjectives: [`take ${n}`] });
    calls.length = 0;
    const revisions: CharacterRevision[] = await all(orion.paginate((params) => orion.characters.revisions(character.id, params), { limit: 2 }));
    expect(revisions.map((revision) => revision.number)).toEqual([5, 4, 3, 2, 1]);
    expect(pages(calls)).toEqual([
      ['1', '2'],
      ['2', '2'],
      ['3', '2'],
    ]);
  });

  it('throws from the loop when a call fails, and refuses a bad start page or list before any call', async () => {
    const { orion, calls } = await client();
    const missing = orion.paginate((params) => orion.tools.list('agt_missing', params));
    await expect(all(missing)).rejects.toBeInstanceOf(NotFoundError);
    await expect(all(orion.paginate(orion.agents.list, { limit: 500 }))).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    calls.length = 0;
    await expect(all(orion.paginate(orion.agents.list, { page: 0 }))).rejects.toThrow(TypeError);
    await expect(all(paginate(undefined as never))).rejects.toThrow(TypeError);
    expect(calls).toEqual([]);
  });
});
