import express from 'express';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPRECATIONS, deprecationHeaders, deprecationReason, type Deprecation } from '../../src/deprecations.js';
import { printedSchema } from '../../src/graphql/print-schema.js';
import { buildOpenApiDocument } from '../../src/openapi/document.js';
import type { ParameterObject } from '../../src/openapi/types.js';
import { deprecationNotice } from '../../src/rest/deprecation.js';
import { routes, type RestRoute } from '../../src/rest/routes.js';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

const AGENT_ID = DEPRECATIONS['Query.conversations(agentId:)'];
const USER_ID = DEPRECATIONS['Query.conversations(userId:)'];

describe('deprecated: the agentId and userId arguments of the conversations query', () => {
  let app: TestApp;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    app = await startTestApp('pglite', { corsOrigins: ['https://app.example'] });
    ({ key } = await app.newAccount());
    const agent = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Deprecations' });
    agentId = agent.body.data.id;
    await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'hello', userId: 'alice' });
    await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text: 'hello', userId: 'bob' });
  });
  afterAll(() => app?.close());

  it('the printed schema marks both @deprecated, with what to use instead and the sunset date', () => {
    const schema = printedSchema();
    expect(schema).toContain(`agentId: ID @deprecated(reason: "${deprecationReason(AGENT_ID)}")`);
    expect(schema).toContain(`userId: String @deprecated(reason: "${deprecationReason(USER_ID)}")`);
    expect(deprecationReason(AGENT_ID)).toMatch(/filter: \{agentId\}.*2027-06-30/);
  });

  it('introspection (as GraphiQL asks, with deprecated input values) shows them deprecated; without, leaves them out', async () => {
    const args = (include: boolean) =>
      graphql(app, key, `{ __type(name: "Query") { fields { name args(includeDeprecated: ${include}) { name isDeprecated deprecationReason } } } }`);
    const conversationsArgs = (res: Awaited<ReturnType<typeof args>>) =>
      res.body.data.__type.fields.find((f: { name: string }) => f.name === 'conversations').args as Array<{
        name: string;
        isDeprecated: boolean;
        deprecationReason: string | null;
      }>;
    const all = conversationsArgs(await args(true));
    expect(all.filter((a) => a.isDeprecated)).toEqual([
      { name: 'agentId', isDeprecated: true, deprecationReason: deprecationReason(AGENT_ID) },
      { name: 'userId', isDeprecated: true, deprecationReason: deprecationReason(USER_ID) },
    ]);
    expect(all.find((a) => a.name === 'filter')?.isDeprecated).toBe(false);
    expect(conversationsArgs(await args(false)).map((a) => a.name)).not.toContain('agentId');
  });

  it('GraphiQL introspects with deprecated input values, so its docs show them and its editor accepts them', async () => {
    const page = await app.http.get('/graphql').set('Accept', 'text/html');
    expect(page.status).toBe(200);
    const options = /<script[^>]*id="graphiql-options"[^>]*>([^<]*)<\/script>/.exec(page.text)?.[1];
    expect(JSON.parse(options!)).toMatchObject({ inputValueDeprecation: true });
  });

  it('the deprecated arguments still work, with the same data as filter (older clients keep working)', async () => {
    const old = await graphql(app, key, 'query($a: ID!) { conversations(agentId: $a, userId: "alice") { nodes { id userId } } }', { a: agentId });
    const now = await graphql(app, key, 'query($a: ID!) { conversations(filter: {agentId: $a, userId: "alice"}) { nodes { id userId } } }', {
      a: agentId,
    });
    expect(old.body.errors).toBeUndefined();
    expect(old.body.data.conversations.nodes).toHaveLength(1);
    expect(old.body.data).toEqual(now.body.data);
    // REST's route for an agent's conversations now runs on filter: the same list.
    const rest = await app.http.get(`/v1/agents/${agentId}/conversations?userId=alice`).set(bearer(key));
    expect(rest.body.data.items.map((c: { id: string }) => c.id)).toEqual(now.body.data.conversations.nodes.map((c: { id: string }) => c.id));
    // Not deprecated itself: no Deprecation header.
    expect(rest.headers['deprecation']).toBeUndefined();
  });

  it('CORS lets browser clients read Deprecation, Sunset and Link', async () => {
    const res = await app.http.get('/v1/agents').set(bearer(key)).set('Origin', 'https://app.example');
    const exposed = String(res.headers['access-control-expose-headers']).split(',');
    expect(exposed).toEqual(expect.arrayContaining(['Deprecation', 'Sunset', 'Link']));
  });
});

/**
 * REST has nothing deprecated today (no route or parameter is kept only for older clients), so
 * the mechanism is shown on a fixture: the real route of an agent's conversations, as if its
 * `userId` parameter, or the whole route, were on its way out. Nothing here changes the route table.
 */
describe('the REST deprecation mechanism (on a fixture route)', () => {
  const real = routes.find((r) => r.method === 'GET' && r.path === '/agents/:agentId/conversations')!;
  const deprecation: Deprecation = { since: '2026-12-01', sunset: '2027-07-01', instead: 'Use GET /v1/conversations?userId=…' };

  it('Deprecation is @ and Unix seconds (RFC 9745), Sunset an HTTP date (RFC 8594), Link rel="deprecation"', () => {
    expect(deprecationHeaders(deprecation)).toEqual({
      Deprecation: `@${Date.UTC(2026, 11, 1) / 1000}`,
      Sunset: 'Thu, 01 Jul 2027 00:00:00 GMT',
      Link: expect.stringMatching(/^<https:\/\/[^>]+>; rel="deprecation"/),
    });
  });

  async function answer(route: RestRoute, query: string) {
    const server = express();
    const notice = deprecationNotice(route);
    server.get('/v1/agents/:agentId/conversations', ...(notice ? [notice] : []), (_req, res) => {
      res.json({ success: true, data: {} });
    });
    return supertest(server).get(`/v1/agents/agt_x/conversations${query}`);
  }

  it('a deprecated parameter: the headers only on answers to requests that send it', async () => {
    const route = { ...real, deprecatedQuery: { userId: deprecation } };
    const used = await answer(route, '?userId=alice');
    expect(used.headers).toMatchObject({
      deprecation: '@1796083200',
      sunset: 'Thu, 01 Jul 2027 00:00:00 GMT',
      link: expect.stringContaining('rel="deprecation"'),
    });
    const notUsed = await answer(route, '?page=1');
    expect(notUsed.headers['deprecation']).toBeUndefined();
    expect(notUsed.headers['sunset']).toBeUndefined();
  });

  it('a deprecated route: the headers on every answer; a route with nothing deprecated gets no middleware', async () => {
    const all = await answer({ ...real, deprecated: deprecation }, '');
    expect([all.headers['deprecation'], all.headers['sunset']]).toEqual(['@1796083200', 'Thu, 01 Jul 2027 00:00:00 GMT']);
    expect(deprecationNotice(real)).toBeUndefined();
  });

  it('OpenAPI: deprecated: true on the parameter or the operation, and the headers documented', () => {
    const table = (fixture: RestRoute) => routes.map((r) => (r === real ? fixture : r));
    const byParam = buildOpenApiDocument({ routes: table({ ...real, deprecatedQuery: { userId: deprecation } }) });
    const op = byParam.paths['/v1/agents/{agentId}/conversations']!.get!;
    expect(op.deprecated).toBeUndefined();
    const userId = op.parameters.find((p) => 'name' in p && p.name === 'userId') as ParameterObject;
    expect(userId.deprecated).toBe(true);
    expect(userId.description).toContain(deprecationReason(deprecation));
    const ok = op.responses['200'] as { headers: Record<string, { required: boolean }> };
    expect(ok.headers['Deprecation']?.required).toBe(false);

    const byRoute = buildOpenApiDocument({ routes: table({ ...real, deprecated: deprecation }) });
    const routeOp = byRoute.paths['/v1/agents/{agentId}/conversations']!.get!;
    expect(routeOp.deprecated).toBe(true);
    expect(routeOp.description).toContain(deprecationReason(deprecation));
    const routeOk = routeOp.responses['200'] as { headers: Record<string, { required: boolean }> };
    expect([routeOk.headers['Deprecation']?.required, routeOk.headers['Sunset']?.required]).toEqual([true, true]);
  });

  it('the served document has nothing deprecated, as the route table has nothing deprecated', () => {
    expect(routes.filter((r) => r.deprecated || r.deprecatedQuery)).toEqual([]);
    const served = buildOpenApiDocument();
    expect(JSON.stringify(served)).not.toContain('"deprecated":true');
  });
});
