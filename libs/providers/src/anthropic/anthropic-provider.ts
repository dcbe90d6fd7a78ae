import type { ProviderDefinition } from '../provider-definition';
import { AnthropicModel } from './anthropic-model';

/** Anthropic's Messages API; `max_tokens` is the output budget of each call (`CallOptions.maxOutputTokens`). */
export const anthropicProvider: ProviderDefinition = {
  name: 'anthropic',
  settingsPrefix: 'ANTHROPIC',
  createModel: (entry, connection) =>
    new AnthropicModel(entry.upstreamId, { provider: 'anthropic', ...connection }),
};
