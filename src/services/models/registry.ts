import { anthropicProvider, openaiProvider, type ProviderSettings } from './ai-sdk-provider.js';
import { LocalProvider } from './local-provider.js';
import type { ModelProvider } from './types.js';

export type Providers = Record<ModelProvider['name'], ModelProvider>;

export function createProviders(settings: ProviderSettings): Providers {
  return {
    local: new LocalProvider(),
    openai: openaiProvider(settings),
    anthropic: anthropicProvider(settings),
  };
}
