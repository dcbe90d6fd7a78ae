import type { ProviderDefinition, ProviderModel, ProviderSettingNames } from '../provider-definition';
import type { AzureDeployment, OpenAiCompatibleQuirks } from './openai-compatible-api';
import { OpenAiCompatibleModel } from './openai-compatible-model';

/**
 * A provider definition for an API speaking OpenAI's chat completions, with the given quirks: everything about it is
 * data (name, settings, quirks, models, extra headers, Azure deployments), so a definition can as well be built from a
 * file (PROVIDERS_FILE) as written in a folder.
 */
export function openAiCompatibleProvider(input: {
  name: string;
  /**
   * The settings it reads. Undefined for an endpoint that takes no key (a local vLLM or Ollama): it is then always
   * available, at `baseUrl`, and is sent no credential.
   */
  settings?: ProviderSettingNames;
  /** The base URL when there are no settings to read it from. */
  baseUrl?: string;
  quirks: OpenAiCompatibleQuirks;
  models: readonly ProviderModel[];
  /** Extra headers sent on every call. */
  headers?: Readonly<Record<string, string>>;
  /** Azure OpenAI deployments, by catalog model id (`azure-prod/gpt-4o`): those models are called Azure's way. */
  azureDeployments?: Readonly<Record<string, AzureDeployment>>;
}): ProviderDefinition {
  if (!input.settings && input.baseUrl === undefined) throw new Error(`provider ${input.name}: without settings it needs a baseUrl`);
  return {
    name: input.name,
    settings: input.settings,
    models: input.models,
    createModel: (entry, connection) =>
      new OpenAiCompatibleModel(entry.upstreamId, {
        provider: input.name,
        ...connection,
        baseUrl: input.settings ? connection.baseUrl : (input.baseUrl as string),
        quirks: input.quirks,
        headers: input.headers,
        azure: input.azureDeployments?.[entry.id],
      }),
  };
}
