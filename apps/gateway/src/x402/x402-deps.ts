import type { FacilitatorClient } from '@x402/core/http';
import type { PrismaClient } from '@tollgate/db';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AdmissionGuard } from '../admission/admission-guard';
import type { X402Network } from './x402-networks';

/** What x402 payments need (X402_PAY_TO and X402_NETWORK set). */
export interface X402Deps {
  /** Where payments go: the `to` every authorization must name. */
  payTo: `0x${string}`;
  network: X402Network;
  /** Settles payments on-chain (X402_FACILITATOR_URL); without one the signed authorizations are kept for the operator. */
  facilitator?: FacilitatorClient;
  /** USD of debt a wallet-bound account may run up before its next call must settle it (X402_DEBT_THRESHOLD). */
  debtThreshold?: string;
  /** The requirements' maxTimeoutSeconds. */
  maxTimeoutSeconds: number;
  /** Where used authorization nonces are remembered. */
  redis: Redis;
  prisma: PrismaClient;
  admission: AdmissionGuard;
  logger: Logger;
  /** Seconds since the epoch (tests move it). */
  nowSeconds?: () => number;
}
