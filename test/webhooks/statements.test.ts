import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from '../support/app.js';
import { SqlCounter } from '../support/sql-counter.js';

// A page of deliveries (each with its event and attempts) costs the same SQL for 2 deliveries
// as for 20: the event and attempts of a page are read together, not one delivery at a time.
describe('SQL of a page of deliveries', () => {
  const sql = new SqlCounter();
  let app: TestApp;
  let key: string;
  let small: string;
  let large: string;

  async function endpointWith(deliveries: number): Promise<string> {
    const webhook = (await app.http.post('/v1/webhooks').set(bearer(key)).send({ url: 'https://hooks.example.com/x', events: ['*'] })).body.data
      .webhook;
    for (let i = 0; i < deliveries; i++) {
      const delivery = (await app.http.post(`/v1/webhooks/${webhook.id}/test`).set(bearer(key))).body.data;
      await app.db.prisma.webhookAttempt.createMany({
        data: [1, 2].map((number) => ({ deliveryId: delivery.id, number, at: new Date(), statusCode: 500, latencyMs: 5, error: 'status 500' })),
      });
    }
    return webhook.id;
  }

  beforeAll(async () => {
    app = await startTestApp('pglite', { wrapAdapter: sql.wrap });
    ({ key } = await app.newAccount());
    small = await endpointWith(2);
    large = await endpointWith(20);
    await app.http.get(`/v1/webhooks/${small}/deliveries`).set(bearer(key)).expect(200); // the key is cached
  });
  afterAll(() => app?.close());

  const statementsOf = async (webhookId: string) => {
    sql.reset();
    const res = await app.http.get(`/v1/webhooks/${webhookId}/deliveries`).set(bearer(key));
    expect(res.status).toBe(200);
    return { items: res.body.data.items.length, attempts: res.body.data.items[0].attempts.length, statements: sql.statements.length };
  };

  it('does not grow with the page', async () => {
    const two = await statementsOf(small);
    const twenty = await statementsOf(large);
    expect([two.items, twenty.items, twenty.attempts]).toEqual([2, 20, 2]);
    // The endpoint, the count, the page, its events, its attempts (6 when measured).
    expect(twenty.statements).toBe(two.statements);
    expect(twenty.statements).toBeLessThanOrEqual(6);
  });
});
