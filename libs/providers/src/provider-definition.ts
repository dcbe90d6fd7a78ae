import type { Agent } from 'undici';
import type { CatalogEntry, CatalogEntryInput } from './catalog/model-catalog';
import type { ChatModel } from './chat-model';

/** How to reach a provider: base URL, key and its keep-alive pool. */
export interface ProviderConnection {
  baseUrl: string;
  apiKey: string;
  agent: Agent;
}

/**
 * The settings a provider reads, by name. Configuration validation (`providerSettingDeclarations`) and the registry
 * both read them from here, so a provider's settings are declared once, in its folder.
 */
export interface ProviderSettingNames {
  /** The setting holding its base URL, e.g. `OPENAI_BASE_URL`. */
  baseUrl: string;
  /** The base URL when that setting is unset, e.g. `https://api.openai.com/v1`. */
  defaultBaseUrl: string;
  /**
   * The setting holding its API key, e.g. `OPENAI_API_KEY`. With `apiKeys` and `keys` it is one of three sources of
   * keys; while none of them gives a key the provider's models answer 503.
   */
  apiKey: string;
  /** Setting holding several keys, comma-separated (e.g. `OPENAI_API_KEYS=k1,k2`); each named by a fingerprint. */
  apiKeys?: string;
  /** Named keys, each read from its own setting, with optional weights (from PROVIDERS_FILE's `keys`). */
  keys?: ReadonlyArray<{ name: string; env: string; weight?: number }>;
}

/**
 * `<PREFIX>_BASE_URL` (default `defaultBaseUrl`), `<PREFIX>_API_KEY` and `<PREFIX>_API_KEYS` (several, comma-separated):
 * how the built-in providers name theirs.
 */
export function prefixedSettings(prefix: string, defaultBaseUrl: string): ProviderSettingNames {
  return { baseUrl: `${prefix}_BASE_URL`, defaultBaseUrl, apiKey: `${prefix}_API_KEY`, apiKeys: `${prefix}_API_KEYS` };
}

/** A catalog entry as a provider declares it: the catalog fills in `provider` with the provider's name. */
export type ProviderModel = Omit<CatalogEntryInput, 'provider'>;

/**
 * One provider, as the registry knows it: everything the gateway needs about it, declared in its folder. Adding a
 * provider is a folder exporting one of these and one line in provider-definitions.ts; a provider described by data
 * (an OpenAI-compatible endpoint) is one of these too, built by `openAiCompatibleProvider`.
 */
export interface ProviderDefinition {
  /** The catalog's `provider` value and the first part of its model ids, e.g. `anthropic`. */
  name: string;
  /** The settings it reads; undefined for the built-in echo model, which needs none. */
  settings?: ProviderSettingNames;
  /** The models it serves, with their prices (USD per million tokens, decimal strings): its part of the catalog. */
  models: readonly ProviderModel[];
  createModel(entry: CatalogEntry, connection: ProviderConnection): ChatModel;
}
