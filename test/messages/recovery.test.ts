import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { recoverInterruptedTurns } from '../../src/services/messages.js';
import { quotaPeriod } from '../../src/services/quotas.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';

describe('turns interrupted by a dead instance', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pglite');
  });
  afterAll(() => app?.close());

  it('are marked failed after the model timeout, their quota given back; recent ones are left alone', async () => {
    const { key, accountId } = await app.newAccount('Interrupted', { monthlyMessageQuota: 10 });
    const sent = (await app.http.post(`/v1/agents/${(await app.http.post('/v1/agents').set(bearer(key)).send({ name: 'A' })).body.data.id}/messages`).set(bearer(key)).send({ text: 'hi', userId: 'u' })).body.data;
    const { period } = quotaPeriod();
    // Two turns left pending by an instance that died: one long ago, one a moment ago.
    const old = new Date(Date.now() - 10 * 60_000);
    const base = { accountId, conversationId: sent.conversationId, agentId: sent.agentId, userId: 'u', role: 'user' as const, text: 'lost', status: 'pending' as const };
    const stale = await app.db.prisma.message.create({ data: { ...base, id: newId('msg'), createdAt: old } });
    const fresh = await app.db.prisma.message.create({ data: { ...base, id: newId('msg') } });
    await app.db.prisma.messageUsage.update({ where: { accountId_period: { accountId, period } }, data: { used: { increment: 2 } } });

    expect(await recoverInterruptedTurns(app.db.prisma, new Date(Date.now() - 5 * 60_000))).toBe(1);
    const after = await app.db.prisma.message.findUniqueOrThrow({ where: { id: stale.id } });
    expect(after).toMatchObject({ status: 'failed', errorCode: 'AGENT_UNAVAILABLE' });
    expect((await app.db.prisma.message.findUniqueOrThrow({ where: { id: fresh.id } })).status).toBe('pending');
    const usage = await app.db.prisma.messageUsage.findUniqueOrThrow({ where: { accountId_period: { accountId, period } } });
    expect(usage.used).toBe(2);
    // Idempotent: nothing more to recover.
    expect(await recoverInterruptedTurns(app.db.prisma, new Date(Date.now() - 5 * 60_000))).toBe(0);
  });
});
