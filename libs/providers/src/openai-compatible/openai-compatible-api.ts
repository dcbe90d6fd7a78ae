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

/** Everything an OpenAI-compatible adapter needs to reach its provider. */
export interface OpenAiCompatibleSettings {
  provider: string;
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  apiKey: string;
  agent: Agent;
  quirks: OpenAiCompatibleQuirks;
}

export function chatCompletionsUrl(settings: OpenAiCompatibleSettings): string {
  return `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

export function openAiCompatibleHeaders(settings: OpenAiCompatibleSettings, requestId: string): Record<string, string> {
  return { authorization: `Bearer ${settings.apiKey}`, 'x-request-id': requestId };
}
