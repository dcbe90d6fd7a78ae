import type { Agent } from 'undici';
import type { CatalogEntry, ModelCatalog } from './catalog/model-catalog';
import type { ChatModel } from './chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS, type UpstreamTimeouts } from './http/upstream-http';
import { KeyPool, type KeyBenching } from './keys/key-pool';
import { readProviderKeys, type ProviderKey } from './keys/provider-key';
import type { ProviderDefinition } from './provider-definition';
import { ProviderUnavailableError } from './provider-error';

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

/** How the registry treats providers' keys. */
export interface ProviderRegistryOptions {
  /** How long a key that keeps failing is benched (PROVIDER_KEY_BENCH_MS); default 60 s. */
  keyBenchMs?: number;
  /** Told once per benching (the gateway logs and counts it); never given the key itself. */
  onKeyBenched?: (benching: KeyBenching) => void;
  /** The clock of the key pools, in milliseconds (tests move it). */
  now?: () => number;
}

/**
 * Resolves a caller's model name to a catalog entry and a ready ChatModel. Settings are read from a flat record of
 * values (the validated config) by the names each definition declares (`ProviderDefinition.settings`); a base URL
 * that is not set is the definition's default. One keep-alive pool per provider, and one KeyPool of its keys (from
 * its `apiKey`, `apiKeys` and `keys` settings, read once here); a ChatModel is made once per catalog entry and key,
 * on first use, so choosing a key costs a request no allocation.
 */
export class ProviderRegistry {
  /** Models by key (undefined for a provider that needs none), then by catalog id. */
  private readonly models = new Map<ProviderKey | undefined, Map<string, ChatModel>>();
  private readonly agents = new Map<string, Agent>();
  private readonly definitions: Map<string, ProviderDefinition>;
  private readonly keyPools = new Map<string, KeyPool>();

  constructor(
    readonly catalog: ModelCatalog,
    definitions: readonly ProviderDefinition[],
    private readonly settings: Readonly<Record<string, string | number | undefined>>,
    private readonly timeouts: UpstreamTimeouts = DEFAULT_TIMEOUTS,
    options: ProviderRegistryOptions = {},
  ) {
    this.definitions = new Map(definitions.map((definition) => [definition.name, definition]));
    if (this.definitions.size !== definitions.length) throw new Error('providers: a provider name is registered twice');
    for (const entry of catalog.entries) {
      if (!this.definitions.has(entry.provider)) throw new Error(`catalog: ${entry.id} names unknown provider ${entry.provider}`);
    }
    const poolOptions = { benchMs: options.keyBenchMs, onBenched: options.onKeyBenched, now: options.now };
    for (const { name, settings: names } of definitions) {
      if (names) this.keyPools.set(name, new KeyPool(name, readProviderKeys(name, names, settings), poolOptions));
    }
  }

  /**
   * The entry and a model for a name, on the next key of its provider's rotation (a benched key only when all
   * are); throws UnknownModelError or ProviderUnavailableError. The gateway's attempts use keysFor and modelFor,
   * which let it move to another key.
   */
  resolve(name: string): { entry: CatalogEntry; model: ChatModel; key?: ProviderKey } {
    const entry = this.catalog.find(name);
    if (!entry) throw new UnknownModelError(name);
    const pool = this.keysFor(entry);
    const key = pool ? (pool.pick() ?? pool.pick(undefined, true)) : undefined;
    return { entry, model: this.modelFor(entry, key), key };
  }

  /**
   * The keys of the entry's provider; undefined for a provider that needs none (the echo model). Throws
   * ProviderUnavailableError, naming its key setting, when it has none.
   */
  keysFor(entry: CatalogEntry): KeyPool | undefined {
    const pool = this.keyPools.get(entry.provider);
    if (pool && pool.keys.length === 0) throw new ProviderUnavailableError(entry.provider, this.missingSetting(this.definitionOf(entry)) as string);
    return pool;
  }

  /** The entry's model calling with `key` (one of keysFor(entry)'s keys), made on first use and kept. */
  modelFor(entry: CatalogEntry, key: ProviderKey | undefined): ChatModel {
    let byEntry = this.models.get(key);
    if (!byEntry) {
      byEntry = new Map();
      this.models.set(key, byEntry);
    }
    const cached = byEntry.get(entry.id);
    if (cached) return cached;
    const names = this.definitionOf(entry).settings;
    const model = this.definitionOf(entry).createModel(entry, {
      baseUrl: names ? String(this.settings[names.baseUrl] ?? names.defaultBaseUrl) : '',
      apiKey: key?.secret ?? '',
      agent: this.agentFor(entry.provider),
    });
    byEntry.set(entry.id, model);
    return model;
  }

  /** Every catalog model with its availability. */
  list(): ListedModel[] {
    return this.catalog.entries.map((entry) => {
      const missingSetting = this.missingSetting(this.definitionOf(entry));
      return { entry, available: missingSetting === undefined, missingSetting };
    });
  }

  /** Closes every connection pool. */
  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((agent) => agent.close()));
  }

  private definitionOf(entry: CatalogEntry): ProviderDefinition {
    return this.definitions.get(entry.provider) as ProviderDefinition;
  }

  /** The setting to set when a provider has no key at all (its single-key setting, the simplest). */
  private missingSetting(definition: ProviderDefinition): string | undefined {
    if (!definition.settings) return undefined;
    return this.keyPools.get(definition.name)?.keys.length ? undefined : definition.settings.apiKey;
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
