import type { ProviderRegistry } from '@tollgate/providers';
import type { Request, Response } from 'express';

/**
 * `GET /v1/models`: the catalog in OpenAI's list format, with prices (USD per million tokens) and availability.
 * Anyone may call it: an unavailable model says only that its provider is not configured here — which setting is
 * missing is for the operator (the gateway's start-up log and the 503's log line), not for callers.
 */
export function modelsHandler(registry: ProviderRegistry) {
  return (_request: Request, response: Response): void => {
    response.json({
      object: 'list',
      data: registry.list().map(({ entry, available }) => ({
        id: entry.id,
        object: 'model',
        created: 0,
        owned_by: entry.provider,
        name: entry.name,
        upstream_id: entry.upstreamId,
        aliases: entry.aliases,
        context_window: entry.contextWindow,
        max_output_tokens: entry.maxOutputTokens,
        pricing: { currency: 'USD', unit: 'per_million_tokens', ...entry.prices },
        available,
        ...(available ? {} : { unavailable_reason: `${entry.provider} is not configured on this gateway` }),
      })),
    });
  };
}
