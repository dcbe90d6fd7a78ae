import { openAiCompatibleProvider } from '../openai-compatible/openai-compatible-provider';
import { prefixedSettings } from '../provider-definition';
import models from './models.json';
import { TOGETHER_QUIRKS } from './together-api';

/** Together.ai: settings `TOGETHER_BASE_URL` (default `https://api.together.xyz/v1`) and `TOGETHER_API_KEY`. */
export const togetherProvider = openAiCompatibleProvider({
  name: 'together',
  settings: prefixedSettings('TOGETHER', 'https://api.together.xyz/v1'),
  quirks: TOGETHER_QUIRKS,
  models: models.models,
});
