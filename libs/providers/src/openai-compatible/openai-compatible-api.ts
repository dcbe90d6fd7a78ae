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
  /** How the provider spells `tool_choice: "required"` (Mistral: `any`). */
  requiredToolChoice?: string;
  /** Whether the upstream accepts `stream_options: {include_usage: true}` (it reports usage in the last chunk). */
  streamUsageOption: boolean;
}

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

/** OpenAI itself: everything but `top_k`. */
export const OPENAI_QUIRKS: OpenAiCompatibleQuirks = { unsupportedSettings: ['top_k'], streamUsageOption: true };
