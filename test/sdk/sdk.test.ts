// The TypeScript SDK against the real app on a loopback port: the seed's quick start, every
// resource method, typed errors, retries (through a scripted loopback proxy), streaming.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentUnavailableError,
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  CharacterInUseError,
  ConflictError,
  IdempotencyConflictError,
  InvalidRequestError,
  ModelError,
  NotFoundError,
  OrionOS,
  OrionOSError,
  PermissionDeniedError,
  QuotaExceededError,
  RateLimitError,
  ServiceUnavailableError,
  type MessageStreamEvent,
} from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { startOpenAIServer, type ProviderServer } from '../support/provider-servers.js';
import { listen } from '../support/sse.js';

/** What the proxy does with the next request: answer an error itself, drop the connection, hang, or forward. */
type Step = '429' | '503' | 'agent-timeout' | 'in-progress' | 'answer-lost' | 'drop' | 'hang' | 'forward';
type Seen = { method: string; url: string; headers: IncomingHttpHeaders };

/** A loopback proxy in front of the app that follows a script, then forwards everything. */
async function startProxy(target: string) {
  const seen: Seen[] = [];
  let script: Step[] = [];
  const envelope = (code: string, message: string, details: object) =>
    JSON.stringify({ success: false, error: { code, message, details, requestId: 'req_proxy' } });
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const step = script.shift() ?? 'forward';
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_proxy', ...headers }).end(body);
    };
    if (step === '429') {
      return answer(429, envelope('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Try again in 0 seconds.', { retryAfter: 0 }), {
        'retry-after': '0',
      });
    }
    if (step === '503') return answer(503, envelope('SERVICE_UNAVAILABLE', 'Shutting down', {}));
    if (step === 'agent-timeout') {
      return answer(503, envelope('AGENT_UNAVAILABLE', 'The model did not answer in time', { reason: 'timeout', retryAfter: 0 }));
    }
    if (step === 'in-progress') {
      return answer(409, envelope('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still in progress', {}));
    }
    if (step === 'answer-lost') {
      return answer(409, envelope('IDEMPOTENCY_CONFLICT', 'The request with this Idempotency-Key was done, but its answer was lost', { reason: 'answer_lost' }));
    }
    if (step === 'drop') return req.socket.destroy();
    if (step === 'hang') return;
    const upstream = httpRequest(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    script(steps: Step[]) {
      script = [...steps];
      seen.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fetch that counts the calls made through it. */
function countingFetch() {
  const calls: { url: string; method: string; headers: Headers }[] = [];
  const wrapped: typeof fetch = (input, init) => {
    calls.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    return fetch(input, init);
  };
  return { fetch: wrapped, calls };
}

async function caught(promise: Promise<unknown>): Promise<OrionOSError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OrionOSError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

let app: TestApp;
let socket: Awaited<ReturnType<typeof listen>>;
let provider: ProviderServer;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let key: string;
let baseUrl: string;
let orion: OrionOS;

beforeAll(async () => {
  provider = await startOpenAIServer();
  app = await startTestApp('pglite', { openaiBaseUrl: provider.baseUrl, openaiApiKey: 'sk-test' });
  socket = await listen(app.app);
  proxy = await startProxy(socket.url);
  baseUrl = `${socket.url}/v1`;
  ({ key } = await app.newAccount('SDK'));
  orion = new OrionOS({ apiKey: key, baseUrl });
});

afterAll(async () => {
  await proxy?.close();
  await socket?.close();
  await app?.close();
  await provider?.close();
});

describe('the seed quick start', () => {
  it('creates an agent, sends a message and reads response.data.response', async () => {
    const orion = new OrionOS({
      apiKey: key,
      baseUrl,
    });

    // Create an agent
    const agent = await orion.agents.create({
      name: 'MyAgent',
      personality: {
        traits: ['helpful', 'friendly'],
      },
    });

    // Send a message
    const response = await orion.agents.sendMessage(agent.id, {
      text: 'Hello!',
      userId: 'user_123',
    });

    expect(typeof response.data.response).toBe('string');
    expect(response.data.response.length).toBeGreaterThan(0);
    expect(response.success).toBe(true);
    expect(response.data).toMatchObject({ agentId: agent.data.id, userId: 'user_123', text: 'Hello!' });
    // The envelope is exactly what the server sent; data's fields are readable on it, but hidden.
    expect(JSON.parse(JSON.stringify(agent))).toEqual({ success: true, data: agent.data });
    expect(agent.id).toBe(agent.data.id);
    expect(agent.data.personality.traits).toEqual(['helpful', 'friendly']);
  });

  it('takes the key from ORION_API_KEY, and refuses to start without one', () => {
    const saved = process.env.ORION_API_KEY;
    try {
      delete process.env.ORION_API_KEY;
      expect(() => new OrionOS({ baseUrl })).toThrow(/API key/);
      process.env.ORION_API_KEY = key;
      expect(new OrionOS({ baseUrl }).baseUrl).toBe(baseUrl);
      expect(new OrionOS().baseUrl).toBe('http://127.0.0.1:3000/v1');
    } finally {
      if (saved === undefined) delete process.env.ORION_API_KEY;
      else process.env.ORION_API_KEY = saved;
    }
  });
});

describe('every resource method', () => {
  it('agents: create, list, get, update, sendMessage, promptPreview, conversations, delete', async () => {
    const created = await orion.agents.create({ name: 'Resource agent', description: 'first' });
    const agentId = created.data.id;
    expect(created.data).toMatchObject({ name: 'Resource agent', description: 'first', status: 'active' });

    const list = await orion.agents.list({ page: 1, limit: 100 });
    expect(list.data.items.map((a) => a.id)).toContain(agentId);
    expect(list.data.pagination).toMatchObject({ currentPage: 1, itemsPerPage: 100 });
    expect(list.items).toBe(list.data.items);

    expect((await orion.agents.get(agentId)).data).toEqual(created.data);
    const updated = await orion.agents.update(agentId, { description: null, personality: { tone: 'dry' } });
    expect(updated.data.description).toBeNull();
    expect(updated.data.personality.tone).toBe('dry');

    const sent = await orion.agents.sendMessage(agentId, { text: 'How are you?', userId: 'res-user' });
    const preview = await orion.agents.promptPreview(agentId, { userId: 'res-user', text: 'And now?' });
    expect(preview.data).toMatchObject({ agentId, userId: 'res-user', conversationId: sent.data.conversationId });
    expect(preview.data.messages.at(-1)).toEqual({ role: 'user', content: 'And now?' });

    const conversations = await orion.agents.conversations(agentId, { userId: 'res-user' });
    expect(conversations.data.items.map((c) => c.id)).toEqual([sent.data.conversationId]);
    expect((await orion.agents.conversations(agentId, { userId: 'nobody' })).data.items).toEqual([]);

    expect((await orion.agents.delete(agentId)).data).toEqual({ id: agentId, deleted: true });
    expect(await caught(orion.agents.get(agentId))).toBeInstanceOf(NotFoundError);
  });

  it('characters: create, list, get, update, revisions, revision, delete (CharacterInUseError, then force)', async () => {
    const created = await orion.characters.create({ name: 'Ada', bio: ['A teacher.'], greeting: 'Good day.' });
    const characterId = created.data.id;
    expect(created.data).toMatchObject({ name: 'Ada', bio: ['A teacher.'], greeting: 'Good day.', revision: 1 });
    expect((await orion.characters.list({ limit: 100 })).data.items.map((c) => c.id)).toContain(characterId);
    expect((await orion.characters.get(characterId)).data).toEqual(created.data);

    const updated = await orion.characters.update(characterId, { greeting: null, adjectives: ['patient'] });
    expect(updated.data).toMatchObject({ greeting: null, adjectives: ['patient'], revision: 2 });
    const revisions = await orion.characters.revisions(characterId);
    expect(revisions.data.items.map((r) => [r.number, r.greeting])).toEqual([
      [2, null],
      [1, 'Good day.'],
    ]);
    expect((await orion.characters.revision(characterId, 1)).data).toMatchObject({ number: 1, greeting: 'Good day.' });
    expect(() => orion.characters.revision(characterId, 0)).toThrow(TypeError);

    const agent = await orion.agents.create({ name: 'In character', characterId, characterRevision: 1 });
    expect(agent.data).toMatchObject({ characterId, characterRevision: 1 });
    const inUse = await caught(orion.characters.delete(characterId));
    expect(inUse).toBeInstanceOf(CharacterInUseError);
    expect([inUse.status, (inUse as CharacterInUseError).agents]).toEqual([409, 1]);

    expect((await orion.characters.delete(characterId, { force: true })).data).toEqual({ id: characterId, deleted: true, detachedAgents: 1 });
    expect((await orion.agents.get(agent.data.id)).data.characterId).toBeNull();
    expect(await caught(orion.characters.get(characterId))).toBeInstanceOf(NotFoundError);
  });

  it('plugins and tools: catalog, enable/list/disable, tools create/list/get/update/delete, secret rotation, typed errors', async () => {
    const catalog = await orion.plugins.list();
    expect(catalog.data.map((p) => p.id)).toEqual(['time', 'calculator', 'http', 'knowledge']);
    expect((await orion.plugins.get('calculator')).data.tools[0]!.name).toBe('calculate');
    expect(await caught(orion.plugins.get('weather'))).toBeInstanceOf(NotFoundError);

    const agent = await orion.agents.create({ name: 'Toolsmith', maxToolSteps: 3 });
    expect(agent.data.maxToolSteps).toBe(3);
    const agentId = agent.data.id;
    const enabled = await orion.plugins.enable(agentId, 'time', { config: { defaultTimeZone: 'Europe/Paris' } });
    expect(enabled.data).toMatchObject({ pluginId: 'time', config: { defaultTimeZone: 'Europe/Paris' } });
    await orion.plugins.enable(agentId, 'http');
    expect((await orion.plugins.listEnabled(agentId)).data.map((p) => p.pluginId)).toEqual(['time', 'http']);
    const bad = await caught(orion.plugins.enable(agentId, 'calculator', { config: { precision: 0 } }));
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect((bad as InvalidRequestError).fields[0]!.field).toBe('config.precision');
    expect((await orion.plugins.disable(agentId, 'time')).data).toEqual({ id: 'time', agentId, deleted: true });

    const params = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };
    const created = await orion.tools.create(agentId, { name: 'search', description: 'Searches.', parameters: params, url: 'https://tools.example.com/s' });
    expect(created.data.signingSecret).toMatch(/^whsec_/);
    const toolId = created.data.tool.id;
    expect((await orion.tools.list(agentId)).data.items.map((t) => t.id)).toEqual([toolId]);
    expect((await orion.tools.get(agentId, toolId)).data).toEqual(created.data.tool);
    expect((await orion.tools.update(agentId, toolId, { timeoutMs: 2000 })).data.timeoutMs).toBe(2000);
    const taken = await caught(orion.tools.create(agentId, { name: 'search', description: 'd', parameters: params, url: 'https://tools.example.com/t' }));
    expect(taken).toBeInstanceOf(ConflictError);
    expect([taken.status, (taken as ConflictError).field]).toEqual([409, 'name']);
    const rotated = await orion.tools.rotateSecret(agentId);
    expect(rotated.data.secret).toMatch(/^whsec_/);
    expect(rotated.data.secret).not.toBe(created.data.signingSecret);
    expect((await orion.tools.delete(agentId, toolId)).data).toEqual({ id: toolId, deleted: true });
    expect(await caught(orion.tools.get(agentId, toolId))).toBeInstanceOf(NotFoundError);
  });

  it('characters: export in every format, then import each back to the same character', async () => {
    const created = await orion.characters.create({ name: 'Grace', bio: ['Admiral.'], topics: ['compilers'], greeting: 'Ahoy.' });
    const { id: _id, revision: _r, createdAt: _c, updatedAt: _u, ...fields } = created.data;
    for (const format of ['orion', 'eliza', 'ccv2'] as const) {
      const file = await orion.characters.export(created.data.id, format);
      const imported = await orion.characters.import(file.data);
      expect(imported.data.character).toMatchObject(fields);
      expect(imported.data.format).toBe(format === 'eliza' ? 'eliza-1x' : format);
    }
  });

  it('conversations: get, messages, delete', async () => {
    const agent = await orion.agents.create({ name: 'Conversational' });
    const sent = await orion.agents.sendMessage(agent.data.id, { text: 'One', userId: 'conv-user' });
    await orion.agents.sendMessage(agent.data.id, { text: 'Two', userId: 'conv-user', conversationId: sent.data.conversationId });

    const conversation = await orion.conversations.get(sent.data.conversationId);
    expect(conversation.data).toMatchObject({ id: sent.data.conversationId, agentId: agent.data.id, messageCount: 4 });

    const messages = await orion.conversations.messages(sent.data.conversationId, { limit: 3 });
    expect(messages.data.items).toHaveLength(3);
    expect(messages.data.pagination).toEqual({ currentPage: 1, totalPages: 2, totalItems: 4, itemsPerPage: 3 });
    const page2 = await orion.conversations.messages(sent.data.conversationId, { page: 2, limit: 3 });
    expect(page2.data.items.map((m) => [m.role, m.text])).toEqual([['user', 'One']]);

    expect((await orion.conversations.delete(sent.data.conversationId)).data).toEqual({
      id: sent.data.conversationId,
      deleted: true,
    });
    const gone = await caught(orion.conversations.get(sent.data.conversationId));
    expect([gone.constructor, gone.code, gone.status]).toEqual([NotFoundError, 'NOT_FOUND', 404]);
  });

  it('apiKeys: create, list, rotate, revoke', async () => {
    const created = await orion.apiKeys.create({
      name: 'CI',
      scopes: ['agents:read'],
      environment: 'test',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    expect(created.data.secret).toMatch(/^orn_test_/);
    expect(created.data.apiKey).toMatchObject({ name: 'CI', scopes: ['agents:read'], environment: 'test' });

    const readOnly = new OrionOS({ apiKey: created.data.secret, baseUrl });
    expect((await readOnly.agents.list()).success).toBe(true);
    const denied = await caught(readOnly.agents.create({ name: 'nope' }));
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect([denied.code, denied.status, (denied as PermissionDeniedError).requiredScope]).toEqual([
      'FORBIDDEN',
      403,
      'agents:write',
    ]);

    const listed = await orion.apiKeys.list({ limit: 100 });
    expect(listed.data.items.map((k) => k.id)).toContain(created.data.apiKey.id);
    expect(JSON.stringify(listed)).not.toContain(created.data.secret);

    const rotated = await orion.apiKeys.rotate(created.data.apiKey.id, { gracePeriodSeconds: 0 });
    expect(rotated.data.apiKey.rotatedFromId).toBe(created.data.apiKey.id);
    expect(rotated.data.previousKey.id).toBe(created.data.apiKey.id);
    const rotatedClient = new OrionOS({ apiKey: rotated.data.secret, baseUrl });
    expect((await rotatedClient.agents.list()).success).toBe(true);
    const expired = await caught(readOnly.agents.list());
    expect([expired.constructor, expired.code, expired.status]).toEqual([AuthenticationError, 'UNAUTHORIZED', 401]);

    const revoked = await orion.apiKeys.revoke(rotated.data.apiKey.id);
    expect(revoked.data.revokedAt).not.toBeNull();
    expect(await caught(rotatedClient.agents.list())).toBeInstanceOf(AuthenticationError);
  });

  it('accounts (admin): create, list, get, update; a key without admin is refused', async () => {
    const admin = new OrionOS({ apiKey: app.adminKey, baseUrl });
    const created = await admin.accounts.create({ name: 'Acme', tier: 'pro' });
    expect(created.data.account).toMatchObject({ name: 'Acme', tier: 'pro', rateLimitPerMinute: 300 });
    expect(created.data.secret).toMatch(/^orn_live_/);
    const accountId = created.data.account.id;

    expect((await admin.accounts.list({ limit: 100 })).data.items.map((a) => a.id)).toContain(accountId);
    const got = await admin.accounts.get(accountId);
    expect(got.data.messageUsage).toMatchObject({ used: 0, quota: 100_000 });
    const updated = await admin.accounts.update(accountId, { tier: 'enterprise', rateLimitPerMinute: 5000 });
    expect(updated.data).toMatchObject({ tier: 'enterprise', rateLimitPerMinute: 5000 });

    const acme = new OrionOS({ apiKey: created.data.secret, baseUrl });
    expect((await acme.agents.list()).data.items).toEqual([]);
    const refused = await caught(orion.accounts.list());
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect(refused.details).toMatchObject({ requiredScope: 'admin' });
  });
});

describe('typed errors', () => {
  it('404 AGENT_NOT_FOUND: code, status, message, details, requestId', async () => {
    const error = await caught(orion.agents.get('agt_01JZZZZZZZZZZZZZZZZZZZZZZZ'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NotFoundError');
    expect(error.code).toBe('AGENT_NOT_FOUND');
    expect(error.status).toBe(404);
    expect(error.message).toContain('was not found');
    expect(error.details).toEqual({ id: 'agt_01JZZZZZZZZZZZZZZZZZZZZZZZ' });
    expect(error.requestId).toMatch(/^req_/);
    expect(error.requestId).toBe(error.headers?.get('x-request-id'));
    // The shape the overview's retry snippet reads.
    expect(error.response?.status).toBe(404);
    expect((error.response?.data as any).error.code).toBe('AGENT_NOT_FOUND');
  });

  it('400 INVALID_REQUEST names the fields, and is not retried', async () => {
    const counting = countingFetch();
    const client = new OrionOS({ apiKey: key, baseUrl, fetch: counting.fetch });
    const error = await caught(client.agents.create({ name: '' }));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).fields).toEqual([{ field: 'name', message: 'must not be empty' }]);
    expect(counting.calls).toHaveLength(1);
  });

  it('401 for a bad key; an empty id is refused before any request', async () => {
    const error = await caught(new OrionOS({ apiKey: 'orn_live_nope', baseUrl }).agents.list());
    expect([error.constructor, error.code, error.status]).toEqual([AuthenticationError, 'UNAUTHORIZED', 401]);
    expect(() => orion.agents.get('')).toThrow(TypeError);
  });

  it('429 RATE_LIMIT_EXCEEDED from the real limiter: RateLimitError with retryAfter', async () => {
    const { key: limitedKey } = await app.newAccount('Limited', { rateLimitPerMinute: 1 });
    const limited = new OrionOS({ apiKey: limitedKey, baseUrl, maxRetries: 0 });
    await limited.agents.list();
    const error = await caught(limited.agents.list());
    expect(error).toBeInstanceOf(RateLimitError);
    expect([error.code, error.status]).toEqual(['RATE_LIMIT_EXCEEDED', 429]);
    expect((error as RateLimitError).retryAfter).toBeGreaterThan(0);
    expect((error as RateLimitError).retryAfter).toBeLessThanOrEqual(60);
    expect(error.details.retryAfter).toBe((error as RateLimitError).retryAfter);
  });

  it('429 INSUFFICIENT_QUOTA is a QuotaExceededError and is not retried', async () => {
    const { key: brokeKey } = await app.newAccount('Broke', { monthlyMessageQuota: 0 });
    const counting = countingFetch();
    const broke = new OrionOS({ apiKey: brokeKey, baseUrl, fetch: counting.fetch });
    const agent = await broke.agents.create({ name: 'Quiet' });
    counting.calls.length = 0;
    const error = await caught(broke.agents.sendMessage(agent.data.id, { text: 'hi', userId: 'u' }));
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect([error.code, error.status, (error as QuotaExceededError).quota, (error as QuotaExceededError).used]).toEqual([
      'INSUFFICIENT_QUOTA',
      429,
      0,
      0,
    ]);
    expect(counting.calls).toHaveLength(1);
  });

  it('503 AGENT_UNAVAILABLE for a paused agent is not retried (a retry cannot unpause it)', async () => {
    const counting = countingFetch();
    const client = new OrionOS({ apiKey: key, baseUrl, fetch: counting.fetch });
    const agent = await client.agents.create({ name: 'Sleeper', status: 'paused' });
    counting.calls.length = 0;
    const error = await caught(client.agents.sendMessage(agent.data.id, { text: 'hi', userId: 'u' }));
    expect(error).toBeInstanceOf(AgentUnavailableError);
    expect((error as AgentUnavailableError).reason).toBe('paused');
    expect(counting.calls).toHaveLength(1);
  });
});

describe('retries', () => {
  const viaProxy = (options: Partial<ConstructorParameters<typeof OrionOS>[0]> = {}) =>
    new OrionOS({ apiKey: key, baseUrl: `${proxy.url}/v1`, ...options });

  it('a 429 is retried after Retry-After, with the same Idempotency-Key, and the call succeeds', async () => {
    proxy.script(['429']);
    const started = Date.now();
    const agent = await viaProxy().agents.create({ name: 'Retried' });
    expect(Date.now() - started).toBeLessThan(2_000); // Retry-After: 0, not the exponential backoff
    expect(agent.data.name).toBe('Retried');
    expect(proxy.seen.map((r) => [r.method, r.url])).toEqual([
      ['POST', '/v1/agents'],
      ['POST', '/v1/agents'],
    ]);
    const keys = proxy.seen.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    // Exactly one agent was created.
    const named = (await orion.agents.list({ limit: 100 })).data.items.filter((a) => a.name === 'Retried');
    expect(named).toHaveLength(1);
  });

  it('each logical call gets its own key; a caller-chosen key is sent as is; GETs carry none', async () => {
    proxy.script([]);
    const client = viaProxy();
    await client.agents.create({ name: 'K1' });
    await client.agents.create({ name: 'K2' }, { idempotencyKey: 'my-key-123' });
    await client.agents.list();
    const keys = proxy.seen.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe('my-key-123');
    expect(keys[2]).toBeUndefined();
  });

  it('POSTs get a UUID Idempotency-Key where there is no global crypto (Node 18)', async () => {
    proxy.script(['429']);
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
    Object.defineProperty(globalThis, 'crypto', { value: undefined, configurable: true });
    try {
      await viaProxy().agents.create({ name: 'No crypto' });
    } finally {
      Object.defineProperty(globalThis, 'crypto', saved);
    }
    const keys = proxy.seen.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('503 SERVICE_UNAVAILABLE, a retryable AGENT_UNAVAILABLE and a dropped connection are retried', async () => {
    proxy.script(['drop', '503', 'agent-timeout']);
    const agent = await orion.agents.create({ name: 'Patient' });
    const sent = await viaProxy().agents.sendMessage(agent.data.id, { text: 'Still there?', userId: 'retry-user' });
    expect(sent.data.response.length).toBeGreaterThan(0);
    expect(proxy.seen).toHaveLength(4);
    expect(new Set(proxy.seen.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });

  it('a conflict on a retry (the lost first attempt still running) is waited out; on a first attempt it is thrown', async () => {
    proxy.script(['drop', 'in-progress']);
    const agent = await viaProxy().agents.create({ name: 'Lost answer' });
    expect(agent.data.name).toBe('Lost answer');
    expect(proxy.seen).toHaveLength(3);
    expect(new Set(proxy.seen.map((r) => r.headers['idempotency-key'])).size).toBe(1);

    proxy.script(['in-progress']);
    const conflict = await caught(viaProxy().agents.create({ name: 'Reused key' }, { idempotencyKey: 'reused' }));
    expect(conflict).toBeInstanceOf(IdempotencyConflictError);
    expect([conflict.code, conflict.status]).toEqual(['IDEMPOTENCY_CONFLICT', 409]);
    expect(proxy.seen).toHaveLength(1);
  });

  it('a conflict on a retry whose first attempt was done but lost its answer in a crash is thrown at once', async () => {
    proxy.script(['drop', 'answer-lost', 'forward']);
    const lost = await caught(viaProxy().agents.create({ name: 'Done once' }));
    expect(lost).toBeInstanceOf(IdempotencyConflictError);
    expect(lost.details).toEqual({ reason: 'answer_lost' });
    expect(proxy.seen).toHaveLength(2);
  });

  it('gives up after maxRetries, throwing the last error', async () => {
    proxy.script(['429', '429', '429']);
    const error = await caught(viaProxy({ maxRetries: 2 }).agents.list());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.requestId).toBe('req_proxy');
    expect(proxy.seen).toHaveLength(3);
    proxy.script(['503']);
    expect(await caught(viaProxy({ maxRetries: 0 }).agents.list())).toBeInstanceOf(ServiceUnavailableError);
    expect(proxy.seen).toHaveLength(1);
  });

  it('times out (APITimeoutError), and aborts through a signal (APIUserAbortError, not retried)', async () => {
    proxy.script(['hang']);
    const timedOut = await caught(viaProxy({ timeoutMs: 200, maxRetries: 0 }).agents.list());
    expect(timedOut).toBeInstanceOf(APITimeoutError);
    expect(timedOut).toBeInstanceOf(APIConnectionError);
    expect(timedOut.code).toBe('TIMEOUT');

    proxy.script(['hang', 'hang']);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await caught(viaProxy({ timeoutMs: 10_000 }).agents.list(undefined, { signal: controller.signal }));
    expect(aborted).toBeInstanceOf(APIUserAbortError);
    expect(proxy.seen).toHaveLength(1);
  });

  it('an unreachable server is an APIConnectionError after its retries', async () => {
    const error = await caught(new OrionOS({ apiKey: key, baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 1 }).agents.list());
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error.code).toBe('CONNECTION_ERROR');
    expect(error.status).toBeUndefined();
  });
});

describe('streaming', () => {
  it('yields deltas, then the completed message; the deltas add up to its response', async () => {
    const agent = await orion.agents.create({ name: 'Streamer', personality: { tone: 'warm' } });
    const events: MessageStreamEvent[] = [];
    const stream = orion.agents.streamMessage(agent.data.id, { text: 'I feel happy today', userId: 'stream-user' });
    for await (const event of stream) events.push(event);
    const deltas = events.filter((e) => e.type === 'delta');
    const completed = events.at(-1)!;
    expect(deltas.length).toBeGreaterThan(1);
    expect(completed.type).toBe('completed');
    if (completed.type !== 'completed') throw new Error('unreachable');
    expect(deltas.map((d) => d.delta).join('')).toBe(completed.message.response);
    expect(completed.message).toMatchObject({ agentId: agent.data.id, userId: 'stream-user', text: 'I feel happy today' });
    expect(stream.requestId).toMatch(/^req_/);

    // The stored reply is the streamed one.
    const messages = await orion.conversations.messages(completed.message.conversationId);
    expect(messages.data.items[0]).toMatchObject({ role: 'agent', text: completed.message.response });
  });

  it('finalMessage() reads the whole stream; a stream is sent on iteration and retried before it starts', async () => {
    const agent = await orion.agents.create({ name: 'Final' });
    proxy.script(['429']);
    const stream = new OrionOS({ apiKey: key, baseUrl: `${proxy.url}/v1` }).agents.streamMessage(agent.data.id, {
      text: 'Hello there',
      userId: 'final-user',
    });
    const message = await stream.finalMessage();
    expect(message.response.length).toBeGreaterThan(0);
    expect(proxy.seen).toHaveLength(2);
    expect(proxy.seen[0]!.headers['accept']).toBe('text/event-stream');
    expect(proxy.seen[1]!.headers['idempotency-key']).toBe(proxy.seen[0]!.headers['idempotency-key']);
  });

  it('an error before the stream starts throws its typed error', async () => {
    const stream = orion.agents.streamMessage('agt_01JZZZZZZZZZZZZZZZZZZZZZZZ', { text: 'hi', userId: 'u' });
    const error = await caught(stream.finalMessage());
    expect([error.constructor, error.code, error.status]).toEqual([NotFoundError, 'AGENT_NOT_FOUND', 404]);
  });

  it('an error event mid-stream throws its typed error after the deltas so far', async () => {
    const agent = await orion.agents.create({ name: 'Remote', model: { provider: 'openai', name: 'gpt-test' } });
    provider.mode = 'stream-breaks';
    const events: MessageStreamEvent[] = [];
    let error: unknown;
    try {
      for await (const event of orion.agents.streamMessage(agent.data.id, { text: 'hi', userId: 'breaks' })) {
        events.push(event);
      }
    } catch (e) {
      error = e;
    } finally {
      provider.mode = 'ok';
    }
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.type === 'delta')).toBe(true);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ code: 'MODEL_ERROR', status: 502 });
    expect((error as ModelError).requestId).toMatch(/^req_/);
  });

  it('breaking out of the loop closes the stream', async () => {
    const agent = await orion.agents.create({ name: 'Interrupted' });
    const stream = orion.agents.streamMessage(agent.data.id, { text: 'Tell me a long story', userId: 'leaver' });
    for await (const event of stream) {
      expect(event.type).toBe('delta');
      break;
    }
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/only once/);
  });
});
