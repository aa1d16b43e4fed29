import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { SqlCounter } from '../support/sql-counter.js';

// The SQL one send costs, counted at the driver adapter (every statement Prisma sends, with the
// transactions apart). Happy path: REST, not streamed, local engine, existing conversation.
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

  it('REST: at most 5 statements and 2 commits, both turns stored', async () => {
    let status = 0;
    const cost = await counted(async () => {
      status = (await send({ text: 'Hello again', userId: 'u1' })).status;
    });
    expect(status).toBe(201);
    expect(cost.statements, cost.sql.join('\n')).toBeLessThanOrEqual(5);
    expect(cost.commits).toBeLessThanOrEqual(2);
    expect(cost.begins).toBe(cost.commits);
  });

  it('GraphQL sendMessage: the same budget', async () => {
    let data: any;
    const cost = await counted(async () => {
      ({ body: { data } } = await graphql(app, key, `mutation($a: ID!) { sendMessage(agentId: $a, input: { text: "Hi", userId: "u1" }) { messageId response } }`, { a: agentId }));
    });
    expect(data.sendMessage.response.length).toBeGreaterThan(0);
    expect(cost.statements, cost.sql.join('\n')).toBeLessThanOrEqual(5);
    expect(cost.commits).toBeLessThanOrEqual(2);
  });

  it('with an Idempotency-Key: the claim, the commit mark and the recorded answer on top (3 statements)', async () => {
    const base = await counted(() => send({ text: 'Plain', userId: 'u1' }));
    const keyed = await counted(() => send({ text: 'Keyed', userId: 'u1' }, { 'Idempotency-Key': `k-${storage}` }));
    expect(keyed.statements - base.statements, keyed.sql.join('\n')).toBeLessThanOrEqual(3);
    expect(keyed.commits).toBeLessThanOrEqual(base.commits);
  });
});
