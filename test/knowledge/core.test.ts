import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkDocument, HEADING_PATH_CHARS, MAX_CHUNK_CHARS } from '../../src/services/knowledge/chunking.js';
import { indexDocument } from '../../src/services/knowledge/indexing.js';
import { searchChunks } from '../../src/services/knowledge/retrieval.js';
import { STORAGES, startTestApp, type TestApp } from '../support/app.js';

const MANUAL = `# Orbit coffee machine

## Descaling
Descale the machine every 200 cups. Fill the tank with one litre of water and 50 ml of citric acid, then hold the steam button for five seconds.

## Warranty
The warranty lasts three years from the date of purchase and covers the pump and the heater.

## Cleaning the milk frother
Rinse the frother with warm water after every use.`;

describe('chunkDocument', () => {
  it('splits Markdown by section and keeps exact offsets', () => {
    const chunks = chunkDocument(MANUAL, 'markdown');
    expect(chunks.map((c) => c.heading)).toEqual([
      'Orbit coffee machine',
      'Orbit coffee machine > Descaling',
      'Orbit coffee machine > Warranty',
      'Orbit coffee machine > Cleaning the milk frother',
    ]);
    for (const c of chunks) expect(MANUAL.slice(c.startOffset, c.endOffset)).toBe(c.text);
    expect(chunks.map((c) => c.position)).toEqual([0, 1, 2, 3]);
  });

  it('keeps heading paths short whatever the headings', () => {
    const text = `# ${'word '.repeat(20_000)}\n\n## Section\nBody.`;
    const chunks = chunkDocument(text, 'markdown');
    expect(chunks.at(-1)!.heading!.length).toBeLessThanOrEqual(HEADING_PATH_CHARS);
    expect(chunks.at(-1)!.heading).toMatch(/^(word ){10,}.*… > Section$/);
  });

  it('packs paragraphs of plain text and splits a long one at sentence ends', () => {
    const sentence = 'This sentence is about forty-five characters. ';
    const long = sentence.repeat(60).trim();
    const text = `Short opening paragraph.\n\nAnother short one.\n\n${long}`;
    const chunks = chunkDocument(text, 'text');
    expect(chunks[0]!.text).toBe('Short opening paragraph.\n\nAnother short one.');
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
      expect(text.slice(c.startOffset, c.endOffset)).toBe(c.text);
    }
    expect(chunks.slice(1).every((c) => c.text.endsWith('.'))).toBe(true);
  });
});

describe.each(STORAGES)('knowledge core on %s', (storage) => {
  let t: TestApp;
  let accountId: string;
  beforeAll(async () => {
    t = await startTestApp(storage);
    ({ accountId } = await t.newAccount());
  });
  afterAll(() => t?.close());

  it('indexes once per content and finds the passage that answers', async () => {
    const doc = { title: 'Manual', content: MANUAL, format: 'markdown' as const, language: 'english' };
    const first = await t.db.prisma.$transaction((tx) => indexDocument(tx, accountId, doc));
    const again = await t.db.prisma.$transaction((tx) => indexDocument(tx, accountId, { ...doc, title: 'Other' }));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, document: { id: first.document.id, title: 'Manual' } });
    expect(first.document.chunkCount).toBe(4);

    const found = await searchChunks(t.db.prisma, accountId, [first.document.id], 'How long is the warranty?', { limit: 3 });
    expect(found[0]).toMatchObject({ documentId: first.document.id, position: 2 });
    expect(found[0]!.snippet).toContain('«warranty»');
    const typo = await searchChunks(t.db.prisma, accountId, [first.document.id], 'descalling', { limit: 3 });
    expect(typo[0]?.position).toBe(1);
    const otherAccount = await t.newAccount();
    expect(await searchChunks(t.db.prisma, otherAccount.accountId, [first.document.id], 'warranty', { limit: 3 })).toEqual([]);
  });
});
