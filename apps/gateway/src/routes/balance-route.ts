import { subtractDecimals, usdToSatsFloor } from '@tollgate/billing';
import { getAccountUsage, type PrismaClient } from '@tollgate/db';
import type { Request, Response } from 'express';
import type { Caller } from '../auth/caller';

/**
 * `GET /v1/balance`: what the caller's account (its key's, or its wallet's for a wallet JWT) has left (credit limit − debt, from the ledger-backed debt),
 * what it used, and when the key expires; in satoshis too once BTC_USD_RATE is set. Money as decimal strings.
 */
export function balanceHandler(prisma: PrismaClient, btcUsdRate?: string) {
  return async (_request: Request, response: Response): Promise<void> => {
    const caller = response.locals['caller'] as Caller;
    const usage = await getAccountUsage(prisma, caller.accountId);
    if (!usage) throw new Error(`authenticated account ${caller.accountId} has no row`);
    const balance = subtractDecimals(usage.creditLimit, usage.debt);
    response.json({
      account_id: usage.accountId,
      ...(usage.walletAddress ? { wallet_address: usage.walletAddress } : {}),
      balance_usd: balance,
      ...(btcUsdRate ? { balance_sats: usdToSatsFloor(balance, btcUsdRate), btc_usd_rate: btcUsdRate } : {}),
      credit_limit_usd: usage.creditLimit,
      debt_usd: usage.debt,
      requests: usage.requests,
      tokens: usage.tokens,
      spent_usd: usage.cost,
      auth_method: caller.authMethod,
      expires_at: caller.expiresAt?.toISOString() ?? null,
    });
  };
}
