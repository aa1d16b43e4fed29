// A GraphQL mutation sent with an Idempotency-Key whose write commits but whose answer is never
// recorded (the process died in between; here the statement recording it fails). Once the record
// is stale, a retry must not run the write again: it answers 409 IDEMPOTENCY_CONFLICT with
// reason "answer_lost" and what the write made, for every mutation, not only the creating ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';
import { SqlCounter } from '../support/sql-counter.js';

const recordsAnswer = (sql: string) => /IdempotencyRecord/.test(sql) && /responseBody/.test(sql);

describe.each(STORAGES)('a mutation whose answer was lost is not run again (%s)', (storage) => {
  const sql = new SqlCounter();
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp(storage, { wrapAdapter: sql.wrap });
    ({ key, accountId } = await app.newAccount());
  });
  afterAll(() => app?.close());

  const gql = (query: string, variables: Record<string, unknown>, k = key, idempotencyKey?: string) => {
    let req = app.http.post('/graphql').set(bearer(k)).set('Accept', 'application/json');
    if (idempotencyKey) req = req.set('Idempotency-Key', idempotencyKey);
    return req.send({ query, variables });
  };
  const data = async (query: string, variables: Record<string, unknown> = {}, k = key) => {
    const res = await gql(query, variables, k);
    expect(res.body.errors, JSON.stringify(res.body)).toBeUndefined();
    return res.body.data;
  };

  /** Sends the mutation with the answer's recording failing, ages the record, then retries it. */
  async function loseAnswerThenRetry(query: string, variables: Record<string, unknown>, k = key) {
    const idempotencyKey = `lost-${Math.random().toString(36).slice(2)}`;
    sql.refuse(recordsAnswer);
    let first;
    try {
      first = await gql(query, variables, k, idempotencyKey);
    } finally {
      sql.refuse();
    }
    expect(first.body.errors, JSON.stringify(first.body)).toBeUndefined();
    // Older than any request may take: the instance that held it is gone.
    await app.db.prisma.$executeRaw`UPDATE "IdempotencyRecord" SET "createdAt" = "createdAt" - interval '2 hours' WHERE "key" = ${idempotencyKey}`;
    return gql(query, variables, k, idempotencyKey);
  }

  const expectAnswerLost = (retry: { status: number; body: any }, outcome: { type: string; id: string }) => {
    const error = retry.body.errors?.[0];
    expect(error?.extensions?.code, JSON.stringify(retry.body)).toBe('IDEMPOTENCY_CONFLICT');
    expect(error.extensions.details).toMatchObject({ reason: 'answer_lost', outcome });
  };

  const newAgent = async () => (await data('mutation { createAgent(input: { name: "A" }) { id } }')).createAgent.id as string;
  const newCharacter = async () => (await data('mutation { createCharacter(input: { name: "C" }) { id } }')).createCharacter.id as string;

  it('updateCharacter: no second revision', async () => {
    const id = await newCharacter();
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { updateCharacter(id: $id, input: { bio: ["once"] }) { revision } }', { id });
    expectAnswerLost(retry, { type: 'Character', id });
    expect((await data('query($id: ID!) { node(id: $id) { ... on Character { revision } } }', { id })).node.revision).toBe(2);
  });

  it('deleteCharacter', async () => {
    const id = await newCharacter();
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { deleteCharacter(id: $id) { deletedId } }', { id });
    expectAnswerLost(retry, { type: 'Character', id });
  });

  it('updateAgent', async () => {
    const id = await newAgent();
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { updateAgent(id: $id, input: { name: "B" }) { id } }', { id });
    expectAnswerLost(retry, { type: 'Agent', id });
  });

  it('deleteAgent', async () => {
    const id = await newAgent();
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { deleteAgent(id: $id) { deletedId } }', { id });
    expectAnswerLost(retry, { type: 'Agent', id });
  });

  it('deleteConversation', async () => {
    const agentId = await newAgent();
    const sent = await data('mutation($a: ID!) { sendMessage(agentId: $a, input: { text: "hi", userId: "u1" }) { conversationId } }', { a: agentId });
    const id = sent.sendMessage.conversationId;
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { deleteConversation(id: $id) { deletedId } }', { id });
    expectAnswerLost(retry, { type: 'Conversation', id });
  });

  it('revokeApiKey', async () => {
    const created = await data('mutation { createApiKey(input: { name: "k", scopes: ["agents:read"] }) { apiKey { id } } }');
    const id = created.createApiKey.apiKey.id;
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id });
    expectAnswerLost(retry, { type: 'ApiKey', id });
  });

  const toolInput = (name: string) => ({ name, description: 'd', parameters: { type: 'object' }, url: 'https://tools.example/x' });
  const newTool = async (agentId: string) =>
    (await data('mutation($a: ID!, $i: CreateToolInput!) { createTool(agentId: $a, input: $i) { tool { id } } }', { a: agentId, i: toolInput('t0') }))
      .createTool.tool.id as string;

  it('enablePlugin and disablePlugin', async () => {
    const id = await newAgent();
    expectAnswerLost(await loseAnswerThenRetry('mutation($a: ID!) { enablePlugin(agentId: $a, pluginId: "time") { pluginId } }', { a: id }), { type: 'Agent', id });
    expectAnswerLost(await loseAnswerThenRetry('mutation($a: ID!) { disablePlugin(agentId: $a, pluginId: "time") { deletedId } }', { a: id }), { type: 'Agent', id });
  });

  it('createTool: no second tool', async () => {
    const agentId = await newAgent();
    const retry = await loseAnswerThenRetry('mutation($a: ID!, $i: CreateToolInput!) { createTool(agentId: $a, input: $i) { tool { id } } }', {
      a: agentId,
      i: toolInput('once'),
    });
    expect(retry.body.errors?.[0]?.extensions?.details?.reason, JSON.stringify(retry.body)).toBe('answer_lost');
    const tools = await data('query($a: ID!) { node(id: $a) { ... on Agent { tools { totalCount } } } }', { a: agentId });
    expect(tools.node.tools.totalCount).toBe(1);
  });

  it('updateTool, deleteTool and rotateToolSecret', async () => {
    const agentId = await newAgent();
    const id = await newTool(agentId);
    expectAnswerLost(await loseAnswerThenRetry('mutation($id: ID!) { updateTool(id: $id, input: { description: "e" }) { id } }', { id }), { type: 'Tool', id });
    expectAnswerLost(await loseAnswerThenRetry('mutation($a: ID!) { rotateToolSecret(agentId: $a) { secret } }', { a: agentId }), { type: 'Agent', id: agentId });
    expectAnswerLost(await loseAnswerThenRetry('mutation($id: ID!) { deleteTool(id: $id) { deletedId } }', { id }), { type: 'Tool', id });
  });

  it('MCP servers: create (no second server), update, refresh, enable, disable, delete', async () => {
    // Private networks are not allowed in this app: the server is stored with status error, which is enough.
    const input = { name: 'lost', url: 'https://mcp.example.com/mcp', timeoutMs: 1000 };
    const created = await loseAnswerThenRetry('mutation($i: CreateMcpServerInput!) { createMcpServer(input: $i) { id } }', { i: input });
    expect(created.body.errors?.[0]?.extensions?.details?.reason, JSON.stringify(created.body)).toBe('answer_lost');
    const servers = await app.db.prisma.mcpServer.findMany({ where: { accountId, name: 'lost' } });
    expect(servers).toHaveLength(1);
    const id = servers[0]!.id;
    expect(created.body.errors[0].extensions.details.outcome).toEqual({ type: 'McpServer', id });
    expectAnswerLost(await loseAnswerThenRetry('mutation($id: ID!) { updateMcpServer(id: $id, input: { description: "e" }) { id } }', { id }), { type: 'McpServer', id });
    expectAnswerLost(await loseAnswerThenRetry('mutation($id: ID!) { refreshMcpServer(id: $id) { id } }', { id }), { type: 'McpServer', id });
    const agentId = await newAgent();
    expectAnswerLost(
      await loseAnswerThenRetry('mutation($a: ID!, $m: ID!) { enableMcpServer(agentId: $a, mcpServerId: $m) { created } }', { a: agentId, m: id }),
      { type: 'Agent', id: agentId },
    );
    expectAnswerLost(
      await loseAnswerThenRetry('mutation($a: ID!, $m: ID!) { disableMcpServer(agentId: $a, mcpServerId: $m) { disabled } }', { a: agentId, m: id }),
      { type: 'Agent', id: agentId },
    );
    expectAnswerLost(await loseAnswerThenRetry('mutation($id: ID!) { deleteMcpServer(id: $id) { deletedId } }', { id }), { type: 'McpServer', id });
  });

  it('updateAccount (operator)', async () => {
    const retry = await loseAnswerThenRetry('mutation($id: ID!) { updateAccount(id: $id, input: { name: "Renamed" }) { id } }', { id: accountId }, app.adminKey);
    expectAnswerLost(retry, { type: 'Account', id: accountId });
  });
});
