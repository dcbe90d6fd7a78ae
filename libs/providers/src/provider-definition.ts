import type { Agent } from 'undici';
import type { CatalogEntry } from './catalog/model-catalog';
import type { ChatModel } from './chat-model';

/** How to reach a provider: base URL, key and its keep-alive pool. */
export interface ProviderConnection {
  baseUrl: string;
  apiKey: string;
  agent: Agent;
}

/**
 * One provider, as the registry knows it. Adding a provider is a folder exporting one of these and one line in
 * provider-definitions.ts.
 */
export interface ProviderDefinition {
  /** The catalog's `provider` value, e.g. `anthropic`. */
  name: string;
  /**
   * Prefix of its settings: `<PREFIX>_BASE_URL` and `<PREFIX>_API_KEY` (e.g. `ANTHROPIC`). Undefined for the
   * built-in echo model, which needs none.
   */
  settingsPrefix?: string;
  createModel(entry: CatalogEntry, connection: ProviderConnection): ChatModel;
}
