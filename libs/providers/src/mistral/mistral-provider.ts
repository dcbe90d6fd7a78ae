import { openAiCompatibleProvider } from '../openai-compatible/openai-compatible-provider';
import { MISTRAL_QUIRKS } from './mistral-api';

/** Mistral La Plateforme: settings `MISTRAL_BASE_URL` (default `https://api.mistral.ai/v1`) and `MISTRAL_API_KEY`. */
export const mistralProvider = openAiCompatibleProvider({ name: 'mistral', settingsPrefix: 'MISTRAL', quirks: MISTRAL_QUIRKS });
