import { createParser } from 'eventsource-parser';
import type { Response as SuperagentResponse } from 'superagent';
import type { Test } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, openApiPath, routeKey } from '../../src/openapi/document.js';
import { allowHeader } from '../../src/rest/allowed-methods.js';
import { ROUTE_DOCS, scopesOf } from '../../src/openapi/route-docs.js';
import type { JsonSchema, OperationObject, ParameterObject, ResponseObject } from '../../src/openapi/types.js';
import { routes, type RestRoute } from '../../src/rest/routes.js';
import { indexDocument } from '../../src/services/knowledge/indexing.js';
import { SCOPES } from '../../src/services/scopes.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { answerOf, ContractChecker, expectCode, type HttpAnswer } from './contract.js';

/**
 * Calls every route of the real app (its success and each error it can practically give) and
 * checks every answer, body and headers, against the OpenAPI document it serves.
 */

const { document, json } = openApiDocument();
const checker = new ContractChecker(document);

type Ids = {
  agentId: string;
  conversationId: string;
  keyId: string;
  accountId: string;
  characterId: string;
  number: string;
  pluginId: string;
  toolId: string;
  webhookId: string;
  deliveryId: string;
  messageId: string;
  documentId: string;
  mcpServerId: string;
};
type Sample = {
  query?: Record<string, string>;
  body?: Record<string, unknown>;
  /** A body the server refuses with 400 (and the document's schema refuses too). */
  invalidBody?: Record<string, unknown> | unknown[];
  /** Another valid body (the same Idempotency-Key with it is a conflict). */
  otherBody?: Record<string, unknown>;
  /** Path parameters of a resource of its own (routes that use it up). */
  fresh?: () => Promise<Partial<Ids>>;
};

const MISSING: Ids = {
  agentId: `agt_${'0'.repeat(26)}`,
  conversationId: `cnv_${'0'.repeat(26)}`,
  keyId: `key_${'0'.repeat(26)}`,
  accountId: `acc_${'0'.repeat(26)}`,
  characterId: `chr_${'0'.repeat(26)}`,
  number: '1',
  pluginId: 'no-such-plugin',
  toolId: `tol_${'0'.repeat(26)}`,
  webhookId: `whk_${'0'.repeat(26)}`,
  deliveryId: `dlv_${'0'.repeat(26)}`,
  messageId: `msg_${'0'.repeat(26)}`,
  documentId: `doc_${'0'.repeat(26)}`,
  mcpServerId: `mcs_${'0'.repeat(26)}`,
};

let app: TestApp;
let provider: ProviderServer;
let ownerKey: string;
let ownerAccountId: string;
let ids: Ids;
let limitedKey: string;

async function post(path: string, key: string, body: object) {
  const res = await app.http.post(path).set(bearer(key)).send(body);
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** A new agent's reply (its message ID), to rate. */
async function freshReply(): Promise<string> {
  const sent = await post(`/v1/agents/${ids.agentId}/messages`, ownerKey, { text: 'rate me', userId: `r-${Math.random()}`.slice(0, 20) });
  const history = await app.http.get(`/v1/conversations/${sent.conversationId}/messages`).set(bearer(ownerKey));
  return history.body.data.items.find((m: { role: string }) => m.role === 'agent').id;
}

const SAMPLES: Record<string, Sample> = {
  'POST /agents': {
    body: { name: 'Contract', personality: { traits: ['helpful', 'friendly'] }, metadata: { team: 'qa' } },
    invalidBody: { name: '' },
    otherBody: { name: 'Other' },
  },
  'GET /agents': { query: { page: '1', limit: '5' } },
  'GET /agents/:agentId': {},
  'PATCH /agents/:agentId': {
    body: { description: 'Answers billing questions', systemPrompt: null },
    invalidBody: { model: { temperature: 3 } },
  },
  'DELETE /agents/:agentId': { fresh: async () => ({ agentId: (await post('/v1/agents', ownerKey, { name: 'Doomed' })).id }) },
  'POST /agents/:agentId/messages': {
    body: { text: 'Hello!', userId: 'contract-user', metadata: { channel: 'web' } },
    invalidBody: { text: 'Hello!', userId: 'not valid!' },
    otherBody: { text: 'Something else', userId: 'contract-user' },
  },
  'GET /agents/:agentId/prompt-preview': { query: { userId: 'contract-user', text: 'Hi' } },
  'GET /agents/:agentId/conversations': { query: { userId: 'contract-user' } },
  'GET /agents/:agentId/analytics': {
    query: { from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z', interval: 'day', timeZone: 'Europe/Berlin' },
  },
  'GET /analytics': { query: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', interval: 'hour', timeZone: 'UTC' } },
  'GET /conversations': { query: { q: 'hello', page: '1', limit: '5' } },
  'GET /conversations/:conversationId': {},
  'POST /messages/:messageId/feedback': {
    body: { rating: 'like', comment: 'Spot on.' },
    invalidBody: { rating: 'meh' },
    otherBody: { rating: 'dislike' },
    fresh: async () => ({ messageId: await freshReply() }),
  },
  'DELETE /messages/:messageId/feedback': {
    fresh: async () => {
      const messageId = await freshReply();
      await post(`/v1/messages/${messageId}/feedback`, ownerKey, { rating: 'dislike' });
      return { messageId };
    },
  },
  'GET /conversations/:conversationId/messages': { query: { page: '1', limit: '10' } },
  'GET /conversations/:conversationId/export': { query: { format: 'markdown' } },
  'GET /agents/:agentId/conversations/export': {},
  'DELETE /conversations/:conversationId': {
    fresh: async () => ({
      conversationId: (await post(`/v1/agents/${ids.agentId}/messages`, ownerKey, { text: 'bye', userId: `u-${Math.random()}`.slice(0, 20) }))
        .conversationId,
    }),
  },
  'POST /characters': {
    body: { name: 'Ada', bio: ['A patient teacher.'], adjectives: ['curious'], style: { all: ['short sentences'] }, greeting: 'Hello, friend.' },
    invalidBody: { name: 'Ada', bio: ['x'.repeat(1_001)] },
    otherBody: { name: 'Grace' },
  },
  'GET /characters': { query: { page: '1', limit: '5' } },
  'GET /characters/:characterId': {},
  'PATCH /characters/:characterId': {
    body: { topics: ['compilers'], greeting: null },
    invalidBody: { messageExamples: [[{ role: 'narrator', text: 'hi' }]] },
  },
  'DELETE /characters/:characterId': {
    query: { force: 'true' },
    fresh: async () => ({ characterId: (await post('/v1/characters', ownerKey, { name: 'Doomed' })).id }),
  },
  'GET /characters/:characterId/revisions': { query: { page: '1', limit: '10' } },
  'POST /characters/import': {
    body: { name: 'Eliza file', bio: 'A character from ElizaOS.', adjectives: ['kind'], clients: ['discord'] },
    invalidBody: ['a character file is a JSON object'],
    otherBody: { name: 'Other file', bio: ['b'] },
  },
  'GET /characters/:characterId/export': { query: { format: 'ccv2' } },
  'GET /characters/:characterId/revisions/:number': {},
  'GET /plugins': {},
  'GET /plugins/:pluginId': {},
  'GET /agents/:agentId/plugins': {},
  'PUT /agents/:agentId/plugins/:pluginId': {
    body: { config: { defaultTimeZone: 'Europe/Paris' } },
    invalidBody: { config: { defaultTimeZone: 'Europe/Paris' }, settings: {} },
  },
  'DELETE /agents/:agentId/plugins/:pluginId': {
    fresh: async () => {
      const agent = await post('/v1/agents', ownerKey, { name: 'Plugged' });
      await app.http.put(`/v1/agents/${agent.id}/plugins/time`).set(bearer(ownerKey)).expect(200);
      return { agentId: agent.id, pluginId: 'time' };
    },
  },
  'POST /agents/:agentId/tools': {
    body: {
      name: 'get_weather',
      description: 'The weather in a city.',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      url: 'https://tools.example.com/weather',
      timeoutMs: 5000,
    },
    invalidBody: { name: '1st', description: 'd', parameters: { type: 'object' }, url: 'https://tools.example.com/x' },
    otherBody: { name: 'get_time', description: 'd', parameters: { type: 'object' }, url: 'https://tools.example.com/time' },
    fresh: async () => ({ agentId: (await post('/v1/agents', ownerKey, { name: 'Tooled' })).id }),
  },
  'GET /agents/:agentId/tools': { query: { page: '1', limit: '5' } },
  'POST /agents/:agentId/tools/secret': { otherBody: { unused: true } },
  'GET /agents/:agentId/tools/:toolId': {},
  'PATCH /agents/:agentId/tools/:toolId': {
    body: { description: 'Changed.', timeoutMs: null },
    invalidBody: { timeoutMs: 50 },
  },
  'DELETE /agents/:agentId/tools/:toolId': {
    fresh: async () => ({
      toolId: (
        await post(`/v1/agents/${ids.agentId}/tools`, ownerKey, {
          name: `doomed_${Math.random().toString(36).slice(2, 10)}`,
          description: 'd',
          parameters: { type: 'object' },
          url: 'https://tools.example.com/doomed',
        })
      ).tool.id,
    }),
  },
  'POST /webhooks': {
    body: { url: 'https://hooks.example.com/orion', events: ['agent.created', 'message.completed'], description: 'CRM sync' },
    invalidBody: { url: 'https://hooks.example.com/orion', events: [] },
    otherBody: { url: 'https://hooks.example.com/other', events: ['*'] },
  },
  'GET /webhooks': { query: { page: '1', limit: '5' } },
  'GET /webhooks/:webhookId': {},
  'PATCH /webhooks/:webhookId': {
    body: { description: null, events: ['agent.created', 'agent.deleted'] },
    invalidBody: { events: ['agent.exploded'] },
  },
  'DELETE /webhooks/:webhookId': {
    fresh: async () => ({ webhookId: (await post('/v1/webhooks', ownerKey, { url: 'https://hooks.example.com/doomed', events: ['*'] })).webhook.id }),
  },
  'POST /webhooks/:webhookId/rotate-secret': { otherBody: { unused: true } },
  'POST /webhooks/:webhookId/test': { otherBody: { unused: true } },
  'GET /webhooks/:webhookId/deliveries': { query: { page: '1', limit: '5' } },
  'GET /webhooks/:webhookId/deliveries/:deliveryId': {},
  'POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver': { otherBody: { unused: true } },
  'POST /api-keys': {
    body: { name: 'CI', scopes: ['agents:read'], environment: 'test', expiresAt: '2099-03-01T00:00:00Z' },
    invalidBody: { name: 'CI', scopes: ['agents:fly'] },
    otherBody: { name: 'CI 2', scopes: ['agents:read'] },
  },
  'GET /api-keys': {},
  'DELETE /api-keys/:keyId': {
    fresh: async () => ({ keyId: (await post('/v1/api-keys', ownerKey, { name: 'Doomed', scopes: ['agents:read'] })).apiKey.id }),
  },
  'POST /api-keys/:keyId/rotate': {
    body: { gracePeriodSeconds: 60 },
    invalidBody: { gracePeriodSeconds: -1 },
    otherBody: { gracePeriodSeconds: 120 },
    fresh: async () => ({ keyId: (await post('/v1/api-keys', ownerKey, { name: 'Rotating', scopes: ['agents:read'] })).apiKey.id }),
  },
  'POST /accounts': { body: { name: 'Acme', tier: 'pro' }, invalidBody: { name: 'Acme', tier: 'gold' }, otherBody: { name: 'Acme 2' } },
  'GET /accounts': { query: { limit: '2' } },
  'GET /accounts/:accountId': {},
  'PATCH /accounts/:accountId': { body: { name: 'Renamed', monthlyMessageQuota: null }, invalidBody: { rateLimitPerMinute: 0 } },
  'POST /agents/:agentId/knowledge': {
    body: { text: '# Returns\n\nItems can be returned within 30 days.', metadata: { source: 'faq' } },
    invalidBody: { text: 'Hello', language: 'klingon' },
    otherBody: { text: 'Something else entirely.' },
  },
  'GET /agents/:agentId/knowledge': { query: { page: '1', limit: '5' } },
  'PUT /agents/:agentId/knowledge/:documentId': {},
  'DELETE /agents/:agentId/knowledge/:documentId': {
    fresh: async () => ({ documentId: (await post(`/v1/agents/${ids.agentId}/knowledge`, ownerKey, { text: `Detach me ${Math.random()}` })).id }),
  },
  'POST /knowledge': {
    body: { text: 'Opening hours: 9 to 5.', format: 'text', language: 'simple', title: 'Hours' },
    invalidBody: { text: '' },
    otherBody: { text: 'Closed on Sundays.' },
  },
  'GET /knowledge': { query: { page: '1', limit: '5' } },
  'GET /knowledge/:documentId': {},
  'GET /knowledge/:documentId/chunks': { query: { page: '1', limit: '5' } },
  'DELETE /knowledge/:documentId': {
    fresh: async () => ({ documentId: (await post('/v1/knowledge', ownerKey, { text: `Doomed ${Math.random()}` })).id }),
  },
  'GET /agents/:agentId/knowledge/search': {
    query: { q: 'warranty', limit: '3' },
    // An agent with a document, so the answer has items to check.
    fresh: async () => {
      const agentId = (await post('/v1/agents', ownerKey, { name: 'Knowing' })).id;
      const { document } = await app.db.prisma.$transaction((tx) =>
        indexDocument(tx, ownerAccountId, { title: 'Policies', content: '# Warranty\n\nTwo years of warranty.', format: 'markdown', language: 'english' }),
      );
      await app.db.prisma.agentKnowledge.create({ data: { agentId, documentId: document.id, accountId: ownerAccountId } });
      return { agentId };
    },
  },
  'POST /mcp-servers': {
    body: {
      name: 'contract',
      url: 'https://mcp.example.com/contract',
      description: 'Contract tools',
      headers: { Authorization: 'Bearer contract-token' },
      timeoutMs: 1000,
    },
    invalidBody: { name: 'Not A Name', url: 'https://mcp.example.com/x' },
    otherBody: { name: 'contract-2', url: 'https://mcp.example.com/other', timeoutMs: 1000 },
    // Names are unique per account: each call starts without the sample's servers.
    fresh: async () => {
      await app.db.prisma.mcpServer.deleteMany({ where: { accountId: ownerAccountId, name: { in: ['contract', 'contract-2'] } } });
      return {};
    },
  },
  'GET /mcp-servers': { query: { page: '1', limit: '5' } },
  'GET /mcp-servers/:mcpServerId': {},
  'PATCH /mcp-servers/:mcpServerId': {
    body: { description: 'Changed.', timeoutMs: null },
    invalidBody: { timeoutMs: 50 },
  },
  'DELETE /mcp-servers/:mcpServerId': {
    fresh: async () => ({
      mcpServerId: (await post('/v1/mcp-servers', ownerKey, { name: `doomed-${Math.random().toString(36).slice(2, 10)}`, url: 'https://mcp.example.com/doomed', timeoutMs: 1000 })).id,
    }),
  },
  'POST /mcp-servers/:mcpServerId/refresh': { otherBody: { unused: true } },
  'GET /agents/:agentId/mcp-servers': {},
  'PUT /agents/:agentId/mcp-servers/:mcpServerId': {
    body: { tools: null },
    invalidBody: { tools: [] },
    // An agent that does not use the server yet: 201 (the fixture agent's answers 200).
    fresh: async () => ({ agentId: (await post('/v1/agents', ownerKey, { name: 'MCP newcomer' })).id }),
  },
  'DELETE /agents/:agentId/mcp-servers/:mcpServerId': {
    fresh: async () => {
      const agentId = (await post('/v1/agents', ownerKey, { name: 'MCP user' })).id;
      await app.http.put(`/v1/agents/${agentId}/mcp-servers/${ids.mcpServerId}`).set(bearer(ownerKey)).expect(201);
      return { agentId };
    },
  },
};

/** The success statuses of a route: an upload of content already stored answers 200 instead of 201. */
const okStatuses = (route: RestRoute) => (route.createdFlag ? [route.status, 200] : [route.status]);

const isAdminRoute = (route: RestRoute) => scopesOf(ROUTE_DOCS[routeKey(route)]!).includes('admin');
const keyFor = (route: RestRoute) => (isAdminRoute(route) ? app.adminKey : ownerKey);
const operationOf = (route: RestRoute) => checker.operation(route.method, openApiPath(route.path));

function urlOf(route: RestRoute, params: Partial<Ids>, query: Record<string, string> = {}): string {
  const path = route.path.replace(/:(\w+)/g, (_, name: keyof Ids) => params[name] ?? ids[name]);
  const search = new URLSearchParams(query).toString();
  return `/v1${path}${search ? `?${search}` : ''}`;
}

function request(route: RestRoute, url: string, headers: Record<string, string>, body?: unknown): Test {
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let req = app.http[method](url).set(headers);
  if (body !== undefined) req = req.send(body as object);
  return req;
}

/** Calls a route and checks the answer against the document. */
async function call(
  route: RestRoute,
  options: { key?: string | null; params?: Partial<Ids>; query?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const sample = SAMPLES[routeKey(route)]!;
  const key = options.key === undefined ? keyFor(route) : options.key;
  const headers = { ...(key ? bearer(key) : {}), ...options.headers };
  const body = 'body' in options ? options.body : sample.body;
  const answer = answerOf(await request(route, urlOf(route, options.params ?? {}, options.query ?? sample.query), headers, body));
  checker.check(route.method, openApiPath(route.path), answer);
  return answer;
}

function requestBodySchema(route: RestRoute): JsonSchema {
  return operationOf(route).requestBody!.content['application/json']!.schema;
}

const routeCases = routes.map((r) => [routeKey(r), r] as const);

describe('the REST API answers as its OpenAPI document says', () => {
  beforeAll(async () => {
    provider = await startOpenAIServer();
    provider.mode = 'malformed';
    app = await startTestApp('pglite', { openaiApiKey: 'sk-test', openaiBaseUrl: provider.baseUrl });
    const owner = await app.newAccount('Contract');
    ownerKey = owner.key;
    ownerAccountId = owner.accountId;
    const agent = await post('/v1/agents', ownerKey, { name: 'Fixture' });
    const sent = await post(`/v1/agents/${agent.id}/messages`, ownerKey, { text: 'Hello there', userId: 'contract-user' });
    const key = await post('/v1/api-keys', ownerKey, { name: 'Fixture key', scopes: ['agents:read'] });
    const other = await post('/v1/accounts', app.adminKey, { name: 'Managed' });
    const character = await post('/v1/characters', ownerKey, { name: 'Fixture character' });
    await app.http.put(`/v1/agents/${agent.id}/plugins/time`).set(bearer(ownerKey)).expect(200);
    const tool = await post(`/v1/agents/${agent.id}/tools`, ownerKey, {
      name: 'fixture_tool',
      description: 'A fixture.',
      parameters: { type: 'object' },
      url: 'https://tools.example.com/fixture',
    });
    const webhook = await post('/v1/webhooks', ownerKey, { url: 'https://hooks.example.com/fixture', events: ['*'] });
    const delivery = await post(`/v1/webhooks/${webhook.webhook.id}/test`, ownerKey, {});
    // Private networks are not allowed here: the server is stored with status error, which is enough.
    const mcpServer = await post('/v1/mcp-servers', ownerKey, { name: 'fixture', url: 'https://mcp.example.com/fixture', timeoutMs: 1000 });
    await app.http.put(`/v1/agents/${agent.id}/mcp-servers/${mcpServer.id}`).set(bearer(ownerKey)).expect(201);
    ids = {
      mcpServerId: mcpServer.id,
      messageId: '',
      documentId: '',
      webhookId: webhook.webhook.id,
      deliveryId: delivery.id,
      agentId: agent.id,
      conversationId: sent.conversationId,
      keyId: key.apiKey.id,
      accountId: other.account.id,
      characterId: character.id,
      number: '1',
      pluginId: 'time',
      toolId: tool.tool.id,
    };
    ids.messageId = await freshReply();
    ids.documentId = (await post(`/v1/agents/${agent.id}/knowledge`, ownerKey, { text: 'Fixture knowledge.' })).id;
    const limited = await app.newAccount('Limited', { rateLimitPerMinute: 1 });
    limitedKey = limited.key;
    await app.http.get('/v1/agents').set(bearer(limitedKey)).expect(200); // its one request this minute
  });
  afterAll(async () => {
    await app?.close().catch(() => {});
    await provider?.close();
  });

  it('serves the document at /v1/openapi.json without a key', async () => {
    const res = await app.http.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.text).toBe(json);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    const other = await app.http.post('/v1/openapi.json').send({});
    expect([other.status, other.headers['allow'], other.body.error.code]).toEqual([405, 'GET, HEAD, OPTIONS', 'METHOD_NOT_ALLOWED']);
    const page = await app.http.get('/docs');
    expect([page.status, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    const bundle = await app.http.get('/docs/assets/swagger-ui-bundle.js');
    expect([bundle.status, bundle.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    const demo = await app.http.get('/docs/assets/index.html');
    expect([demo.status, demo.body.error?.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('sample requests fit the documented request schemas, and the invalid ones do not', () => {
    for (const route of routes) {
      const sample = SAMPLES[routeKey(route)];
      expect(sample, `a sample for ${routeKey(route)}`).toBeDefined();
      if (!route.body) continue;
      const validate = checker.compile(requestBodySchema(route));
      for (const body of [sample!.body, sample!.otherBody].filter(Boolean)) expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(validate(sample!.invalidBody), `${routeKey(route)} documents ${JSON.stringify(sample!.invalidBody)} as valid`).toBe(false);
      for (const param of operationOf(route).parameters) {
        const p = checker.resolve<ParameterObject>(param);
        const value = sample!.query?.[p.name];
        if (p.in === 'query' && value !== undefined) {
          const typed = p.schema.type === 'integer' ? Number(value) : p.schema.type === 'boolean' ? value === 'true' : value;
          expect(checker.compile(p.schema)(typed)).toBe(true);
        }
      }
    }
  });

  it.each(routeCases)('%s: success', async (_name, route) => {
    const sample = SAMPLES[routeKey(route)]!;
    const answer = await call(route, { params: (await sample.fresh?.()) ?? {} });
    expect(okStatuses(route), JSON.stringify(answer.body)).toContain(answer.status);
    expect(answer.headers['x-ratelimit-limit']).toBeDefined();
  });

  it.each(routeCases)('%s: 400 INVALID_REQUEST', async (_name, route) => {
    const sample = SAMPLES[routeKey(route)]!;
    const params = (await sample.fresh?.()) ?? {};
    expectCode(await call(route, { params, query: { ...sample.query, bogus: '1' } }), 'INVALID_REQUEST');
    if (route.body) {
      const invalid = await call(route, { params, body: sample.invalidBody });
      expectCode(invalid, 'INVALID_REQUEST');
      expect((invalid.body as any).error.details.fields.length).toBeGreaterThan(0);
      expectCode(await call(route, { params, body: '{"name": ', headers: { 'Content-Type': 'application/json' } }), 'INVALID_REQUEST');
    }
  });

  it.each(routeCases)('%s: 401 UNAUTHORIZED without a key, or with an unknown one', async (_name, route) => {
    expectCode(await call(route, { key: null }), 'UNAUTHORIZED');
    expectCode(await call(route, { key: `orn_live_${'x'.repeat(43)}` }), 'UNAUTHORIZED');
  });

  it.each(routeCases)('%s: 403 FORBIDDEN without each documented scope', async (_name, route) => {
    for (const scope of scopesOf(ROUTE_DOCS[routeKey(route)]!)) {
      const key = await app.keyWithScopes(ownerAccountId, SCOPES.filter((s) => s !== scope));
      const answer = await call(route, { key });
      expectCode(answer, 'FORBIDDEN');
      expect((answer.body as any).error.details.requiredScope).toBe(scope);
    }
  });

  it.each(routeCases.filter(([, r]) => r.path.includes(':')))('%s: 404 for an unknown ID', async (_name, route) => {
    const answer = await call(route, { params: MISSING });
    expectCode(answer, route.path.includes(':agentId') ? 'AGENT_NOT_FOUND' : 'NOT_FOUND');
  });

  it('POST /agents: 404 NOT_FOUND for a characterId that names no character of the account', async () => {
    const route = routes.find((r) => r.method === 'POST' && r.path === '/agents')!;
    const answer = await call(route, { body: { name: 'Nobody', characterId: MISSING.characterId } });
    expectCode(answer, 'NOT_FOUND');
    expect((answer.body as any).error.details).toEqual({ id: MISSING.characterId });
  });

  it('GET /conversations: 404 AGENT_NOT_FOUND for an agentId that names no agent of the account', async () => {
    const route = routes.find((r) => r.method === 'GET' && r.path === '/conversations')!;
    const answer = await call(route, { query: { q: 'hello', agentId: MISSING.agentId } });
    expectCode(answer, 'AGENT_NOT_FOUND');
    expect((answer.body as any).error.details).toEqual({ id: MISSING.agentId });
  });

  it('DELETE /characters/:characterId: 409 CHARACTER_IN_USE while an agent uses it', async () => {
    const route = routes.find((r) => r.method === 'DELETE' && r.path === '/characters/:characterId')!;
    const character = await post('/v1/characters', ownerKey, { name: 'Worn' });
    await post('/v1/agents', ownerKey, { name: 'Wearer', characterId: character.id });
    const answer = await call(route, { params: { characterId: character.id }, query: {} });
    expectCode(answer, 'CHARACTER_IN_USE');
    expect((answer.body as any).error.details).toMatchObject({ agents: 1 });
  });

  it('POST and PATCH /agents/:agentId/tools: 409 ALREADY_EXISTS for a name the agent already has', async () => {
    const create = routes.find((r) => r.method === 'POST' && r.path === '/agents/:agentId/tools')!;
    const patch = routes.find((r) => r.method === 'PATCH' && r.path === '/agents/:agentId/tools/:toolId')!;
    const body = { name: 'fixture_tool', description: 'd', parameters: { type: 'object' }, url: 'https://tools.example.com/again' };
    const taken = await call(create, { body });
    expectCode(taken, 'ALREADY_EXISTS');
    expect((taken.body as any).error.details).toEqual({ field: 'name', name: 'fixture_tool' });
    const other = await post(`/v1/agents/${ids.agentId}/tools`, ownerKey, { ...body, name: 'second_tool' });
    expectCode(await call(patch, { params: { toolId: other.tool.id }, body: { name: 'fixture_tool' } }), 'ALREADY_EXISTS');
  });

  it('POST and PATCH /mcp-servers: 409 ALREADY_EXISTS for a name the account has; PUT /agents/:agentId/mcp-servers/:mcpServerId: 200 when replaced', async () => {
    const create = routes.find((r) => r.method === 'POST' && r.path === '/mcp-servers')!;
    const patch = routes.find((r) => r.method === 'PATCH' && r.path === '/mcp-servers/:mcpServerId')!;
    const enable = routes.find((r) => r.method === 'PUT' && r.path === '/agents/:agentId/mcp-servers/:mcpServerId')!;
    const taken = await call(create, { body: { name: 'fixture', url: 'https://mcp.example.com/again', timeoutMs: 1000 } });
    expectCode(taken, 'ALREADY_EXISTS');
    expect((taken.body as any).error.details).toEqual({ field: 'name', name: 'fixture' });
    const other = await post('/v1/mcp-servers', ownerKey, { name: 'second', url: 'https://mcp.example.com/second', timeoutMs: 1000 });
    expectCode(await call(patch, { params: { mcpServerId: other.id }, body: { name: 'fixture' } }), 'ALREADY_EXISTS');
    const replaced = await call(enable, { body: { tools: null } });
    expect(replaced.status).toBe(200);
  });

  it('POST /webhooks/:webhookId/test and …/redeliver: 409 WEBHOOK_DISABLED on a disabled endpoint', async () => {
    const test = routes.find((r) => r.path === '/webhooks/:webhookId/test')!;
    const redeliver = routes.find((r) => r.path === '/webhooks/:webhookId/deliveries/:deliveryId/redeliver')!;
    const webhook = (await post('/v1/webhooks', ownerKey, { url: 'https://hooks.example.com/off', events: ['*'] })).webhook;
    const delivery = await post(`/v1/webhooks/${webhook.id}/test`, ownerKey, {});
    await app.http.patch(`/v1/webhooks/${webhook.id}`).set(bearer(ownerKey)).send({ enabled: false }).expect(200);
    const refused = await call(test, { params: { webhookId: webhook.id } });
    expectCode(refused, 'WEBHOOK_DISABLED');
    expect((refused.body as any).error.details).toEqual({ id: webhook.id, disabledReason: null });
    expectCode(await call(redeliver, { params: { webhookId: webhook.id, deliveryId: delivery.id } }), 'WEBHOOK_DISABLED');
  });

  it.each(routeCases.filter(([, r]) => r.method === 'POST'))('%s: Idempotency-Key: a replay, then 409 IDEMPOTENCY_CONFLICT', async (_name, route) => {
    const sample = SAMPLES[routeKey(route)]!;
    const params = (await sample.fresh?.()) ?? {};
    const headers = { 'Idempotency-Key': `contract-${routeKey(route)}-${Math.random()}`.replaceAll(' ', '_') };
    const first = await call(route, { params, headers });
    expect(okStatuses(route)).toContain(first.status);
    expect(first.headers['idempotent-replayed']).toBe('false');
    const replay = await call(route, { params, headers });
    expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([first.status, 'true']);
    expect(replay.body).toEqual(first.body);
    expectCode(await call(route, { params, headers, body: sample.otherBody }), 'IDEMPOTENCY_CONFLICT');
    expectCode(await call(route, { params, headers: { 'Idempotency-Key': 'has spaces' } }), 'INVALID_REQUEST');
  });

  it.each(routeCases.filter(([, r]) => r.body))('%s: 413 PAYLOAD_TOO_LARGE', async (_name, route) => {
    const params = (await SAMPLES[routeKey(route)]!.fresh?.()) ?? {};
    expectCode(await call(route, { params, body: { name: 'x'.repeat(1_100_000) } }), 'PAYLOAD_TOO_LARGE');
  });

  it.each(routeCases)('%s: 429 RATE_LIMIT_EXCEEDED over the account’s limit', async (_name, route) => {
    const answer = await call(route, { key: limitedKey });
    expectCode(answer, 'RATE_LIMIT_EXCEEDED');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(0);
    expect((answer.body as any).error.details.retryAfter).toBe(Number(answer.headers['retry-after']));
  });

  it.each(Object.keys(document.paths))('%s: 405 METHOD_NOT_ALLOWED with the documented Allow header', async (path) => {
    const methods = routes.filter((r) => openApiPath(r.path) === path).map((r) => r.method);
    const method = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].find((m) => !methods.includes(m as never))!;
    const url = path.replace(/\{(\w+)\}/g, (_, name: keyof Ids) => ids[name]);
    const res = await app.http[method.toLowerCase() as 'put'](url).set(bearer(ownerKey));
    const answer = answerOf(res);
    expect(answer.status).toBe(405);
    checker.checkResponse(document.components.responses['MethodNotAllowed']!, answer, `${method} ${path}`);
    // Every operation of the path lists this same 405 answer (to the methods the path lacks).
    for (const m of methods) {
      expect(checker.operation(m, path).responses['405']).toEqual({ $ref: '#/components/responses/MethodNotAllowed' });
      checker.seen.add(`${m} ${path} 405`);
    }
    expect(answer.headers['allow']).toBe(allowHeader(methods));
    expect(document.paths[path]!.description).toContain(allowHeader(methods));
    const options = await app.http.options(url);
    expect([options.status, options.headers['allow']]).toEqual([204, allowHeader(methods)]);
  });

  it('an unknown route: 404 NOT_FOUND in the error envelope, as the document’s introduction says', async () => {
    expect(document.info.description).toContain('Any path under `/v1` not listed here answers 404 `NOT_FOUND`');
    const routeNotFound = {
      description: 'No such route.',
      headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: { success: { const: false }, error: { $ref: '#/components/schemas/NotFoundError' } },
            required: ['success', 'error'],
            additionalProperties: false,
          },
        },
      },
    } as ResponseObject;
    for (const url of ['/v1/nope', '/v2/agents', `/v1/agents/${ids.agentId}/avatar`]) {
      const answer = answerOf(await app.http.get(url).set(bearer(ownerKey)));
      expect(answer.status).toBe(404);
      checker.checkResponse(routeNotFound, answer, `GET ${url}`);
    }
  });

  describe('send message', () => {
    const send = routes.find((r) => r.stream)!;
    const sendAs = async (key: string, agentId: string, body: object, headers: Record<string, string> = {}) =>
      call(send, { key, params: { agentId }, body, headers });

    it('429 INSUFFICIENT_QUOTA when the monthly quota is used up', async () => {
      const broke = await app.newAccount('Broke', { monthlyMessageQuota: 0 });
      const agent = await post('/v1/agents', broke.key, { name: 'Quiet' });
      const answer = await sendAs(broke.key, agent.id, { text: 'hi', userId: 'u' });
      expectCode(answer, 'INSUFFICIENT_QUOTA');
      expect((answer.body as any).error.details).toMatchObject({ quota: 0, used: 0 });
    });

    it('502 MODEL_ERROR when the provider answers garbage', async () => {
      const agent = await post('/v1/agents', ownerKey, { name: 'OpenAI', model: { provider: 'openai', name: 'gpt-test' } });
      expectCode(await sendAs(ownerKey, agent.id, { text: 'hi', userId: 'u' }), 'MODEL_ERROR');
    });

    it('503 AGENT_UNAVAILABLE when its provider is not configured, or it is paused', async () => {
      const anthropic = await post('/v1/agents', ownerKey, { name: 'Claude', model: { provider: 'anthropic' } });
      const unconfigured = await sendAs(ownerKey, anthropic.id, { text: 'hi', userId: 'u' });
      expectCode(unconfigured, 'AGENT_UNAVAILABLE');
      expect((unconfigured.body as any).error.details.reason).toBe('provider_not_configured');
      const paused = await post('/v1/agents', ownerKey, { name: 'Asleep', status: 'paused' });
      const answer = await sendAs(ownerKey, paused.id, { text: 'hi', userId: 'u' });
      expect((answer.body as any).error.details.reason).toBe('paused');
    });

    it('404 NOT_FOUND for a conversationId that is not this agent’s and user’s', async () => {
      expectCode(await sendAs(ownerKey, ids.agentId, { text: 'hi', userId: 'u', conversationId: MISSING.conversationId }), 'NOT_FOUND');
    });

    /** Sends with a stream requested and reads the whole answer. */
    async function stream(agentId: string, body: object, accept = false) {
      let req = app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(ownerKey));
      if (accept) req = req.set('Accept', 'text/event-stream');
      const res = await req
        .send(body)
        .buffer(true)
        .parse((response, done) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => done(null, /json/.test(String(response.headers['content-type'])) ? JSON.parse(text) : text));
        });
      const answer = answerOf(res as SuperagentResponse);
      const response = checker.check('POST', openApiPath(send.path), answer);
      const events: Array<{ event: string; data: unknown }> = [];
      if (answer.status === 200) {
        const parser = createParser({ onEvent: (e) => events.push({ event: e.event ?? 'message', data: JSON.parse(e.data) }) });
        parser.feed(String(answer.body));
        const schemas = response.content!['text/event-stream']!['x-orion-events']!;
        for (const { event, data } of events) {
          expect(Object.keys(schemas), `the event ${event} is documented`).toContain(event);
          checker.validate(schemas[event]!, data, `the ${event} event`);
        }
      }
      return { answer, events };
    }

    it('200 text/event-stream: message.delta events, then message.completed, as documented', async () => {
      for (const [body, accept] of [
        [{ text: 'Tell me more', userId: 'streamer', stream: true }, false],
        [{ text: 'And more', userId: 'streamer' }, true],
      ] as const) {
        const { answer, events } = await stream(ids.agentId, body, accept);
        expect(answer.status).toBe(200);
        expect(events.length).toBeGreaterThan(1);
        expect(events.slice(0, -1).every((e) => e.event === 'message.delta')).toBe(true);
        expect(events.at(-1)!.event).toBe('message.completed');
      }
    });

    it('a stream that fails midway ends with a documented error event; one that fails first is a JSON error', async () => {
      const agent = await post('/v1/agents', ownerKey, { name: 'Flaky', model: { provider: 'openai', name: 'gpt-test' } });
      provider.mode = 'stream-breaks';
      try {
        const { answer, events } = await stream(agent.id, { text: 'hi', userId: 'u', stream: true });
        expect(answer.status).toBe(200);
        expect(events.at(-1)).toMatchObject({ event: 'error', data: { code: 'MODEL_ERROR' } });
      } finally {
        provider.mode = 'malformed';
      }
      const early = await stream(agent.id, { text: 'hi', userId: 'u', stream: true });
      expect(early.answer.status).toBe(502);
      expectCode(early.answer, 'MODEL_ERROR');
    });
  });

  it('has met every documented status of every route (but 500 and 503 SERVICE_UNAVAILABLE)', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const operation = item[method] as OperationObject | undefined;
        if (!operation) continue;
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status === '500') continue;
          const description = (response as ResponseObject).description;
          if (status === '503' && !description.includes('AGENT_UNAVAILABLE')) continue;
          if (!checker.seen.has(`${method.toUpperCase()} ${path} ${status}`)) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('with the database gone, the 500/503 answers still have the documented shape', async () => {
    await app.db.close();
    // The plugin catalog is the server's own (no rows): it is served without the database.
    const catalog = (r: RestRoute) => r.path.startsWith('/plugins');
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const answer = await call(route);
      expect(catalog(route) ? [200] : [500, 503], JSON.stringify(answer.body)).toContain(answer.status);
    }
  });
});
