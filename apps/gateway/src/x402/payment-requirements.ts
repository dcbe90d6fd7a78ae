import { encodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequiredV1, PaymentRequirementsV1 } from '@x402/core/schemas';
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { GatewayError } from '../errors/gateway-error';
import { usdcAtomicToUsd } from './usdc-amount';
import type { X402Deps } from './x402-deps';

/** What one 402 asks for: an amount of USDC for a resource. */
export interface PaymentAsk {
  /** USDC atomic units (6 decimals). */
  amountAtomic: bigint;
  /** The absolute URL of the request being paid for. */
  resourceUrl: string;
  description: string;
  /** What the resource answers with. */
  mimeType: string;
}

/** The `extra` of an exact-EVM requirement: the asset's EIP-712 domain, which the client signs with. */
function domainExtra(deps: X402Deps): Record<string, unknown> {
  return { name: deps.network.domain.name, version: deps.network.domain.version };
}

/** The x402 v1 requirements (the 402 body's `accepts`): `maxAmountRequired` is the least a v1 payment may carry. */
export function requirementsV1(deps: X402Deps, ask: PaymentAsk): PaymentRequirementsV1 {
  return {
    scheme: 'exact',
    network: deps.network.name,
    maxAmountRequired: ask.amountAtomic.toString(),
    resource: ask.resourceUrl,
    description: ask.description,
    mimeType: ask.mimeType,
    payTo: deps.payTo,
    maxTimeoutSeconds: deps.maxTimeoutSeconds,
    asset: deps.network.asset,
    extra: domainExtra(deps),
  };
}

/** The x402 v2 requirements (in `PAYMENT-REQUIRED`): `amount` is exactly what a v2 payment carries. */
export function requirementsV2(deps: X402Deps, ask: PaymentAsk): PaymentRequirements {
  return {
    scheme: 'exact',
    network: deps.network.caip2,
    amount: ask.amountAtomic.toString(),
    asset: deps.network.asset,
    payTo: deps.payTo,
    maxTimeoutSeconds: deps.maxTimeoutSeconds,
    extra: domainExtra(deps),
  };
}

/**
 * The 402 asking for `ask`, in both protocol versions at once: the v1 JSON body (`x402Version: 1`, `error`,
 * `accepts`) and the v2 `PAYMENT-REQUIRED` header (base64 JSON). `error` is an x402 error code when a payment was
 * refused, else a sentence. `headers` adds others (L402's `WWW-Authenticate`, so that one 402 offers both).
 */
export function paymentRequired(deps: X402Deps, ask: PaymentAsk, error: string, headers: Record<string, string> = {}): GatewayError {
  const body: PaymentRequiredV1 = { x402Version: 1, error, accepts: [requirementsV1(deps, ask)] };
  const header: PaymentRequired = {
    x402Version: 2,
    error,
    resource: { url: ask.resourceUrl, description: ask.description, mimeType: ask.mimeType },
    accepts: [requirementsV2(deps, ask)],
  };
  return new GatewayError({
    status: 402,
    type: 'insufficient_funds',
    code: 'payment_required',
    message: `Payment required: ${usdcAtomicToUsd(ask.amountAtomic)} USDC on ${deps.network.name} (x402): ${error}`,
    headers: { ...headers, 'payment-required': encodePaymentRequiredHeader(header) },
    body,
  });
}
