import { compareDecimals } from '@tollgate/billing';
import { modelPricesSchema, type ModelPrices } from '@tollgate/schemas';
import { z } from 'zod';

/**
 * Prices that apply instead of an entry's base `prices` once a request's prompt has more than `aboveInputTokens`
 * tokens, for the whole request (input, output and cache), as Google bills Gemini 2.5 Pro above 200k tokens.
 */
export const priceTierSchema = z.object({
  aboveInputTokens: z.number().int().positive(),
  prices: modelPricesSchema,
});
export type PriceTier = z.infer<typeof priceTierSchema>;

/** What `pricesFor` reads of a catalog entry. */
export interface TieredPrices {
  prices: ModelPrices;
  priceTiers?: readonly PriceTier[];
}

/**
 * The prices of a request whose prompt has `promptTokens` tokens: those of the highest tier whose `aboveInputTokens`
 * is below it, else the base prices. Tiers never get cheaper (the catalog refuses that, see `cheaperTokenClass`), so
 * the prices for an upper bound of the prompt are the most any prompt up to that bound can cost: reserve with
 * `pricesFor(entry, inputTokenUpperBound(...))`, settle with the reported prompt tokens.
 */
export function pricesFor(entry: TieredPrices, promptTokens: number): ModelPrices {
  let prices = entry.prices;
  for (const tier of entry.priceTiers ?? []) {
    if (tier.aboveInputTokens < promptTokens) prices = tier.prices;
  }
  return prices;
}

/** A class's price with the fallbacks libs/billing applies: reasoning → output, cache read / write → input. */
function effectivePrice(prices: ModelPrices, tokenClass: keyof ModelPrices): string {
  if (tokenClass === 'reasoning') return prices.reasoning ?? prices.output;
  if (tokenClass === 'cacheRead' || tokenClass === 'cacheWrite') return prices[tokenClass] ?? prices.input;
  return prices[tokenClass];
}

const TOKEN_CLASSES: ReadonlyArray<keyof ModelPrices> = ['input', 'output', 'reasoning', 'cacheRead', 'cacheWrite'];

/**
 * The first token class that `higher` prices below `lower`, or undefined when none: a tier cheaper than the one
 * before it would make the worst case depend on the exact prompt size, which is not known before the call.
 */
export function cheaperTokenClass(lower: ModelPrices, higher: ModelPrices): keyof ModelPrices | undefined {
  return TOKEN_CLASSES.find((tokenClass) => compareDecimals(effectivePrice(higher, tokenClass), effectivePrice(lower, tokenClass)) < 0);
}
