import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { decode } from 'bolt11';
import { createLightningBackend, LightningSettingsError } from './create-lightning-backend';
import { type LightningBackend, LightningBackendError } from './lightning-backend';
import { createLnbitsBackend } from './lnbits/lnbits-backend';
import { createLndBackend } from './lnd/lnd-backend';
import { type LightningStandIn, startLnbitsStandIn, startLndStandIn } from './testing';

const TIMEOUT_MS = 500;

describe.each([
  ['lnd', startLndStandIn, (url: string, credential: string) => createLndBackend({ restUrl: url, macaroonHex: credential, timeoutMs: TIMEOUT_MS })],
  ['lnbits', startLnbitsStandIn, (url: string, credential: string) => createLnbitsBackend({ url, apiKey: credential, timeoutMs: TIMEOUT_MS })],
] as const)('%s backend against its loopback stand-in', (name, startNode, connect) => {
  let node: LightningStandIn;
  let backend: LightningBackend;
  beforeEach(async () => {
    node = await startNode();
    backend = connect(node.url, node.credential);
  });
  afterEach(() => node.close());

  it('creates a real BOLT11 invoice for the amount, identified by its payment hash', async () => {
    const invoice = await backend.createInvoice({ amountSats: 2_100, memo: 'tollgate top-up', expirySeconds: 600 });
    const decoded = decode(invoice.paymentRequest);
    expect(decoded.satoshis).toBe(2_100);
    expect(decoded.tagsObject.payment_hash).toBe(invoice.paymentHash);
    expect(decoded.tagsObject.description).toBe('tollgate top-up');
    expect(invoice).toMatchObject({ amountSats: 2_100, paymentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(invoice.expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
  });

  it('looks an invoice up: open, then settled with the amount paid; expired; canceled; unknown', async () => {
    const invoice = await backend.createInvoice({ amountSats: 500, memo: 'x', expirySeconds: 600 });
    expect(await backend.lookupInvoice(invoice.paymentHash)).toEqual({ state: 'open' });
    node.settle(invoice.paymentHash);
    expect(await backend.lookupInvoice(invoice.paymentHash)).toMatchObject({ state: 'settled', amountPaidSats: 500 });

    const late = await backend.createInvoice({ amountSats: 500, memo: 'x', expirySeconds: 600 });
    node.expire(late.paymentHash);
    expect(await backend.lookupInvoice(late.paymentHash)).toEqual({ state: 'expired' });

    if (name === 'lnd') {
      const canceled = await backend.createInvoice({ amountSats: 500, memo: 'x', expirySeconds: 600 });
      node.cancel(canceled.paymentHash);
      expect(await backend.lookupInvoice(canceled.paymentHash)).toEqual({ state: 'canceled' });
    }
    expect(await backend.lookupInvoice('ab'.repeat(32))).toBeUndefined();
    expect(await backend.lookupInvoice('not-a-hash')).toBeUndefined();
  });

  it('says clearly when the node refuses tollgate’s credentials or fails', async () => {
    const wrong = connect(node.url, 'not-the-credential');
    await expect(wrong.createInvoice({ amountSats: 1, memo: 'x', expirySeconds: 60 })).rejects.toThrow(new LightningBackendError(name, `${name}: the Lightning node refused tollgate's credentials (HTTP 401) to ${name === 'lnd' ? 'add' : 'create'} an invoice`));
    node.failNext(500);
    await expect(backend.lookupInvoice('ab'.repeat(32))).rejects.toThrow(LightningBackendError);
  });

  it('fails within its timeout when the node stops answering, and at once when nothing listens', async () => {
    node.hang();
    const started = Date.now();
    await expect(backend.createInvoice({ amountSats: 1, memo: 'x', expirySeconds: 60 })).rejects.toThrow(`${name}: the Lightning node is not answering (no answer within ${TIMEOUT_MS} ms)`);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);

    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(connect(`http://127.0.0.1:${port}`, node.credential).lookupInvoice('ab'.repeat(32))).rejects.toThrow(/is unreachable/);
  });
});

describe('createLightningBackend', () => {
  const base = { LIGHTNING_TIMEOUT_MS: 1_000 };
  it('is none unless configured, and names the setting a chosen backend lacks', () => {
    expect(createLightningBackend({ ...base, LIGHTNING_BACKEND: 'none' })).toBeUndefined();
    expect(() => createLightningBackend({ ...base, LIGHTNING_BACKEND: 'lnd', LND_REST_URL: 'https://127.0.0.1:8080' })).toThrow(new LightningSettingsError('LIGHTNING_BACKEND=lnd needs LND_MACAROON_HEX or LND_MACAROON_PATH'));
    expect(() => createLightningBackend({ ...base, LIGHTNING_BACKEND: 'lnbits', LNBITS_URL: 'https://lnbits.example' })).toThrow(/needs LNBITS_API_KEY/);
    expect(createLightningBackend({ ...base, LIGHTNING_BACKEND: 'lnbits', LNBITS_URL: 'https://lnbits.example', LNBITS_API_KEY: 'k' })?.name).toBe('lnbits');
  });
});
