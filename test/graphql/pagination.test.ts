import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

describe.each(STORAGES)('pagination (%s)', (storage) => {
  let app: TestApp;
  let key: string;
  const names: string[] = [];

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount());
    for (let i = 0; i < 7; i++) {
      names.push(`agent-${i}`);
      await app.http.post('/v1/agents').set(bearer(key)).send({ name: `agent-${i}` });
    }
  });
  afterAll(() => app?.close());

  const newestFirst = () => [...names].reverse();

  it('defaults to page 1 of 20, newest first', async () => {
    const res = await app.http.get('/v1/agents').set(bearer(key));
    expect(res.body.data.items.map((a: { name: string }) => a.name)).toEqual(newestFirst());
    expect(res.body.data.pagination).toEqual({ currentPage: 1, totalPages: 1, totalItems: 7, itemsPerPage: 20 });
  });

  it('pages with page and limit, stably', async () => {
    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const res = await app.http.get(`/v1/agents?page=${page}&limit=3`).set(bearer(key));
      expect(res.body.data.pagination).toEqual({ currentPage: page, totalPages: 3, totalItems: 7, itemsPerPage: 3 });
      seen.push(...res.body.data.items.map((a: { name: string }) => a.name));
    }
    expect(seen).toEqual(newestFirst());
  });

  it('a page past the end is empty with correct totals', async () => {
    const res = await app.http.get('/v1/agents?page=9&limit=3').set(bearer(key));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      items: [],
      pagination: { currentPage: 9, totalPages: 3, totalItems: 7, itemsPerPage: 3 },
    });
  });

  it.each(['page=0', 'page=-1', 'limit=0', 'limit=101', 'limit=abc', 'page=1.5', 'limit=', 'page=1&page=2', 'sort=name'])(
    '%s → 400 INVALID_REQUEST naming the parameter',
    async (query) => {
      const res = await app.http.get(`/v1/agents?${query}`).set(bearer(key));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
      const param = query.split('=')[0];
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(param);
    },
  );

  it('limit=100 is accepted', async () => {
    const res = await app.http.get('/v1/agents?limit=100').set(bearer(key));
    expect(res.status).toBe(200);
  });

  it('GraphQL: Relay cursors walk forward and back, with totalCount and pagination', async () => {
    const q = `query($first: Int, $after: String, $last: Int, $before: String) {
      agents(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pagination { currentPage totalPages totalItems itemsPerPage }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id name } }
      }
    }`;
    const walked: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await graphql(app, key, q, { first: 3, after });
      const c = res.body.data.agents;
      expect(c.totalCount).toBe(7);
      expect(c.pagination.currentPage).toBe(pages + 1);
      walked.push(...c.edges.map((e: { node: { name: string } }) => e.node.name));
      pages++;
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(walked).toEqual(newestFirst());
    expect(pages).toBe(3);

    const last = await graphql(app, key, q, { last: 2 });
    expect(last.body.data.agents.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['agent-1', 'agent-0']);
    expect(last.body.data.agents.pageInfo.hasPreviousPage).toBe(true);
    const before = await graphql(app, key, q, { last: 2, before: last.body.data.agents.pageInfo.startCursor });
    expect(before.body.data.agents.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['agent-3', 'agent-2']);
  });

  it('GraphQL: first: 0 (and last: 0) is an empty page, as Relay allows', async () => {
    for (const size of ['first: 0', 'last: 0']) {
      const res = await graphql(
        app,
        key,
        `{ agents(${size}) { totalCount edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } pagination { totalItems itemsPerPage totalPages } } }`,
      );
      expect(res.body.errors, size).toBeUndefined();
      expect(res.status).toBe(200);
      const connection = res.body.data.agents;
      expect(connection.edges).toEqual([]);
      expect(connection.totalCount).toBe(7);
      expect(connection.pageInfo).toMatchObject({ startCursor: null, endCursor: null });
      expect(connection.pagination).toMatchObject({ totalItems: 7, itemsPerPage: 0, totalPages: 0 });
    }
  });

  it('GraphQL: bad combinations and bounds are INVALID_REQUEST', async () => {
    for (const [args, field] of [
      ['first: -1', 'first'],
      ['last: -1', 'last'],
      ['limit: 0', 'limit'],
      ['first: 101', 'first'],
      ['first: 2, page: 1', 'page'],
      ['first: 2, last: 2', 'last'],
      ['after: "nope"', 'after'],
    ]) {
      const res = await graphql(app, key, `{ agents(${args}) { totalCount } }`);
      expect(res.body.errors![0].extensions.code).toBe('INVALID_REQUEST');
      expect(res.body.errors![0].extensions.details.fields[0].field).toBe(field);
    }
  });
});
