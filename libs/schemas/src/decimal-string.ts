import { z } from 'zod';

/**
 * An exact decimal number carried as a string ("0.0000016", "-12.5"). Money never travels as a JS number:
 * JSON numbers are IEEE doubles and lose digits.
 */
export const decimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number written as a string, e.g. "0.25"');

/** A decimal string that must not be negative (prices, costs, rates). */
export const nonNegativeDecimalString = decimalString.refine((value) => !value.startsWith('-'), 'must not be negative');
