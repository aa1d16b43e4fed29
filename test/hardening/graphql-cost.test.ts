import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kind, type DocumentNode } from 'graphql';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/config.js';
import { operationCost } from '../../src/graphql/cost.js';
import { schema } from '../../src/graphql/schema.js';
import { routes } from '../../src/rest/routes.js';
import { MAX_PAGE_SIZE } from '../../src/services/pagination.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

/** agents → conversations → messages, each level sized by `arg` (a literal or a variable). */
const nested = (size: (level: string) => string) => `{
  agents(${size('a')}) { nodes { id
    conversations(${size('c')}) { nodes { id
      messages(${size('m')}) { nodes { id text } } } } } }
}`;

describe('GraphQL cost counts every page size, however it is spelled', () => {
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    app = await startTestApp('pglite');
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  const refusedForCost = (res: { status: number; body: any }) => {
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { limit: 'cost', max: 5000 } });
  };

  it('a literal first: 100 at three levels is refused', async () => {
    refusedForCost(await graphql(app, key, nested(() => 'first: 100')));
  });

  it('limit: 100 is refused like first: 100', async () => {
    refusedForCost(await graphql(app, key, nested(() => 'limit: 100')));
  });

  it('last: 100 is refused like first: 100', async () => {
    refusedForCost(await graphql(app, key, nested(() => 'last: 100')));
  });

  it('first: $n from the variables is refused', async () => {
    const query = `query($n: Int) ${nested(() => 'first: $n')}`;
    refusedForCost(await graphql(app, key, query, { n: 100 }));
  });

  it('limit: $n from the variables is refused', async () => {
    const query = `query($n: Int) ${nested(() => 'limit: $n')}`;
    refusedForCost(await graphql(app, key, query, { n: 100 }));
  });

  it("a variable's default counts when the request does not send it", async () => {
    const query = `query($n: Int = 100) ${nested(() => 'first: $n')}`;
    refusedForCost(await graphql(app, key, query));
  });

  it('no size at all counts the default page size (20) at each level', async () => {
    refusedForCost(await graphql(app, key, nested(() => 'page: 1')));
  });

  it('the same document with small pages is served', async () => {
    const query = `query($n: Int) ${nested(() => 'first: $n')}`;
    const res = await graphql(app, key, query, { n: 5 });
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });

  it('every REST route at its largest page fits the default cost limit', () => {
    for (const r of routes.filter((r) => r.query.limit === 'int')) {
      const document = r.operation as DocumentNode;
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
      const cost = operationCost(schema, document, operation, { page: 1, limit: MAX_PAGE_SIZE });
      expect([`${r.method} ${r.path}`, cost <= DEFAULT_GRAPHQL_LIMITS.maxCost]).toEqual([`${r.method} ${r.path}`, true]);
    }
  });

  it('the cost limit holds over REST too (limit=100 of a list is served)', async () => {
    const res = await app.http.get('/v1/agents?limit=100').set(bearer(key));
    expect(res.status).toBe(200);
  });

  describe('fields that aggregate or rank cost what they read', () => {
    const analytics = 'analytics(interval: week) { totals { messages } }';

    it('one account analytics is served; five aliases of it are refused', async () => {
      const one = await graphql(app, key, `{ viewer { ${analytics} } }`);
      expect(one.body.errors).toBeUndefined();
      expect(one.body.data.viewer.analytics.totals.messages).toBe(0);
      const five = Array.from({ length: 5 }, (_, i) => `a${i}: ${analytics}`).join(' ');
      refusedForCost(await graphql(app, key, `{ viewer { ${five} } }`));
    });

    it("every agent's analytics of a page is refused, even a page of 5", async () => {
      refusedForCost(await graphql(app, key, `{ agents(first: 5) { nodes { id ${analytics} } } }`));
    });

    it('14 aliased searches are refused (aliases are capped at 15 anyway); 14 lists of one agent’s conversations are not charged as searches', async () => {
      const agent = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Costly' });
      const search = (i: number) => `s${i}: conversations(filter: { q: "refund" }, limit: 1) { nodes { id } }`;
      refusedForCost(await graphql(app, key, `{ ${Array.from({ length: 14 }, (_, i) => search(i)).join(' ')} }`));
      const list = (i: number) => `l${i}: conversations(agentId: "${agent.body.data.id}", limit: 1) { nodes { id } }`;
      const lists = await graphql(app, key, `{ ${Array.from({ length: 14 }, (_, i) => list(i)).join(' ')} }`);
      expect(lists.body.errors).toBeUndefined();
    });

    it('the REST analytics and search routes stay within the limit', async () => {
      expect((await app.http.get('/v1/analytics?interval=day').set(bearer(key))).status).toBe(200);
      const search = await app.http.get('/v1/conversations?q=refund&limit=100').set(bearer(key));
      expect(search.status, JSON.stringify(search.body)).toBe(200);
    });
  });
});
