import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../support/app.js';

const ACCEPTS = ['application/json', 'application/graphql-response+json'];
const UNKNOWN_AGENT = 'agt_00000000000000000000000000';

/** The GraphQL status policy (README, "GraphQL status codes"), writes over GET, node(id:). */
describe('GraphQL over HTTP: status policy, writes only over POST, node(id:)', () => {
  let app: TestApp;
  let key: string;
  let accountId: string;
  let agentId: string;
  let foreignAgentId: string;
  beforeAll(async () => {
    app = await startTestApp('pglite');
    ({ key, accountId } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'mine' })).body.data.id;
    const other = await app.newAccount('other');
    foreignAgentId = (await app.http.post('/v1/agents').set(bearer(other.key)).send({ name: 'theirs' })).body.data.id;
  });
  afterAll(() => app?.close());

  const post = (accept: string, query: string, headers: Record<string, string> = bearer(key)) =>
    app.http.post('/graphql').set(headers).set('Accept', accept).send({ query });

  describe.each(ACCEPTS)('Accept: %s', (accept) => {
    it('node(id:) is null, without an error, for an unknown, a foreign or a non-Node id', async () => {
      for (const id of [UNKNOWN_AGENT, foreignAgentId, 'nope', 'xyz_123', 'cnv_00000000000000000000000000']) {
        const res = await post(accept, `{ viewer { id } node(id: ${JSON.stringify(id)}) { id } }`);
        expect(res.status, id).toBe(200);
        expect(res.body, id).toEqual({ data: { viewer: { id: accountId }, node: null } });
      }
      const mine = await post(accept, `{ node(id: "${agentId}") { id } }`);
      expect(mine.body.data.node).toEqual({ id: agentId });
    });

    it('a response with data (even partial) is 200, its errors keep their codes', async () => {
      const narrow = await app.keyWithScopes(accountId, ['agents:read']);
      const res = await post(accept, '{ viewer { id } node(id: "cnv_00000000000000000000000000") { id } }', bearer(narrow));
      expect(res.body.data).toEqual({ viewer: { id: accountId }, node: null });
      expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(res.status).toBe(200);

      const bad = await post(accept, `{ viewer { id } node(id: "${agentId}") { ... on Agent { conversations(first: 101) { totalCount } } } }`);
      expect(bad.body.data).toEqual({ viewer: { id: accountId }, node: null });
      expect(bad.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
      expect(bad.status).toBe(200);
    });

    it('a response without data has the status of its code', async () => {
      const missing = await post(accept, `{ agent(id: "${UNKNOWN_AGENT}") { id } }`);
      expect(missing.body.data).toBeNull();
      expect(missing.body.errors[0].extensions.code).toBe('AGENT_NOT_FOUND');
      expect(missing.status).toBe(404);

      const anonymous = await post(accept, '{ viewer { id } }', {});
      expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHORIZED');
      expect(anonymous.status).toBe(401);
    });

    it('a document that cannot run is INVALID_REQUEST: 400, or 200 for application/json (GraphQL over HTTP)', async () => {
      const expected = accept === 'application/json' ? 200 : 400;
      for (const query of ['{ viewer { nope } }', '{ viewer {', nestedTooCostly]) {
        const res = await post(accept, query);
        expect(res.body.data, query).toBeUndefined();
        expect(res.body.errors[0].extensions.code, query).toBe('INVALID_REQUEST');
        expect(res.status, query).toBe(expected);
      }
    });
  });

  const nestedTooCostly = '{ agents(first: 100) { nodes { conversations(first: 100) { nodes { id } } } } }';

  it('a subscription that writes is refused over GET: 405, nothing stored, no quota used', async () => {
    const query = `subscription { sendMessageStream(agentId: "${agentId}", input: { text: "secret over GET", userId: "u1" }) { __typename } }`;
    const res = await app.http
      .get('/graphql')
      .query({ query })
      .set(bearer(key))
      .set('Accept', 'text/event-stream')
      .buffer(true)
      .parse((response, done) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => done(null, text));
      });
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    // An event stream carrying the error: its `data:` line is the GraphQL result.
    const data = /^data: (.*)$/m.exec(res.body as string)?.[1];
    expect(JSON.parse(data!).errors[0].extensions).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { allowed: ['POST'] } });
    expect(await app.db.prisma.message.count({ where: { accountId } })).toBe(0);
    const usage = await post('application/json', '{ viewer { messageUsage { used } } }');
    expect(usage.body.data.viewer.messageUsage.used).toBe(0);
  });

  it.each(ACCEPTS)('a mutation over GET is 405 METHOD_NOT_ALLOWED with Allow: POST (Accept: %s)', async (accept) => {
    const query = 'mutation { createAgent(input: { name: "via GET" }) { id } }';
    const res = await app.http.get('/graphql').query({ query }).set(bearer(key)).set('Accept', accept);
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'METHOD_NOT_ALLOWED', details: { allowed: ['POST'] } });
    expect(await app.db.prisma.agent.count({ where: { accountId, name: 'via GET' } })).toBe(0);
  });

  it('a query over GET still runs', async () => {
    const res = await app.http.get('/graphql').query({ query: '{ viewer { id } }' }).set(bearer(key)).set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.data.viewer.id).toBe(accountId);
  });
});
