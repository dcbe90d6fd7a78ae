import type { ProviderDefinition } from '../provider-definition';
import { ECHO_PROVIDER, EchoModel } from './echo-model';

export const echoProvider: ProviderDefinition = {
  name: ECHO_PROVIDER,
  createModel: (entry) => new EchoModel(entry.upstreamId, Number(process.env['ECHO_WORD_DELAY_MS'] ?? 0)),
};
