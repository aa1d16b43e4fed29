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
