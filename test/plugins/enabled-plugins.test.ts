// Agent.enabledPlugins mirrors the agent's AgentPlugin rows (the send path reads plugin rows only
// when it is not empty), whatever the order and concurrency of the changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORAGES, bearer, startTestApp, type TestApp } from '../support/app.js';

describe.each(STORAGES)('Agent.enabledPlugins (%s)', (storage) => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(storage);
    ({ key } = await app.newAccount());
  });
  afterAll(() => app?.close());

  const stored = async (agentId: string) =>
    (await app.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId }, select: { enabledPlugins: true } })).enabledPlugins;
  const rows = async (agentId: string) =>
    (await app.db.prisma.agentPlugin.findMany({ where: { agentId }, orderBy: { pluginId: 'asc' } })).map((r) => r.pluginId);

  it('follows enabling, reconfiguring and disabling, and concurrent changes lose nothing', async () => {
    const agentId = (await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'Tools' })).body.data.id;
    expect(await stored(agentId)).toEqual([]);
    const put = (pluginId: string, config: object = {}) =>
      app.http.put(`/v1/agents/${agentId}/plugins/${pluginId}`).set(bearer(key)).send({ config });
    expect((await put('time')).status).toBe(200);
    expect(await stored(agentId)).toEqual(['time']);
    expect((await put('time', { defaultTimeZone: 'Europe/Paris' })).status).toBe(200);
    expect(await stored(agentId)).toEqual(['time']);
    // A refused change changes nothing.
    expect((await put('calculator', { precision: 99 })).status).toBe(400);
    expect(await stored(agentId)).toEqual(['time']);

    const answers = await Promise.all([put('calculator'), put('http'), app.http.delete(`/v1/agents/${agentId}/plugins/time`).set(bearer(key))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await stored(agentId)).toEqual(['calculator', 'http']);
    expect(await rows(agentId)).toEqual(['calculator', 'http']);
  });
});
