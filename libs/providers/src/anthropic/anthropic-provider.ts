import { prefixedSettings, type ProviderDefinition } from '../provider-definition';
import { AnthropicModel } from './anthropic-model';
import models from './models.json';

/**
 * Anthropic's Messages API; `max_tokens` is the output budget of each call (`CallOptions.maxOutputTokens`). Settings
 * `ANTHROPIC_BASE_URL` (without the version path) and `ANTHROPIC_API_KEY`.
 */
export const anthropicProvider: ProviderDefinition = {
  name: 'anthropic',
  settings: prefixedSettings('ANTHROPIC', 'https://api.anthropic.com'),
  models: models.models,
  createModel: (entry, connection) =>
    new AnthropicModel(entry.upstreamId, { provider: 'anthropic', ...connection }),
};
