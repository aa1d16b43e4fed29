import { ApiError } from '../../errors.js';

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

/** ORION_EMBEDDING_BASE_URL, ORION_EMBEDDING_API_KEY, ORION_EMBEDDING_MODEL; MODEL_TIMEOUT_MS. */
export type EmbeddingConfig = {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  timeoutMs: number;
};

/**
 * Retries of a call after a failure the provider may not repeat (429, 5xx, network), with the AI
 * SDK's backoff (2 s before the retry): one, since a search waits for it before falling back.
 */
const MAX_RETRIES = 1;

type AiSdk = typeof import('ai');

function statusOf(sdk: AiSdk, error: unknown): number | undefined {
  if (sdk.APICallError.isInstance(error)) return error.statusCode;
  if (sdk.RetryError.isInstance(error)) return statusOf(sdk, error.lastError);
  return undefined;
}

/**
 * The embedding model of an OpenAI-compatible server (OpenAI, Ollama, vLLM, LM Studio...),
 * through the AI SDK's embedMany (which batches long lists and retries with backoff). Each call
 * has `timeoutMs` (the caller's signal too); a failure is MODEL_ERROR with the provider's status
 * only (its message may quote the texts), a timeout AGENT_UNAVAILABLE.
 */
export function createEmbedder(config: EmbeddingConfig): Embedder {
  // Loaded on first use, like the chat providers: most servers never embed.
  let model: Promise<{ sdk: AiSdk; model: Parameters<AiSdk['embedMany']>[0]['model'] }> | undefined;
  const load = () =>
    (model ??= (async () => {
      const [sdk, { createOpenAI }] = await Promise.all([import('ai'), import('@ai-sdk/openai')]);
      const provider = createOpenAI({ apiKey: config.apiKey ?? 'not-needed', baseURL: config.baseUrl });
      return { sdk, model: provider.embedding(config.model) };
    })());
  return {
    model: config.model,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const { sdk, model: embeddingModel } = await load();
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let embeddings: number[][];
      try {
        ({ embeddings } = await sdk.embedMany({ model: embeddingModel, values: texts, maxRetries: MAX_RETRIES, abortSignal }));
      } catch (error) {
        if (abortSignal.aborted) {
          throw new ApiError('AGENT_UNAVAILABLE', 'The embedding model did not answer in time', { reason: 'timeout', provider: 'embeddings' });
        }
        const status = statusOf(sdk, error);
        throw new ApiError(
          'MODEL_ERROR',
          status ? `The embedding model answered with an error (HTTP ${status})` : 'The embedding model returned an invalid answer',
          { provider: 'embeddings', ...(status ? { providerStatus: status } : {}) },
        );
      }
      const dimensions = embeddings[0]?.length ?? 0;
      const valid =
        embeddings.length === texts.length &&
        dimensions > 0 &&
        embeddings.every((v) => v.length === dimensions && v.every((x) => Number.isFinite(x)));
      if (!valid) throw new ApiError('MODEL_ERROR', 'The embedding model returned an invalid answer', { provider: 'embeddings' });
      return embeddings;
    },
  };
}
