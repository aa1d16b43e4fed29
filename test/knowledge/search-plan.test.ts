// Knowledge search's statements use the GIN indexes of KnowledgeChunk (the stored full-text
// vector, and the trigrams of the text): without them every search would read every chunk of
// the agent's documents. Checked with EXPLAIN on PostgreSQL over 30,000 chunks seeded with SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/db/generated/prisma/client.js';
import { rankSql, searchKnowledge, typoSql } from '../../src/services/knowledge/retrieval.js';
import { startTestApp, type TestApp } from '../support/app.js';

const DOCUMENTS = 300;
const CHUNKS_PER_DOCUMENT = 100;

describe('knowledge search on PostgreSQL: the plan', () => {
  let app: TestApp;
  let accountId: string;
  let documentIds: string[];

  beforeAll(async () => {
    app = await startTestApp('postgres');
    ({ accountId } = await app.newAccount('Plan'));
    await app.db.prisma.$executeRaw`
      INSERT INTO "KnowledgeDocument" (id, "accountId", title, format, language, "contentHash", content, "sizeBytes", "chunkCount", "tokenCount", "updatedAt")
      SELECT 'doc_00' || lpad(d::text, 24, '0'), ${accountId}, 'Document ' || d, 'text', 'english', md5(d::text), '', 0, ${CHUNKS_PER_DOCUMENT}, 0, now()
      FROM generate_series(1, ${DOCUMENTS}) d`;
    // Plain words, one chunk in 10,000 says "zebracorn".
    await app.db.prisma.$executeRaw`
      INSERT INTO "KnowledgeChunk" ("documentId", position, "accountId", text, "startOffset", "endOffset", heading, "tokenCount", "searchVector")
      SELECT 'doc_00' || lpad((1 + g / ${CHUNKS_PER_DOCUMENT})::text, 24, '0'), g % ${CHUNKS_PER_DOCUMENT}, ${accountId}, t, 0, length(t), NULL, 20,
             to_tsvector('english', t)
      FROM (
        SELECT g, (ARRAY['order', 'shipping', 'password', 'weather', 'billing', 'refund'])[1 + g % 6] || ' ' || md5(g::text)
                  || CASE WHEN g % 10000 = 0 THEN ' zebracorn' ELSE '' END AS t
        FROM generate_series(0, ${DOCUMENTS * CHUNKS_PER_DOCUMENT - 1}) g
      ) s`;
    // VACUUM as autovacuum would: it also merges the GIN indexes' pending lists, which the planner
    // otherwise counts as pages every index scan must read.
    await app.db.prisma.$executeRawUnsafe('VACUUM ANALYZE "KnowledgeChunk"');
    await app.db.prisma.$executeRawUnsafe('ANALYZE "KnowledgeDocument"');
    documentIds = Array.from({ length: DOCUMENTS }, (_, i) => `doc_00${String(i + 1).padStart(24, '0')}`);
  }, 120_000);
  afterAll(() => app?.close());

  const plan = async (sql: Prisma.Sql) =>
    (await app.db.prisma.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN ${sql}`).map((r) => r['QUERY PLAN']).join('\n');

  it('the ranking reads the full-text index, and the trigram index for a typo', async () => {
    const rare = await plan(rankSql(accountId, documentIds, 'zebracorn', 'english', [], 5, false));
    expect(rare).toContain('KnowledgeChunk_searchVector_idx');
    const typo = await plan(rankSql(accountId, documentIds, 'zebracorm', 'english', ['zebracorm'], 5, false));
    expect(typo).toContain('KnowledgeChunk_searchVector_idx');
    expect(typo).toContain('KnowledgeChunk_text_idx');
    expect(await plan(typoSql(accountId, documentIds, 'zebracorm'))).toContain('KnowledgeChunk_searchVector_idx');

    const found = await searchKnowledge(app.db.prisma, accountId, documentIds, 'zebracorn', { limit: 5 });
    expect(found.chunks).toHaveLength(3);
    const misspelt = await searchKnowledge(app.db.prisma, accountId, documentIds, 'zebracorm', { limit: 5 });
    expect(misspelt.chunks.map((c) => c.text)).toEqual(found.chunks.map((c) => c.text));
  });
});
