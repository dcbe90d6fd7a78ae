import type { PrismaClient } from '@tollgate/db';
import type { LightningBackend } from '@tollgate/lightning';
import type { KeyOwnerCache } from '../auth/key-owner-cache';
import type { FundsGuard } from '../funds/funds-guard';

/** What selling credit for Lightning invoices needs from the running gateway. */
export interface TopupDeps {
  prisma: PrismaClient;
  keyCache: KeyOwnerCache;
  funds: FundsGuard;
  /** Undefined when LIGHTNING_BACKEND=none: top-ups are then refused (503). */
  lightning?: LightningBackend;
  /** USD per bitcoin (BTC_USD_RATE): the rate invoices are valued at. */
  btcUsdRate?: string;
  invoiceExpirySeconds: number;
  minSats: number;
  maxSats: number;
}
