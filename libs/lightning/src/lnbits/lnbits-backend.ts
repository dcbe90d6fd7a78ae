import { z } from 'zod';
import { type CreatedInvoice, type InvoiceStatus, type LightningBackend, LightningBackendError } from '../lightning-backend';
import { callLightningNode, type LightningHttp, lightningStatusError } from '../lightning-http';

/** How to reach an LNbits wallet. */
export interface LnbitsSettings {
  url: string;
  /** The wallet's invoice/read key (an admin key works too). */
  apiKey: string;
  timeoutMs: number;
}

const createAnswer = z.looseObject({ payment_hash: z.string().regex(/^[0-9a-fA-F]{64}$/), payment_request: z.string().min(1).optional(), bolt11: z.string().min(1).optional() });
const paymentAnswer = z.looseObject({ paid: z.boolean(), details: z.looseObject({ status: z.string().optional(), amount: z.number().optional() }).optional() });

/** LNbits' wallet API: `POST /api/v1/payments` (`out: false`) creates an invoice, `GET /api/v1/payments/{hash}` checks it. */
export function createLnbitsBackend(settings: LnbitsSettings, now: () => number = Date.now): LightningBackend {
  const http: LightningHttp = { backend: 'lnbits', baseUrl: settings.url, headers: { 'x-api-key': settings.apiKey }, timeoutMs: settings.timeoutMs };
  return {
    name: 'lnbits',
    async createInvoice({ amountSats, memo, expirySeconds }): Promise<CreatedInvoice> {
      const answer = await callLightningNode(http, 'POST', '/api/v1/payments', { out: false, amount: amountSats, memo, expiry: expirySeconds });
      if (answer.statusCode >= 300) throw lightningStatusError('lnbits', answer.statusCode, 'create an invoice');
      const parsed = createAnswer.safeParse(answer.body);
      const paymentRequest = parsed.success ? (parsed.data.payment_request ?? parsed.data.bolt11) : undefined;
      if (!parsed.success || !paymentRequest) throw new LightningBackendError('lnbits', 'lnbits: the answer to creating an invoice is not what LNbits sends');
      return { paymentRequest, paymentHash: parsed.data.payment_hash.toLowerCase(), amountSats, expiresAt: new Date(now() + expirySeconds * 1000) };
    },
    async lookupInvoice(paymentHash): Promise<InvoiceStatus | undefined> {
      if (!/^[0-9a-f]{64}$/.test(paymentHash)) return undefined;
      const answer = await callLightningNode(http, 'GET', `/api/v1/payments/${paymentHash}`);
      if (answer.statusCode === 404) return undefined;
      if (answer.statusCode >= 300) throw lightningStatusError('lnbits', answer.statusCode, 'check an invoice');
      const parsed = paymentAnswer.safeParse(answer.body);
      if (!parsed.success) throw new LightningBackendError('lnbits', 'lnbits: the answer to checking an invoice is not what LNbits sends');
      if (parsed.data.paid) {
        const amountMsat = parsed.data.details?.amount;
        return { state: 'settled', amountPaidSats: amountMsat === undefined ? undefined : Math.floor(amountMsat / 1000) };
      }
      // LNbits marks an invoice that can no longer be paid as failed (expired); the caller also knows the expiry.
      return { state: parsed.data.details?.status === 'failed' ? 'expired' : 'open' };
    },
  };
}
