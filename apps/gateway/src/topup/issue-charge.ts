import { satsToUsd } from '@tollgate/billing';
import { createLightningCharge, type LightningChargeRecord, type PrismaClient } from '@tollgate/db';
import { LightningBackendError, StaleRateError, type BtcUsdRateSource, type LightningBackend } from '@tollgate/lightning';
import { serviceUnavailable } from '../errors/gateway-error';

/** A Lightning node failure as the caller's 503 (its own words go to the log as the cause); anything else rethrown. */
export function lightningUnavailable(error: unknown): never {
  if (error instanceof LightningBackendError) throw serviceUnavailable('lightning_unavailable', 'The Lightning node is unavailable; try again shortly.', error);
  throw error;
}

/** USD per bitcoin now; 503 `rate_unavailable` when no rate is fresh enough to sell credit at. */
export async function currentUsdPerBtc(rate: BtcUsdRateSource): Promise<string> {
  try {
    return (await rate.current()).usdPerBtc;
  } catch (error) {
    if (error instanceof StaleRateError) throw serviceUnavailable('rate_unavailable', 'No current BTC/USD rate to value the invoice at; try again shortly.', error);
    throw error;
  }
}

/**
 * Sells `amountSats` of credit: an invoice from the Lightning node, valued in USD at `usdPerBtc` (exactly), recorded
 * as a charge that is credited once, when paid — to `accountId`, or to an account made then. Used by the top-up
 * routes and by L402 challenges alike.
 */
export async function issueCharge(input: {
  prisma: PrismaClient;
  lightning: LightningBackend;
  usdPerBtc: string;
  amountSats: number;
  memo: string;
  expirySeconds: number;
  durationHours: number;
  accountId: string | null;
}): Promise<LightningChargeRecord> {
  const invoice = await input.lightning
    .createInvoice({ amountSats: input.amountSats, memo: input.memo, expirySeconds: input.expirySeconds })
    .catch(lightningUnavailable);
  return createLightningCharge(input.prisma, {
    paymentHash: invoice.paymentHash,
    paymentRequest: invoice.paymentRequest,
    backend: input.lightning.name,
    amountSats: input.amountSats,
    amountUsd: satsToUsd(input.amountSats, input.usdPerBtc),
    btcUsdRate: input.usdPerBtc,
    durationHours: input.durationHours,
    accountId: input.accountId,
    expiresAt: invoice.expiresAt,
  });
}
