import { z } from 'zod';
import { nonNegativeDecimalString } from './decimal-string';

/** The price of one request in USD: provider cost (`base`), the gateway's `commission`, and their sum. */
export const costSchema = z.object({
  base: nonNegativeDecimalString,
  commission: nonNegativeDecimalString,
  total: nonNegativeDecimalString,
});
export type Cost = z.infer<typeof costSchema>;
