import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

describe('/graphql endpoint', () => {
  let app: TestApp;
  let key: string;
  beforeAll(async () => {
    app = await startTestApp('pglite');
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  it('serves GraphiQL to a browser, with an example operation and the Authorization hint', async () => {
    const res = await app.http.get('/graphql').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('OrionOS GraphQL explorer');
    expect(res.text).toContain('query MyAgents');
    expect(res.text).toContain('Authorization');
  });

  it('GraphiQL: every script and worker from this server, none inline, under the strict policy', async () => {
    const res = await app.http.get('/graphql').set('Accept', 'text/html');
    const csp = new Map(
      String(res.headers['content-security-policy'])
        .split(';')
        .map((directive) => [directive.split(' ')[0]!, directive] as const),
    );
    expect(csp.get('default-src')).toBe("default-src 'self'");
    expect(csp.get('script-src')).toBe("script-src 'self'");
    expect(csp.get('worker-src')).toBe("worker-src 'self'");
    expect(csp.get('connect-src')).toBe("connect-src 'self'");
    expect([...csp.values()].join(';')).not.toMatch(/https?:|blob:|unsafe-eval|\*/);
    const scripts = [...res.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.filter((attrs) => !/\bsrc="\/graphiql\/assets\//.test(attrs) && !/type="application\/json"/.test(attrs))).toEqual([]);
    const urls = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) {
      expect(url).toMatch(/^\/graphiql\/assets\//);
      const asset = await app.http.get(url);
      expect(asset.status, url).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=86400');
    }
    for (const worker of ['editor.worker.js', 'json.worker.js', 'graphql.worker.js']) {
      const asset = await app.http.get(`/graphiql/assets/${worker}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    }
    const missing = await app.http.get('/graphiql/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });

  it('answers introspection without a key (GraphiQL needs it) but no data without one', async () => {
    const intro = await graphql(app, undefined, '{ __schema { queryType { name } } }');
    expect(intro.body.data.__schema.queryType.name).toBe('Query');
    const viewer = await graphql(app, undefined, '{ viewer { id } }');
    expect(viewer.status).toBe(401);
    expect(viewer.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHORIZED', details: {} });
  });

  it('syntax and validation errors are INVALID_REQUEST with a request id', async () => {
    const syntax = await graphql(app, key, '{ agents( }');
    expect(syntax.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
    expect(syntax.body.errors[0].extensions.requestId).toBe(syntax.headers['x-request-id']);
    const unknown = await graphql(app, key, '{ agents { nope } }');
    expect(unknown.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
  });

  it('an oversize body is refused with PAYLOAD_TOO_LARGE', async () => {
    const res = await app.http
      .post('/graphql')
      .set(bearer(key))
      .set('Content-Type', 'application/json')
      .send({ query: `{ viewer { id } } # ${'x'.repeat(1024 * 1024)}` });
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('createAgent, node(id) and viewer over GraphQL', async () => {
    const created = await graphql(app, key, 'mutation($i: CreateAgentInput!) { createAgent(input: $i) { id name } }', {
      i: { name: 'Gq' },
    });
    const id = created.body.data.createAgent.id;
    expect(id).toMatch(/^agt_/);
    const node = await graphql(app, key, 'query($id: ID!) { node(id: $id) { __typename id ... on Agent { name } } }', { id });
    expect(node.body.data.node).toEqual({ __typename: 'Agent', id, name: 'Gq' });
    const unknownPrefix = await graphql(app, key, '{ node(id: "zzz_01J0000000000000000000000Z") { id } }');
    expect(unknownPrefix.body).toEqual({ data: { node: null } });
  });
});
