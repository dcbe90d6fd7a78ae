import { perThousandFromPerMillion } from '@tollgate/billing';
import type { ProviderRegistry } from '@tollgate/providers';
import type { Request, Response } from 'express';

/**
 * `GET /api/capabilities`: the model list LightningProx clients read — id, provider, price per 1k tokens (and per
 * million), availability — for every model of the catalog.
 */
export function capabilitiesHandler(registry: ProviderRegistry) {
  return (_request: Request, response: Response): void => {
    response.json({
      models: registry.list().map(({ entry, available }) => ({
        id: entry.id,
        provider: entry.provider,
        name: entry.name,
        upstream_id: entry.upstreamId,
        aliases: entry.aliases,
        price_per_1k_tokens: { input: perThousandFromPerMillion(entry.prices.input), output: perThousandFromPerMillion(entry.prices.output) },
        price_per_million_tokens: entry.prices,
        context_window: entry.contextWindow,
        max_output_tokens: entry.maxOutputTokens,
        available,
      })),
    });
  };
}
