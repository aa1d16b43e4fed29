import type { PrismaClient } from '../../db/client.js';
import { SNIPPET_MARKS } from '../conversation-search.js';

/** A chunk that matched a query, best first: where it is, how well it matched, the words that did. */
export type RetrievedChunk = {
  documentId: string;
  documentTitle: string;
  /** The chunk's position in its document (0 first). */
  position: number;
  heading: string | null;
  text: string;
  tokenCount: number;
  /** 0..1, higher is better; comparable within one search only. */
  score: number;
  /** A short passage with the matched words between « and ». */
  snippet: string;
};

/** What a reply records of the chunks its prompt held (REST and GraphQL `citations`). */
export type Citation = { documentId: string; chunk: number; score: number };

export const citationOf = (chunk: RetrievedChunk): Citation => ({
  documentId: chunk.documentId,
  chunk: chunk.position,
  score: chunk.score,
});

/** The agent's documents: those attached to it and its character's knowledge. */
export async function agentDocumentIds(
  prisma: PrismaClient,
  agent: { id: string; accountId: string; characterId: string | null },
): Promise<string[]> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    SELECT "documentId" AS id FROM "AgentKnowledge" WHERE "agentId" = ${agent.id}
    UNION
    SELECT id FROM "KnowledgeDocument" WHERE "accountId" = ${agent.accountId} AND "characterId" = ${agent.characterId}`;
  return rows.map((r) => r.id);
}

const HEADLINE_OPTIONS = `StartSel=${SNIPPET_MARKS.start}, StopSel=${SNIPPET_MARKS.stop}, MaxWords=35, MinWords=15, ShortWord=3`;

type Row = Omit<RetrievedChunk, 'score'> & { score: number | string };

/**
 * The chunks of the given documents (of the account) that best match `q`. A chunk matches when
 * it shares a word with the query (full-text, any of its words, in the document's language) or
 * holds something close to it (trigram word similarity, for typos). Its score mixes the
 * full-text rank (cover density, scaled to 0..1) and the trigram similarity.
 */
export async function searchChunks(
  prisma: PrismaClient,
  accountId: string,
  documentIds: string[],
  q: string,
  options: { limit: number },
): Promise<RetrievedChunk[]> {
  if (documentIds.length === 0) return [];
  const rows = await prisma.$queryRaw<Row[]>`
    WITH docs AS (
      SELECT d.id, d.title, d.language::regconfig AS config,
        -- Any of the query's words (its lexemes joined by OR), not all of them.
        replace(plainto_tsquery(d.language::regconfig, ${q})::text, ' & ', ' | ')::tsquery AS query
      FROM "KnowledgeDocument" d
      WHERE d."accountId" = ${accountId} AND d.id = ANY(${documentIds}::text[])
    ),
    matches AS (
      SELECT c."documentId", c.position, c.heading, c.text, c."tokenCount", d.title, d.config, d.query,
        0.7 * ts_rank_cd(c."searchVector", d.query, 32) + 0.3 * public.word_similarity(${q}, c.text) AS score
      FROM docs d
      JOIN "KnowledgeChunk" c ON c."documentId" = d.id
      WHERE c."searchVector" @@ d.query OR ${q} OPERATOR(public.<%) c.text
      ORDER BY score DESC, c."documentId", c.position
      LIMIT ${options.limit}
    )
    SELECT m."documentId", m.title AS "documentTitle", m.position, m.heading, m.text, m."tokenCount",
      least(m.score, 1)::float8 AS score,
      ts_headline(m.config, m.text, m.query, ${HEADLINE_OPTIONS}) AS snippet
    FROM matches m
    ORDER BY m.score DESC, m."documentId", m.position`;
  return rows.map((row) => ({ ...row, score: Number(row.score) }));
}

