import type { LanguageModel, ToolSet } from 'ai';
import { ApiError } from '../../errors.js';
import type { ToolCallRecord } from '../tools/types.js';
import type { ModelProvider, ModelReply, ModelRequest, RequestTools } from './types.js';

type RemoteName = 'openai' | 'anthropic';

// The AI SDK is loaded on first use: most deployments start on the local engine, and it weighs
// a noticeable part of start-up.
type AiSdk = typeof import('ai');
let aiSdk: Promise<AiSdk> | undefined;
const loadAiSdk = () => (aiSdk ??= import('ai'));

/** The provider's HTTP status, when the failure was an HTTP answer. */
function statusOf(sdk: AiSdk, error: unknown): number | undefined {
  if (sdk.APICallError.isInstance(error)) return error.statusCode;
  if (sdk.RetryError.isInstance(error)) return statusOf(sdk, error.lastError);
  return undefined;
}

/** Every failure becomes MODEL_ERROR (502) or, on timeout, AGENT_UNAVAILABLE (503). */
export function classifyProviderError(sdk: AiSdk, provider: RemoteName, error: unknown, signal: AbortSignal): ApiError {
  if (error instanceof ApiError) return error;
  if (signal.aborted) {
    return new ApiError('AGENT_UNAVAILABLE', 'The model did not answer in time', {
      reason: 'timeout',
      provider,
    });
  }
  const status = statusOf(sdk, error);
  // Provider messages can quote request data; the client gets the status only.
  return new ApiError(
    'MODEL_ERROR',
    status
      ? `The model provider answered with an error (HTTP ${status})`
      : 'The model provider returned an invalid answer',
    { provider, ...(status ? { providerStatus: status } : {}) },
  );
}

/**
 * The agent's tools as AI SDK tools, and the options that run them: at most `maxSteps` model
 * steps, the last of which may not call tools (so the answer ends in text). A call never throws
 * (the model receives a failure as `{error: {code, message}}`); a call the SDK itself rejects
 * (unknown tool, arguments that are not JSON) is recorded at the end of its step.
 */
function toolOptions(sdk: AiSdk, tools: RequestTools, records: Map<string, ToolCallRecord>) {
  const toolset: ToolSet = Object.fromEntries(
    tools.definitions.map((definition) => [
      definition.name,
      sdk.tool({
        description: definition.description,
        inputSchema: sdk.jsonSchema(definition.parameters as Parameters<typeof sdk.jsonSchema>[0]),
        execute: async (input: unknown, { toolCallId }: { toolCallId: string }) => {
          const record = await tools.call(toolCallId, definition.name, input);
          records.set(toolCallId, record);
          return record.error ? { error: record.error } : (record.result ?? null);
        },
      }),
    ]),
  );
  return {
    tools: toolset,
    stopWhen: sdk.stepCountIs(tools.maxSteps),
    prepareStep: ({ stepNumber }: { stepNumber: number }) =>
      stepNumber >= tools.maxSteps - 1 ? { toolChoice: 'none' as const } : {},
    onStepFinish: async (step: { content: Array<{ type: string; toolCallId?: string; toolName?: string; input?: unknown }> }) => {
      for (const part of step.content) {
        if (part.type === 'tool-error' && part.toolCallId && !records.has(part.toolCallId)) {
          records.set(part.toolCallId, await tools.call(part.toolCallId, part.toolName ?? '', part.input));
        }
      }
    },
  };
}

/** OpenAI (or any OpenAI-compatible server) and Anthropic, through the AI SDK. */
export class AiSdkProvider implements ModelProvider {
  constructor(
    readonly name: RemoteName,
    private readonly model: ((modelName: string) => Promise<LanguageModel>) | undefined,
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
    const sdk = await loadAiSdk();
    // Filled in the order the calls finish, which is the order they are reported in.
    const records = new Map<string, ToolCallRecord>();
    const options = {
      ...(request.tools && request.tools.definitions.length > 0 ? toolOptions(sdk, request.tools, records) : {}),
      model: await this.model(request.agent.model.name),
      ...(system ? { system } : {}),
      messages,
      temperature: request.agent.model.temperature,
      maxOutputTokens: request.agent.model.maxTokens,
      maxRetries: 1,
      abortSignal: request.signal,
    };
    try {
      if (!onDelta) {
        const result = await sdk.generateText(options);
        const text = result.steps.map((step) => step.text).join('');
        return this.reply(text, result.response.modelId, result.totalUsage, result.rawFinishReason, [...records.values()]);
      }
      const result = sdk.streamText({ ...options, onError: () => {} });
      let text = '';
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          text += part.text;
          onDelta(part.text);
        } else if (part.type === 'error') {
          throw part.error;
        }
      }
      return this.reply(text, (await result.response).modelId, await result.totalUsage, await result.rawFinishReason, [...records.values()]);
    } catch (error) {
      throw classifyProviderError(sdk, this.name, error, request.signal);
    }
  }

  private reply(
    text: string,
    modelId: string,
    usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number },
    rawFinishReason: string | undefined,
    toolCalls: ToolCallRecord[],
  ): ModelReply {
    // Both protocols say why an answer ended (OpenAI's finish_reason, Anthropic's stop_reason);
    // without it the answer was cut off, however cleanly the connection closed. With tools this
    // is the last step's: the one that had to answer in text.
    if (!rawFinishReason) {
      throw new ApiError('MODEL_ERROR', 'The model provider stopped before finishing its answer', { provider: this.name });
    }
    if (!text.trim()) {
      throw new ApiError('MODEL_ERROR', 'The model provider returned an empty answer', { provider: this.name });
    }
    const inputTokens = usage.inputTokens ?? 0;
    const outputTokens = usage.outputTokens ?? 0;
    return {
      text,
      model: modelId,
      usage: { inputTokens, outputTokens, totalTokens: usage.totalTokens ?? inputTokens + outputTokens },
      toolCalls,
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
  const openai = lazily(async () =>
    (await import('@ai-sdk/openai')).createOpenAI({ apiKey: settings.openaiApiKey ?? 'not-needed', baseURL: settings.openaiBaseUrl }),
  );
  return new AiSdkProvider(
    'openai',
    configured ? async (name) => (await openai()).chat(name) : undefined,
    'The openai provider is not configured on this server (OPENAI_API_KEY or OPENAI_BASE_URL)',
  );
}

export function anthropicProvider(settings: ProviderSettings): AiSdkProvider {
  const anthropic = lazily(async () =>
    (await import('@ai-sdk/anthropic')).createAnthropic({ apiKey: settings.anthropicApiKey, baseURL: settings.anthropicBaseUrl }),
  );
  return new AiSdkProvider(
    'anthropic',
    settings.anthropicApiKey ? async (name) => (await anthropic())(name) : undefined,
    'The anthropic provider is not configured on this server (ANTHROPIC_API_KEY)',
  );
}

function lazily<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
