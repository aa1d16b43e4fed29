// The search's statements use the GIN index on Message's stored full-text vector (migration
// 20261130103907): without it every search would read all the account's messages. Checked with
// EXPLAIN on PostgreSQL, over messages seeded with SQL for volume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/db/generated/prisma/client.js';
import { rankedSearchSql } from '../../src/services/conversation-search.js';
import { bearer, startTestApp, type TestApp } from '../support/app.js';

describe('conversation search on PostgreSQL: the plan', () => {
  let app: TestApp;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp('postgres');
    const a = await app.newAccount('Plan');
    accountId = a.accountId;
    const agent = (await app.http.post('/v1/agents').set(bearer(a.key)).send({ name: 'Plan' })).body.data;
    const sent = (await app.http.post(`/v1/agents/${agent.id}/messages`).set(bearer(a.key)).send({ text: 'hello', userId: 'u' })).body.data;
    // 30,000 messages of one conversation (plain words, one in 10,000 says "zebracorn").
    await app.db.prisma.$executeRaw`
      INSERT INTO "Message" (id, "accountId", "conversationId", "agentId", "userId", role, "text", status)
      SELECT 'msg_00' || lpad(g::text, 24, '0'), ${accountId}, ${sent.conversationId}, ${agent.id}, 'u', 'user',
             (ARRAY['order', 'shipping', 'password', 'weather', 'billing', 'refund'])[1 + g % 6] || ' ' || md5(g::text)
               || CASE WHEN g % 10000 = 0 THEN ' zebracorn' ELSE '' END,
             'completed'
      FROM generate_series(1, 30000) g`;
    await app.db.prisma.$executeRawUnsafe('ANALYZE "Message"');
  });
  afterAll(() => app?.close());

  const plan = async (sql: Prisma.Sql) =>
    (await app.db.prisma.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN ${sql}`).map((r) => r['QUERY PLAN']).join('\n');

  it('the count and the page read the full-text index', async () => {
    const sql = rankedSearchSql(accountId, { q: 'zebracorn' });
    expect(await plan(sql.count)).toContain('Message_searchVector_idx');
    expect(await plan(sql.page('desc', 0, 20))).toContain('Message_searchVector_idx');
    const [row] = await app.db.prisma.$queryRaw<{ n: bigint }[]>(sql.count);
    expect(Number(row!.n)).toBe(1);
    const filtered = rankedSearchSql(accountId, { q: 'zebracorn', userId: 'u', from: new Date('2000-01-01T00:00:00Z') });
    expect(await plan(filtered.count)).toContain('Message_searchVector_idx');
  });
});
