import type { HttpClient } from './http.js';
import type { ApiResponse, Page, PageParams, RequestOptions } from './types.js';
import type {
  DeleteKnowledgeDocumentMutation,
  DetachKnowledgeMutation,
  GetKnowledgeDocumentQuery,
  KnowledgeDocumentFieldsFragment,
  ListKnowledgeChunksQuery,
  SearchAgentKnowledgeQuery,
  UploadKnowledgeInput,
} from '../rest/generated/operations.js';

/** A knowledge document as lists show it (no content): `{id, title, format, language, chunkCount, agentIds, characterId, …}`. */
export type KnowledgeDocument = KnowledgeDocumentFieldsFragment;
/** One document with its `content`. */
export type KnowledgeDocumentWithContent = NonNullable<GetKnowledgeDocumentQuery['knowledgeDocument']>;
export type KnowledgeChunk = NonNullable<ListKnowledgeChunksQuery['knowledgeDocument']>['chunks']['items'][number];
/**
 * `text` (not blank, at most 512 KiB in UTF-8) is required; `format` `markdown` (default) or
 * `text`; `language` a text search configuration (default `english`); `title` defaults to the
 * first heading or line; `metadata` up to 16 string pairs.
 */
export type KnowledgeUploadParams = UploadKnowledgeInput;
export type DetachedKnowledge = DetachKnowledgeMutation['detachKnowledge'];
export type DeletedKnowledgeDocument = DeleteKnowledgeDocumentMutation['deleteKnowledgeDocument'];
/** What a knowledge search answers: `{ranking: "full_text" | "hybrid", items: [{documentId, documentTitle, chunk, heading, text, score, snippet}]}`. */
export type KnowledgeSearchResult = SearchAgentKnowledgeQuery['agent']['knowledgeSearch'];
export type KnowledgeSearchParams = {
  /** What to look for, in words. */
  q: string;
  /** How many passages at most. */
  limit?: number;
};
export type KnowledgeListParams = PageParams & {
  /** Only the documents this agent reads (attached, and its character's). */
  agentId?: string;
};

function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return encodeURIComponent(value);
}

/** Knowledge documents: upload (idempotent by content), list, read, chunks, attach to agents, delete. */
export class Knowledge {
  constructor(private readonly http: HttpClient) {}

  /**
   * POST /knowledge, or POST /agents/{agentId}/knowledge with `agentId` (the document is then
   * attached to that agent). Content the account already has answers the stored document.
   */
  upload(params: KnowledgeUploadParams & { agentId?: string }, options?: RequestOptions): Promise<ApiResponse<KnowledgeDocument>> {
    const { agentId, ...body } = params;
    const path = agentId === undefined ? '/knowledge' : `/agents/${segment('agentId', agentId)}/knowledge`;
    return this.http.request({ method: 'POST', path, body }, options);
  }

  /** GET /knowledge (or GET /agents/{agentId}/knowledge), newest first. */
  list(params: KnowledgeListParams = {}, options?: RequestOptions): Promise<ApiResponse<Page<KnowledgeDocument>>> {
    const path = params.agentId === undefined ? '/knowledge' : `/agents/${segment('agentId', params.agentId)}/knowledge`;
    return this.http.request({ method: 'GET', path, query: { page: params.page, limit: params.limit } }, options);
  }

  /** GET /knowledge/{documentId}: with its content. */
  get(documentId: string, options?: RequestOptions): Promise<ApiResponse<KnowledgeDocumentWithContent>> {
    return this.http.request({ method: 'GET', path: `/knowledge/${segment('documentId', documentId)}` }, options);
  }

  /** GET /knowledge/{documentId}/chunks, in order (position 0 first). */
  chunks(documentId: string, params: PageParams = {}, options?: RequestOptions): Promise<ApiResponse<Page<KnowledgeChunk>>> {
    return this.http.request(
      { method: 'GET', path: `/knowledge/${segment('documentId', documentId)}/chunks`, query: { page: params.page, limit: params.limit } },
      options,
    );
  }

  /** PUT /agents/{agentId}/knowledge/{documentId}: attaches a document of the account to the agent. */
  attach(agentId: string, documentId: string, options?: RequestOptions): Promise<ApiResponse<KnowledgeDocument>> {
    return this.http.request(
      { method: 'PUT', path: `/agents/${segment('agentId', agentId)}/knowledge/${segment('documentId', documentId)}` },
      options,
    );
  }

  /** DELETE /agents/{agentId}/knowledge/{documentId}: the agent stops reading it; the document stays. */
  detach(agentId: string, documentId: string, options?: RequestOptions): Promise<ApiResponse<DetachedKnowledge>> {
    return this.http.request(
      { method: 'DELETE', path: `/agents/${segment('agentId', agentId)}/knowledge/${segment('documentId', documentId)}` },
      options,
    );
  }

  /** GET /agents/{agentId}/knowledge/search: the passages of the agent's documents that best match `q`, best first. */
  search(agentId: string, params: KnowledgeSearchParams, options?: RequestOptions): Promise<ApiResponse<KnowledgeSearchResult>> {
    return this.http.request(
      { method: 'GET', path: `/agents/${segment('agentId', agentId)}/knowledge/search`, query: { q: params.q, limit: params.limit } },
      options,
    );
  }

  /** DELETE /knowledge/{documentId}: the document and its chunks, for every agent. */
  delete(documentId: string, options?: RequestOptions): Promise<ApiResponse<DeletedKnowledgeDocument>> {
    return this.http.request({ method: 'DELETE', path: `/knowledge/${segment('documentId', documentId)}` }, options);
  }
}
