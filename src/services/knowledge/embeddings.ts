/**
 * An embedding model (OpenAI-compatible `POST /embeddings`), configured or not. With one,
 * chunks are embedded at upload and searches re-rank full-text candidates by cosine similarity;
 * without, search is full-text ranking alone and works offline.
 */
export type Embedder = {
  readonly model: string;
  /** One vector per text, in order. Rejects with an ApiError (MODEL_ERROR, AGENT_UNAVAILABLE on timeout). */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
};
