import type { Agent } from 'undici';

/**
 * Acme is a made-up provider with a wire format of its own (not OpenAI's): a throwaway provider folder that shows a
 * native adapter needs nothing outside its folder but one registry line. Everything it needs to reach its API:
 */
export interface AcmeSettings {
  provider: string;
  /** Base URL, e.g. `https://api.acme.example/v2`. */
  baseUrl: string;
  apiKey: string;
  agent: Agent;
}

export function acmeCompleteUrl(settings: Pick<AcmeSettings, 'baseUrl'>): string {
  return `${settings.baseUrl.replace(/\/+$/, '')}/complete`;
}

export function acmeHeaders(settings: Pick<AcmeSettings, 'apiKey'>, requestId: string): Record<string, string> {
  return { 'x-acme-key': settings.apiKey, 'x-request-id': requestId };
}
