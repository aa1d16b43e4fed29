import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, graphql, startTestApp, type TestApp } from '../support/app.js';

/** Errors name the field as the client sent it, in JSON terms, the same in REST and GraphQL. */
describe('validation errors in the client’s terms', () => {
  let app: TestApp;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    app = await startTestApp('pglite');
    ({ key } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Errors' })).body.data.id;
  });
  afterAll(() => app?.close());

  const fieldsOf = (body: any) => body.error.details.fields as { field: string; message: string }[];

  it('a query parameter that is not an integer says what it must be', async () => {
    for (const [query, field, message] of [
      ['page=abc', 'page', 'must be an integer ≥ 1'],
      ['page=1.5', 'page', 'must be an integer ≥ 1'],
      ['limit=ten', 'limit', 'must be an integer from 1 to 100'],
    ] as const) {
      const res = await app.http.get(`/v1/agents?${query}`).set(bearer(key));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_REQUEST');
      expect(fieldsOf(res.body)).toEqual([{ field, message }]);
      expect(res.body.error.message).toBe(`Invalid request: ${field}: ${message}`);
      expect(res.body.error.message).not.toMatch(/Int cannot represent/);
    }
  });

  it('a body value of the wrong JSON type says which type it must be', async () => {
    const res = await app.http.post('/v1/agents').set(bearer(key)).send({
      name: 5,
      status: 'sleeping',
      personality: 3,
      model: { temperature: 'hot', maxTokens: 1.5 },
      metadata: { team: 7 },
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'must be a string' },
        { field: 'status', message: 'must be one of: active, paused' },
        { field: 'personality', message: 'must be an object' },
        { field: 'model.temperature', message: 'must be a number' },
        { field: 'model.maxTokens', message: 'must be an integer' },
        { field: 'metadata.team', message: 'must be a string' },
      ]),
    );
    expect(fieldsOf(res.body)).toHaveLength(6);
    expect(JSON.stringify(res.body)).not.toMatch(/cannot represent|Expected type/);
    expect(res.body.error.message).toMatch(/^Invalid request: metadata\.team: must be a string; .*; and 3 more$/);
  });

  it('names every unknown field beside the missing ones', async () => {
    const res = await app.http
      .post(`/v1/agents/${agentId}/messages`)
      .set(bearer(key))
      .send({ message: 'hi', userId: 'u1', colour: 'blue' });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(
      expect.arrayContaining([
        { field: 'text', message: 'is required' },
        { field: 'message', message: 'is not a known field' },
        { field: 'colour', message: 'is not a known field' },
      ]),
    );
    expect(fieldsOf(res.body)).toHaveLength(3);
    expect(res.body.error.message).toContain('message: is not a known field');
  });

  it('an empty JSON body is called empty, not of the wrong content type', async () => {
    // Over a real socket, as curl sends it: no body bytes at all, with and without Content-Length.
    const server = http.createServer(app.app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const extra of [{}, { 'Content-Length': '0' }] as Record<string, string>[]) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/agents`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...bearer(key), ...extra },
        });
        const body = (await res.json()) as any;
        expect(res.status).toBe(400);
        expect(body.error.code).toBe('INVALID_REQUEST');
        expect(fieldsOf(body)).toEqual([{ field: '(body)', message: 'is empty; expected a JSON object' }]);
        expect(body.error.message).not.toMatch(/Content-Type/);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('GraphQL gives the very same details for the same input, whatever the variable is called', async () => {
    const bad = [
      { name: 5, foo: 1, personality: { tone: 3 } },
      { name: '', personality: { tone: '' }, metadata: { x: 'y'.repeat(600) } },
      { name: 'a', status: 'sleeping', metadata: { team: 7 } },
    ];
    for (const input of bad) {
      const rest = await app.http.post('/v1/agents').set(bearer(key)).send(input);
      expect(rest.status).toBe(400);
      for (const variable of ['input', 'i', 'agent']) {
        const gql = await graphql(
          app,
          key,
          `mutation ($${variable}: CreateAgentInput!) { createAgent(input: $${variable}) { id } }`,
          { [variable]: input },
        );
        expect(gql.body.errors).toHaveLength(1);
        const error = gql.body.errors[0];
        expect(error.extensions.code).toBe('INVALID_REQUEST');
        expect(error.extensions.details).toEqual(rest.body.error.details);
        expect(error.message).toBe(rest.body.error.message);
      }
    }
    const rest = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ message: 'hi', userId: 'u1' });
    const gql = await graphql(app, key, 'mutation ($a: ID!, $m: SendMessageInput!) { sendMessage(agentId: $a, input: $m) { response } }', {
      a: agentId,
      m: { message: 'hi', userId: 'u1' },
    });
    expect(gql.body.errors[0].extensions.details).toEqual(rest.body.error.details);
  });
});
