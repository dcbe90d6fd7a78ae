import { isNativeError } from 'node:util/types';
import { z } from 'zod';
import { costSchema, decimalString } from '@tollgate/schemas';

/** How long one gateway call may take before it is abandoned (a model may think for minutes). */
export const DEFAULT_GATEWAY_TIMEOUT_MS = 300_000;

const textBlockSchema = z.object({ type: z.literal('text'), text: z.string() });

/** The part of an Anthropic Messages response the MCP tools read; other fields are kept but not required. */
export const messageResponseSchema = z.looseObject({
  id: z.string(),
  model: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullable().optional(),
  usage: z.looseObject({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    cost: costSchema.optional(),
  }),
});
export type MessageResponse = z.infer<typeof messageResponseSchema>;

// Prices arrive as decimal strings; a number is accepted too (read as written) so a catalog never breaks the list.
const priceSchema = z.union([decimalString, z.number().nonnegative().transform((value) => String(value))]);
const pricePairSchema = z.looseObject({ input: priceSchema, output: priceSchema });

/** One model of `GET /api/capabilities`. */
export const capabilityModelSchema = z.looseObject({
  id: z.string(),
  provider: z.string(),
  name: z.string().optional(),
  price_per_million_tokens: pricePairSchema,
  available: z.boolean().optional(),
  aliases: z.array(z.string()).optional(),
});
export type CapabilityModel = z.infer<typeof capabilityModelSchema>;

export const capabilitiesResponseSchema = z.looseObject({ models: z.array(capabilityModelSchema) });

const tokenCountSchema = z.number().int().nonnegative();

/** `GET /v1/balance`: money as decimal strings (USD); `tokens` read as the total (the gateway breaks it down). */
export const balanceResponseSchema = z.looseObject({
  balance_usd: decimalString,
  credit_limit_usd: decimalString,
  debt_usd: decimalString,
  requests: z.number().int().nonnegative(),
  tokens: z.union([tokenCountSchema, z.looseObject({ total: tokenCountSchema }).transform((tokens) => tokens.total)]),
  expires_at: z.string().nullable(),
});
export type BalanceResponse = z.infer<typeof balanceResponseSchema>;

// Both envelopes the gateway speaks ({"type":"error","error":{…}} on /v1/messages, OpenAI's elsewhere) carry
// error.message; a bare {"error":"…"} is read too.
const errorBodySchema = z.object({
  error: z.union([z.looseObject({ message: z.string(), type: z.string().optional() }), z.string()]),
});

/** A failed gateway call: the gateway's own message, with its HTTP status and error type when it answered. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    message: string,
    /** The HTTP status, or `undefined` when the gateway could not be reached or did not answer in time. */
    readonly status?: number,
    /** The gateway's error type (`invalid_request_error`, `authentication_error`, …). */
    readonly type?: string,
  ) {
    super(message);
  }
}

/** One message to one model, paid with a spend token. */
export interface CreateMessageInput {
  model: string;
  message: string;
  maxTokens: number;
  spendToken: string;
}

/** A Lightning invoice for prepaid credit (`POST /v1/topup` answers it with 402, as does an unpaid charge). */
export const invoiceResponseSchema = z.looseObject({
  charge_id: z.string(),
  payment_request: z.string(),
  amount_sats: z.number(),
  amount_usd: z.string(),
  expires_at: z.string(),
});
export type InvoiceResponse = z.infer<typeof invoiceResponseSchema>;

/** `POST /v1/tokens` once paid: the new token (shown once), or the status of a charge redeemed before. */
export const redeemedResponseSchema = z.looseObject({
  spend_token: z.string().nullable(),
  status: z.string().optional(),
  expires_at: z.string().nullable().optional(),
  // Null once the token was shown: the gateway shows an account's balance only to a caller presenting its token.
  balance_usd: z.string().nullable(),
});
export type RedeemedResponse = z.infer<typeof redeemedResponseSchema>;

/** The gateway calls the MCP tools make. Each resolves with parsed data or rejects with a `GatewayError`. */
export interface GatewayClient {
  readonly baseUrl: string;
  createMessage(input: CreateMessageInput, signal?: AbortSignal): Promise<MessageResponse>;
  listModels(signal?: AbortSignal): Promise<CapabilityModel[]>;
  getBalance(spendToken: string, signal?: AbortSignal): Promise<BalanceResponse>;
  /** A Lightning invoice worth `amountSats` of credit (`POST /v1/topup`). */
  createInvoice(input: { amountSats: number; durationHours?: number }, signal?: AbortSignal): Promise<InvoiceResponse>;
  /** Redeems a charge (`POST /v1/tokens`): the token once paid, or the invoice again while unpaid. */
  redeemCharge(chargeId: string, signal?: AbortSignal): Promise<{ paid: true; redeemed: RedeemedResponse } | { paid: false; invoice: InvoiceResponse }>;
}

export interface GatewayClientOptions {
  /** e.g. `http://127.0.0.1:8080` (see `readSettings`). */
  baseUrl: string;
  timeoutMs?: number;
}

/** The text blocks of an answer, joined (`content[0].text` for a plain answer). */
export function answerText(response: MessageResponse): string {
  const texts = response.content.flatMap((block) => {
    const text = textBlockSchema.safeParse(block);
    return text.success ? [text.data.text] : [];
  });
  return texts.join('');
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_GATEWAY_TIMEOUT_MS;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T>,
    init: { spendToken?: string; body?: unknown; signal?: AbortSignal; /** 402 is an answer here, not an error. */ paymentRequired?: boolean },
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.spendToken !== undefined) headers['x-spend-token'] = init.spendToken;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) throw new GatewayError(`the tollgate gateway at ${baseUrl} did not answer ${method} ${path} within ${timeoutMs / 1000} s`);
      if (init.signal?.aborted) throw new GatewayError(`${method} ${path} was cancelled`);
      throw new GatewayError(`cannot reach the tollgate gateway at ${baseUrl}: ${describeNetworkError(error)}`);
    }
    const json = parseJson(text);
    if (!response.ok && !(init.paymentRequired && response.status === 402)) throw errorFromResponse(response.status, json, `${method} ${path}`);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      throw new GatewayError(`unexpected answer from the tollgate gateway to ${method} ${path}${where}: ${issue?.message ?? 'not JSON'}`, response.status);
    }
    return parsed.data;
  }

  return {
    baseUrl,
    createMessage: (input, signal) =>
      call('POST', '/v1/messages', messageResponseSchema, {
        spendToken: input.spendToken,
        signal,
        body: { model: input.model, messages: [{ role: 'user', content: input.message }], max_tokens: input.maxTokens },
      }),
    listModels: async (signal) => (await call('GET', '/api/capabilities', capabilitiesResponseSchema, { signal })).models,
    getBalance: (spendToken, signal) => call('GET', '/v1/balance', balanceResponseSchema, { spendToken, signal }),
    createInvoice: (input, signal) =>
      call('POST', '/v1/topup', invoiceResponseSchema, {
        signal,
        paymentRequired: true,
        body: { amount_sats: input.amountSats, ...(input.durationHours ? { duration_hours: input.durationHours } : {}) },
      }),
    redeemCharge: async (chargeId, signal) => {
      const answer = await call('POST', '/v1/tokens', z.union([invoiceResponseSchema, redeemedResponseSchema]), { signal, paymentRequired: true, body: { charge_id: chargeId } });
      return 'payment_request' in answer ? { paid: false, invoice: answer as InvoiceResponse } : { paid: true, redeemed: answer as RedeemedResponse };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorFromResponse(status: number, json: unknown, request: string): GatewayError {
  const body = errorBodySchema.safeParse(json);
  if (!body.success) return new GatewayError(`the tollgate gateway answered ${request} with HTTP ${status} and no error message`, status);
  const { error } = body.data;
  // The gateway's own words first, then the status and type a program (or a model) can act on.
  if (typeof error === 'string') return new GatewayError(`${error} (HTTP ${status})`, status);
  return new GatewayError(`${error.message} (HTTP ${status}${error.type ? ` ${error.type}` : ''})`, status, error.type);
}

// fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is in its cause. isNativeError, not
// instanceof: undici's errors may come from another realm (a test runner's sandbox).
function describeNetworkError(error: unknown): string {
  if (!isNativeError(error)) return String(error);
  const cause: unknown = error.cause;
  if (isNativeError(cause)) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
  }
  return error.message;
}
