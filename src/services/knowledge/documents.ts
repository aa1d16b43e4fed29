import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import type { KnowledgeDocument, Prisma } from '../../db/generated/prisma/client.js';
import { isForeignKeyViolation } from '../../db/prisma-errors.js';
import { ApiError, agentNotFound, invalidRequest, notFound } from '../../errors.js';
import { typeOfId } from '../../ids.js';
import { estimateTokens } from '../prompt.js';
import type { CommitMark } from '../idempotency.js';
import { idOrderedSource, paginate, type Page, type PageArgs, type PageSource } from '../pagination.js';
import { parseInput } from '../validation.js';
import { chunkDocument, type ChunkSpan } from './chunking.js';
import type { Embedder } from './embeddings.js';
import { contentHash, indexDocument } from './indexing.js';
import { usesCharacterDocument } from './retrieval.js';

export type { KnowledgeDocument };

/**
 * Text search configurations a document may be indexed with: those PostgreSQL 15 and PGlite
 * both ship (PGlite also has `estonian`, PostgreSQL 15 does not).
 */
export const KNOWLEDGE_LANGUAGES = [
  'simple', 'arabic', 'armenian', 'basque', 'catalan', 'danish', 'dutch', 'english', 'finnish', 'french', 'german',
  'greek', 'hindi', 'hungarian', 'indonesian', 'irish', 'italian', 'lithuanian', 'nepali', 'norwegian', 'portuguese',
  'romanian', 'russian', 'serbian', 'spanish', 'swedish', 'tamil', 'turkish', 'yiddish',
] as const;

export const KNOWLEDGE_LIMITS = {
  title: 200,
  /** UTF-8 bytes of a document's text: 512 KiB. */
  textBytes: 512 * 1024,
  /** Uploaded documents per account (characters' knowledge is not counted). */
  perAccount: 1_000,
  metadataPairs: 16,
  metadataKey: 40,
  metadataValue: 500,
  /** Chunks of one document: a text of many tiny sections is refused rather than stored as thousands of rows. */
  chunksPerDocument: 2_000,
  /** Texts per embedding request. */
  embedBatch: 64,
} as const;

const L = KNOWLEDGE_LIMITS;

const metadataSchema = z
  .record(
    z.string().min(1, 'keys must not be empty').max(L.metadataKey, `keys must be at most ${L.metadataKey} characters`),
    z.string().max(L.metadataValue, `values must be at most ${L.metadataValue} characters`),
  )
  .refine((m) => Object.keys(m).length <= L.metadataPairs, `at most ${L.metadataPairs} pairs`);

const uploadSchema = z
  .object({
    title: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(L.title, `must be at most ${L.title} characters`)
      .nullish(),
    text: z
      .string({ error: 'is required (the document’s text)' })
      .refine((t) => t.trim() !== '', 'must not be blank')
      .refine((t) => Buffer.byteLength(t) <= L.textBytes, `must be at most ${L.textBytes} bytes (512 KiB) in UTF-8`),
    format: z.enum(['text', 'markdown']).nullish().transform((v) => v ?? 'markdown'),
    language: z
      .enum(KNOWLEDGE_LANGUAGES, { error: 'must be a supported text search configuration, e.g. english, simple, french, german, spanish' })
      .nullish()
      .transform((v) => v ?? 'english'),
    metadata: metadataSchema.nullish().transform((v) => v ?? null),
  })
  .strict();

export type UploadValues = z.output<typeof uploadSchema>;

const HEADING_LINE = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m;

/** The first Markdown heading, else the first non-blank line, cut to the title bound. */
export function defaultTitle(text: string, format: 'text' | 'markdown'): string {
  const heading = format === 'markdown' ? HEADING_LINE.exec(text)?.[1] : undefined;
  const line = heading ?? text.split('\n').find((l) => l.trim() !== '')!.trim();
  return [...line].slice(0, L.title).join('').trim() || 'Untitled';
}

export function isDocumentId(id: string): boolean {
  return typeOfId(id) === 'KnowledgeDocument';
}

export function documentNotFound(id: string): ApiError {
  return notFound('Knowledge document', id);
}

function characterManaged(id: string): ApiError {
  return invalidRequest([
    {
      field: 'documentId',
      message: `${id} is a character’s knowledge, managed by OrionOS: change the character’s knowledge entries instead`,
    },
  ]);
}

async function requireAgent(db: Prisma.TransactionClient | PrismaClient, accountId: string, agentId: string) {
  const agent = typeOfId(agentId) === 'Agent' ? await db.agent.findFirst({ where: { id: agentId, accountId } }) : null;
  if (!agent) throw agentNotFound(agentId);
  return agent;
}

/** The document of the account, or NOT_FOUND (never whose). */
export async function getDocument(
  db: Prisma.TransactionClient | PrismaClient,
  accountId: string,
  id: string,
): Promise<KnowledgeDocument> {
  const document = isDocumentId(id) ? await db.knowledgeDocument.findFirst({ where: { id, accountId } }) : null;
  if (!document) throw documentNotFound(id);
  return document;
}

/** One embedding per chunk, asked in batches; an embedder's failure is the caller's answer. */
async function embedChunks(embedder: Embedder, chunks: ChunkSpan[]): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let i = 0; i < chunks.length; i += L.embedBatch) {
    vectors.push(...(await embedder.embed(chunks.slice(i, i + L.embedBatch).map((c) => c.text))));
  }
  return vectors;
}

export type UploadResult = { document: KnowledgeDocument; created: boolean };

/**
 * Stores a document (or finds the account's document with the same content: idempotent) and,
 * given an agent, attaches it. The chunks are embedded before the transaction when an embedding
 * model is configured; if that fails nothing is stored.
 */
export async function uploadDocument(
  prisma: PrismaClient,
  accountId: string,
  rawInput: unknown,
  options: { agentId?: string | null; embedder?: Embedder; commit?: CommitMark } = {},
): Promise<UploadResult> {
  const values = parseInput(uploadSchema, rawInput);
  const { agentId } = options;
  if (agentId) await requireAgent(prisma, accountId, agentId);
  const doc = { content: values.text, format: values.format, language: values.language };
  const hash = contentHash(doc);
  // A re-upload of stored content needs no embedding (its chunks have theirs).
  const existing = await prisma.knowledgeDocument.findUnique({ where: { accountId_contentHash: { accountId, contentHash: hash } } });
  const chunks = existing ? [] : chunkDocument(values.text, values.format);
  if (chunks.length > L.chunksPerDocument) {
    throw invalidRequest([
      { field: 'text', message: `splits into ${chunks.length} chunks; a document may have at most ${L.chunksPerDocument} (fewer, longer sections)` },
    ]);
  }
  const embeddings = !existing && options.embedder ? await embedChunks(options.embedder, chunks) : undefined;
  return prisma.$transaction(async (tx) => {
    // Counted under a lock of the account's uploads (a transaction-level advisory lock, not the
    // account's row: that would hold up every insert of the account's rows, sends included, until
    // the chunks are stored), so two uploads at once cannot both take the last place.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`knowledge-upload:${accountId}`}, 0))`;
    if (agentId) await requireAgent(tx, accountId, agentId);
    const stored = await tx.knowledgeDocument.findUnique({ where: { accountId_contentHash: { accountId, contentHash: hash } } });
    if (!stored) {
      const count = await tx.knowledgeDocument.count({ where: { accountId, characterId: null } });
      if (count >= L.perAccount) {
        throw invalidRequest([{ field: 'text', message: `an account may have at most ${L.perAccount} knowledge documents` }]);
      }
    }
    const result = await indexDocument(tx, accountId, {
      ...doc,
      title: values.title ?? defaultTitle(values.text, values.format),
      metadata: values.metadata,
      ...(stored ? {} : { chunks: chunks.length ? chunks : chunkDocument(values.text, values.format), embeddings }),
    });
    if (agentId) await attachRow(tx, accountId, agentId, result.document);
    if (options.commit) await options.commit(tx, { type: 'KnowledgeDocument', id: result.document.id });
    return result;
  });
}

async function attachRow(tx: Prisma.TransactionClient, accountId: string, agentId: string, document: KnowledgeDocument) {
  if (document.characterId) throw characterManaged(document.id);
  await tx.agentKnowledge
    .upsert({
      where: { agentId_documentId: { agentId, documentId: document.id } },
      create: { agentId, documentId: document.id, accountId },
      update: {},
    })
    .catch((error: unknown) => {
      // The agent was deleted since it was read: the 404 a moment later would give, not a 500.
      if (isForeignKeyViolation(error)) throw agentNotFound(agentId);
      throw error;
    });
}

/** Attaches a document of the account to one of its agents (nothing changes when it already is). */
export async function attachDocument(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  documentId: string,
  commit?: CommitMark,
): Promise<KnowledgeDocument> {
  return prisma.$transaction(async (tx) => {
    await requireAgent(tx, accountId, agentId);
    const document = await getDocument(tx, accountId, documentId);
    await attachRow(tx, accountId, agentId, document);
    if (commit) await commit(tx, { type: 'KnowledgeDocument', id: documentId });
    return document;
  });
}

/** Detaches a document from an agent; the document stays in the account. NOT_FOUND when it was not attached. */
export async function detachDocument(
  prisma: PrismaClient,
  accountId: string,
  agentId: string,
  documentId: string,
  commit?: CommitMark,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await requireAgent(tx, accountId, agentId);
    const document = await getDocument(tx, accountId, documentId);
    if (document.characterId) throw characterManaged(documentId);
    const { count } = await tx.agentKnowledge.deleteMany({ where: { agentId, documentId, accountId } });
    if (count === 0) {
      throw new ApiError('NOT_FOUND', `Knowledge document ${JSON.stringify(documentId)} is not attached to agent ${JSON.stringify(agentId)}`, {
        id: documentId,
        agentId,
      });
    }
    if (commit) await commit(tx, { type: 'KnowledgeDocument', id: documentId });
  });
}

/** Deletes a document, its chunks and its attachments (foreign keys cascade). */
export async function deleteDocument(prisma: PrismaClient, accountId: string, id: string, commit?: CommitMark): Promise<void> {
  if (!isDocumentId(id)) throw documentNotFound(id);
  await prisma.$transaction(async (tx) => {
    const document = await getDocument(tx, accountId, id);
    if (document.characterId) throw characterManaged(id);
    await tx.knowledgeDocument.delete({ where: { id } });
    if (commit) await commit(tx, { type: 'KnowledgeDocument', id });
  });
}

/**
 * The account's documents (uploaded and characters'), or an agent's (attached, and its
 * character's when it follows the latest revision), newest first.
 */
export async function listDocuments(
  prisma: PrismaClient,
  accountId: string,
  args: PageArgs & { agentId?: string | null },
): Promise<Page<KnowledgeDocument>> {
  const { agentId, ...pageArgs } = args;
  let where: Prisma.KnowledgeDocumentWhereInput = { accountId };
  if (agentId) {
    const agent = await requireAgent(prisma, accountId, agentId);
    where = {
      accountId,
      // The character's document exactly when retrieval searches it (see usesCharacterDocument).
      OR: [{ agents: { some: { agentId } } }, ...(usesCharacterDocument(agent) ? [{ characterId: agent.characterId }] : [])],
    };
  }
  return paginate(pageArgs, idOrderedSource<KnowledgeDocument>(prisma.knowledgeDocument, where, isDocumentId));
}

/**
 * The agents a document is attached to. Through findUnique's relation, which Prisma batches: a
 * list of documents asks once, not once per document.
 */
export async function attachedAgentIds(prisma: PrismaClient, documentId: string): Promise<string[]> {
  const rows = await prisma.knowledgeDocument
    .findUnique({ where: { id: documentId } })
    .agents({ select: { agentId: true }, orderBy: { agentId: 'asc' } });
  return (rows ?? []).map((r) => r.agentId);
}

/** A chunk as a list item: its cursor is its position, zero-padded so that cursors sort as numbers. */
export type ChunkItem = {
  id: string;
  position: number;
  heading: string | null;
  text: string;
  startOffset: number;
  endOffset: number;
  tokenCount: number;
};

const CURSOR_DIGITS = 10;
const CHUNK_CURSOR = new RegExp(`^\\d{${CURSOR_DIGITS}}$`);
/** Positions are INTEGER columns: a cursor past the largest is not one of ours. */
const isChunkCursor = (cursor: string) => CHUNK_CURSOR.test(cursor) && Number(cursor) <= 2_147_483_647;

/**
 * A document's chunks in order (position 0 first). paginate() walks "newest first" (descending
 * ids); here its descending order is ascending positions, so its `lt` cursor bound is `position >`.
 */
export function chunksOfDocument(prisma: PrismaClient, documentId: string, args: PageArgs): Promise<Page<ChunkItem>> {
  const where = (filter?: { lt?: string; gt?: string; gte?: string }) => {
    const position: { gt?: number; lt?: number; lte?: number } = {};
    if (filter?.lt !== undefined) position.gt = Number(filter.lt);
    if (filter?.gt !== undefined) position.lt = Number(filter.gt);
    if (filter?.gte !== undefined) position.lte = Number(filter.gte);
    return Object.keys(position).length ? { documentId, position } : { documentId };
  };
  const source: PageSource<ChunkItem> = {
    isValidCursor: isChunkCursor,
    total: () => prisma.knowledgeChunk.count({ where: where() }),
    count: (filter) => prisma.knowledgeChunk.count({ where: where(filter) }),
    findMany: async ({ idFilter, order, skip, take }) => {
      const rows = await prisma.knowledgeChunk.findMany({
        where: where(idFilter),
        orderBy: { position: order === 'desc' ? 'asc' : 'desc' },
        skip,
        take,
        select: { position: true, heading: true, text: true, startOffset: true, endOffset: true, tokenCount: true },
      });
      return rows.map((row) => ({ ...row, id: String(row.position).padStart(CURSOR_DIGITS, '0') }));
    },
  };
  return paginate(args, source);
}

/**
 * Replaces a character's knowledge document, in the caller's transaction: one chunk per
 * knowledge entry; none when it has no entries. Unchanged entries keep their document.
 */
export async function replaceCharacterKnowledge(
  tx: Prisma.TransactionClient,
  character: { id: string; accountId: string; name: string },
  entries: string[],
): Promise<void> {
  const content = entries.join('\n\n');
  // Hashed as the list of entries: ["a\n\nb"] and ["a", "b"] have the same content but not the same chunks.
  const doc = { content: JSON.stringify(entries), format: 'text' as const, language: 'english', characterId: character.id };
  const title = `${character.name} knowledge`.slice(0, L.title);
  const current = await tx.knowledgeDocument.findUnique({ where: { characterId: character.id } });
  if (current && entries.length > 0 && current.contentHash === contentHash(doc)) {
    if (current.title !== title) await tx.knowledgeDocument.update({ where: { id: current.id }, data: { title } });
    return;
  }
  if (current) await tx.knowledgeDocument.delete({ where: { id: current.id } });
  if (entries.length === 0) return;
  let offset = 0;
  const chunks: ChunkSpan[] = entries.map((text, position) => {
    const span = { position, text, startOffset: offset, endOffset: offset + text.length, heading: null, tokenCount: estimateTokens(text) };
    offset += text.length + 2;
    return span;
  });
  await indexDocument(tx, character.accountId, { ...doc, content, hashedContent: doc.content, title, chunks });
}

/**
 * Indexes the knowledge of characters that have entries but no document: those written before
 * knowledge existed (the migration cannot chunk them). Run at start-up, under the start-up lock;
 * each character in its own transaction, its row locked as an update would. Returns how many.
 */
export async function indexMissingCharacterKnowledge(prisma: PrismaClient): Promise<number> {
  const missing = await prisma.$queryRaw<{ id: string }[]>`
    SELECT c."id" FROM "Character" c
    WHERE jsonb_typeof(c."fields" -> 'knowledge') = 'array' AND jsonb_array_length(c."fields" -> 'knowledge') > 0
      AND NOT EXISTS (SELECT 1 FROM "KnowledgeDocument" d WHERE d."characterId" = c."id")`;
  for (const { id } of missing) {
    await prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ id: string; accountId: string; name: string; fields: Prisma.JsonValue }[]>`
        SELECT "id", "accountId", "name", "fields" FROM "Character" WHERE "id" = ${id} FOR UPDATE`;
      if (!row) return;
      const entries = (row.fields as { knowledge?: unknown }).knowledge;
      if (Array.isArray(entries)) await replaceCharacterKnowledge(tx, row, entries.filter((e): e is string => typeof e === 'string'));
    });
  }
  return missing.length;
}
