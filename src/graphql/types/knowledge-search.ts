import { SNIPPET_MARKS } from '../../services/snippets.js';
import {
  HYBRID,
  KNOWLEDGE_SEARCH_LIMITS as L,
  searchAgentKnowledge,
  type KnowledgeSearchResult,
  type RetrievedChunk,
} from '../../services/knowledge/retrieval.js';
import { builder } from '../builder.js';

const KnowledgeRanking = builder.enumType('KnowledgeRanking', {
  description: 'How a knowledge search ranked its chunks.',
  values: {
    full_text: { description: 'PostgreSQL full-text rank of the query’s words (headings weigh more), with trigram similarity for misspelt words.' },
    hybrid: {
      description: `The best ${HYBRID.candidates} full-text candidates re-ranked by a mix of their text score and the cosine similarity of their embedding with the query’s (the server has an embedding model).`,
    },
  } as const,
});

const KnowledgeSearchHit = builder.objectRef<RetrievedChunk>('KnowledgeSearchHit').implement({
  description: 'A chunk of a knowledge document that matched a search.',
  fields: (t) => ({
    documentId: t.exposeID('documentId', { description: 'The document (`doc_…`).' }),
    documentTitle: t.exposeString('documentTitle', { description: 'The document’s title.' }),
    chunk: t.int({ description: 'The chunk’s position in its document (0 first).', resolve: (c) => c.position }),
    heading: t.exposeString('heading', { nullable: true, description: 'The Markdown headings the chunk sits under ("Setup > Linux"), if any.' }),
    text: t.exposeString('text', { description: 'The chunk’s whole text.' }),
    score: t.exposeFloat('score', { description: '0–1, higher is better; comparable within one search only.' }),
    snippet: t.exposeString('snippet', {
      description: `Plain text (not HTML) around the matched words, each marked ${SNIPPET_MARKS.start}like this${SNIPPET_MARKS.stop}.`,
    }),
  }),
});

const KnowledgeSearch = builder.objectRef<KnowledgeSearchResult>('KnowledgeSearch').implement({
  description: 'The chunks of an agent’s knowledge best matching a query, best first.',
  fields: (t) => ({
    ranking: t.field({ type: KnowledgeRanking, description: 'How the chunks were ranked: full_text, or hybrid with an embedding model.', resolve: (r) => r.ranking }),
    items: t.field({ type: [KnowledgeSearchHit], description: 'The matching chunks, best first (empty when none match).', resolve: (r) => r.chunks }),
  }),
});

builder.prismaObjectFields('Agent', (t) => ({
  knowledgeSearch: t.field({
    type: KnowledgeSearch,
    description: `Search the agent’s knowledge (the documents attached to it and its character’s): \`q\` 1–${L.q} characters (trimmed), \`limit\` 1–${L.limit} (default ${L.defaultLimit}). Needs knowledge:read as well as agents:read.`,
    authScopes: { scope: 'knowledge:read' },
    args: {
      q: t.arg.string({ required: true, description: `What to look for, in words (1–${L.q} characters, trimmed).` }),
      limit: t.arg.int({ description: `1–${L.limit}, default ${L.defaultLimit}.` }),
    },
    resolve: (agent, args, ctx) =>
      searchAgentKnowledge(ctx.prisma, agent, args, {
        embedder: ctx.messaging.embedder,
        logger: ctx.logger,
      }),
  }),
}));
