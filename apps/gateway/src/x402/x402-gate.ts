import { walletHeaderHint } from '../auth/sign-in-hint';
import { getCommittedDebt } from '@tollgate/db';
import type { Request, Response } from 'express';
import { DEFAULT_LIMITS, type Caller } from '../auth/caller';
import { GatewayError } from '../errors/gateway-error';
import { acceptPayment } from './accept-payment';
import { paymentRequired, type PaymentAsk } from './payment-requirements';
import { carriesPayment, presentedPayment } from './presented-payment';
import { usdcAtomicToUsd, usdToUsdcAtomicCeil } from './usdc-amount';
import { X402Refusal } from './x402-refusal';
import type { X402Deps } from './x402-deps';

/** The absolute URL of a request: the `resource` of its payment requirements. */
export function resourceUrl(request: Request): string {
  return `${request.protocol}://${request.get('host') ?? 'localhost'}${request.originalUrl}`;
}

/** A payment for `ask`, or its refusal as a 402 with the requirements again and the x402 reason. */
async function takePayment<T>(deps: X402Deps, ask: PaymentAsk, pay: () => Promise<T>, headers: Record<string, string> = {}): Promise<T> {
  try {
    return await pay();
  } catch (error) {
    if (error instanceof X402Refusal) throw paymentRequired(deps, ask, error.reason, headers);
    throw error;
  }
}

/** What one completion asks for: its worst case in USDC, rounded up to the next atomic unit (at least one). */
export function completionAsk(request: Request, worstCaseUsd: string, streamed: boolean): PaymentAsk {
  const atomic = usdToUsdcAtomicCeil(worstCaseUsd);
  return {
    amountAtomic: atomic > 0n ? atomic : 1n,
    resourceUrl: resourceUrl(request),
    description: `tollgate: one ${request.path} request (at most $${worstCaseUsd}; what it does not cost stays as the wallet's credit)`,
    mimeType: streamed ? 'text/event-stream' : 'application/json',
  };
}

/**
 * The deps with a logger naming the request, for the lines a payment's verification and settlement may log. Only
 * requests that carry a payment get this child logger: the hot path without one pays nothing for it.
 */
function forRequest(deps: X402Deps, response: Response): X402Deps {
  return { ...deps, logger: deps.logger.child({ requestId: response.locals['requestId'] as string }) };
}

/**
 * Pay per request: a request without credentials either carries an x402 payment for its worst case — verified,
 * settled and credited to the payer's wallet account, which becomes its caller (`authMethod: 'x402'`, its usage billed
 * against that credit; what the request does not cost stays as the wallet's credit) — or is answered 402 with the
 * requirements (`extraHeaders`: L402's challenge, when Lightning is offered too). Sets the payment's response header.
 */
export async function payPerRequest(deps: X402Deps, response: Response, ask: PaymentAsk, extraHeaders: () => Promise<Record<string, string>>): Promise<Caller> {
  const payment = await takePayment(deps, ask, async () => presentedPayment(response.req));
  if (!payment) {
    // A bare X-Wallet-Address (Router402's extension) is no credential: the 402 says how that wallet signs in instead.
    const hint = walletHeaderHint(response.req);
    const message = 'Payment required: pay with x402 (X-PAYMENT or PAYMENT-SIGNATURE) to use this endpoint.';
    throw paymentRequired(deps, ask, hint ? `${message} ${hint}` : message, await extraHeaders());
  }
  const accepted = await takePayment(deps, ask, () => acceptPayment(forRequest(deps, response), payment, ask, { kind: 'topup' }));
  response.set(accepted.responseHeaders);
  return {
    accountId: accepted.accountId,
    apiKeyId: null,
    authMethod: 'x402',
    walletAddress: accepted.walletAddress,
    creditLimit: accepted.creditLimit,
    expiresAt: null,
    limits: DEFAULT_LIMITS,
  };
}

/** How much debt a wallet-bound caller may run up: X402_DEBT_THRESHOLD when set, else its account's credit limit. */
export function debtLimit(deps: X402Deps, caller: Caller): string {
  return deps.debtThreshold ?? caller.creditLimit;
}

/**
 * What settling a wallet's debt asks for: its committed debt (the ledger's), plus — when even a settled account could
 * not afford `worstCaseUsd` within its limit — the difference, so that the paid call goes through. Zero atomic
 * units when there is nothing to settle.
 */
async function debtAskAtomic(deps: X402Deps, caller: Caller, worstCaseUsd: string): Promise<{ debtAtomic: bigint; askAtomic: bigint }> {
  const { debt } = await getCommittedDebt(deps.prisma, caller.accountId);
  // A credit (negative debt) leaves nothing to settle.
  const debtAtomic = debt.startsWith('-') ? 0n : usdToUsdcAtomicCeil(debt);
  const limitAtomic = usdToUsdcAtomicCeil(debtLimit(deps, caller));
  const worstAtomic = usdToUsdcAtomicCeil(worstCaseUsd);
  const beyondLimit = worstAtomic > limitAtomic ? worstAtomic - limitAtomic : 0n;
  return { debtAtomic, askAtomic: debtAtomic + beyondLimit };
}

/**
 * Router402's model for a wallet-bound caller (a wallet JWT): it runs up debt to its limit (debtLimit, which becomes
 * its credit limit in admission), and the call admission refuses for funds gets 402 with x402 requirements for the
 * outstanding committed debt (refusedForDebt); a call carrying a payment while there is debt has it settled first (a
 * `settlement` ledger entry with the transaction, funds refreshed) and proceeds. The committed debt is read from
 * Postgres only then: on a refusal, or with a payment. Returns the caller as admission must see it.
 */
export async function settleDebtIfDue(deps: X402Deps, response: Response, caller: Caller, worstCaseUsd: string, streamed: boolean): Promise<Caller> {
  const limited = { ...caller, creditLimit: debtLimit(deps, caller) };
  const request = response.req;
  const debtAsk = (askAtomic: bigint, debtAtomic: bigint): PaymentAsk => ({
    amountAtomic: askAtomic,
    resourceUrl: resourceUrl(request),
    description: `tollgate: settle this wallet's debt of $${usdcAtomicToUsd(debtAtomic)} to continue`,
    mimeType: streamed ? 'text/event-stream' : 'application/json',
  });
  debtRefusals.set(limited, (refusal) => debtRequired(deps, caller, worstCaseUsd, debtAsk, refusal));
  // Without a payment nothing is read here: admission, with the debt limit as credit limit, refuses the call that
  // would pass it (counting usage the worker has not committed yet), and refusedForDebt asks for the debt then.
  if (!carriesPayment(request)) return limited;
  const { debtAtomic, askAtomic } = await debtAskAtomic(deps, caller, worstCaseUsd);
  if (askAtomic === 0n) return limited; // no debt to settle: the payment is not taken
  const ask = debtAsk(askAtomic, debtAtomic);
  const payment = await takePayment(deps, ask, async () => presentedPayment(request));
  if (!payment) return limited;
  const accepted = await takePayment(deps, ask, () => acceptPayment(forRequest(deps, response), payment, ask, { kind: 'settlement', accountId: caller.accountId, creditLimit: caller.creditLimit }));
  response.set(accepted.responseHeaders);
  return limited;
}

/** How to turn admission's refusal for funds into x402 requirements for the debt, per caller admitted by settleDebtIfDue. */
const debtRefusals = new WeakMap<Caller, (refusal: GatewayError) => Promise<GatewayError>>();

/** The 402 for the debt (the refusal itself when there is no committed debt to settle: pending usage filled the limit). */
async function debtRequired(deps: X402Deps, caller: Caller, worstCaseUsd: string, debtAsk: (askAtomic: bigint, debtAtomic: bigint) => PaymentAsk, refusal: GatewayError): Promise<GatewayError> {
  const { debtAtomic, askAtomic } = await debtAskAtomic(deps, caller, worstCaseUsd);
  if (askAtomic === 0n) return refusal;
  return paymentRequired(deps, debtAsk(askAtomic, debtAtomic), `Debt limit reached: settle the outstanding debt ($${usdcAtomicToUsd(debtAtomic)}) with x402 to continue.`, refusal.headers);
}

/**
 * Admission refused a wallet-bound caller for funds (402 `insufficient_funds`): with x402 enabled, the 402 carries
 * x402 requirements for its outstanding debt instead, paid by sending the same call again with the payment. Any other
 * error, or caller, is thrown as it is.
 */
export async function refusedForDebt(caller: Caller, error: unknown): Promise<never> {
  const toRequirements = error instanceof GatewayError && error.code === 'insufficient_funds' ? debtRefusals.get(caller) : undefined;
  throw toRequirements ? await toRequirements(error as GatewayError) : error;
}

/**
 * `POST /v1/settle` for a wallet-bound caller: without a payment, 402 with requirements for its whole committed debt
 * (200 with nothing to pay when there is none); with one, the debt is settled and the new debt answered.
 */
export async function settleDebtOnDemand(deps: X402Deps, response: Response, caller: Caller): Promise<{ settled: string; debt: string; reference: string | null }> {
  const { debtAtomic } = await debtAskAtomic(deps, caller, '0');
  const { debt } = await getCommittedDebt(deps.prisma, caller.accountId);
  if (debtAtomic === 0n) return { settled: '0', debt, reference: null };
  const ask: PaymentAsk = {
    amountAtomic: debtAtomic,
    resourceUrl: resourceUrl(response.req),
    description: `tollgate: settle this wallet's debt of $${usdcAtomicToUsd(debtAtomic)}`,
    mimeType: 'application/json',
  };
  const payment = await takePayment(deps, ask, async () => presentedPayment(response.req));
  if (!payment) throw paymentRequired(deps, ask, `Outstanding debt: $${usdcAtomicToUsd(debtAtomic)}; pay it with x402 to settle.`);
  const accepted = await takePayment(deps, ask, () => acceptPayment(forRequest(deps, response), payment, ask, { kind: 'settlement', accountId: caller.accountId, creditLimit: caller.creditLimit }));
  response.set(accepted.responseHeaders);
  return { settled: accepted.amountUsd, debt: accepted.debt, reference: accepted.reference };
}
