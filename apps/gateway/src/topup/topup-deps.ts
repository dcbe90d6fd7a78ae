import type { PrismaClient } from '@tollgate/db';
import type { BtcUsdRateSource, LightningBackend } from '@tollgate/lightning';
import type { KeyOwnerCache } from '../auth/key-owner-cache';
import type { AdmissionGuard } from '../admission/admission-guard';

/** What selling credit for Lightning invoices needs from the running gateway. */
export interface TopupDeps {
  prisma: PrismaClient;
  keyCache: KeyOwnerCache;
  admission: AdmissionGuard;
  /** Undefined when LIGHTNING_BACKEND=none: top-ups are then refused (503). */
  lightning?: LightningBackend;
  /** The BTC/USD rate invoices are valued at (BTC_USD_RATE, or BTC_USD_RATE_URL); undefined: top-ups refused. */
  rate?: BtcUsdRateSource;
  invoiceExpirySeconds: number;
  minSats: number;
  maxSats: number;
}
