import { maxDecimal, priceUsage } from '@tollgate/billing';
import { inputTokenUpperBound, pricesFor, type CatalogEntry, type ModelPrices } from '@tollgate/providers';
import { emptyUsage, type ChatCompletionRequest } from '@tollgate/schemas';
import type { Candidate } from '../completion/attempt-models';

/**
 * The dearest price per token class a prompt of up to `promptTokens` can be billed at on this model: the tier that
 * bound reaches (tiers never get cheaper, the catalog refuses that), with cache writes as dear as they get (they
 * cost more than plain input) and reasoning as dear as it gets (it may cost more than output).
 */
function dearestPrices(entry: CatalogEntry, promptTokens: number): Pick<ModelPrices, 'input' | 'output'> {
  const prices = pricesFor(entry, promptTokens);
  return { input: maxDecimal(prices.input, prices.cacheWrite ?? '0'), output: maxDecimal(prices.output, prices.reasoning ?? '0') };
}

/**
 * The most a request can cost on any of its candidate models, commission included: a true upper bound of its
 * prompt tokens (linear in the request's bytes, no tokenizer: see `inputTokenUpperBound`) at the dearest input
 * price, plus the whole output budget computed for that model at admission at the dearest output price.
 */
export function worstCaseCost(request: ChatCompletionRequest, candidates: readonly Candidate[], commissionRate: string): string {
  let worst = '0';
  for (const { entry, maxOutputTokens } of candidates) {
    const inputTokens = inputTokenUpperBound(request, entry);
    const usage = { ...emptyUsage(), inputTokens, outputTokens: maxOutputTokens };
    worst = maxDecimal(worst, priceUsage(usage, dearestPrices(entry, inputTokens), commissionRate).total);
  }
  return worst;
}
