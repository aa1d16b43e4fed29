import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, startTestApp, type TestApp } from '../support/app.js';
import { SqlCounter } from '../support/sql-counter.js';
import { newAgent, send, subscribe } from './event-support.js';

/**
 * What a send's events cost, counted at the driver adapter (see test/messages/send-statements):
 * an account whose endpoints subscribe to none of a send's types pays nothing (the check rides in
 * the one statement that stores the exchange); a subscribed one has its turn stored by the
 * transaction that records the events, and pays for the events it gets.
 */
describe.each(STORAGES)('SQL of a send with webhook endpoints (%s)', (storage) => {
  const sql = new SqlCounter();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(storage, { wrapAdapter: sql.wrap });
  });
  afterAll(() => app?.close());

  /** An agent of a new account with these endpoints, its key warm and its conversation with u1 made. */
  async function account(endpoints: string[][], options: { enabled?: boolean } = {}) {
    const { accountId, key } = await app.newAccount();
    for (const events of endpoints) await subscribe(app, accountId, events, options);
    const agentId = await newAgent(app, key);
    for (const text of ['First', 'Second']) expect((await send(app, 'REST', key, agentId, { text, userId: 'u1' })).data).toBeDefined();
    return { key, agentId };
  }

  const counted = async ({ key, agentId }: { key: string; agentId: string }, userId = 'u1') => {
    sql.reset();
    const sent = await send(app, 'REST', key, agentId, { text: 'Counted', userId });
    expect(sent.data).toBeDefined();
    return { statements: sql.statements.length, commits: sql.commits, sql: sql.statements };
  };

  it('no endpoint, endpoints for other types only, or disabled ones: the same statements as before webhooks (at most 4, no transaction: see send-statements)', async () => {
    const none = await counted(await account([]));
    const otherTypes = await counted(await account([['agent.created', 'character.updated']]));
    const disabled = await counted(await account([['*']], { enabled: false }));
    console.info(`[${storage}] send, no subscribed endpoint: ${none.statements} statements, ${none.commits} commit(s)`);
    expect(none.statements, none.sql.join('\n')).toBeLessThanOrEqual(4);
    expect(none.commits).toBe(0);
    expect(otherTypes.statements, otherTypes.sql.join('\n')).toBe(none.statements);
    expect(disabled.statements, disabled.sql.join('\n')).toBe(none.statements);
  });

  it("subscribed ('*'): the transaction stores the turn, and message.completed costs its endpoints read and its writes; a new conversation its conversation.created too", async () => {
    const none = await counted(await account([]));
    const all = await account([['*'], ['message.completed']]);
    const existing = await counted(all);
    const opening = await counted(all, 'u2');
    console.info(
      `[${storage}] send with '*' subscribed: ${existing.statements} statements (existing conversation: message.completed), ` +
        `${opening.statements} (new conversation: conversation.created + message.completed); without: ${none.statements}`,
    );
    // The reads of a send, then the transaction: the conversation upsert, the turns and the quota
    // unit instead of the one statement (two more), plus per event (recordEvent) the endpoints
    // read, then one statement writing the event and its deliveries.
    const transaction = none.statements + 2;
    expect(existing.statements, existing.sql.join('\n')).toBe(transaction + 2);
    expect(opening.statements, opening.sql.join('\n')).toBe(transaction + 4);
    expect(existing.commits).toBe(1);
    expect(opening.commits).toBe(1);
  });
});
