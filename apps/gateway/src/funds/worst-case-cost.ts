import { maxDecimal, priceUsage } from '@tollgate/billing';
import { countRequestTokens, type CatalogEntry } from '@tollgate/providers';
import { emptyUsage, type ChatCompletionRequest } from '@tollgate/schemas';

/** Tokens assumed per image when reserving funds (images are not counted by the text tokenizer). */
const TOKENS_PER_IMAGE = 1_600;

/**
 * The most a request can cost on any of its candidate models: every prompt token at the dearest input price
 * (cache writes cost more than plain input), and the whole output budget (`max_tokens`, else the model's maximum)
 * at the dearest output price (reasoning may cost more), commission included.
 */
export function worstCaseCost(request: ChatCompletionRequest, candidates: readonly CatalogEntry[], commissionRate: string): string {
  const images = request.messages.reduce(
    (count, message) => count + (Array.isArray(message.content) ? message.content.filter((part) => part.type === 'image_url').length : 0),
    0,
  );
  const inputTokens = countRequestTokens(request) + images * TOKENS_PER_IMAGE;
  let worst = '0';
  for (const entry of candidates) {
    const outputTokens = Math.min(request.max_completion_tokens ?? request.max_tokens ?? entry.maxOutputTokens, entry.maxOutputTokens);
    const prices = {
      input: maxDecimal(entry.prices.input, entry.prices.cacheWrite ?? '0'),
      output: maxDecimal(entry.prices.output, entry.prices.reasoning ?? '0'),
    };
    const cost = priceUsage({ ...emptyUsage(), inputTokens, outputTokens }, prices, commissionRate).total;
    worst = maxDecimal(cost, worst);
  }
  return worst;
}
