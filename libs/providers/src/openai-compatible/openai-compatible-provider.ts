import type { ProviderDefinition, ProviderModel, ProviderSettingNames } from '../provider-definition';
import type { OpenAiCompatibleQuirks } from './openai-compatible-api';
import { OpenAiCompatibleModel } from './openai-compatible-model';

/**
 * A provider definition for an API speaking OpenAI's chat completions, with the given quirks: everything about it is
 * data (name, settings, quirks, models), so a definition can as well be built from a file as written in a folder.
 */
export function openAiCompatibleProvider(input: {
  name: string;
  settings: ProviderSettingNames;
  quirks: OpenAiCompatibleQuirks;
  models: readonly ProviderModel[];
}): ProviderDefinition {
  return {
    name: input.name,
    settings: input.settings,
    models: input.models,
    createModel: (entry, connection) =>
      new OpenAiCompatibleModel(entry.upstreamId, { provider: input.name, ...connection, quirks: input.quirks }),
  };
}
