import type { PrismaClient } from '../../db/client.js';
import { citationOf, searchChunks, type Citation, type RetrievedChunk, type SearchOptions } from './retrieval.js';

/**
 * How a turn uses the agent's knowledge: the chunks that best match the user's text go into the
 * system message (see prompt.ts knowledgeSection), within a budget taken from PROMPT_TOKEN_BUDGET
 * (the history gets what is left), and the reply cites them.
 */
export const KNOWLEDGE_LIMITS = {
  /** Prompt tokens the knowledge section may use at most (out of PROMPT_TOKEN_BUDGET). */
  tokenBudget: 1_000,
  /** Chunks in the prompt at most. */
  maxChunks: 5,
  /** Chunks scoring below this (0..1) are not worth the prompt's room. */
  minScore: 0.05,
  /** The start of the user's text that the search reads: enough to find what it asks about. */
  queryChars: 1_000,
} as const;

/** Candidates read per search: a few more than fit, so a long chunk that does not fit leaves room to a shorter one. */
const CANDIDATES = KNOWLEDGE_LIMITS.maxChunks * 2;

/** The text the search reads of a message. */
export const knowledgeQuery = (text: string) => text.slice(0, KNOWLEDGE_LIMITS.queryChars);

/**
 * The chunks, best first, that the prompt can hold: above the minimum score, at most maxChunks,
 * and within the token budget as `cost` counts each (one that does not fit is skipped).
 */
export function fitKnowledge(chunks: RetrievedChunk[], cost: (chunk: RetrievedChunk, index: number) => number): RetrievedChunk[] {
  const kept: RetrievedChunk[] = [];
  let used = 0;
  for (const chunk of chunks) {
    if (kept.length === KNOWLEDGE_LIMITS.maxChunks) break;
    if (chunk.score < KNOWLEDGE_LIMITS.minScore) continue;
    const tokens = cost(chunk, kept.length);
    if (used + tokens > KNOWLEDGE_LIMITS.tokenBudget) continue;
    used += tokens;
    kept.push(chunk);
  }
  return kept;
}

/**
 * The candidate chunks of the agent's documents for a user's text; no statement at all for an
 * agent without documents.
 */
export async function knowledgeCandidates(
  prisma: PrismaClient,
  accountId: string,
  documentIds: string[],
  text: string,
  ranking: Pick<SearchOptions, 'embedder' | 'logger'> = {},
): Promise<RetrievedChunk[]> {
  if (documentIds.length === 0 || text.trim() === '') return [];
  return searchChunks(prisma, accountId, documentIds, knowledgeQuery(text), { ...ranking, limit: CANDIDATES, snippets: false });
}

/** What a reply cites: the prompt's chunks, then those the knowledge tool returned, each once. */
export function mergeCitations(...groups: RetrievedChunk[][]): Citation[] {
  const seen = new Set<string>();
  const citations: Citation[] = [];
  for (const chunk of groups.flat()) {
    const key = `${chunk.documentId}#${chunk.position}`;
    if (seen.has(key)) continue;
    seen.add(key);
    citations.push(citationOf(chunk));
  }
  return citations;
}
