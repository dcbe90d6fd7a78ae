import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import { z } from 'zod';
import { type CreatedInvoice, type InvoiceStatus, type LightningBackend, LightningBackendError } from '../lightning-backend';
import { callLightningNode, type LightningHttp, lightningStatusError } from '../lightning-http';

/** How to reach LND's REST API (`lnd --restlisten`). */
export interface LndSettings {
  restUrl: string;
  /** An invoice macaroon (or any with invoices:read and invoices:write), hex. */
  macaroonHex: string;
  /** PEM of LND's TLS certificate (self-signed); the system's CAs are used when absent. */
  tlsCertPem?: string;
  timeoutMs: number;
}

const int64 = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform((value) => Number(value));

// LND answers int64 fields as strings and bytes as base64 (grpc-gateway's JSON mapping).
const addInvoiceAnswer = z.looseObject({ r_hash: z.string().min(1), payment_request: z.string().min(1) });
const invoiceAnswer = z.looseObject({
  state: z.enum(['OPEN', 'SETTLED', 'CANCELED', 'ACCEPTED']),
  value: int64.optional(),
  amt_paid_sat: int64.optional(),
  creation_date: int64,
  settle_date: int64.optional(),
  expiry: int64,
});

/** LND's REST API: `POST /v1/invoices` to add an invoice, `GET /v1/invoice/{r_hash hex}` to look one up. */
export function createLndBackend(settings: LndSettings, now: () => number = Date.now): LightningBackend {
  const http: LightningHttp = {
    backend: 'lnd',
    baseUrl: settings.restUrl,
    headers: { 'grpc-metadata-macaroon': settings.macaroonHex },
    timeoutMs: settings.timeoutMs,
    agent: settings.tlsCertPem ? new Agent({ connect: { ca: settings.tlsCertPem } }) : undefined,
  };
  return {
    name: 'lnd',
    async createInvoice({ amountSats, memo, expirySeconds }): Promise<CreatedInvoice> {
      const answer = await callLightningNode(http, 'POST', '/v1/invoices', { value: String(amountSats), memo, expiry: String(expirySeconds) });
      if (answer.statusCode >= 300) throw lightningStatusError('lnd', answer.statusCode, 'add an invoice');
      const parsed = addInvoiceAnswer.safeParse(answer.body);
      if (!parsed.success) throw new LightningBackendError('lnd', 'lnd: the answer to adding an invoice is not what LND sends');
      return {
        paymentRequest: parsed.data.payment_request,
        paymentHash: Buffer.from(parsed.data.r_hash, 'base64').toString('hex'),
        amountSats,
        expiresAt: new Date(now() + expirySeconds * 1000),
      };
    },
    async lookupInvoice(paymentHash): Promise<InvoiceStatus | undefined> {
      if (!/^[0-9a-f]{64}$/.test(paymentHash)) return undefined;
      const answer = await callLightningNode(http, 'GET', `/v1/invoice/${paymentHash}`);
      const message = (answer.body as { message?: unknown } | undefined)?.message;
      if (answer.statusCode === 404 || (typeof message === 'string' && message.includes('unable to locate invoice'))) return undefined;
      if (answer.statusCode >= 300) throw lightningStatusError('lnd', answer.statusCode, 'look an invoice up');
      const parsed = invoiceAnswer.safeParse(answer.body);
      if (!parsed.success) throw new LightningBackendError('lnd', 'lnd: the answer to an invoice lookup is not what LND sends');
      const invoice = parsed.data;
      if (invoice.state === 'SETTLED') {
        return { state: 'settled', amountPaidSats: invoice.amt_paid_sat, settledAt: invoice.settle_date ? new Date(invoice.settle_date * 1000) : undefined };
      }
      if (invoice.state === 'CANCELED') return { state: 'canceled' };
      // ACCEPTED is a held (hodl) invoice: paid for but not settled, so not money yet.
      const expired = (invoice.creation_date + invoice.expiry) * 1000 <= now();
      return { state: expired ? 'expired' : 'open' };
    },
  };
}

/** The macaroon from LND_MACAROON_HEX, or the file at LND_MACAROON_PATH (LND writes it as binary). */
export function readLndMacaroon(input: { hex?: string; path?: string }): string | undefined {
  if (input.hex) return input.hex.trim().toLowerCase();
  if (input.path) return readFileSync(input.path).toString('hex');
  return undefined;
}
