import { prefixedSettings, type ProviderDefinition } from '../../../provider-definition';
import { AcmeModel } from './acme-model';
import models from './models.json';

/** Acme: settings `ACME_BASE_URL` (default `https://api.acme.example/v2`) and `ACME_API_KEY`. */
export const acmeProvider: ProviderDefinition = {
  name: 'acme',
  settings: prefixedSettings('ACME', 'https://api.acme.example/v2'),
  models: models.models,
  createModel: (entry, connection) => new AcmeModel(entry.upstreamId, { provider: 'acme', ...connection }),
};
