import { z } from 'zod';
import { costSchema } from './cost';
import { nonNegativeDecimalString } from './decimal-string';
import { modelPricesSchema } from './prices';
import { usageSchema } from './usage';

/**
 * BullMQ job ids may not be integers nor contain ':'; the request id is also the ledger's unique key.
 * Letters, digits, '-', '_' and '.', 8 to 128 characters, not all digits.
 */
export const requestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{8,128}$/, 'request id: 8-128 of A-Z a-z 0-9 _ . -')
  .refine((value) => !/^\d+$/.test(value), 'request id must not be all digits');

export const authMethodSchema = z.enum(['api-key', 'spend-token', 'jwt', 'x402']);
export type AuthMethod = z.infer<typeof authMethodSchema>;

export const meteringStatusSchema = z.enum(['ok', 'partial', 'error']);
export type MeteringStatus = z.infer<typeof meteringStatusSchema>;

/**
 * Version 1 of the event the gateway emits once per request that reached a provider. It carries the priced
 * result: the worker records it as is and never looks a price up.
 */
export const meteringEventV1Schema = z.object({
  version: z.literal(1),
  requestId: requestIdSchema,
  accountId: z.uuid(),
  apiKeyId: z.uuid().nullable(),
  authMethod: authMethodSchema,
  /** The catalog id the caller was served by (after any fallback), e.g. `openai/gpt-4o`. */
  model: z.string().min(1),
  provider: z.string().min(1),
  usage: usageSchema,
  prices: modelPricesSchema,
  commissionRate: nonNegativeDecimalString,
  cost: costSchema,
  status: meteringStatusSchema,
  streamed: z.boolean(),
  /** Set when status is `error` or `partial`: what went wrong, for operators. */
  errorCode: z.string().max(200).optional(),
  timings: z.object({
    startedAt: z.iso.datetime(),
    firstByteMs: z.number().int().nonnegative().optional(),
    durationMs: z.number().int().nonnegative(),
  }),
});
export type MeteringEventV1 = z.infer<typeof meteringEventV1Schema>;

/** Every version the worker understands, discriminated by `version`. */
export const meteringEventSchema = z.discriminatedUnion('version', [meteringEventV1Schema]);
export type MeteringEvent = z.infer<typeof meteringEventSchema>;

/** The BullMQ queue metering events travel on, unless configured otherwise. */
export const DEFAULT_METERING_QUEUE = 'metering';
