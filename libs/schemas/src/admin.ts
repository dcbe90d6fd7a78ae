import { z } from 'zod';

/**
 * The admin API's request and response bodies (under `/admin`). Validation and the OpenAPI document
 * (`GET /openapi.json`) are both derived from these schemas. Money is a decimal string in USD, exact.
 */

/** A USD amount as NUMERIC(38,18) holds it: up to 20 digits before the point and 18 after, not negative. */
export const usdAmount = z
  .string()
  .regex(/^\d{1,20}(\.\d{1,18})?$/, 'must be a decimal amount in USD written as a string, e.g. "25.00" (at most 20 digits before the point and 18 after)')
  .meta({ description: 'USD, a decimal string', example: '25.00' });

/** A USD amount that must be more than zero (top-ups, settlements). */
export const positiveUsdAmount = usdAmount.refine((value) => /[1-9]/.test(value), 'must be more than 0');

/** A per-minute limit: a whole number, 0 = unlimited; null = the configured default (RATE_LIMIT_RPM/TPM). */
const minuteLimit = z.number().int().min(0).max(2_147_483_647).nullable();

const uuid = z.uuid();

/**
 * A string an operator sends that is stored or searched in Postgres: text columns cannot hold U+0000, so it is refused
 * here as a 400 naming the field rather than failing in the database as a 500.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is the very character refused
const inputText = () => z.string().regex(/^[^\u0000]*$/, 'must not contain the NUL character (U+0000)');

export const accountSchema = z
  .object({
    id: uuid,
    name: z.string(),
    creditLimit: usdAmount,
    debt: z.string().meta({ description: 'USD owed; negative when prepaid credit exceeds usage' }),
    available: z.string().meta({ description: 'creditLimit − debt, USD' }),
    status: z.enum(['active', 'suspended']),
    rpm: minuteLimit,
    tpm: minuteLimit,
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Account' });

export const keySchema = z
  .object({
    id: uuid,
    accountId: uuid,
    prefix: z.string().meta({ description: 'the first characters of the key: enough to recognise it, never to use it' }),
    name: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    rpm: minuteLimit,
    tpm: minuteLimit,
    models: z.array(z.string()).meta({ description: 'catalog ids this key may use; empty = every model' }),
    spendCap: usdAmount.nullable().meta({ description: 'the most this key may spend in all, USD; null = no cap of its own' }),
  })
  .meta({ id: 'ApiKey' });

export const createAccountBodySchema = z
  .strictObject({
    name: inputText().min(1).max(200),
    creditLimit: usdAmount,
    rpm: minuteLimit.optional(),
    tpm: minuteLimit.optional(),
    keyName: inputText().min(1).max(200).optional(),
  })
  .meta({ id: 'CreateAccountRequest' });
export type CreateAccountBody = z.infer<typeof createAccountBodySchema>;

export const createdAccountSchema = z
  .object({ account: accountSchema, key: keySchema, apiKey: z.string().meta({ description: 'the key itself: shown once, never again' }) })
  .meta({ id: 'CreatedAccount' });

export const updateAccountBodySchema = z
  .strictObject({
    name: inputText().min(1).max(200).optional(),
    creditLimit: usdAmount.optional(),
    rpm: minuteLimit.optional(),
    tpm: minuteLimit.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'nothing to change: give name, creditLimit, rpm or tpm')
  .meta({ id: 'UpdateAccountRequest' });
export type UpdateAccountBody = z.infer<typeof updateAccountBodySchema>;

export const listAccountsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: inputText().max(200).optional(),
  name: inputText().max(200).optional().meta({ description: 'part of the name, any letter case' }),
  status: z.enum(['active', 'suspended']).optional(),
});

export const accountPageSchema = z.object({ data: z.array(accountSchema), nextCursor: z.string().nullable() }).meta({ id: 'AccountPage' });

/** A catalog model id as the catalog spells it: `provider/model` (`anthropic/claude-sonnet-4.5`). */
export const catalogModelId = z.string().regex(/^[a-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be a catalog model id, provider/model (e.g. anthropic/claude-sonnet-4.5)');

export const issueKeyBodySchema = z
  .strictObject({
    name: inputText().min(1).max(200).optional(),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
    models: z
      .array(inputText().min(1).max(200))
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'the models this key may use (catalog ids, upstream ids or aliases; stored as catalog ids); absent = every model' }),
    spendCap: positiveUsdAmount.optional().meta({ description: 'the most this key may spend in all, USD; absent = no cap of its own' }),
  })
  .meta({ id: 'IssueKeyRequest' });

export const issuedKeySchema = z.object({ key: keySchema, apiKey: z.string().meta({ description: 'shown once, never again' }) }).meta({ id: 'IssuedKey' });

export const keyListSchema = z.object({ data: z.array(keySchema) }).meta({ id: 'ApiKeyList' });

export const topupBodySchema = z
  .strictObject({ amount: positiveUsdAmount, reference: inputText().min(1).max(200).optional(), description: inputText().max(500).optional() })
  .meta({ id: 'TopupRequest' });

export const settlementBodySchema = z
  .strictObject({
    amount: positiveUsdAmount,
    // Blank is refused as the ledger refuses it: a settlement is matched to its invoice or transfer by this.
    reference: inputText().min(1).max(200).regex(/\S/, 'must not be blank').meta({ description: 'what paid it: an invoice number, a transaction hash' }),
    description: inputText().max(500).optional(),
  })
  .meta({ id: 'SettlementRequest' });
export type PaymentBody = z.infer<typeof topupBodySchema>;

export const paymentSchema = z
  .object({
    id: uuid,
    accountId: uuid,
    kind: z.enum(['topup', 'settlement']),
    amount: usdAmount,
    reference: z.string().nullable(),
    description: z.string().nullable(),
    actor: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Payment' });

export const recordedPaymentSchema = z
  .object({
    payment: paymentSchema,
    account: z.object({ id: uuid, debt: z.string(), creditLimit: usdAmount, available: z.string() }),
    replayed: z.boolean().meta({ description: 'true when this Idempotency-Key was seen before: the first result, nothing recorded again' }),
  })
  .meta({ id: 'RecordedPayment' });

export const paymentPageSchema = z.object({ data: z.array(paymentSchema), nextCursor: z.string().nullable() }).meta({ id: 'PaymentPage' });

// Year 0000 passes ISO 8601's pattern but names no day Postgres can hold (the calendar goes from 1 BC to AD 1).
const day = z.iso
  .date()
  .refine((value) => !value.startsWith('0000-'), 'must be a day from 0001-01-01 on')
  .meta({ description: 'a UTC day, YYYY-MM-DD' });

export const usageQuerySchema = z
  .strictObject({
    account: uuid.optional(),
    key: uuid.optional(),
    model: inputText().max(200).optional(),
    provider: inputText().max(100).optional(),
    from: day.optional().meta({ description: 'first UTC day included, YYYY-MM-DD' }),
    to: day.optional().meta({ description: 'last UTC day included, YYYY-MM-DD' }),
    groupBy: z
      .string()
      .regex(/^(day|model|provider|key|account)(,(day|model|provider|key|account))*$/, 'a comma-separated list of day, model, provider, key, account')
      .optional()
      .meta({ description: 'e.g. day or day,model; without it only the totals are given' }),
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, { message: 'from must not be after to', path: ['from'] });

const usageFigures = {
  requests: z.number().int(),
  tokens: z.object({ input: z.number().int(), output: z.number().int(), reasoning: z.number().int(), cacheRead: z.number().int(), cacheWrite: z.number().int(), total: z.number().int() }),
  cost: z.object({ base: z.string(), commission: z.string(), total: z.string() }),
};

export const usageReportSchema = z
  .object({
    timeZone: z.literal('UTC'),
    from: z.string().nullable(),
    to: z.string().nullable(),
    groupBy: z.array(z.enum(['day', 'model', 'provider', 'key', 'account'])),
    data: z.array(z.object({ group: z.record(z.string(), z.string()), ...usageFigures })),
    totals: z.object(usageFigures),
  })
  .meta({ id: 'UsageReport' });

export const debtorsQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(20) });

export const debtorsSchema = z
  .object({
    data: z.array(z.object({ accountId: uuid, name: z.string(), debt: z.string(), creditLimit: z.string(), available: z.string(), suspended: z.boolean(), lastUsedAt: z.string().nullable() })),
  })
  .meta({ id: 'Debtors' });

export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  // Audit ids are Postgres bigints: 19 digits can still exceed int8, which would fail in the query as a 500.
  cursor: z
    .string()
    .regex(/^\d{1,19}$/, 'a cursor from a previous page')
    .refine((value) => !/^\d+$/.test(value) || BigInt(value) <= 9_223_372_036_854_775_807n, 'a cursor from a previous page')
    .optional(),
  targetType: z.enum(['account', 'key', 'payment']).optional(),
  targetId: inputText().max(100).optional(),
});

export const auditPageSchema = z
  .object({
    data: z.array(
      z.object({ id: z.string(), actor: z.string(), action: z.string(), targetType: z.string(), targetId: z.string(), before: z.unknown(), after: z.unknown(), createdAt: z.iso.datetime() }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'AuditPage' });
