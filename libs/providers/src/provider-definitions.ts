import { anthropicProvider } from './anthropic/anthropic-provider';
import { echoProvider } from './echo/echo-provider';
import { googleProvider } from './google/google-provider';
import { mistralProvider } from './mistral/mistral-provider';
import { openAiProvider } from './openai/openai-provider';
import type { ProviderDefinition } from './provider-definition';
import { togetherProvider } from './together/together-provider';

/**
 * Every provider tollgate can serve, one line each: the catalog (and so `/v1/models`), the provider settings that
 * configuration validates, and the provider contract tests are all derived from this list. Its order is the
 * catalog's order.
 */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition[] = [echoProvider, anthropicProvider, openAiProvider, togetherProvider, mistralProvider, googleProvider];
