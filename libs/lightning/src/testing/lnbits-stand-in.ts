import { randomBytes } from 'node:crypto';
import { addStandInInvoice, isExpired, type LightningStandIn, startStandIn } from './stand-in-server';

/** A loopback stand-in for an LNbits wallet's payments API, checking the X-Api-Key header. */
export async function startLnbitsStandIn(): Promise<LightningStandIn> {
  const nodeKey = randomBytes(32);
  return startStandIn({
    authorized: (request, credential) => request.headers['x-api-key'] === credential,
    handle(request, body, node) {
      if (request.method === 'POST' && request.url === '/api/v1/payments') {
        const input = body as { out?: boolean; amount?: number; memo?: string; expiry?: number };
        if (input.out !== false || !Number.isInteger(input.amount) || (input.amount as number) <= 0) return { status: 400, json: { detail: 'invalid invoice' } };
        const invoice = addStandInInvoice(node, nodeKey, { amountSats: input.amount as number, memo: input.memo ?? '', expirySeconds: input.expiry ?? 3_600 });
        return { status: 201, json: { payment_hash: invoice.paymentHash, payment_request: invoice.paymentRequest, checking_id: invoice.paymentHash } };
      }
      const lookup = /^\/api\/v1\/payments\/([0-9a-f]{64})$/.exec(request.url ?? '');
      if (request.method === 'GET' && lookup) {
        const invoice = node.invoices.get(lookup[1]);
        if (!invoice) return { status: 404, json: { detail: 'Payment does not exist.' } };
        const paid = invoice.state === 'settled';
        const status = paid ? 'success' : invoice.state === 'canceled' || isExpired(invoice) ? 'failed' : 'pending';
        return { status: 200, json: { paid, preimage: paid ? invoice.preimage : null, details: { status, amount: (invoice.amountPaidSats ?? invoice.amountSats) * 1000, bolt11: invoice.paymentRequest } } };
      }
      return { status: 404, json: { detail: 'Not Found' } };
    },
  });
}
