import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits } from '../../src/config.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

const LOOSE: GraphQLLimits = { ...DEFAULT_GRAPHQL_LIMITS, maxDepth: 50, maxAliases: 100, maxTokens: 10_000, maxCost: 100_000, maxDirectives: 100 };

type Case = { limit: string; config: Partial<GraphQLLimits>; atBound: string; pastBound: string; max: number };

const ids = (n: number) => Array.from({ length: n }, () => 'id').join(' ');
const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ');
const includes = (fields: string[]) => fields.map((f) => `${f} @include(if: true)`).join(' ');

const cases: Case[] = [
  {
    limit: 'depth',
    config: { maxDepth: 5 },
    atBound: '{ agents { edges { node { personality { tone } } } } }',
    pastBound: '{ agents { edges { node { personality { examples { user } } } } } }',
    max: 5,
  },
  { limit: 'aliases', config: { maxAliases: 3 }, atBound: `{ ${aliases(3)} }`, pastBound: `{ ${aliases(4)} }`, max: 3 },
  { limit: 'tokens', config: { maxTokens: 20 }, atBound: `{ viewer { ${ids(15)} } }`, pastBound: `{ viewer { ${ids(16)} } }`, max: 20 },
  { limit: 'cost', config: { maxCost: 4 }, atBound: '{ viewer { id name } }', pastBound: '{ viewer { id name tier } }', max: 4 },
  {
    limit: 'directives',
    config: { maxDirectives: 2 },
    atBound: `{ viewer { ${includes(['id', 'name'])} } }`,
    pastBound: `{ viewer { ${includes(['id', 'name', 'tier'])} } }`,
    max: 2,
  },
];

describe.each(cases)('GraphQL $limit limit', ({ limit, config, atBound, pastBound, max }) => {
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    app = await startTestApp('pglite', { graphql: { ...LOOSE, ...config } });
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  it('a document at the bound is served', async () => {
    const res = await graphql(app, key, atBound);
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });

  it('one past it is refused with INVALID_REQUEST naming the limit', async () => {
    const res = await graphql(app, key, pastBound);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { limit, max } });
    expect(res.body.errors[0].message).toMatch(/limit of \d+ exceeded/);
  });
});

describe('limits hold behind the REST routes too (one pipeline)', () => {
  let strict: TestApp;
  let normal: TestApp;
  beforeAll(async () => {
    strict = await startTestApp('pglite', { graphql: { ...LOOSE, maxDepth: 2 } });
    normal = await startTestApp('pglite');
  });
  afterAll(async () => {
    await strict?.close();
    await normal?.close();
  });

  it('a REST route whose operation is deeper than the limit is refused in the envelope', async () => {
    const { key } = await strict.newAccount();
    const res = await strict.http.get('/v1/agents').set(bearer(key));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { limit: 'depth', max: 2 } });
  });

  it('with the default limits, every REST operation fits', async () => {
    const { key } = await normal.newAccount();
    const agent = (await normal.http.post('/v1/agents').set(bearer(key)).send({ name: 'fits' })).body.data;
    const sent = (await normal.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' })).body.data;
    for (const path of [
      '/v1/agents',
      `/v1/agents/${agent.id}`,
      `/v1/agents/${agent.id}/conversations`,
      `/v1/agents/${agent.id}/prompt-preview?userId=u`,
      `/v1/agents/${agent.id}/analytics?interval=hour`,
      '/v1/analytics?interval=hour',
      `/v1/conversations/${sent.conversationId}`,
      `/v1/conversations/${sent.conversationId}/messages`,
      '/v1/api-keys',
    ]) {
      expect((await normal.http.get(path).set(bearer(key))).status, path).toBe(200);
    }
    for (const path of ['/v1/accounts', `/v1/accounts/${(await normal.db.prisma.account.findFirstOrThrow()).id}`]) {
      expect((await normal.http.get(path).set(bearer(normal.adminKey))).status, path).toBe(200);
    }
  });
});

describe('introspection, suggestions, batching, page sizes', () => {
  let closed: TestApp;
  let open: TestApp;
  beforeAll(async () => {
    closed = await startTestApp('pglite', { graphql: { ...DEFAULT_GRAPHQL_LIMITS, introspection: false } });
    open = await startTestApp('pglite');
  });
  afterAll(async () => {
    await closed?.close();
    await open?.close();
  });

  it('introspection is on by default (GraphiQL needs it) and can be turned off', async () => {
    const query = '{ __schema { types { name } } }';
    expect((await graphql(open, undefined, query)).body.data.__schema.types.length).toBeGreaterThan(10);
    const res = await graphql(closed, undefined, query);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { limit: 'introspection' } });
  });

  it('no field suggestions outside development', async () => {
    const { key } = await open.newAccount();
    const res = await graphql(open, key, '{ agentz { totalCount } }');
    expect(res.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
    expect(res.body.errors[0].message).not.toMatch(/Did you mean/);
  });

  it('batched requests are refused', async () => {
    const { key } = await open.newAccount();
    const res = await open.http.post('/graphql').set(bearer(key)).send([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(res.body)).not.toContain('"viewer":{');
  });

  it('page sizes are capped at 100', async () => {
    const { key } = await open.newAccount();
    const res = await graphql(open, key, '{ agents(first: 1000) { totalCount } }');
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { fields: [{ field: 'first' }] } });
  });
});
