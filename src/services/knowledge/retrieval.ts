import { z } from 'zod';
import type { PrismaClient } from '../../db/client.js';
import { Prisma } from '../../db/generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import { SNIPPET_MARKS } from '../snippets.js';
import { parseInput } from '../validation.js';
import type { Embedder } from './embeddings.js';

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
export async function agentDocumentIds(prisma: PrismaClient, agent: KnowledgeAgent): Promise<string[]> {
  return (await agentKnowledgeSources(prisma, agent)).documentIds;
}

type KnowledgeAgent = { id: string; accountId: string; characterId: string | null; characterRevision?: number | null };

/**
 * Whether the agent's knowledge includes its character's document: only when it follows the
 * character's latest revision (the document holds the latest entries).
 */
export function usesCharacterDocument(agent: Pick<KnowledgeAgent, 'characterId' | 'characterRevision'>): boolean {
  return agent.characterId !== null && (agent.characterRevision ?? null) === null;
}

/**
 * The agent's documents, and which of them holds its character's knowledge entries. That one
 * counts only for an agent following its character's latest revision (the document holds the
 * latest entries); an agent pinned to a revision has that revision's entries in its system
 * message instead (see prompt.ts).
 */
export async function agentKnowledgeSources(
  prisma: PrismaClient,
  agent: KnowledgeAgent,
): Promise<{ documentIds: string[]; characterDocumentId: string | null }> {
  const followsLatest = usesCharacterDocument(agent);
  const rows = await prisma.$queryRaw<{ id: string; character: boolean }[]>`
    SELECT "documentId" AS id, false AS character FROM "AgentKnowledge" WHERE "agentId" = ${agent.id}
    UNION
    SELECT id, true FROM "KnowledgeDocument"
    WHERE ${followsLatest} AND "accountId" = ${agent.accountId} AND "characterId" = ${agent.characterId}`;
  return { documentIds: rows.map((r) => r.id), characterDocumentId: rows.find((r) => r.character)?.id ?? null };
}

/** How a search ranked its chunks: full-text (with trigrams) alone, or re-ranked with embeddings. */
export type Ranking = 'full_text' | 'hybrid';

export type SearchOptions = {
  limit: number;
  /** Re-rank the full-text candidates by cosine similarity with the query's embedding (hybrid). */
  embedder?: Embedder;
  /** Where a failed query embedding is reported (the search then falls back to full text). */
  logger?: Pick<Logger, 'warn'>;
  signal?: AbortSignal;
  /** Make the « » snippets (default true); a turn's prompt does not show them. */
  snippets?: boolean;
};

export type KnowledgeSearchResult = { ranking: Ranking; chunks: RetrievedChunk[] };

/**
 * How the text score is made (0..1): the cover-density rank of the query's words (any of them;
 * the heading weighs 2.5 times the passage), and, for a query word found nowhere in the
 * documents (a typo, most likely), its best trigram word similarity in the passage. Measured on
 * test/knowledge/fixtures/corpus.ts (test/knowledge/ranking.test.ts): ts_rank_cd beat ts_rank,
 * length normalisation and a bonus for holding every word lost questions, and the rank's
 * half-point matters little between 0.05 and 0.1.
 */
export const TEXT_SCORE = {
  /** ts_rank_cd / (ts_rank_cd + rankHalf): a rank of rankHalf scores half of its share. */
  rankHalf: 0.1,
  rank: 0.8,
  typo: 0.2,
  /** A query word shorter than this is never taken for a typo. */
  minTypoLength: 4,
  /** Typo words looked up in the trigram index, at most (the query's first ones). */
  maxTypos: 5,
  /** Chunks scored in full, at most, from each index (see rankSql). */
  candidates: 100,
} as const;

/** Full-text candidates the embeddings re-rank (the best by text score), and the weight of cosine similarity. */
export const HYBRID = { candidates: 50, cosineWeight: 0.5 } as const;

const HEADLINE_OPTIONS = `StartSel=${SNIPPET_MARKS.start}, StopSel=${SNIPPET_MARKS.stop}, MaxWords=35, MinWords=15, ShortWord=3`;

type Row = Omit<RetrievedChunk, 'score'> & { score: number | string; embedding?: number[] | null };

/** The query's words, lower-cased (letters and digits), for the typo check. */
const wordsOf = (q: string) => [...new Set(q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];

/**
 * The chunks of the given documents (of the account) that best match `q`, full-text ranking.
 * A chunk matches when it shares a word with the query (full-text, any of its words, in the
 * document's language) or holds a word close to one of the query's that no document holds
 * (trigram word similarity: a typo). See TEXT_SCORE for the score.
 */
export async function searchChunks(
  prisma: PrismaClient,
  accountId: string,
  documentIds: string[],
  q: string,
  options: SearchOptions,
): Promise<RetrievedChunk[]> {
  return (await searchKnowledge(prisma, accountId, documentIds, q, options)).chunks;
}

/**
 * searchChunks, saying which ranking it used: `hybrid` when an embedder is given and embedded
 * the query (the best HYBRID.candidates full-text candidates re-ranked by a mix of their text
 * score and the cosine similarity of their embedding; a chunk without one keeps its text score),
 * else `full_text` — an embedding failure included, logged as a warning.
 */
export async function searchKnowledge(
  prisma: PrismaClient,
  accountId: string,
  documentIds: string[],
  q: string,
  options: SearchOptions,
): Promise<KnowledgeSearchResult> {
  // Nothing to rank, and no embedding asked for: say so.
  if (documentIds.length === 0) return { ranking: 'full_text', chunks: [] };
  const queryEmbedding = options.embedder ? embedQuery(options.embedder, q, options) : undefined;
  // Ranked in the documents' language (usually one), then merged.
  const languages = await prisma.$queryRaw<{ language: string; typos: string[] }[]>(typoSql(accountId, documentIds, q));
  const take = options.embedder ? Math.max(options.limit, HYBRID.candidates) : options.limit;
  const perLanguage = await Promise.all(
    languages.map(({ language, typos }) =>
      prisma.$queryRaw<Row[]>(
        rankSql(accountId, documentIds, q, language, typos, take, options.embedder !== undefined, options.snippets ?? true),
      ),
    ),
  );
  const candidates = perLanguage.flat().map((row) => ({ ...row, score: Number(row.score) }));
  const vector = await queryEmbedding;
  const ranked = vector ? rerank(candidates, vector) : candidates;
  ranked.sort(byScore);
  return {
    ranking: vector ? 'hybrid' : 'full_text',
    chunks: ranked.slice(0, options.limit).map(({ embedding: _e, ...chunk }) => chunk),
  };
}

async function embedQuery(embedder: Embedder, q: string, options: SearchOptions): Promise<number[] | undefined> {
  try {
    const [vector] = await embedder.embed([q], options.signal);
    return vector;
  } catch (error) {
    options.logger?.warn({ err: error, model: embedder.model }, 'knowledge search: the query embedding failed; full-text ranking');
    return undefined;
  }
}

const byScore = (a: RetrievedChunk, b: RetrievedChunk) =>
  b.score - a.score || (a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : a.position - b.position);

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function rerank<T extends { score: number; embedding?: number[] | null }>(candidates: T[], query: number[]): T[] {
  const w = HYBRID.cosineWeight;
  return candidates.map((c) =>
    c.embedding && c.embedding.length === query.length
      ? { ...c, score: (1 - w) * c.score + w * Math.max(0, cosine(c.embedding, query)) }
      : c,
  );
}

/** The chunks the search may read: the account's, of the given documents. */
const scope = (accountId: string, documentIds: string[]) =>
  Prisma.sql`c."accountId" = ${accountId} AND c."documentId" = ANY(${documentIds}::text[])`;

/**
 * Per language of the documents: the query's words that look like typos — long enough, not a
 * stop word, and found in none of the documents' chunks (each looked up in the full-text index).
 */
export function typoSql(accountId: string, documentIds: string[], q: string) {
  return Prisma.sql`
    SELECT d.language, ARRAY(
      SELECT w FROM unnest(${wordsOf(q)}::text[]) w
      WHERE length(w) >= ${TEXT_SCORE.minTypoLength}
        AND numnode(plainto_tsquery(d.language::regconfig, w)) > 0
        AND NOT EXISTS (
          SELECT 1 FROM "KnowledgeChunk" c
          WHERE ${scope(accountId, documentIds)} AND c."searchVector" @@ plainto_tsquery(d.language::regconfig, w))
    ) AS typos
    FROM (SELECT DISTINCT language FROM "KnowledgeDocument" WHERE "accountId" = ${accountId} AND id = ANY(${documentIds}::text[])) d
    ORDER BY d.language`;
}

/**
 * The best `take` chunks of the documents in `language` by text score (TEXT_SCORE), in two
 * steps so that the costly trigram similarity is computed for a bounded number of chunks: the
 * candidates are the best TEXT_SCORE.candidates by full-text rank (the full-text index finds
 * them; every one is ranked), and as many chunks holding a word close to a typo word (the
 * trigram index finds them; any of them: they hold the same words); then the candidates' whole
 * scores order them. Snippets are made for the `take` kept only.
 */
export function rankSql(
  accountId: string,
  documentIds: string[],
  q: string,
  language: string,
  typos: string[],
  take: number,
  withEmbedding: boolean,
  withSnippets = true,
) {
  const config = Prisma.sql`${language}::regconfig`;
  const anyWord = Prisma.sql`replace(plainto_tsquery(${config}, ${q})::text, ' & ', ' | ')::tsquery`;
  // The weights are constants of the statement (literals): one query shape, planned with them.
  const w = (n: number) => Prisma.raw(`${n}::float8`);
  const s = TEXT_SCORE;
  const candidates = Prisma.raw(`${Math.max(take, s.candidates)}`);
  const rank = Prisma.sql`${w(s.rank)} * (ts_rank_cd(c."searchVector", ${anyWord}) / (ts_rank_cd(c."searchVector", ${anyWord}) + ${w(s.rankHalf)}))`;
  const columns = Prisma.sql`c."documentId", c.position, c.heading, c.text, c."tokenCount", c.embedding`;
  const from = Prisma.sql`FROM "KnowledgeChunk" c JOIN "KnowledgeDocument" d ON d.id = c."documentId" AND d.language = ${language}`;
  const typoWords = typos.slice(0, s.maxTypos);
  // One condition per word: the trigram index serves `%>` with a word, not with ANY of an array.
  const typoCandidates = typoWords.length
    ? Prisma.sql`
      UNION
      (SELECT ${columns}, CASE WHEN c."searchVector" @@ ${anyWord} THEN ${rank} ELSE 0 END AS rank
        ${from}
        WHERE ${scope(accountId, documentIds)} AND (${Prisma.join(typoWords.map((t) => Prisma.sql`c.text OPERATOR(public.%>) ${t}`), ' OR ')})
        LIMIT ${candidates})`
    : Prisma.empty;
  return Prisma.sql`
    SELECT m."documentId", d.title AS "documentTitle", m.position, m.heading, m.text, m."tokenCount", m.score,
      ${withEmbedding ? Prisma.sql`m.embedding,` : Prisma.empty}
      ${withSnippets ? Prisma.sql`ts_headline(${config}, m.text, ${anyWord}, ${HEADLINE_OPTIONS})` : Prisma.sql`''`} AS snippet
    FROM (
      SELECT k.*, least(1, k.rank + ${w(s.typo)} * coalesce((SELECT max(public.word_similarity(t, k.text)) FROM unnest(${typoWords}::text[]) t), 0))::float8 AS score
      FROM (
        (SELECT ${columns}, ${rank} AS rank
          ${from}
          WHERE ${scope(accountId, documentIds)} AND c."searchVector" @@ ${anyWord}
          ORDER BY rank DESC, c."documentId", c.position
          LIMIT ${candidates})
        ${typoCandidates}
      ) k
      ORDER BY score DESC, k."documentId", k.position
      LIMIT ${take}::int
    ) m
    JOIN "KnowledgeDocument" d ON d.id = m."documentId"
    ORDER BY m.score DESC, m."documentId", m.position`;
}

/** GET /agents/{id}/knowledge/search and Agent.knowledgeSearch: q's length, and how many chunks. */
export const KNOWLEDGE_SEARCH_LIMITS = { q: 200, limit: 20, defaultLimit: 5 } as const;

const L = KNOWLEDGE_SEARCH_LIMITS;
const searchArgsSchema = z.object({
  q: z.string().trim().min(1, 'must not be empty').max(L.q, `must be at most ${L.q} characters`),
  limit: z
    .number()
    .int('must be an integer')
    .min(1, `must be between 1 and ${L.limit}`)
    .max(L.limit, `must be between 1 and ${L.limit}`)
    .nullish()
    .transform((v) => v ?? L.defaultLimit),
});

/** The agent's knowledge (its documents and its character's) best matching `q`, and the ranking used. */
export async function searchAgentKnowledge(
  prisma: PrismaClient,
  agent: { id: string; accountId: string; characterId: string | null },
  args: { q: string; limit?: number | null },
  options: Omit<SearchOptions, 'limit'> = {},
): Promise<KnowledgeSearchResult> {
  const { q, limit } = parseInput(searchArgsSchema, args);
  const documentIds = await agentDocumentIds(prisma, agent);
  return searchKnowledge(prisma, agent.accountId, documentIds, q, { ...options, limit });
}
