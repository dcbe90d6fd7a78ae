import { prefixedSettings, type ProviderDefinition } from '../provider-definition';
import { GOOGLE_PROVIDER } from './google-api';
import { GoogleModel } from './google-model';
import models from './models.json';

/** Google Gemini, native API; settings `GEMINI_BASE_URL` (without the version path) and `GEMINI_API_KEY`. */
export const googleProvider: ProviderDefinition = {
  name: GOOGLE_PROVIDER,
  settings: prefixedSettings('GEMINI', 'https://generativelanguage.googleapis.com'),
  models: models.models,
  createModel: (entry, connection) => new GoogleModel(entry.upstreamId, { provider: GOOGLE_PROVIDER, ...connection }),
};
