import { openAiCompatibleProvider } from '../openai-compatible/openai-compatible-provider';
import { prefixedSettings } from '../provider-definition';
import models from './models.json';
import { OPENAI_QUIRKS } from './openai-api';

/** OpenAI: settings `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) and `OPENAI_API_KEY`. */
export const openAiProvider = openAiCompatibleProvider({
  name: 'openai',
  settings: prefixedSettings('OPENAI', 'https://api.openai.com/v1'),
  quirks: OPENAI_QUIRKS,
  models: models.models,
});
