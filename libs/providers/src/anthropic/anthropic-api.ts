import type { Agent } from 'undici';

/** The Messages API version tollgate speaks; it fixes the wire format of requests, responses and stream events. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Everything the Anthropic adapter needs to reach the API. */
export interface AnthropicSettings {
  /** The catalog's provider name (`anthropic`). */
  provider: string;
  /** Base URL without the version path, e.g. `https://api.anthropic.com`. */
  baseUrl: string;
  apiKey: string;
  agent: Agent;
}

export function anthropicMessagesUrl(settings: Pick<AnthropicSettings, 'baseUrl'>): string {
  return `${settings.baseUrl.replace(/\/+$/, '')}/v1/messages`;
}

export function anthropicHeaders(settings: Pick<AnthropicSettings, 'apiKey'>, requestId: string): Record<string, string> {
  return { 'x-api-key': settings.apiKey, 'anthropic-version': ANTHROPIC_VERSION, 'x-request-id': requestId };
}
