import { echoProvider } from './echo/echo-provider';
import { openAiProvider } from './openai-compatible/openai-compatible-provider';
import type { ProviderDefinition } from './provider-definition';

/** Every provider tollgate can serve, one line each. */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [echoProvider, openAiProvider];
