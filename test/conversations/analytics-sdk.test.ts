// orion.analytics against the real app on a loopback port: the same data as the REST routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, OrionOS, InvalidRequestError } from '../../src/sdk/index.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { listen } from '../support/sse.js';

describe('orion.analytics', () => {
  let app: TestApp;
  let socket: Awaited<ReturnType<typeof listen>>;
  let orion: OrionOS;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp('pglite');
    socket = await listen(app.app);
    ({ key } = await app.newAccount('SDK analytics'));
    orion = new OrionOS({ apiKey: key, baseUrl: `${socket.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await socket?.close();
    await app?.close();
  });

  it('account and agent analytics, with Dates or strings, as REST answers them', async () => {
    const agent = (await orion.agents.create({ name: 'Counted' })).data;
    await orion.agents.sendMessage(agent.id, { text: 'Hello there', userId: 'sdk-user' });
    await orion.agents.sendMessage(agent.id, { text: 'And again', userId: 'sdk-user' });
    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 3 * 3_600_000);

    const mine = await orion.analytics.agent(agent.id, { from, to, interval: 'hour', timeZone: 'Europe/Berlin' });
    expect(mine.data).toMatchObject({ agentId: agent.id, interval: 'hour', timeZone: 'Europe/Berlin', totals: { messages: 4, turns: 2, activeUsers: 1, conversationsStarted: 1 } });
    expect(mine.data.series).toHaveLength(4);
    const query = `from=${from.toISOString()}&to=${to.toISOString()}&interval=hour&timeZone=Europe/Berlin`;
    const rest = await app.http.get(`/v1/agents/${agent.id}/analytics?${query}`).set(bearer(key));
    expect(mine.data).toEqual(rest.body.data);

    const account = await orion.analytics.account({ from: from.toISOString(), to: to.toISOString() });
    expect(account.data.agents).toEqual([{ agentId: agent.id, name: 'Counted', totals: account.data.totals }]);

    expect(await orion.analytics.agent(`agt_${'0'.repeat(26)}`).catch((e) => e)).toBeInstanceOf(NotFoundError);
    const invalid = await orion.analytics.account({ interval: 'minute' as 'hour' }).catch((e) => e);
    expect(invalid).toBeInstanceOf(InvalidRequestError);
    expect(invalid.details.fields).toEqual([{ field: 'interval', message: 'must be one of: day, hour, week' }]);
  });
});
