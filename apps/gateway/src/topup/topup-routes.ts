import { subtractDecimals } from '@tollgate/billing';
import { findLightningCharge, getAccountUsage, hashApiKey, redeemLightningCharge, type LightningChargeRecord } from '@tollgate/db';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { presentedCredential } from '../auth/authenticate';
import { authenticationError, GatewayError, serviceUnavailable } from '../errors/gateway-error';
import { parseBody } from '../http/validate-request-body';
import { currentUsdPerBtc, issueCharge, lightningUnavailable } from './issue-charge';
import type { TopupDeps } from './topup-deps';

/** How long a minted spend token lasts when the buyer does not say (30 days). */
const DEFAULT_DURATION_HOURS = 720;
const durationHours = z.number().int().min(1).max(8_760);

/** The invoice JSON of a charge: the 402 of /v1/topup, and of /v1/tokens while it is unpaid. */
function invoiceBody(charge: LightningChargeRecord) {
  return {
    charge_id: charge.id,
    payment_request: charge.paymentRequest,
    amount_sats: charge.amountSats,
    amount_usd: charge.amountUsd,
    expires_at: charge.expiresAt.toISOString(),
  };
}

/** The account of a presented key, for a top-up of an existing token; undefined when none is presented. */
async function presentedAccount(deps: TopupDeps, request: Request): Promise<string | undefined> {
  const credential = presentedCredential(request);
  if (!credential) return undefined;
  const owner = await deps.keyCache.get(hashApiKey(credential));
  if (!owner || owner.revoked || (owner.expiresAt && owner.expiresAt.getTime() <= Date.now())) throw authenticationError('The spend token to top up is invalid, revoked or expired.');
  return owner.accountId;
}

/**
 * `POST /v1/topup` (and LightningProx's `POST /v1/invoice`): `{"amount_sats", "duration_hours"?}` → 402 with a BOLT11
 * invoice worth that many sats, valued in USD at the configured rate. Paid, it is redeemed at `POST /v1/tokens` for a
 * new spend token — or, when the request presents a spend token, as credit on that token's account.
 */
export function topupHandler(deps: TopupDeps) {
  const bodySchema = z.object({ amount_sats: z.number().int().min(deps.minSats).max(deps.maxSats), duration_hours: durationHours.optional() }).strict();
  return async (request: Request, response: Response): Promise<void> => {
    const body = parseBody(bodySchema, request.body);
    if (!deps.lightning) throw serviceUnavailable('lightning_not_configured', 'Lightning top-ups are not enabled on this gateway.');
    if (!deps.rate) throw serviceUnavailable('rate_unavailable', 'Lightning top-ups need a BTC/USD rate, which this gateway does not have.');
    const usdPerBtc = await currentUsdPerBtc(deps.rate);
    const accountId = await presentedAccount(deps, request);
    const charge = await issueCharge({
      prisma: deps.prisma,
      lightning: deps.lightning,
      usdPerBtc,
      amountSats: body.amount_sats,
      memo: `tollgate credit: ${body.amount_sats} sats`,
      expirySeconds: deps.invoiceExpirySeconds,
      durationHours: body.duration_hours ?? DEFAULT_DURATION_HOURS,
      accountId: accountId ?? null,
    });
    response.status(402).json(invoiceBody(charge));
  };
}

/**
 * `POST /v1/tokens {"charge_id"}`: once the Lightning node reports the charge's invoice settled, credits it (once)
 * and answers `{"spend_token","expires_at","balance_usd"}` — the token is shown this once; a later call answers
 * `{"status":"already_redeemed",…}`. Unpaid: 402 with the invoice again; expired or canceled: 410; unknown: 404.
 */
export function tokensHandler(deps: TopupDeps) {
  const bodySchema = z.object({ charge_id: z.string().min(1).max(64), duration_hours: durationHours.optional() }).strict();
  return async (request: Request, response: Response): Promise<void> => {
    const body = parseBody(bodySchema, request.body);
    const charge = await findLightningCharge(deps.prisma, body.charge_id);
    if (!charge) throw new GatewayError({ status: 404, type: 'invalid_request_error', code: 'charge_not_found', param: 'charge_id', message: 'No such charge: create one with POST /v1/topup.' });
    if (!charge.creditedAt) {
      if (!deps.lightning) throw serviceUnavailable('lightning_not_configured', 'Lightning top-ups are not enabled on this gateway.');
      const status = await deps.lightning.lookupInvoice(charge.paymentHash).catch(lightningUnavailable);
      if (!status || status.state === 'expired' || status.state === 'canceled' || (status.state === 'open' && charge.expiresAt.getTime() <= Date.now())) {
        throw new GatewayError({ status: 410, type: 'invalid_request_error', code: 'charge_expired', param: 'charge_id', message: 'This charge’s invoice expired unpaid: create a new one with POST /v1/topup.' });
      }
      if (status.state !== 'settled') {
        response.status(402).json(invoiceBody(charge));
        return;
      }
    }
    const redemption = await redeemLightningCharge(deps.prisma, charge.id);
    if (redemption.status === 'credited') await deps.admission.refresh(redemption.accountId);
    const balance = async () => {
      const usage = await getAccountUsage(deps.prisma, redemption.accountId);
      return usage ? subtractDecimals(usage.creditLimit, usage.debt) : '0';
    };
    if (redemption.status === 'credited' && redemption.spendToken) {
      response.json({ spend_token: redemption.spendToken, expires_at: redemption.tokenExpiresAt?.toISOString() ?? null, balance_usd: await balance() });
      return;
    }
    // Credited to an existing token (its holder has it), or redeemed before: the token is never shown twice, and the
    // account's balance only to a caller presenting that account's token — a charge id (which whoever pays the invoice
    // holds) does not open the account it credits.
    const viewer = await presentedAccount(deps, request).catch(() => undefined);
    response.json({ status: redemption.status, spend_token: null, balance_usd: viewer === redemption.accountId ? await balance() : null });
  };
}
