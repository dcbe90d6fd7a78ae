import { openAiCompatibleProvider } from '../openai-compatible/openai-compatible-provider';
import type { AzureDeployment, OpenAiCompatibleQuirks } from '../openai-compatible/openai-compatible-api';
import { prefixedSettings, type ProviderDefinition, type ProviderModel, type ProviderSettingNames } from '../provider-definition';
import { registerProviderSecret } from '../provider-error';
import type { FileProblem } from './parse-providers-file';
import type { FileModel, FileProvider, ProvidersFile } from './providers-file-schema';

/** The definitions read from a PROVIDERS_FILE, so that CATALOG_PATH (which replaces the built-ins' models) keeps theirs. */
const fromFile = new WeakSet<ProviderDefinition>();

/** Whether a definition was read from a PROVIDERS_FILE. */
export function isFileProvider(definition: ProviderDefinition): boolean {
  return fromFile.has(definition);
}

/** `my-lab` → `MY_LAB`: the prefix of a file provider's default setting names. */
export function settingPrefix(id: string): string {
  return id.toUpperCase().replaceAll('-', '_');
}

/**
 * The provider definitions a validated file declares, or the problems that keep it from being served: an id that is
 * a built-in provider's or repeated, a setting another provider or the gateway itself reads for something else, an
 * Azure model without its deployment or API version, a model id given twice.
 * `reserved` are setting names the gateway reads for itself (they may not be a provider's).
 */
export function fileProviderDefinitions(
  file: ProvidersFile,
  builtIns: readonly ProviderDefinition[],
  reserved: ReadonlySet<string> = new Set(),
): { definitions: ProviderDefinition[]; problems: FileProblem[] } {
  const problems: FileProblem[] = [];
  const builtInNames = new Set(builtIns.map((definition) => definition.name));
  // Which provider reads a setting, and as what: a key setting may be shared (declared once) when read the same way (one
  // key, or a comma-separated list), a base URL may not.
  const settingOwners = new Map<string, { provider: string; kind: SettingKind }>();
  for (const { name, settings } of builtIns) if (settings) for (const [setting, kind] of settingKinds(settings)) settingOwners.set(setting, { provider: name, kind });
  const seenIds = new Set<string>();
  const definitions: ProviderDefinition[] = [];

  for (const [index, provider] of file.providers.entries()) {
    const at = (...path: PropertyKey[]) => ['providers', index, ...path];
    if (builtInNames.has(provider.id)) problems.push({ path: at('id'), message: `"${provider.id}" is a built-in provider; give the endpoint an id of its own` });
    else if (seenIds.has(provider.id)) problems.push({ path: at('id'), message: `"${provider.id}" is declared twice` });
    seenIds.add(provider.id);

    const settings = settingNames(provider);
    if (provider.keyless && (provider.apiKeyEnv || provider.apiKeysEnv || provider.keys)) {
      problems.push({ path: at('keyless'), message: 'a keyless endpoint takes no apiKeyEnv, apiKeysEnv or keys' });
    }
    for (const [setting, kind, field] of settingFields(provider, settings)) {
      if (reserved.has(setting)) {
        problems.push({ path: at(...field), message: `${setting} is a setting of the gateway itself` });
        continue;
      }
      const owner = settingOwners.get(setting);
      if (owner && (owner.kind === 'url' || owner.kind !== kind)) problems.push({ path: at(...field), message: `${setting} is already read by provider ${owner.provider}` });
      else if (!owner) settingOwners.set(setting, { provider: provider.id, kind });
    }
    const keyNames = new Set<string>();
    for (const [keyIndex, key] of (provider.keys ?? []).entries()) {
      if (keyNames.has(key.name)) problems.push({ path: at('keys', keyIndex, 'name'), message: `the key name ${key.name} is used twice` });
      keyNames.add(key.name);
    }

    const modelIds = new Set<string>();
    const azureDeployments: Record<string, AzureDeployment> = {};
    for (const [modelIndex, model] of provider.models.entries()) {
      if (modelIds.has(model.id)) problems.push({ path: at('models', modelIndex, 'id'), message: `the model ${model.id} is declared twice` });
      modelIds.add(model.id);
      const azure = azureDeployment(provider, model);
      if (azure === 'incomplete') {
        const message = 'an Azure model needs a deployment and an apiVersion (each on the provider or on the model)';
        problems.push({ path: model.azure ? at('models', modelIndex, 'azure') : at('azure'), message });
      } else if (azure) azureDeployments[`${provider.id}/${model.id}`] = azure;
    }

    // Extra headers may carry credentials (a proxy's token): cut out of error messages like keys.
    for (const value of Object.values(provider.headers ?? {})) registerProviderSecret(value);
    const definition = openAiCompatibleProvider({
      name: provider.id,
      settings,
      baseUrl: provider.baseUrl,
      quirks: quirksOf(provider),
      models: provider.models.map((model) => catalogModel(provider.id, model, azureDeployments[`${provider.id}/${model.id}`])),
      headers: provider.headers,
      azureDeployments,
    });
    fromFile.add(definition);
    definitions.push(definition);
  }
  return { definitions, problems };
}

/** The settings a file provider reads: `<ID>_BASE_URL`, `<ID>_API_KEY`, `<ID>_API_KEYS` unless the file names others. */
function settingNames(provider: FileProvider): ProviderSettingNames | undefined {
  if (provider.keyless) return undefined;
  const defaults = prefixedSettings(settingPrefix(provider.id), provider.baseUrl);
  return {
    baseUrl: provider.baseUrlEnv ?? defaults.baseUrl,
    defaultBaseUrl: provider.baseUrl,
    apiKey: provider.apiKeyEnv ?? defaults.apiKey,
    apiKeys: provider.apiKeysEnv ?? defaults.apiKeys,
    ...(provider.keys ? { keys: provider.keys.map(({ name, env, weight }) => ({ name, env, ...(weight === undefined ? {} : { weight }) })) } : {}),
  };
}

/** How a provider reads a setting: a base URL, one key, or several comma-separated. */
type SettingKind = 'url' | 'key' | 'keys';

function settingKinds(settings: ProviderSettingNames): Array<[string, SettingKind]> {
  return [
    [settings.baseUrl, 'url'],
    [settings.apiKey, 'key'],
    ...(settings.apiKeys ? [[settings.apiKeys, 'keys'] as [string, 'keys']] : []),
    ...(settings.keys ?? []).map(({ env }): [string, 'key'] => [env, 'key']),
  ];
}

/** Each setting a file provider reads, with the field of the file that names it (or would, when defaulted). */
function settingFields(provider: FileProvider, settings: ProviderSettingNames | undefined): Array<[string, SettingKind, PropertyKey[]]> {
  if (!settings) return [];
  return [
    [settings.baseUrl, 'url', [provider.baseUrlEnv ? 'baseUrlEnv' : 'id']],
    [settings.apiKey, 'key', [provider.apiKeyEnv ? 'apiKeyEnv' : 'id']],
    ...(settings.apiKeys ? [[settings.apiKeys, 'keys', [provider.apiKeysEnv ? 'apiKeysEnv' : 'id']] as [string, 'keys', PropertyKey[]]] : []),
    ...(provider.keys ?? []).map(({ env }, index): [string, 'key', PropertyKey[]] => [env, 'key', ['keys', index, 'env']]),
  ];
}

/** The Azure addressing of a model: the model's fields over the provider's; undefined when neither has any. */
function azureDeployment(provider: FileProvider, model: FileModel): AzureDeployment | 'incomplete' | undefined {
  if (!provider.azure && !model.azure) return undefined;
  const deployment = model.azure?.deployment ?? provider.azure?.deployment;
  const apiVersion = model.azure?.apiVersion ?? provider.azure?.apiVersion;
  return deployment && apiVersion ? { deployment, apiVersion } : 'incomplete';
}

/** The quirks with their defaults: a plain OpenAI-compatible server. */
function quirksOf(provider: FileProvider): OpenAiCompatibleQuirks {
  const quirks = provider.quirks ?? { unsupportedSettings: [], maxTokensField: 'max_tokens', streamUsageOption: true };
  return {
    unsupportedSettings: quirks.unsupportedSettings,
    maxTokensField: quirks.maxTokensField,
    streamUsageOption: quirks.streamUsageOption,
    ...(quirks.renamedSettings ? { renamedSettings: quirks.renamedSettings } : {}),
    ...(quirks.requiredToolChoice ? { requiredToolChoice: quirks.requiredToolChoice } : {}),
    ...(quirks.unsupportedMessageFields ? { unsupportedMessageFields: quirks.unsupportedMessageFields } : {}),
    ...(quirks.alphanumericToolCallIds ? { alphanumericToolCallIds: quirks.alphanumericToolCallIds } : {}),
  };
}

/**
 * A file's model as a catalog entry of its provider: `acme` + `fast` → `acme/fast`; the name defaults to `fast`, the
 * upstream id too — on Azure, which picks the model by deployment, to the deployment's name.
 */
function catalogModel(providerId: string, model: FileModel, azure: AzureDeployment | undefined): ProviderModel {
  return {
    id: `${providerId}/${model.id}`,
    upstreamId: model.upstreamId ?? azure?.deployment ?? model.id,
    name: model.name ?? model.id,
    aliases: model.aliases ?? [],
    prices: model.prices,
    ...(model.priceTiers ? { priceTiers: model.priceTiers } : {}),
    ...(model.imageTokens ? { imageTokens: model.imageTokens } : {}),
    contextWindow: model.contextWindow,
    maxOutputTokens: model.maxOutputTokens,
  };
}
