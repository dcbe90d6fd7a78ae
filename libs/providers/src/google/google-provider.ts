import type { ProviderDefinition } from '../provider-definition';
import { GOOGLE_PROVIDER } from './google-api';
import { GoogleModel } from './google-model';

/** Google Gemini, native API; configured by `GEMINI_BASE_URL` and `GEMINI_API_KEY`. */
export const googleProvider: ProviderDefinition = {
  name: GOOGLE_PROVIDER,
  settingsPrefix: 'GEMINI',
  createModel: (entry, connection) => new GoogleModel(entry.upstreamId, { provider: GOOGLE_PROVIDER, ...connection }),
};
