// Ranking quality on a small corpus (test/knowledge/fixtures/corpus.ts): 4 documents, 48 chunks,
// 27 questions each with the chunk that answers it (2 asked in other words, 7 with a typo).
// Full-text ranking (no embedding model).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocument } from '../../src/services/knowledge/indexing.js';
import { searchKnowledge } from '../../src/services/knowledge/retrieval.js';
import { STORAGES, startTestApp, type TestApp } from '../support/app.js';
import { CORPUS, QUESTIONS } from './fixtures/corpus.js';

/**
 * The figures measured are hit@1 23/27 and hit@3 25/27 on both storages (misses: a question
 * about returns that the refunds section answers as well, a paraphrase with no word in common
 * with its answer, one typo too far from its word, and a question with an absent word read as a
 * typo). The bounds are those less one question, so that another PostgreSQL version's stemming
 * does not make the test flaky, while a real regression (the original ranking scored 20/24 on
 * the first 24 questions) fails.
 */
const MIN_HIT_AT_1 = 22 / 27;
const MIN_HIT_AT_3 = 24 / 27;

describe.each(STORAGES)('knowledge ranking on %s', (storage) => {
  let t: TestApp;
  let accountId: string;
  let documentIds: string[];
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp(storage);
    ({ accountId } = await t.newAccount());
    for (const doc of CORPUS) {
      const { document } = await t.db.prisma.$transaction((tx) =>
        indexDocument(tx, accountId, { ...doc, format: 'markdown', language: 'english' }),
      );
      idOf.set(doc.title, document.id);
    }
    documentIds = [...idOf.values()];
  });
  afterAll(() => t?.close());

  it('has a corpus of at least 40 chunks', async () => {
    expect(await t.db.prisma.knowledgeChunk.count({ where: { accountId } })).toBeGreaterThanOrEqual(40);
  });

  it('ranks the chunk that answers first for most questions', async () => {
    const chunks = await t.db.prisma.knowledgeChunk.findMany({ where: { accountId }, select: { documentId: true, position: true, heading: true } });
    const report: string[] = [];
    let at1 = 0;
    let at3 = 0;
    for (const question of QUESTIONS) {
      const expected = chunks.find((c) => c.documentId === idOf.get(question.title) && c.heading === question.heading);
      expect(expected, question.heading).toBeDefined();
      const { ranking, chunks: found } = await searchKnowledge(t.db.prisma, accountId, documentIds, question.q, { limit: 3 });
      expect(ranking).toBe('full_text');
      const rank = found.findIndex((c) => c.documentId === expected!.documentId && c.position === expected!.position);
      if (rank === 0) at1++;
      if (rank >= 0) at3++;
      if (rank !== 0) report.push(`${question.kind} "${question.q}": rank ${rank < 0 ? '>3' : rank + 1}, first ${found[0]?.heading}`);
    }
    console.log(`${storage}: hit@1 ${at1}/${QUESTIONS.length}, hit@3 ${at3}/${QUESTIONS.length}\n${report.join('\n')}`);
    expect(at1 / QUESTIONS.length).toBeGreaterThanOrEqual(MIN_HIT_AT_1);
    expect(at3 / QUESTIONS.length).toBeGreaterThanOrEqual(MIN_HIT_AT_3);
  });
});
