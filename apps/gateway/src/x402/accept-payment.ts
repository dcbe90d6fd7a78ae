import { encodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import { findOrCreateWalletAccount, recordPayment, type PaymentKind } from '@tollgate/db';
import { serviceUnavailable } from '../errors/gateway-error';
import { claimNonce, releaseNonce } from './nonce-store';
import { requirementsV1, requirementsV2, type PaymentAsk } from './payment-requirements';
import type { PresentedPayment } from './presented-payment';
import { usdcAtomicToUsd } from './usdc-amount';
import { verifyPayment, type VerifiedPayment } from './verify-payment';
import { X402_REASONS, X402Refusal } from './x402-refusal';
import type { X402Deps } from './x402-deps';

/** A payment taken: the account it was credited to, the ledger's new funds, and the header telling the client. */
export interface AcceptedPayment {
  accountId: string;
  /** The payer, lower-case. */
  walletAddress: string;
  /** The account's credit limit (USD decimal string). */
  creditLimit: string;
  /** The paid value in USD, exactly (atomic / 10^6). */
  amountUsd: string;
  /** The on-chain transaction (with a facilitator), else `x402:<nonce>`. */
  reference: string;
  /** The account's debt after the payment (USD decimal string; negative = credit). */
  debt: string;
  /** `X-PAYMENT-RESPONSE` (v1) / `PAYMENT-RESPONSE` (v2) with the settlement, when a facilitator settled it. */
  responseHeaders: Record<string, string>;
}

/** Where a payment is credited: the payer's own wallet account (pay per request) or a given account (its debt). */
export type PaymentTarget = { kind: 'topup' } | { kind: 'settlement'; accountId: string; creditLimit: string };

const nowSeconds = (deps: X402Deps) => (deps.nowSeconds ?? (() => Math.floor(Date.now() / 1000)))();

/** The requirements as the facilitator must see them: in the payment's own protocol version. */
function facilitatorRequirements(deps: X402Deps, payment: PresentedPayment, ask: PaymentAsk): PaymentRequirements {
  // A v1 payment goes to the facilitator with v1 requirements (x402's /verify takes either; @x402/core types only v2's).
  return payment.version === 1 ? (requirementsV1(deps, ask) as unknown as PaymentRequirements) : requirementsV2(deps, ask);
}

/**
 * Has the facilitator verify, then settle, the payment on-chain (x402's `/verify` and `/settle`): its refusal is the
 * payment's refusal, with the facilitator's reason; a facilitator that cannot be reached refuses it too (nothing was
 * settled). Returns its settlement response (with the transaction hash).
 */
async function settleThroughFacilitator(deps: X402Deps, payment: PresentedPayment, ask: PaymentAsk): Promise<SettleResponse> {
  const facilitator = deps.facilitator;
  if (!facilitator) throw new Error('no facilitator');
  const payload = payment.payload as PaymentPayload;
  const requirements = facilitatorRequirements(deps, payment, ask);
  let verified;
  try {
    verified = await facilitator.verify(payload, requirements);
  } catch (error) {
    const reason = (error as { invalidReason?: unknown }).invalidReason;
    deps.logger.warn({ err: error }, 'x402 facilitator /verify failed');
    throw new X402Refusal(typeof reason === 'string' ? reason : X402_REASONS.unexpectedVerify, 'The facilitator could not verify the payment.');
  }
  if (!verified.isValid) throw new X402Refusal(verified.invalidReason ?? X402_REASONS.unexpectedVerify, verified.invalidMessage ?? 'The facilitator refused the payment.');
  let settled;
  try {
    settled = await facilitator.settle(payload, requirements);
  } catch (error) {
    const reason = (error as { errorReason?: unknown }).errorReason;
    deps.logger.warn({ err: error }, 'x402 facilitator /settle failed');
    throw new X402Refusal(typeof reason === 'string' ? reason : X402_REASONS.unexpectedSettle, 'The facilitator could not settle the payment.');
  }
  if (!settled.success || !settled.transaction) throw new X402Refusal(settled.errorReason ?? X402_REASONS.unexpectedSettle, settled.errorMessage ?? 'The facilitator did not settle the payment.');
  return settled;
}

/** What is kept of a payment without a facilitator: the signed authorization, which the operator submits on-chain. */
function authorizationRecord(verified: VerifiedPayment): string {
  return `x402 ${JSON.stringify({ authorization: verified.payload.authorization, signature: verified.payload.signature })}`;
}

/**
 * Takes an x402 payment for `ask`: verifies it (verifyPayment), claims its nonce once (Redis SET NX: a replay is
 * `invalid_exact_evm_nonce_already_used`), settles it through the facilitator when there is one, then records it in
 * the ledger — a top-up of the payer's wallet account (created on its first payment) or a settlement of the given
 * account's debt — at its value in USD exactly, with the transaction (or `x402:<nonce>`) as reference and
 * `x402:<network>:<nonce>` as idempotency key, and publishes the raised funds to admission.
 *
 * Throws X402Refusal (answered 402 with the requirements again). Redis or Postgres failing is a 503: nothing was
 * settled before the nonce was claimed, and a payment settled but not recorded is logged with its transaction.
 */
export async function acceptPayment(deps: X402Deps, payment: PresentedPayment, ask: PaymentAsk, target: PaymentTarget): Promise<AcceptedPayment> {
  const verified = await verifyPayment(deps, payment, ask.amountAtomic);
  const nonceRef = { caip2: deps.network.caip2, from: verified.from, nonce: verified.nonce };
  let claimed;
  try {
    claimed = await claimNonce(deps.redis, { ...nonceRef, validBefore: verified.validBefore, nowSeconds: nowSeconds(deps) });
  } catch (error) {
    throw serviceUnavailable('payments_unavailable', 'tollgate cannot check x402 payments right now; try again shortly', error);
  }
  if (!claimed) throw new X402Refusal(X402_REASONS.nonceUsed, 'This authorization was used before: sign a new one.');

  let settlement: SettleResponse | undefined;
  if (deps.facilitator) {
    try {
      settlement = await settleThroughFacilitator(deps, payment, ask);
    } catch (error) {
      await releaseNonce(deps.redis, nonceRef).catch((cause: unknown) => deps.logger.warn({ err: cause }, 'could not release an x402 nonce'));
      throw error;
    }
  }

  const amountUsd = usdcAtomicToUsd(verified.valueAtomic);
  const reference = settlement?.transaction ?? `x402:${verified.nonce}`;
  const kind: PaymentKind = target.kind;
  try {
    const account = target.kind === 'topup' ? await findOrCreateWalletAccount(deps.prisma, verified.from) : { id: target.accountId, creditLimit: target.creditLimit };
    const recorded = await recordPayment(deps.prisma, {
      accountId: account.id,
      kind,
      amount: amountUsd,
      reference,
      description: settlement ? `x402 ${payment.version === 1 ? 'v1' : 'v2'} from ${verified.from}` : authorizationRecord(verified),
      idempotencyKey: `x402:${deps.network.name}:${verified.nonce}`,
      actor: 'x402',
    });
    if (!recorded) throw new Error(`account ${account.id} is gone`);
    // The ledger already holds this nonce (Redis forgot it): the same authorization again, never a second payment.
    if (recorded.replayed) throw new X402Refusal(X402_REASONS.nonceUsed, 'This authorization was used before: sign a new one.');
    await deps.admission.refresh(account.id);
    const responseHeaders: Record<string, string> = settlement
      ? { [payment.version === 1 ? 'x-payment-response' : 'payment-response']: encodePaymentResponseHeader({ ...settlement, payer: settlement.payer ?? verified.from }) }
      : {};
    return { accountId: account.id, walletAddress: verified.from, creditLimit: account.creditLimit, amountUsd, reference, debt: recorded.account.debt, responseHeaders };
  } catch (error) {
    if (error instanceof X402Refusal) throw error;
    deps.logger.error({ err: error, reference, from: verified.from, amountUsd, kind }, 'an x402 payment could not be recorded: record it by hand (tollgate topup/settle) with this reference');
    throw serviceUnavailable('payments_unavailable', "tollgate could not record this payment; it is logged with its reference for the operator", error);
  }
}
