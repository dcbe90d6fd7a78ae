import type { ProviderDefinition } from '../provider-definition';
import { ECHO_PROVIDER, EchoModel } from './echo-model';
import models from './models.json';

/** The built-in echo model: no upstream and no settings (ECHO_WORD_DELAY_MS slows its stream, for tests). */
export const echoProvider: ProviderDefinition = {
  name: ECHO_PROVIDER,
  models: models.models,
  createModel: (entry) => new EchoModel(entry.upstreamId, Number(process.env['ECHO_WORD_DELAY_MS'] ?? 0)),
};
