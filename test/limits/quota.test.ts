import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, graphql, startTestApp, type TestApp } from '../support/app.js';
import { OPS } from '../support/operations.js';

function nextMonthStart(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
}

describe.each(STORAGES)('monthly message quota (%s)', (storage) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(storage);
  });
  afterAll(() => app?.close());

  async function accountWithQuota(quota: number) {
    const account = await app.newAccount(`quota-${quota}`, { monthlyMessageQuota: quota });
    const agent = (await app.http.post('/v1/agents').set(bearer(account.key)).send({ name: 'Q' })).body.data;
    return { ...account, agent };
  }

  it('under concurrency exactly the quota is served; the rest get 429 INSUFFICIENT_QUOTA and store nothing', async () => {
    const { key, accountId, agent } = await accountWithQuota(5);
    const results = await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: `hello ${i}`, userId: `u${i % 3}` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body.error.code).toBe('INSUFFICIENT_QUOTA');
    expect(refused.body.error.details).toEqual({ quota: 5, used: 5, resetsAt: nextMonthStart() });
    expect(await app.db.prisma.message.count({ where: { accountId, role: 'user' } })).toBe(5);
    expect(await app.db.prisma.message.count({ where: { accountId, role: 'agent' } })).toBe(5);

    const gql = await graphql(app, key, OPS.sendMessage, { agentId: agent.id, input: { text: 'one more', userId: 'g' } });
    expect([gql.status, gql.body.errors[0].extensions.code]).toEqual([429, 'INSUFFICIENT_QUOTA']);
    expect(gql.body.errors[0].extensions.details).toEqual(refused.body.error.details);
    const usage = await graphql(app, key, '{ viewer { messageUsage { used quota resetsAt } } }');
    expect(usage.body.data.viewer.messageUsage).toEqual({ used: 5, quota: 5, resetsAt: nextMonthStart() });
  });

  it('a send that gets no answer gives its message back', async () => {
    const { key, agent } = await accountWithQuota(1);
    await app.http.patch(`/v1/agents/${agent.id}`).set(bearer(key)).send({ status: 'paused' });
    const paused = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    expect(paused.body.error.code).toBe('AGENT_UNAVAILABLE');
    await app.http.patch(`/v1/agents/${agent.id}`).set(bearer(key)).send({ status: 'active' });
    const ok = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    expect(ok.status).toBe(201);
    const over = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' });
    expect([over.status, over.body.error.code]).toEqual([429, 'INSUFFICIENT_QUOTA']);
  });

  it('rejected requests (bad input, unknown agent) do not use the quota; raising it lets sending go on', async () => {
    const { key, accountId, agent } = await accountWithQuota(1);
    await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: '', userId: 'u' });
    await app.http.post('/v1/agents/agt_01J0000000000000000000000Z/messages').set(bearer(key)).send({ text: 'x', userId: 'u' });
    expect((await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'x', userId: 'u' })).status).toBe(201);
    expect((await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'x', userId: 'u' })).status).toBe(429);
    await app.http.patch(`/v1/accounts/${accountId}`).set(bearer(app.adminKey)).send({ monthlyMessageQuota: 2 });
    expect((await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'x', userId: 'u' })).status).toBe(201);
    const account = await app.http.get(`/v1/accounts/${accountId}`).set(bearer(app.adminKey));
    expect(account.body.data.messageUsage).toMatchObject({ used: 2, quota: 2 });
  });

  it('a stream request over quota is the JSON 429, not a stream', async () => {
    const { key, agent } = await accountWithQuota(0);
    const res = await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(key)).send({ text: 'x', userId: 'u', stream: true });
    expect([res.status, res.body.error.code]).toEqual([429, 'INSUFFICIENT_QUOTA']);
  });
});
