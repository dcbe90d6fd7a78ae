import type { ExactEIP3009Payload } from '@x402/evm';
import { PaymentPayloadV1Schema, PaymentPayloadV2Schema, type PaymentPayloadV1, type PaymentPayloadV2 } from '@x402/core/schemas';
import type { Request } from 'express';
import { z } from 'zod';
import { X402_REASONS, X402Refusal } from './x402-refusal';

/** A payment as a request carried it: `X-PAYMENT` (x402 v1) or `PAYMENT-SIGNATURE` (v2), decoded and parsed. */
export type PresentedPayment = { version: 1; payload: PaymentPayloadV1 } | { version: 2; payload: PaymentPayloadV2 };

/** A payment header is a few hundred bytes; a longer one is refused before it is decoded (bounded work). */
const MAX_HEADER_LENGTH = 16 * 1024;

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** A hex string of a given shape, typed as viem and @x402/evm type it. */
const hex = (shape: RegExp) => z.custom<`0x${string}`>((value) => typeof value === 'string' && shape.test(value), { message: 'not hex of the expected length' });
const address = hex(/^0x[0-9a-fA-F]{40}$/);
const uint256 = z.string().regex(/^\d{1,78}$/);

/**
 * The exact scheme's EVM payload with an EIP-3009 authorization (what USDC takes), as @x402/evm types it; @x402/evm
 * ships no schema for it, so this one is checked against its type.
 */
export const exactEvmPayloadSchema = z.object({
  signature: hex(/^0x[0-9a-fA-F]{2,2048}$/),
  authorization: z.object({
    from: address,
    to: address,
    value: uint256,
    validAfter: uint256,
    validBefore: uint256,
    nonce: hex(/^0x[0-9a-fA-F]{64}$/),
  }),
}) satisfies z.ZodType<ExactEIP3009Payload>;

/** A parsed exact-EVM payload. */
export type ExactEvmPayload = z.infer<typeof exactEvmPayloadSchema>;

function decodeHeader(value: string, version: 1 | 2): PresentedPayment {
  const text = value.trim();
  if (text.length > MAX_HEADER_LENGTH || !BASE64.test(text)) throw new X402Refusal(X402_REASONS.invalidPayload, 'The payment header is not base64.');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    throw new X402Refusal(X402_REASONS.invalidPayload, 'The payment header is not base64 JSON.');
  }
  const declared = typeof json === 'object' && json !== null ? (json as { x402Version?: unknown }).x402Version : undefined;
  if (declared !== version) throw new X402Refusal(X402_REASONS.invalidVersion, `${version === 1 ? 'X-PAYMENT' : 'PAYMENT-SIGNATURE'} carries x402 version ${version} payments.`);
  if (version === 1) {
    const parsed = PaymentPayloadV1Schema.safeParse(json);
    if (!parsed.success) throw new X402Refusal(X402_REASONS.invalidPayload, 'The payment is not an x402 v1 payment payload.');
    return { version: 1, payload: parsed.data };
  }
  const parsed = PaymentPayloadV2Schema.safeParse(json);
  if (!parsed.success) throw new X402Refusal(X402_REASONS.invalidPayload, 'The payment is not an x402 v2 payment payload.');
  return { version: 2, payload: parsed.data };
}

/** The payment a request carries (`PAYMENT-SIGNATURE` first, then `X-PAYMENT`), or undefined; throws X402Refusal when malformed. */
export function presentedPayment(request: Request): PresentedPayment | undefined {
  const v2 = request.get('payment-signature');
  if (v2) return decodeHeader(v2, 2);
  const v1 = request.get('x-payment');
  if (v1) return decodeHeader(v1, 1);
  return undefined;
}

/** Whether a request carries an x402 payment header at all (authentication lets it through to the route). */
export function carriesPayment(request: Request): boolean {
  return Boolean(request.get('payment-signature') || request.get('x-payment'));
}

/** The exact-EVM payload inside a payment, or an `invalid_payload` refusal. */
export function exactEvmPayload(payment: PresentedPayment): ExactEvmPayload {
  const parsed = exactEvmPayloadSchema.safeParse(payment.payload.payload);
  if (!parsed.success) throw new X402Refusal(X402_REASONS.invalidPayload, 'The payment is not an exact-scheme EIP-3009 authorization.');
  return parsed.data;
}
