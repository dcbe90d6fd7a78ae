import { randomBytes } from 'node:crypto';
import { displayPrefix, generateApiKey, hashApiKey, SPEND_TOKEN_PREFIX } from './api-key-secret';
import type { PrismaClient } from './prisma-client';

/** A Lightning charge as the top-up routes read it. */
export interface LightningChargeRecord {
  id: string;
  paymentHash: string;
  paymentRequest: string;
  amountSats: number;
  amountUsd: string;
  btcUsdRate: string;
  durationHours: number;
  accountId: string | null;
  apiKeyId: string | null;
  creditedAt: Date | null;
  expiresAt: Date;
}

type ChargeRow = Awaited<ReturnType<PrismaClient['lightningCharge']['findUniqueOrThrow']>>;

function toRecord(row: ChargeRow): LightningChargeRecord {
  return {
    id: row.id,
    paymentHash: row.paymentHash,
    paymentRequest: row.paymentRequest,
    amountSats: Number(row.amountSats),
    amountUsd: row.amountUsd.toFixed(),
    btcUsdRate: row.btcUsdRate.toFixed(),
    durationHours: row.durationHours,
    accountId: row.accountId,
    apiKeyId: row.apiKeyId,
    creditedAt: row.creditedAt,
    expiresAt: row.expiresAt,
  };
}

/** Records an invoice sold as credit. Its id (`ch_` + 128 random bits, URL-safe) is what the buyer redeems. */
export async function createLightningCharge(
  prisma: PrismaClient,
  input: Omit<LightningChargeRecord, 'id' | 'apiKeyId' | 'creditedAt'> & { backend: string },
): Promise<LightningChargeRecord> {
  const row = await prisma.lightningCharge.create({
    data: {
      id: `ch_${randomBytes(16).toString('base64url')}`,
      paymentHash: input.paymentHash,
      paymentRequest: input.paymentRequest,
      backend: input.backend,
      amountSats: BigInt(input.amountSats),
      amountUsd: input.amountUsd,
      btcUsdRate: input.btcUsdRate,
      durationHours: input.durationHours,
      accountId: input.accountId,
      expiresAt: input.expiresAt,
    },
  });
  return toRecord(row);
}

export async function findLightningChargeByPaymentHash(prisma: PrismaClient, paymentHash: string): Promise<LightningChargeRecord | undefined> {
  const row = await prisma.lightningCharge.findUnique({ where: { paymentHash } });
  return row ? toRecord(row) : undefined;
}

export async function findLightningCharge(prisma: PrismaClient, id: string): Promise<LightningChargeRecord | undefined> {
  const row = await prisma.lightningCharge.findUnique({ where: { id } });
  return row ? toRecord(row) : undefined;
}

/** What redeeming a paid charge did: credited now (with a new spend token when it minted one), or already before. */
export type Redemption =
  | { status: 'credited'; accountId: string; spendToken?: string; tokenExpiresAt: Date | null }
  | { status: 'already_redeemed'; accountId: string; apiKeyId: string | null };

/**
 * Credits a PAID charge, exactly once, in one transaction: claims it (`credited_at` set only if still null, so two
 * concurrent calls cannot both credit), mints a prepaid account and its spend token when the charge is for a new one
 * (credit limit 0, the token expiring after the charge's duration), records the top-up as a payment with its ledger entry (a negative
 * amount; its request id `topup_<payment hash>` is unique, a second guard) and lowers the account's debt by the same
 * amount, so debt = Σ ledger still holds. The caller must have seen the invoice settled at the node.
 */
export async function redeemLightningCharge(
  prisma: PrismaClient,
  chargeId: string,
  now: Date = new Date(),
  /** L402: the paid preimage is the credential, so the new account gets no spend token. */
  options: { mintToken?: boolean } = {},
): Promise<Redemption> {
  return prisma.$transaction(async (tx) => {
    const claimed = await tx.lightningCharge.updateMany({ where: { id: chargeId, creditedAt: null }, data: { creditedAt: now } });
    const charge = await tx.lightningCharge.findUniqueOrThrow({ where: { id: chargeId } });
    if (claimed.count === 0) return { status: 'already_redeemed', accountId: charge.accountId as string, apiKeyId: charge.apiKeyId };

    let accountId = charge.accountId;
    let spendToken: string | undefined;
    let tokenExpiresAt: Date | null = null;
    if (!accountId && options.mintToken === false) {
      const account = await tx.account.create({ data: { name: `l402 ${charge.paymentHash.slice(0, 12)}`, creditLimit: '0' } });
      accountId = account.id;
      await tx.lightningCharge.update({ where: { id: chargeId }, data: { accountId } });
    }
    if (!accountId) {
      spendToken = generateApiKey(SPEND_TOKEN_PREFIX);
      tokenExpiresAt = new Date(now.getTime() + charge.durationHours * 3_600_000);
      const account = await tx.account.create({ data: { name: `lightning ${charge.paymentHash.slice(0, 12)}`, creditLimit: '0' } });
      const key = await tx.apiKey.create({
        data: { accountId: account.id, keyHash: hashApiKey(spendToken), displayPrefix: displayPrefix(spendToken), name: 'lightning top-up', expiresAt: tokenExpiresAt },
      });
      accountId = account.id;
      await tx.lightningCharge.update({ where: { id: chargeId }, data: { accountId, apiKeyId: key.id } });
    }
    const amount = charge.amountUsd.toFixed();
    const description = `Lightning top-up: ${charge.amountSats} sats at ${charge.btcUsdRate.toFixed()} USD/BTC, payment hash ${charge.paymentHash}`;
    const payment = await tx.payment.create({ data: { accountId, kind: 'topup', amount, reference: `topup_${charge.paymentHash}`, description, actor: 'lightning' } });
    await tx.ledgerEntry.create({
      data: { accountId, kind: 'topup', amount: `-${amount}`, requestId: `topup_${charge.paymentHash}`, paymentId: payment.id, description },
    });
    await tx.account.update({ where: { id: accountId }, data: { debt: { decrement: amount }, debtVersion: { increment: 1 } } });
    return { status: 'credited', accountId, spendToken, tokenExpiresAt };
  });
}
