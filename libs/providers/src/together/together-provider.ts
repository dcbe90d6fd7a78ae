import { openAiCompatibleProvider } from '../openai-compatible/openai-compatible-provider';
import { TOGETHER_QUIRKS } from './together-api';

/** Together.ai: settings `TOGETHER_BASE_URL` (default `https://api.together.xyz/v1`) and `TOGETHER_API_KEY`. */
export const togetherProvider = openAiCompatibleProvider({ name: 'together', settingsPrefix: 'TOGETHER', quirks: TOGETHER_QUIRKS });
