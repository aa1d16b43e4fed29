import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

type Answer = { status: number; headers: IncomingHttpHeaders; body: any };

/**
 * A request over a real socket, its body written chunk by chunk (chunked framing unless a
 * Content-Length is given). With `end: false` the body is never finished: the answer can only
 * come from a server that answers without reading it all.
 */
function send(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; chunks: Buffer[]; end?: boolean },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${options.path}`, {
      method: options.method ?? 'POST',
      headers: { 'Content-Type': 'application/json', ...options.headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
        req.destroy();
      });
    });
    req.flushHeaders();
    for (const chunk of options.chunks) req.write(chunk);
    if (options.end !== false) req.end();
  });
}

/** `total` bytes of a JSON body that never closes, in 64 KiB chunks. */
function endlessJson(total: number, prefix = '{"query":"{ viewer { id } }","x":"'): Buffer[] {
  const chunks = [Buffer.from(prefix)];
  for (let sent = 0; sent < total; sent += 64 * 1024) chunks.push(Buffer.alloc(64 * 1024, 'x'));
  return chunks;
}

/** `{"0":0,"1":0,…}` with short (base-36) keys: 110,000 of them fit in under 1 MiB. */
function manyKeys(count: number): Record<string, number> {
  const object: Record<string, number> = {};
  for (let i = 0; i < count; i++) object[i.toString(36)] = 0;
  return object;
}

function nested(levels: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const MiB = 1024 * 1024;

describe('request bodies: limits, authentication first, bounded validation', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let key: string;
  let accountId: string;
  let agentId: string;
  const logLines: any[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    app = await startTestApp('pglite', { logger: pino({ level: 'info' }, sink) });
    socket = await listen(app.app);
    ({ key, accountId } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Bodies' })).body.data.id;
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  const rows = () =>
    Promise.all([
      app.db.prisma.agent.count({ where: { accountId } }),
      app.db.prisma.conversation.count({ where: { accountId } }),
      app.db.prisma.message.count({ where: { accountId } }),
    ]);

  describe('the body limit holds whatever the framing, and is enforced while reading', () => {
    it('a chunked body past 1 MiB to /graphql is refused 413 before it ends', async () => {
      const res = await send(socket.url, { path: '/graphql', headers: bearer(key), chunks: endlessJson(2 * MiB), end: false });
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(res.body.errors[0].extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: MiB } });
    });

    it('a chunked body past 1 MiB to /v1 is refused 413 before it ends', async () => {
      const res = await send(socket.url, { path: '/v1/agents', headers: bearer(key), chunks: endlessJson(2 * MiB, '{"name":"'), end: false });
      expect(res.status).toBe(413);
      expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limitBytes: MiB } });
    });

    it('a declared Content-Length past the limit is refused before any of the body is sent', async () => {
      for (const path of ['/graphql', '/v1/agents']) {
        const res = await send(socket.url, { path, headers: { ...bearer(key), 'Content-Length': String(8 * MiB) }, chunks: [], end: false });
        expect(res.status, path).toBe(413);
      }
    });

    it('a chunked body within the limit is read whole, on both protocols', async () => {
      const query = Buffer.from(JSON.stringify({ query: '{ viewer { id } }' }));
      const gql = await send(socket.url, { path: '/graphql', headers: bearer(key), chunks: [query.subarray(0, 5), query.subarray(5)] });
      expect([gql.status, gql.body.data.viewer.id]).toEqual([200, accountId]);
      const agent = Buffer.from(JSON.stringify({ name: 'Chunked' }));
      const rest = await send(socket.url, { path: '/v1/agents', headers: bearer(key), chunks: [agent.subarray(0, 4), agent.subarray(4)] });
      expect([rest.status, rest.body.data.name]).toEqual([201, 'Chunked']);
    });

    it('a compressed body is inflated, and counted inflated: a small gzip of 2 MiB is 413', async () => {
      const ok = await send(socket.url, {
        path: '/v1/agents',
        headers: { ...bearer(key), 'Content-Encoding': 'gzip' },
        chunks: [gzipSync(JSON.stringify({ name: 'Zipped' }))],
      });
      expect([ok.status, ok.body.data?.name]).toEqual([201, 'Zipped']);
      const bomb = gzipSync(JSON.stringify({ name: 'x'.repeat(2 * MiB) }));
      expect(bomb.length).toBeLessThan(64 * 1024);
      for (const path of ['/v1/agents', '/graphql']) {
        const res = await send(socket.url, { path, headers: { ...bearer(key), 'Content-Encoding': 'gzip' }, chunks: [bomb] });
        expect(res.status, path).toBe(413);
      }
    });
  });

  describe('a request without a valid key is refused before its body is read', () => {
    it('/v1: 401 in the envelope while the body is still coming, for no key and for a bad one', async () => {
      for (const auth of [{}, { Authorization: 'Bearer orn_live_unknown' }] as Record<string, string>[]) {
        const res = await send(socket.url, {
          path: '/v1/agents',
          headers: { ...auth, 'Content-Length': String(8 * MiB) },
          chunks: [Buffer.from('{"0":0,')],
          end: false,
        });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.body.error.code).toBe('UNAUTHORIZED');
      }
    });

    it('/graphql: 401 in the GraphQL shape once an anonymous body outgrows an introspection query', async () => {
      const res = await send(socket.url, { path: '/graphql', chunks: endlessJson(MiB / 2), end: false });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHORIZED');
    });

    it('/graphql: an anonymous operation is refused before its variables are looked at; introspection still answers', async () => {
      const mutation = 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }';
      const res = await graphql(app, undefined, mutation, { input: manyKeys(500) });
      expect(res.status).toBe(401);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHORIZED');
      const intro = await graphql(app, 'orn_live_...', 'query Intro { __schema { queryType { name } } ...Typename } fragment Typename on Query { __typename }');
      expect(intro.body.data.__schema.queryType.name).toBe('Query');
    });
  });

  describe('what validation does with a body is bounded', () => {
    it('110,000 keys, with or without a key: refused by their count before the body is parsed', async () => {
      const input = manyKeys(110_000);
      expect(JSON.stringify(input).length).toBeLessThan(MiB);
      const before = await rows();
      const rest = await app.http.post('/v1/agents').set(bearer(key)).send(input);
      expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(rest.body.error.details.fields).toEqual([{ field: '(body)', message: 'holds more than 1000 values' }]);
      expect(rest.body.error.message).toBe('Invalid request: (body): holds more than 1000 values');
      const gql = await graphql(app, key, 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }', { input });
      expect(gql.status).toBe(400);
      expect(gql.body.errors).toHaveLength(1);
      expect(gql.body.errors[0].extensions).toMatchObject({ code: 'INVALID_REQUEST', details: { fields: [{ field: '(body)', message: 'holds more than 1000 values' }] } });
      for (const path of ['/v1/agents', '/graphql']) {
        const anonymous = await app.http.post(path).send(path === '/graphql' ? { query: 'mutation { x }', variables: { input } } : input);
        expect(anonymous.status, path).toBe(401);
      }
      expect(await rows()).toEqual(before);
    });

    it('many unknown fields: one 400 listing the first 20, with a short message, on both protocols', async () => {
      const input = { name: 'x', ...manyKeys(900) };
      const rest = await app.http.post('/v1/agents').set(bearer(key)).send(input);
      expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(rest.body.error.details.fields).toHaveLength(20);
      expect(rest.body.error.details.fields[0]).toEqual({ field: '0', message: 'is not a known field' });
      expect(rest.body.error.message).toBe('Invalid request: more than 20 fields are invalid (the first 20 are listed)');
      expect(JSON.stringify(rest.body).length).toBeLessThan(4_000);
      const gql = await graphql(app, key, 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }', { input });
      expect(gql.status).toBe(400);
      expect(gql.body.errors).toHaveLength(1);
      expect(gql.body.errors[0].extensions.details.fields).toEqual(rest.body.error.details.fields);
      expect(JSON.stringify(gql.body).length).toBeLessThan(4_000);
    });

    it('a huge map or list is refused by its size, in a body or in GET variables', async () => {
      const res = await app.http
        .post('/v1/agents')
        .set(bearer(key))
        .send({ name: 'x', metadata: Object.fromEntries(Object.keys(manyKeys(5_000)).map((k) => [k, 'v'])) });
      expect([res.status, res.body.error.details.fields]).toEqual([400, [{ field: '(body)', message: 'holds more than 1000 values' }]]);
      const get = await app.http
        .get('/graphql')
        .set(bearer(key))
        .set('Accept', 'application/json')
        .query({ query: 'query($page: Int) { agents(page: $page) { totalCount } }', variables: JSON.stringify({ page: Array(1_001).fill(1) }) });
      expect(get.status).toBe(400);
      expect(get.body.errors[0].extensions.details.fields).toEqual([{ field: 'page', message: 'holds more than 1000 values' }]);
    });

    it('a field name or reason quoting what the client sent is cut short', async () => {
      const long = 'k'.repeat(100_000);
      const res = await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'x', [long]: 1 });
      expect(res.status).toBe(400);
      expect(res.body.error.details.fields[0].field.length).toBeLessThanOrEqual(200);
      expect(res.body.error.message.length).toBeLessThan(300);
      const temperature = await app.http
        .post('/v1/agents')
        .set(bearer(key))
        .send({ name: 'x', model: { temperature: `; ${'t'.repeat(100_000)}` } });
      expect(temperature.status).toBe(400);
      expect(temperature.body.error.details.fields[0].field).toBe('model.temperature');
      expect(temperature.body.error.message.length).toBeLessThan(300);
    });
  });

  describe('client mistakes are 400 INVALID_REQUEST, logged without a stack', () => {
    it('a path that is not valid percent-encoded UTF-8, without a key', async () => {
      for (const path of ['/v1/agents/%ff', '/v1/conversations/%E0%A4%A/messages', '/docs/assets/%ff']) {
        const res = await app.http.get(path);
        expect([res.status, res.body.error.code], path).toEqual([400, 'INVALID_REQUEST']);
        expect(res.body.error.details.fields).toEqual([{ field: '(path)', message: 'is not valid percent-encoded UTF-8' }]);
        const logged = logLines.filter((l) => l.requestId === res.body.error.requestId);
        expect(logged.some((l) => l.msg === 'client error')).toBe(true);
        expect(logged.every((l) => l.level < 50 && l.err === undefined)).toBe(true);
      }
    });

    it('a body whose Content-Encoding is broken or unknown', async () => {
      for (const encoding of ['gzip', 'deflate', 'br', 'compress']) {
        const res = await send(socket.url, {
          path: '/v1/agents',
          headers: { ...bearer(key), 'Content-Encoding': encoding },
          chunks: [Buffer.from('{"name":"not compressed"}')],
        });
        expect([res.status, res.body.error.code], encoding).toEqual([400, 'INVALID_REQUEST']);
        expect(res.body.error.details.fields[0].field).toBe('(body)');
        expect(logLines.filter((l) => l.requestId === res.body.error.requestId).every((l) => l.level < 50)).toBe(true);
      }
    });
  });

  describe('GraphQL variables nest no deeper than REST bodies (32 levels)', () => {
    const mutation = 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }';

    it('POST: 32 levels pass the depth check, 33 and 500,000 do not', async () => {
      const ok = await graphql(app, key, mutation, { input: { name: 'x', metadata: nested(31) } });
      expect(ok.body.errors[0].extensions.details.fields[0].field).toBe('metadata.a');
      expect(ok.body.errors[0].message).not.toMatch(/nested/);
      const deep = await graphql(app, key, mutation, { input: { name: 'x', metadata: nested(32) } });
      expect(deep.status).toBe(400);
      expect(deep.body.errors[0].extensions.code).toBe('INVALID_REQUEST');
      expect(deep.body.errors[0].message).toBe('GraphQL variables and extensions nest at most 32 levels');
      const body = `{"query":${JSON.stringify(mutation)},"variables":{"input":${'['.repeat(500_000)}${']'.repeat(500_000)}}}`;
      const deepest = await app.http.post('/graphql').set(bearer(key)).set('Content-Type', 'application/json').send(body);
      expect([deepest.status, deepest.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
      const anonymous = await app.http.post('/graphql').set('Content-Type', 'application/json').send(body);
      expect(anonymous.status).toBe(401);
    });

    it('GET: the variables and extensions query parameters too', async () => {
      for (const name of ['variables', 'extensions']) {
        const res = await app.http
          .get('/graphql')
          .set(bearer(key))
          .set('Accept', 'application/json')
          .query({ query: '{ viewer { id } }', [name]: JSON.stringify({ v: nested(40) }) });
        expect([res.status, res.body.errors?.[0]?.extensions.code], name).toEqual([400, 'INVALID_REQUEST']);
        expect(res.body.errors[0].extensions.details.fields[0].field).toBe(name);
      }
    });
  });

  describe('NUL characters are 400 INVALID_REQUEST naming the field, and store nothing', () => {
    const NUL = 'a\u0000b';

    it.each([
      ['agent name', { name: NUL }, 'name'],
      ['trait', { name: 'x', personality: { traits: ['ok', NUL] } }, 'personality.traits[1]'],
      ['metadata value', { name: 'x', metadata: { team: NUL } }, 'metadata.team'],
      ['metadata key', { name: 'x', metadata: { [NUL]: 'v' } }, 'metadata'],
    ])('REST and GraphQL: %s', async (_name, input, field) => {
      const before = await rows();
      const rest = await app.http.post('/v1/agents').set(bearer(key)).send(input);
      expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(rest.body.error.details.fields).toContainEqual({ field, message: 'must not contain the NUL character (\\u0000)'.replace(/^/, field === 'metadata' ? 'keys ' : '') });
      const gql = await graphql(app, key, 'mutation($input: CreateAgentInput!) { createAgent(input: $input) { id } }', { input });
      expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(gql.body.errors[0].extensions.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(await rows()).toEqual(before);
    });

    it('message text and metadata: no conversation is left behind', async () => {
      const before = await rows();
      for (const body of [{ text: NUL, userId: 'u-nul' }, { text: 'hi', userId: 'u-nul', metadata: { k: NUL } }, { text: 'hi', userId: NUL }]) {
        const rest = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send(body);
        expect([rest.status, rest.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
        const gql = await graphql(
          app,
          key,
          'mutation($agentId: ID!, $input: SendMessageInput!) { sendMessage(agentId: $agentId, input: $input) { messageId } }',
          { agentId, input: body },
        );
        expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
        expect(gql.body.errors[0].extensions.details.fields[0].field).toBe(rest.body.error.details.fields[0].field);
      }
      expect(await rows()).toEqual(before);
    });

    it('GraphQL string literals and REST query parameters', async () => {
      const before = await rows();
      const literal = await graphql(
        app,
        key,
        `mutation { sendMessage(agentId: "${agentId}", input: {text: "a\\u0000b", userId: "u"}) { messageId } }`,
      );
      expect([literal.status, literal.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
      expect(literal.body.errors[0].extensions.details.fields).toEqual([{ field: 'text', message: 'must not contain the NUL character (\\u0000)' }]);
      // The same text again hits the parse cache and the literals' findings kept for its document;
      // a variable's NUL beside them is listed first, as before.
      const again = await graphql(
        app,
        key,
        `mutation($userId: String!) { sendMessage(agentId: "${agentId}", input: {text: "a\\u0000b", userId: $userId}) { messageId } }`,
        { userId: NUL },
      );
      const repeated = await graphql(
        app,
        key,
        `mutation($userId: String!) { sendMessage(agentId: "${agentId}", input: {text: "a\\u0000b", userId: $userId}) { messageId } }`,
        { userId: NUL },
      );
      for (const answer of [again, repeated]) {
        expect([answer.status, answer.body.errors[0].extensions.code]).toEqual([400, 'INVALID_REQUEST']);
        expect(answer.body.errors[0].extensions.details.fields).toEqual([
          { field: 'userId', message: 'must not contain the NUL character (\\u0000)' },
          { field: 'text', message: 'must not contain the NUL character (\\u0000)' },
        ]);
      }
      const query = await app.http.get(`/v1/agents/${agentId}/conversations`).set(bearer(key)).query({ userId: NUL });
      expect([query.status, query.body.error.details.fields[0].field]).toEqual([400, 'userId']);
      expect(await rows()).toEqual(before);
    });
  });
});
