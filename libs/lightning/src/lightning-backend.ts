/** An invoice as the Lightning node created it. */
export interface CreatedInvoice {
  /** The BOLT11 payment request the payer's wallet pays. */
  paymentRequest: string;
  /** sha256 of the preimage, lowercase hex (64 characters): the invoice's identity at the node. */
  paymentHash: string;
  amountSats: number;
  expiresAt: Date;
}

/** What the node says of an invoice now. */
export interface InvoiceStatus {
  state: 'open' | 'settled' | 'expired' | 'canceled';
  /** Amount actually received, once settled (may exceed the invoice's amount for a wallet that overpays). */
  amountPaidSats?: number;
  settledAt?: Date;
}

/** A Lightning backend failed or could not be reached (timeout, refused, bad credentials, unexpected answer). */
export class LightningBackendError extends Error {
  override readonly name = 'LightningBackendError';
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The small interface every Lightning backend (LND REST, LNbits) implements: create an invoice, look one up. Both
 * calls time out and throw LightningBackendError on any failure; nothing here ever pays or credits anything.
 */
export interface LightningBackend {
  /** e.g. `lnd`, `lnbits`. */
  readonly name: string;
  createInvoice(input: { amountSats: number; memo: string; expirySeconds: number }): Promise<CreatedInvoice>;
  /** Resolves undefined when the node does not know the payment hash. */
  lookupInvoice(paymentHash: string): Promise<InvoiceStatus | undefined>;
}
