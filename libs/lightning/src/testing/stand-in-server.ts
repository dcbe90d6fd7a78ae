import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { issueBolt11Invoice } from './bolt11-invoice';

/** An invoice a stand-in node holds. */
export interface StandInInvoice {
  paymentRequest: string;
  paymentHash: string;
  preimage: string;
  amountSats: number;
  memo: string;
  createdAt: Date;
  expirySeconds: number;
  state: 'open' | 'settled' | 'canceled';
  amountPaidSats?: number;
  settledAt?: Date;
}

/** A loopback Lightning node for tests: it issues real BOLT11 invoices and is told when one is paid. */
export interface LightningStandIn {
  url: string;
  /** The credential it accepts (LND: macaroon hex; LNbits: API key). */
  credential: string;
  invoices: Map<string, StandInInvoice>;
  /** Marks an invoice paid, as the node would once the payer's HTLC settles. */
  settle(paymentHash: string, amountSats?: number): void;
  /** Moves an invoice's creation back so that it has expired. */
  expire(paymentHash: string): void;
  cancel(paymentHash: string): void;
  /** The next request gets this HTTP status (once). */
  failNext(status: number): void;
  /** From now on, requests get no answer (a node that stopped responding). */
  hang(): void;
  close(): Promise<void>;
}

type Route = (request: IncomingMessage, body: unknown, node: LightningStandIn) => { status: number; json: unknown };

/** Runs a stand-in with the given routes and credential check. */
export async function startStandIn(routes: { authorized: (request: IncomingMessage, credential: string) => boolean; handle: Route }): Promise<LightningStandIn> {
  const credential = randomBytes(16).toString('hex');
  let failNext: number | undefined;
  let hanging = false;
  const open = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (hanging) {
        open.add(response);
        return;
      }
      const reply = (status: number, json: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (failNext !== undefined) {
        const status = failNext;
        failNext = undefined;
        return reply(status, { error: 'scripted failure' });
      }
      if (!routes.authorized(request, credential)) return reply(401, { message: 'permission denied' });
      let body: unknown;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return reply(400, { message: 'bad json' });
      }
      const answer = routes.handle(request, body, node);
      reply(answer.status, answer.json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const node: LightningStandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credential,
    invoices: new Map(),
    settle(paymentHash, amountSats) {
      const invoice = node.invoices.get(paymentHash);
      if (!invoice) throw new Error(`no invoice ${paymentHash}`);
      Object.assign(invoice, { state: 'settled', amountPaidSats: amountSats ?? invoice.amountSats, settledAt: new Date() });
    },
    expire(paymentHash) {
      const invoice = node.invoices.get(paymentHash);
      if (!invoice) throw new Error(`no invoice ${paymentHash}`);
      invoice.createdAt = new Date(Date.now() - (invoice.expirySeconds + 1) * 1000);
    },
    cancel(paymentHash) {
      const invoice = node.invoices.get(paymentHash);
      if (!invoice) throw new Error(`no invoice ${paymentHash}`);
      invoice.state = 'canceled';
    },
    failNext(status) {
      failNext = status;
    },
    hang() {
      hanging = true;
    },
    async close() {
      for (const response of open) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return node;
}

/** Issues and records an invoice on a stand-in node. */
export function addStandInInvoice(node: LightningStandIn, nodeKey: Buffer, input: { amountSats: number; memo: string; expirySeconds: number }): StandInInvoice {
  const createdAt = new Date();
  const issued = issueBolt11Invoice({ nodeKey, ...input, createdAt });
  const invoice: StandInInvoice = { ...issued, ...input, createdAt, state: 'open' };
  node.invoices.set(invoice.paymentHash, invoice);
  return invoice;
}

export const isExpired = (invoice: StandInInvoice) => invoice.createdAt.getTime() + invoice.expirySeconds * 1000 <= Date.now();
