import { z } from 'zod';
import { nonNegativeDecimalString } from './decimal-string';

/**
 * A model's prices in USD per million tokens, one per billed token class, as decimal strings.
 * Classes a model does not price separately fall back (see libs/billing): reasoning → output,
 * cache read / cache write → input.
 */
export const modelPricesSchema = z.object({
  input: nonNegativeDecimalString,
  output: nonNegativeDecimalString,
  reasoning: nonNegativeDecimalString.optional(),
  cacheRead: nonNegativeDecimalString.optional(),
  cacheWrite: nonNegativeDecimalString.optional(),
});
export type ModelPrices = z.infer<typeof modelPricesSchema>;
