import { randomBytes } from 'node:crypto';
import { addStandInInvoice, type LightningStandIn, startStandIn } from './stand-in-server';

/** A loopback stand-in for LND's REST API (add invoice, look one up), checking the macaroon header. */
export async function startLndStandIn(): Promise<LightningStandIn> {
  const nodeKey = randomBytes(32);
  return startStandIn({
    authorized: (request, credential) => request.headers['grpc-metadata-macaroon'] === credential,
    handle(request, body, node) {
      if (request.method === 'POST' && request.url === '/v1/invoices') {
        const input = body as { value?: string; memo?: string; expiry?: string };
        const amountSats = Number(input.value);
        if (!Number.isInteger(amountSats) || amountSats <= 0) return { status: 400, json: { code: 3, message: 'invalid value' } };
        const invoice = addStandInInvoice(node, nodeKey, { amountSats, memo: input.memo ?? '', expirySeconds: Number(input.expiry ?? 86_400) });
        return { status: 200, json: { r_hash: Buffer.from(invoice.paymentHash, 'hex').toString('base64'), payment_request: invoice.paymentRequest, add_index: String(node.invoices.size) } };
      }
      const lookup = /^\/v1\/invoice\/([0-9a-f]{64})$/.exec(request.url ?? '');
      if (request.method === 'GET' && lookup) {
        const invoice = node.invoices.get(lookup[1]);
        if (!invoice) return { status: 404, json: { code: 5, message: 'unable to locate invoice' } };
        return {
          status: 200,
          json: {
            memo: invoice.memo,
            r_hash: Buffer.from(invoice.paymentHash, 'hex').toString('base64'),
            value: String(invoice.amountSats),
            state: invoice.state === 'settled' ? 'SETTLED' : invoice.state === 'canceled' ? 'CANCELED' : 'OPEN',
            creation_date: String(Math.floor(invoice.createdAt.getTime() / 1000)),
            settle_date: invoice.settledAt ? String(Math.floor(invoice.settledAt.getTime() / 1000)) : '0',
            expiry: String(invoice.expirySeconds),
            amt_paid_sat: String(invoice.amountPaidSats ?? 0),
            payment_request: invoice.paymentRequest,
          },
        };
      }
      return { status: 404, json: { code: 5, message: 'Not Found' } };
    },
  });
}
