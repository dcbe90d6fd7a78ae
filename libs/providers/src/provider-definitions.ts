import { anthropicProvider } from './anthropic/anthropic-provider';
import { echoProvider } from './echo/echo-provider';
import { openAiProvider } from './openai-compatible/openai-compatible-provider';
import type { ProviderDefinition } from './provider-definition';
import { googleProvider } from './google/google-provider';
import { mistralProvider } from './mistral/mistral-provider';
import { togetherProvider } from './together/together-provider';

/** Every provider tollgate can serve, one line each. */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [echoProvider, openAiProvider, anthropicProvider, mistralProvider, togetherProvider, googleProvider];
