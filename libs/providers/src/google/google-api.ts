import type { Agent } from 'undici';

/** The provider name of the native Gemini adapter, as in the catalog. */
export const GOOGLE_PROVIDER = 'google';

/** Everything the Gemini adapter needs to reach the Generative Language API. */
export interface GoogleSettings {
  provider: string;
  /** Base URL without the version path, e.g. `https://generativelanguage.googleapis.com`. */
  baseUrl: string;
  apiKey: string;
  agent: Agent;
}

function modelUrl(settings: GoogleSettings, model: string): string {
  return `${settings.baseUrl.replace(/\/+$/, '')}/v1beta/models/${model}`;
}

/** The non-streaming endpoint: one GenerateContentResponse. */
export function generateContentUrl(settings: GoogleSettings, model: string): string {
  return `${modelUrl(settings, model)}:generateContent`;
}

/** The streaming endpoint: `alt=sse` makes Gemini send one GenerateContentResponse per `data:` line. */
export function streamGenerateContentUrl(settings: GoogleSettings, model: string): string {
  return `${modelUrl(settings, model)}:streamGenerateContent?alt=sse`;
}

/** The key travels in a header rather than the `?key=` query string, so it never lands in URL logs. */
export function googleHeaders(settings: GoogleSettings): Record<string, string> {
  return { 'x-goog-api-key': settings.apiKey };
}
