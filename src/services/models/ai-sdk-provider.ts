import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, RetryError, generateText, streamText, type LanguageModel } from 'ai';
import { ApiError } from '../../errors.js';
import type { ModelProvider, ModelReply, ModelRequest } from './types.js';

type RemoteName = 'openai' | 'anthropic';

/** The provider's HTTP status, when the failure was an HTTP answer. */
function statusOf(error: unknown): number | undefined {
  if (APICallError.isInstance(error)) return error.statusCode;
  if (RetryError.isInstance(error)) return statusOf(error.lastError);
  return undefined;
}

/** Every failure becomes MODEL_ERROR (502) or, on timeout, AGENT_UNAVAILABLE (503). */
export function classifyProviderError(provider: RemoteName, error: unknown, signal: AbortSignal): ApiError {
  if (error instanceof ApiError) return error;
  if (signal.aborted) {
    return new ApiError('AGENT_UNAVAILABLE', 'The model did not answer in time', {
      reason: 'timeout',
      provider,
    });
  }
  const status = statusOf(error);
  // Provider messages can quote request data; the client gets the status only.
  return new ApiError(
    'MODEL_ERROR',
    status
      ? `The model provider answered with an error (HTTP ${status})`
      : 'The model provider returned an invalid answer',
    { provider, ...(status ? { providerStatus: status } : {}) },
  );
}

/** OpenAI (or any OpenAI-compatible server) and Anthropic, through the AI SDK. */
export class AiSdkProvider implements ModelProvider {
  constructor(
    readonly name: RemoteName,
    private readonly model: ((modelName: string) => LanguageModel) | undefined,
    private readonly missing: string,
  ) {}

  unavailableReason(): string | undefined {
    return this.model ? undefined : this.missing;
  }

  async generate(request: ModelRequest, onDelta?: (delta: string) => void): Promise<ModelReply> {
    if (!this.model) throw new ApiError('AGENT_UNAVAILABLE', this.missing, { reason: 'provider_not_configured' });
    // The assembled system prompt travels as the provider's own system instruction.
    const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
    const messages = request.messages.filter((m) => m.role !== 'system') as { role: 'user' | 'assistant'; content: string }[];
    const options = {
      model: this.model(request.agent.model.name),
      ...(system ? { system } : {}),
      messages,
      temperature: request.agent.model.temperature,
      maxOutputTokens: request.agent.model.maxTokens,
      maxRetries: 1,
      abortSignal: request.signal,
    };
    try {
      if (!onDelta) {
        const result = await generateText(options);
        return this.reply(result.text, result.response.modelId, result.usage);
      }
      const result = streamText({ ...options, onError: () => {} });
      let text = '';
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          text += part.text;
          onDelta(part.text);
        } else if (part.type === 'error') {
          throw part.error;
        }
      }
      return this.reply(text, (await result.response).modelId, await result.usage);
    } catch (error) {
      throw classifyProviderError(this.name, error, request.signal);
    }
  }

  private reply(
    text: string,
    modelId: string,
    usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number },
  ): ModelReply {
    if (!text.trim()) {
      throw new ApiError('MODEL_ERROR', 'The model provider returned an empty answer', { provider: this.name });
    }
    const inputTokens = usage.inputTokens ?? 0;
    const outputTokens = usage.outputTokens ?? 0;
    return {
      text,
      model: modelId,
      usage: { inputTokens, outputTokens, totalTokens: usage.totalTokens ?? inputTokens + outputTokens },
    };
  }
}

export type ProviderSettings = {
  openaiApiKey: string | undefined;
  openaiBaseUrl: string | undefined;
  anthropicApiKey: string | undefined;
  anthropicBaseUrl: string | undefined;
};

export function openaiProvider(settings: ProviderSettings): AiSdkProvider {
  // A local OpenAI-compatible server (Ollama, vLLM, ...) needs a base URL but often no key.
  const configured = settings.openaiApiKey !== undefined || settings.openaiBaseUrl !== undefined;
  const openai = configured
    ? createOpenAI({ apiKey: settings.openaiApiKey ?? 'not-needed', baseURL: settings.openaiBaseUrl })
    : undefined;
  return new AiSdkProvider(
    'openai',
    openai && ((name) => openai.chat(name)),
    'The openai provider is not configured on this server (OPENAI_API_KEY or OPENAI_BASE_URL)',
  );
}

export function anthropicProvider(settings: ProviderSettings): AiSdkProvider {
  const anthropic = settings.anthropicApiKey
    ? createAnthropic({ apiKey: settings.anthropicApiKey, baseURL: settings.anthropicBaseUrl })
    : undefined;
  return new AiSdkProvider(
    'anthropic',
    anthropic && ((name) => anthropic(name)),
    'The anthropic provider is not configured on this server (ANTHROPIC_API_KEY)',
  );
}
