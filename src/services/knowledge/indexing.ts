import { createHash } from 'node:crypto';
import { Prisma, type KnowledgeDocument } from '../../db/generated/prisma/client.js';
import { newId } from '../../ids.js';
import { chunkDocument, type ChunkSpan, type KnowledgeFormat } from './chunking.js';

/** A document to index: what a client uploads, or a character's knowledge entries (characterId). */
export type NewDocument = {
  title: string;
  content: string;
  format: KnowledgeFormat;
  /** A PostgreSQL text search configuration (see KNOWLEDGE_LANGUAGES). */
  language: string;
  metadata?: Record<string, string> | null;
  characterId?: string | null;
  /** The chunks, when the caller split the content itself (a character's entries: one each). */
  chunks?: ChunkSpan[];
  /** One embedding per chunk, in order, when an embedding model is configured. */
  embeddings?: number[][];
  /** What the content hash is taken of, when not the content itself (a character's entries, as a list). */
  hashedContent?: string;
};

/** What identifies a document's content: its chunks and their index depend on all three. */
export function contentHash(doc: Pick<NewDocument, 'content' | 'format' | 'language' | 'characterId'>): string {
  const hash = createHash('sha256');
  if (doc.characterId) hash.update(`character:${doc.characterId}\0`);
  return hash.update(`${doc.format}\0${doc.language}\0${doc.content}`).digest('hex');
}

/**
 * Stores a document and its chunks, each with its full-text vector (the heading weighted above
 * the text) in the document's language. Idempotent: the account's document with the same
 * content (format and language) is returned instead, with `created: false`, even when two
 * uploads race (ON CONFLICT). Run it in a transaction: the document and its chunks land together.
 */
export async function indexDocument(
  tx: Prisma.TransactionClient,
  accountId: string,
  doc: NewDocument,
  now = new Date(),
): Promise<{ document: KnowledgeDocument; created: boolean }> {
  const hash = contentHash(doc.hashedContent === undefined ? doc : { ...doc, content: doc.hashedContent });
  const chunks = doc.chunks ?? chunkDocument(doc.content, doc.format);
  const tokenCount = chunks.reduce((n, c) => n + c.tokenCount, 0);
  const id = newId('doc');
  const [inserted] = await tx.$queryRaw<KnowledgeDocument[]>`
    INSERT INTO "KnowledgeDocument" ("id", "accountId", "characterId", "title", "format", "language", "contentHash",
      "content", "sizeBytes", "chunkCount", "tokenCount", "metadata", "createdAt", "updatedAt")
    VALUES (${id}, ${accountId}, ${doc.characterId ?? null}, ${doc.title}, ${doc.format}::"KnowledgeFormat",
      ${doc.language}, ${hash}, ${doc.content}, ${Buffer.byteLength(doc.content)}::int, ${chunks.length}::int,
      ${tokenCount}::int, ${doc.metadata ? JSON.stringify(doc.metadata) : null}::jsonb, ${now}::timestamptz, ${now}::timestamptz)
    ON CONFLICT ("accountId", "contentHash") DO NOTHING
    RETURNING *`;
  if (!inserted) {
    const existing = await tx.knowledgeDocument.findUniqueOrThrow({
      where: { accountId_contentHash: { accountId, contentHash: hash } },
    });
    return { document: existing, created: false };
  }
  await insertChunks(tx, inserted, chunks, doc.embeddings);
  return { document: inserted, created: true };
}

/** One statement for all of a document's chunks (arrays unnested side by side). */
async function insertChunks(
  tx: Prisma.TransactionClient,
  document: KnowledgeDocument,
  chunks: ChunkSpan[],
  embeddings: number[][] | undefined,
): Promise<void> {
  if (chunks.length === 0) return;
  const language = Prisma.sql`${document.language}::regconfig`;
  await tx.$executeRaw`
    INSERT INTO "KnowledgeChunk" ("documentId", "position", "accountId", "text", "startOffset", "endOffset", "heading",
      "tokenCount", "searchVector", "embedding")
    SELECT ${document.id}, u.position, ${document.accountId}, u.text, u.start_offset, u.end_offset, u.heading, u.tokens,
      setweight(to_tsvector(${language}, coalesce(u.heading, '')), 'A') || setweight(to_tsvector(${language}, u.text), 'B'),
      coalesce(ARRAY(SELECT jsonb_array_elements_text(u.embedding)::real), ARRAY[]::real[])
    FROM unnest(
      ${chunks.map((c) => c.position)}::int[],
      ${chunks.map((c) => c.text)}::text[],
      ${chunks.map((c) => c.startOffset)}::int[],
      ${chunks.map((c) => c.endOffset)}::int[],
      ${chunks.map((c) => c.heading)}::text[],
      ${chunks.map((c) => c.tokenCount)}::int[],
      ${chunks.map((_, i) => JSON.stringify(embeddings?.[i] ?? []))}::jsonb[]
    ) AS u(position, text, start_offset, end_offset, heading, tokens, embedding)`;
}
