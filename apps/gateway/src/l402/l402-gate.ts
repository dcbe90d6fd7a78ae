import { usdToSatsCeil } from '@tollgate/billing';
import { findLightningChargeByPaymentHash, redeemLightningCharge, type PrismaClient } from '@tollgate/db';
import type { BtcUsdRateSource, LightningBackend } from '@tollgate/lightning';
import { DEFAULT_LIMITS, type Caller } from '../auth/caller';
import { authenticationError, GatewayError } from '../errors/gateway-error';
import type { AdmissionGuard } from '../admission/admission-guard';
import { currentUsdPerBtc, issueCharge } from '../topup/issue-charge';
import { L402Error, mintL402Macaroon, parseL402Authorization, verifyL402 } from './l402-token';

/** What pay-per-request with L402 needs (L402_ENABLED, with a Lightning backend and a BTC/USD rate). */
export interface L402Deps {
  rootKey: Buffer;
  lightning: LightningBackend;
  rate: BtcUsdRateSource;
  prisma: PrismaClient;
  admission: AdmissionGuard;
  invoiceExpirySeconds: number;
  validHours: number;
}

/**
 * The 402 answering a request without credentials: an invoice for the request's worst-case cost and a macaroon bound
 * to it, in `WWW-Authenticate: L402 macaroon="…", invoice="…"`. Paid, `Authorization: L402 <macaroon>:<preimage>`
 * buys that much credit; further requests with the same credential spend what is left of it.
 */
export async function l402Challenge(deps: L402Deps, worstCaseUsd: string): Promise<never> {
  const usdPerBtc = await currentUsdPerBtc(deps.rate);
  const amountSats = Math.max(1, usdToSatsCeil(worstCaseUsd, usdPerBtc));
  const charge = await issueCharge({
    prisma: deps.prisma,
    lightning: deps.lightning,
    usdPerBtc,
    amountSats,
    memo: 'tollgate: one request (L402)',
    expirySeconds: deps.invoiceExpirySeconds,
    durationHours: deps.validHours,
    accountId: null,
  });
  const expiresAt = new Date(Date.now() + deps.validHours * 3_600_000);
  const macaroon = mintL402Macaroon({ rootKey: deps.rootKey, paymentHash: charge.paymentHash, amountSats, amountUsd: charge.amountUsd, expiresAt });
  throw new GatewayError({
    status: 402,
    type: 'insufficient_funds',
    code: 'payment_required',
    message: `Payment required: pay the ${amountSats} sat invoice in WWW-Authenticate (L402), then send "Authorization: L402 <macaroon>:<preimage>".`,
    headers: { 'www-authenticate': `L402 macaroon="${macaroon}", invoice="${charge.paymentRequest}"` },
  });
}

/**
 * The caller an `Authorization: L402 <macaroon>:<preimage>` header proves: the macaroon verifies (HMAC chain from
 * the root key, its caveats hold) and sha256(preimage) is its payment hash, so the invoice was paid. The first use
 * credits the invoice's value to an account bound to the payment hash (once); every use spends from that account,
 * so a preimage cannot buy more than was paid. Undefined when the header is not an L402 one.
 */
export async function l402Caller(deps: L402Deps, authorization: string | undefined): Promise<Caller | undefined> {
  const presented = parseL402Authorization(authorization);
  if (!presented) return undefined;
  let grant;
  try {
    grant = verifyL402({ rootKey: deps.rootKey, macaroon: presented.macaroon, preimage: presented.preimage });
  } catch (error) {
    if (error instanceof L402Error) throw authenticationError(error.message, 'invalid_l402');
    throw error;
  }
  const charge = await findLightningChargeByPaymentHash(deps.prisma, grant.paymentHash);
  if (!charge) throw authenticationError('This L402 credential is for an invoice this gateway does not know.', 'invalid_l402');
  let accountId = charge.accountId;
  if (!charge.creditedAt || !accountId) {
    const redemption = await redeemLightningCharge(deps.prisma, charge.id, new Date(), { mintToken: false });
    if (redemption.status === 'credited') await deps.admission.refresh(redemption.accountId);
    accountId = redemption.accountId;
  }
  return { accountId, apiKeyId: null, authMethod: 'l402', creditLimit: '0', expiresAt: grant.expiresAt, limits: DEFAULT_LIMITS };
}
