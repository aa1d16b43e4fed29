import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { SqlCounter } from '../support/sql-counter.js';
import { addTool, enablePlugin, setToolSecret, startToolReceiver, type ToolReceiver } from '../support/tools.js';

// The SQL one send costs, counted at the driver adapter (every statement Prisma sends, with the
// transactions apart). Happy path: REST, not streamed, local engine, existing conversation.
// Every send reads the ids of the agent's knowledge documents (one statement, run together with
// the other reads after the agent's); the search for chunks only runs for an agent that has some.
describe.each(STORAGES)('SQL of one send (%s)', (storage) => {
  const sql = new SqlCounter();
  let app: TestApp;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    app = await startTestApp(storage, { wrapAdapter: sql.wrap });
    ({ key } = await app.newAccount());
    agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Counted' })).body.data.id;
    // The conversation exists, the key is cached and its lastUsedAt fresh.
    expect((await send({ text: 'First', userId: 'u1' })).status).toBe(201);
    expect((await send({ text: 'Second', userId: 'u1' })).status).toBe(201);
  });
  afterAll(() => app?.close());

  const send = (body: object, headers: Record<string, string> = {}) =>
    app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).set(headers).send(body);

  const counted = async (run: () => Promise<unknown>) => {
    sql.reset();
    await run();
    return { statements: sql.statements.length, begins: sql.begins, commits: sql.commits, sql: sql.statements };
  };

  // The reads (agent, history, knowledge sources), then both turns, the conversation's count and
  // the quota unit in one statement committed on its own (see exchange-statement.ts).
  it('REST: at most 4 statements and no transaction, both turns stored', async () => {
    let status = 0;
    const cost = await counted(async () => {
      status = (await send({ text: 'Hello again', userId: 'u1' })).status;
    });
    expect(status).toBe(201);
    expect(cost.statements, cost.sql.join('\n')).toBeLessThanOrEqual(4);
    expect(cost.begins).toBe(0);
  });

  it('GraphQL sendMessage: the same budget', async () => {
    let data: any;
    const cost = await counted(async () => {
      ({ body: { data } } = await graphql(app, key, `mutation($a: ID!) { sendMessage(agentId: $a, input: { text: "Hi", userId: "u1" }) { messageId response } }`, { a: agentId }));
    });
    expect(data.sendMessage.response.length).toBeGreaterThan(0);
    expect(cost.statements, cost.sql.join('\n')).toBeLessThanOrEqual(4);
    expect(cost.begins).toBe(0);
  });

  // The mark commits with the turns, so a keyed send is stored by the transaction (3 reads, the
  // conversation, both turns, the quota unit: 6 statements), with the claim, the mark and the
  // recorded answer on top.
  it('with an Idempotency-Key: the transaction, plus the claim, the commit mark and the recorded answer (at most 9 statements, 1 commit)', async () => {
    const keyed = await counted(() => send({ text: 'Keyed', userId: 'u1' }, { 'Idempotency-Key': `k-${storage}` }));
    expect(keyed.statements, keyed.sql.join('\n')).toBeLessThanOrEqual(9);
    expect(keyed.commits).toBeLessThanOrEqual(1);
  });
});

// With plugins: the agent's plugin configs cost one statement, read while the history is read;
// custom tools (the `http` plugin) one more, run together with it. A custom tool calls out, so
// the user's turn is stored first (the pending path), as for a remote model.
describe.each(STORAGES)('SQL of one send with tools (%s)', (storage) => {
  const sql = new SqlCounter();
  let app: TestApp;
  let receiver: ToolReceiver;
  let key: string;
  let builtIns: string;
  let custom: string;

  beforeAll(async () => {
    receiver = await startToolReceiver();
    app = await startTestApp(storage, { wrapAdapter: sql.wrap, allowPrivateNetworks: true });
    ({ key } = await app.newAccount());
    builtIns = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Built-ins' })).body.data.id;
    await enablePlugin(app, builtIns, 'calculator');
    await enablePlugin(app, builtIns, 'time');
    custom = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Custom' })).body.data.id;
    receiver.secret = await setToolSecret(app, custom);
    await addTool(app, custom, { name: 'inventory_lookup', description: 'Stock levels', url: receiver.url('/ok') });
    for (const agentId of [builtIns, custom]) {
      expect((await send(agentId, 'First')).status).toBe(201);
    }
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const send = (agentId: string, text: string) =>
    app.http.post(`/v1/agents/${agentId}/messages`).set(bearer(key)).send({ text, userId: 'u1' });

  const counted = async (run: () => Promise<any>) => {
    sql.reset();
    const res = await run();
    return { res, statements: sql.statements.length, begins: sql.begins, commits: sql.commits, sql: sql.statements };
  };

  it('built-in tools (calculator called): one statement more than without plugins (at most 7), 1 commit', async () => {
    const cost = await counted(() => send(builtIns, 'What is 6 * 7?'));
    expect(cost.res.status).toBe(201);
    expect(cost.res.body.data.toolCalls).toHaveLength(1);
    console.info(`[${storage}] send with built-in tools: ${cost.statements} statements, ${cost.commits} commits`);
    expect(cost.statements, cost.sql.join('\n')).toBeLessThanOrEqual(7);
    expect(cost.commits).toBeLessThanOrEqual(2);
    expect(cost.begins).toBe(cost.commits);
  });

  it('a custom tool (called over HTTP): the pending path plus two reads (at most 11), 2 commits', async () => {
    const cost = await counted(() => send(custom, 'Check the inventory'));
    expect(cost.res.status).toBe(201);
    expect(cost.res.body.data.toolCalls[0].result).toMatchObject({ ok: true });
    console.info(`[${storage}] send with a custom tool: ${cost.statements} statements, ${cost.commits} commits`);
    expect(cost.statements, cost.sql.join('\n')).toBeLessThanOrEqual(11);
    expect(cost.commits).toBeLessThanOrEqual(2);
    expect(cost.begins).toBe(cost.commits);
  });
});
