import type { ProviderDefinition } from '../provider-definition';
import { AnthropicModel } from './anthropic-model';

/** Anthropic's Messages API; `max_tokens` defaults to the catalog entry's `maxOutputTokens`. */
export const anthropicProvider: ProviderDefinition = {
  name: 'anthropic',
  settingsPrefix: 'ANTHROPIC',
  createModel: (entry, connection) =>
    new AnthropicModel(entry.upstreamId, { provider: 'anthropic', ...connection, defaultMaxTokens: entry.maxOutputTokens }),
};
