import type { ChatCompletionRequest } from '@tollgate/schemas';
import type { Agent } from 'undici';

/**
 * How one OpenAI-compatible provider differs from OpenAI. Adding such a provider is a settings object, not code.
 */
export interface OpenAiCompatibleQuirks {
  /** Request fields the provider rejects or ignores: dropped with a warning, refused in strict mode. */
  unsupportedSettings: ReadonlyArray<keyof ChatCompletionRequest>;
  /** Request fields the provider spells differently, e.g. Mistral's `seed` → `random_seed`. */
  renamedSettings?: Partial<Record<keyof ChatCompletionRequest, string>>;
  /**
   * The field that carries the output budget upstream: OpenAI's `max_completion_tokens` (its reasoning models refuse
   * `max_tokens`), or `max_tokens` where the provider knows no other (Mistral, Together). The caller's own
   * `max_tokens` / `max_completion_tokens` are never forwarded: the budget the gateway reserved is sent instead.
   */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** How the provider spells `tool_choice: "required"` (Mistral: `any`). */
  requiredToolChoice?: string;
  /**
   * Whether the upstream accepts `stream_options: {include_usage: true}`. When false (Mistral, which rejects the
   * field) the provider must report usage in its last chunk unasked.
   */
  streamUsageOption: boolean;
  /**
   * Message fields the provider rejects (Mistral: `name` and `refusal`): dropped with a warning, refused in strict
   * mode. A field that is null carries nothing and is dropped without a word.
   */
  unsupportedMessageFields?: ReadonlyArray<OpenAiCompatibleMessageField>;
  /**
   * The provider accepts only tool call ids of exactly `length` characters a-z, A-Z, 0-9 in the conversation
   * (Mistral: 9). Any other id, e.g. from a conversation held with OpenAI, is sent as an id derived from it, the
   * same in the assistant's call and in the tool's answer, so the pairs still match.
   */
  alphanumericToolCallIds?: { length: number };
}

/** Optional message fields a provider may reject. */
export type OpenAiCompatibleMessageField = 'name' | 'refusal';

/**
 * Azure OpenAI's deployment addressing: the deployment is in the path, the API version in the `api-version` query,
 * and the key in an `api-key` header rather than `Authorization: Bearer`.
 */
export interface AzureDeployment {
  /** The deployment's name, e.g. `gpt-4o-prod`: `{baseUrl}/openai/deployments/{deployment}/chat/completions`. */
  deployment: string;
  /** The `api-version` query, e.g. `2024-10-21`. */
  apiVersion: string;
}

/** Everything an OpenAI-compatible adapter needs to reach its provider. */
export interface OpenAiCompatibleSettings {
  provider: string;
  /** Base URL including the version path, e.g. `https://api.openai.com/v1` (Azure: the resource, `https://x.openai.azure.com`). */
  baseUrl: string;
  /** The key; empty for an endpoint that takes none (a local vLLM or Ollama), which is then sent no credential. */
  apiKey: string;
  agent: Agent;
  quirks: OpenAiCompatibleQuirks;
  /** Set for Azure OpenAI: the URL and key header take its shape (see AzureDeployment). */
  azure?: AzureDeployment;
  /**
   * Extra headers sent on every call (e.g. `OpenAI-Organization`, a proxy's routing header). They cannot replace the
   * credential, `x-request-id` or the content headers, which are set after them.
   */
  headers?: Readonly<Record<string, string>>;
}

export function chatCompletionsUrl(settings: OpenAiCompatibleSettings): string {
  const base = settings.baseUrl.replace(/\/+$/, '');
  if (!settings.azure) return `${base}/chat/completions`;
  const { deployment, apiVersion } = settings.azure;
  return `${base}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(apiVersion)}`;
}

/** The headers of one call: the extra ones first, then the credential (`api-key` on Azure) and the request id. */
export function openAiCompatibleHeaders(settings: OpenAiCompatibleSettings, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) headers[name.toLowerCase()] = value;
  if (settings.apiKey) {
    if (settings.azure) headers['api-key'] = settings.apiKey;
    else headers.authorization = `Bearer ${settings.apiKey}`;
  }
  headers['x-request-id'] = requestId;
  return headers;
}
