import { perThousandFromPerMillion } from '@tollgate/billing';
import type { ProviderRegistry } from '@tollgate/providers';
import type { Request, Response } from 'express';

/**
 * The price per 1k tokens as one printable value: LightningProx's client renders `$${price_per_1k_tokens}/1k tokens`,
 * so `0.003 in / $0.015 out` reads "$0.003 in / $0.015 out/1k tokens" there.
 */
function printablePricePer1k(input: string, output: string): string {
  return `${input} in / $${output} out`;
}

/**
 * `GET /api/capabilities`: the model list LightningProx clients read — id, provider, price per 1k tokens (one
 * printable value, as their client shows it; structured in `price_per_1k_tokens_usd` and `price_per_million_tokens`),
 * availability — for every model of the catalog.
 */
export function capabilitiesHandler(registry: ProviderRegistry) {
  return (_request: Request, response: Response): void => {
    response.json({
      models: registry.list().map(({ entry, available }) => {
        const per1k = { input: perThousandFromPerMillion(entry.prices.input), output: perThousandFromPerMillion(entry.prices.output) };
        return {
          id: entry.id,
          provider: entry.provider,
          name: entry.name,
          upstream_id: entry.upstreamId,
          aliases: entry.aliases,
          price_per_1k_tokens: printablePricePer1k(per1k.input, per1k.output),
          price_per_1k_tokens_usd: per1k,
          price_per_million_tokens: entry.prices,
          context_window: entry.contextWindow,
          max_output_tokens: entry.maxOutputTokens,
          available,
        };
      }),
    });
  };
}
