import type { Agent } from 'undici';
import type { CatalogEntry, ModelCatalog } from './catalog/model-catalog';
import type { ChatModel } from './chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS, type UpstreamTimeouts } from './http/upstream-http';
import type { ProviderDefinition } from './provider-definition';
import { ProviderUnavailableError, registerProviderSecret } from './provider-error';

/** The longest model name an error message repeats; a longer one is cut, so a caller cannot inflate the answer. */
const MAX_ECHOED_MODEL_CHARACTERS = 100;

/** A caller-given name as an error message may quote it: at most 100 characters, then `…`. */
export function truncateModelName(model: string): string {
  if (model.length <= MAX_ECHOED_MODEL_CHARACTERS) return model;
  const code = model.charCodeAt(MAX_ECHOED_MODEL_CHARACTERS - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? MAX_ECHOED_MODEL_CHARACTERS - 1 : MAX_ECHOED_MODEL_CHARACTERS; // keep surrogate pairs whole
  return `${model.slice(0, end)}…`;
}

/**
 * The caller named a model the catalog does not have. `model` and the message quote the name cut to 100 characters,
 * so neither an error body nor a log line grows with it.
 */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
  readonly model: string;
  constructor(model: string) {
    const quoted = truncateModelName(model);
    super(`The model \`${quoted}\` does not exist or you do not have access to it.`);
    this.model = quoted;
  }
}

/** A catalog entry with whether it can be served right now. */
export interface ListedModel {
  entry: CatalogEntry;
  available: boolean;
  /** Set when unavailable: the setting that would make it available. */
  missingSetting?: string;
}

/**
 * Resolves a caller's model name to a catalog entry and a ready ChatModel. Settings are read from a flat record of
 * values (the validated config) by the names each definition declares (`ProviderDefinition.settings`); a base URL
 * that is not set is the definition's default. One keep-alive pool per provider.
 */
export class ProviderRegistry {
  private readonly models = new Map<string, ChatModel>();
  private readonly agents = new Map<string, Agent>();
  private readonly definitions: Map<string, ProviderDefinition>;

  constructor(
    readonly catalog: ModelCatalog,
    definitions: readonly ProviderDefinition[],
    private readonly settings: Readonly<Record<string, string | number | undefined>>,
    private readonly timeouts: UpstreamTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.definitions = new Map(definitions.map((definition) => [definition.name, definition]));
    if (this.definitions.size !== definitions.length) throw new Error('providers: a provider name is registered twice');
    for (const entry of catalog.entries) {
      if (!this.definitions.has(entry.provider)) throw new Error(`catalog: ${entry.id} names unknown provider ${entry.provider}`);
    }
  }

  /** The entry and model for a name; throws UnknownModelError or ProviderUnavailableError. */
  resolve(name: string): { entry: CatalogEntry; model: ChatModel } {
    const entry = this.catalog.find(name);
    if (!entry) throw new UnknownModelError(name);
    const cached = this.models.get(entry.id);
    if (cached) return { entry, model: cached };
    const definition = this.definitions.get(entry.provider) as ProviderDefinition;
    const missing = this.missingSetting(definition);
    if (missing) throw new ProviderUnavailableError(entry.provider, missing);
    const names = definition.settings;
    const apiKey = names ? String(this.settings[names.apiKey]) : '';
    registerProviderSecret(apiKey);
    const model = definition.createModel(entry, {
      baseUrl: names ? String(this.settings[names.baseUrl] ?? names.defaultBaseUrl) : '',
      apiKey,
      agent: this.agentFor(entry.provider),
    });
    this.models.set(entry.id, model);
    return { entry, model };
  }

  /** Every catalog model with its availability. */
  list(): ListedModel[] {
    return this.catalog.entries.map((entry) => {
      const missingSetting = this.missingSetting(this.definitions.get(entry.provider) as ProviderDefinition);
      return { entry, available: missingSetting === undefined, missingSetting };
    });
  }

  /** Closes every connection pool. */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
  }

  private missingSetting(definition: ProviderDefinition): string | undefined {
    if (!definition.settings) return undefined;
    const key = definition.settings.apiKey;
    return this.settings[key] ? undefined : key;
  }

  private agentFor(provider: string): Agent {
    let agent = this.agents.get(provider);
    if (!agent) {
      agent = createUpstreamAgent(this.timeouts);
      this.agents.set(provider, agent);
    }
    return agent;
  }
}
