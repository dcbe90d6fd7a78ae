import type { ProviderDefinition } from '../provider-definition';
import { OPENAI_QUIRKS, type OpenAiCompatibleQuirks } from './openai-compatible-api';
import { OpenAiCompatibleModel } from './openai-compatible-model';

/** A provider definition for an OpenAI-compatible API with the given quirks. */
export function openAiCompatibleProvider(input: {
  name: string;
  settingsPrefix: string;
  quirks: OpenAiCompatibleQuirks;
}): ProviderDefinition {
  return {
    name: input.name,
    settingsPrefix: input.settingsPrefix,
    createModel: (entry, connection) =>
      new OpenAiCompatibleModel(entry.upstreamId, { provider: input.name, ...connection, quirks: input.quirks }),
  };
}

export const openAiProvider = openAiCompatibleProvider({ name: 'openai', settingsPrefix: 'OPENAI', quirks: OPENAI_QUIRKS });
