import { openAiCompatibleProvider } from '../openai-compatible/openai-compatible-provider';
import { prefixedSettings } from '../provider-definition';
import { MISTRAL_QUIRKS } from './mistral-api';
import models from './models.json';

/** Mistral La Plateforme: settings `MISTRAL_BASE_URL` (default `https://api.mistral.ai/v1`) and `MISTRAL_API_KEY`. */
export const mistralProvider = openAiCompatibleProvider({
  name: 'mistral',
  settings: prefixedSettings('MISTRAL', 'https://api.mistral.ai/v1'),
  quirks: MISTRAL_QUIRKS,
  models: models.models,
});
