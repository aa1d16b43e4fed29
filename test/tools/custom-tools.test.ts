import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';
import { addTool, setToolSecret, startToolReceiver, type ToolReceiver } from '../support/tools.js';
import { isPublicAddress, resolveHost } from '../../src/services/outbound/addresses.js';

/** A custom tool with one string argument `query`, which the local engine fills with the request. */
const queryTool = (name: string, description: string, url: string, timeoutMs = 5_000) => ({ name, description, url, timeoutMs });

describe.each(STORAGES)('custom tools over HTTP, private networks allowed (%s)', (storage) => {
  let app: TestApp;
  let receiver: ToolReceiver;
  let key: string;
  let accountId: string;
  let agentId: string;

  beforeAll(async () => {
    receiver = await startToolReceiver();
    app = await startTestApp(storage, { allowPrivateNetworks: true });
    ({ key, accountId } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Caller' })).body.data.id;
    receiver.secret = await setToolSecret(app, agentId);
    await addTool(app, agentId, queryTool('inventory_lookup', 'Looks up stock levels in the warehouse inventory', receiver.url('/ok')));
    await addTool(app, agentId, queryTool('slow_service', 'A sluggish backend', receiver.url('/slow'), 300));
    await addTool(app, agentId, queryTool('plaintext_service', 'Answers in plain words', receiver.url('/text')));
    await addTool(app, agentId, queryTool('oversized_service', 'Answers with far too much', receiver.url('/big')));
    await addTool(app, agentId, queryTool('redirecting_service', 'Moved elsewhere', receiver.url('/redirect')));
    await addTool(app, agentId, queryTool('broken_service', 'Always fails', receiver.url('/fail')));
    await addTool(app, agentId, {
      name: 'order_status',
      description: 'The status of an order by its number',
      parameters: { type: 'object', properties: { orderNumber: { type: 'integer', minimum: 1 } }, required: ['orderNumber'], additionalProperties: false },
      url: receiver.url('/ok'),
    });
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const send = (text: string) => app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text, userId: 'u1' });
  const callsTo = (path: string) => receiver.calls.filter((c) => c.path === path);

  it('POSTs the arguments signed like a webhook; the receiver verifies the signature and its answer reaches the reply', async () => {
    const before = callsTo('/ok').length;
    const res = await send('Check the inventory for blue widgets');
    expect(res.status).toBe(201);
    const [call] = res.body.data.toolCalls;
    expect(call).toMatchObject({
      tool: 'inventory_lookup',
      arguments: { query: 'Check the inventory for blue widgets' },
      result: { ok: true, echo: { query: 'Check the inventory for blue widgets' } },
      error: null,
    });
    expect(res.body.data.response).toContain('"ok":true');
    const received = callsTo('/ok').slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]!.verifyError).toBeUndefined();
    expect(received[0]!.verified).toEqual({
      tool: 'inventory_lookup',
      arguments: { query: 'Check the inventory for blue widgets' },
      agentId,
      conversationId: res.body.data.conversationId,
      messageId: res.body.data.id,
      callId: call.callId,
    });
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers['user-agent']).toContain('OrionOS');
    expect(received[0]!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    // The secret is nowhere in what the API returns.
    expect(JSON.stringify(res.body)).not.toContain(receiver.secret!.slice(6, 20));
  });

  it('arguments that do not satisfy the schema are recorded and never sent', async () => {
    const before = receiver.calls.length;
    const res = await send('What is the status of my order?');
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls[0]).toMatchObject({
      tool: 'order_status',
      arguments: {},
      result: null,
      error: { code: 'TOOL_INVALID_ARGUMENTS', message: expect.stringContaining('orderNumber') },
    });
    expect(receiver.calls.length).toBe(before);
    const ok = await send('What is the status of order 1234?');
    expect(ok.body.data.toolCalls[0]).toMatchObject({ arguments: { orderNumber: 1234 }, result: { echo: { orderNumber: 1234 } } });
  });

  it('a schema stored with a regular expression that could backtrack (before they were refused) is not checked here: the call goes', async () => {
    const tool = await app.db.prisma.tool.findFirstOrThrow({ where: { agentId, name: 'order_status' } });
    const evil = { type: 'object', properties: { orderNumber: { type: 'integer' }, note: { type: 'string', pattern: '^(a+)+$' } } };
    await app.db.prisma.tool.update({ where: { id: tool.id }, data: { parameters: evil } });
    try {
      const before = callsTo('/ok').length;
      const res = await send('What is the status of order 77?');
      expect(res.body.data.toolCalls[0]).toMatchObject({ tool: 'order_status', arguments: { orderNumber: 77 }, result: { echo: { orderNumber: 77 } } });
      expect(callsTo('/ok').length).toBe(before + 1);
    } finally {
      await app.db.prisma.tool.update({ where: { id: tool.id }, data: { parameters: tool.parameters as object } });
    }
  });

  it.each([
    ['Ask the slow service', 'slow_service', 'TOOL_TIMEOUT'],
    ['Ask the plaintext service', 'plaintext_service', 'TOOL_INVALID_RESPONSE'],
    ['Ask the oversized service', 'oversized_service', 'TOOL_RESPONSE_TOO_LARGE'],
    ['Ask the redirecting service', 'redirecting_service', 'TOOL_HTTP_ERROR'],
    ['Ask the broken service', 'broken_service', 'TOOL_HTTP_ERROR'],
  ])('%s: recorded as %s (%s), the send is still 201', async (text, tool, code) => {
    const okBefore = callsTo('/ok').length;
    const res = await send(text);
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls).toEqual([
      expect.objectContaining({ tool, result: null, error: { code, message: expect.any(String) } }),
    ]);
    expect(res.body.data.response).toContain(code);
    // A redirect is never followed.
    expect(callsTo('/ok').length).toBe(okBefore);
  });

  it('the reply with its failed call is in the history, and the send counted one message', async () => {
    const account = await app.http.get(`/v1/accounts/${accountId}`).set(bearer(app.adminKey));
    const sends = await app.db.prisma.message.count({ where: { accountId, role: 'user' } });
    expect(account.body.data.messageUsage.used).toBe(sends);
  });
});

describe('custom tools without ORION_ALLOW_PRIVATE_NETWORKS (SSRF refusals)', () => {
  let app: TestApp;
  let receiver: ToolReceiver;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    receiver = await startToolReceiver();
    app = await startTestApp('pglite', {  });
    ({ key } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Fenced' })).body.data.id;
    receiver.secret = await setToolSecret(app, agentId);
    await addTool(app, agentId, queryTool('loopback_service', 'On this machine', receiver.url('/ok')));
    await addTool(app, agentId, queryTool('metadata_service', 'Cloud instance metadata', 'http://169.254.169.254/latest/meta-data/'));
    await addTool(app, agentId, queryTool('localhost_service', 'By name', receiver.url('/ok').replace('127.0.0.1', 'localhost')));
    await addTool(app, agentId, queryTool('mapped_service', 'IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:9/'));
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  it.each([
    ['Ask the loopback service', 'loopback_service'],
    ['Ask the metadata service', 'metadata_service'],
    ['Ask the localhost service', 'localhost_service'],
    ['Ask the mapped service', 'mapped_service'],
  ])('%s: TOOL_NETWORK_REFUSED, nothing sent, the send 201', async (text, tool) => {
    const res = await app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text, userId: 'u1' });
    expect(res.status).toBe(201);
    expect(res.body.data.toolCalls).toEqual([expect.objectContaining({ tool, error: { code: 'TOOL_NETWORK_REFUSED', message: expect.any(String) } })]);
    expect(receiver.calls).toHaveLength(0);
  });
});

describe('outbound address rules', () => {
  it('only public unicast addresses are reachable', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '::1', '::', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254',
      '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', 'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('a name resolving to loopback is refused unless private networks are allowed', async () => {
    await expect(resolveHost('localhost', false)).rejects.toThrow(/may not reach/);
    await expect(resolveHost('localhost', true)).resolves.toMatchObject({ address: expect.any(String) });
    await expect(resolveHost('[::1]', false)).rejects.toThrow(/may not reach/);
  });
});
