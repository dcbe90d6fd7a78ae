import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode } from 'bolt11';
import { reconcileDebts } from '@tollgate/db';
import { type LightningStandIn, startLnbitsStandIn, startLndStandIn } from '@tollgate/lightning/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const RATE = '97000.12';

interface InvoiceAnswer {
  charge_id: string;
  payment_request: string;
  amount_sats: number;
  amount_usd: string;
  expires_at: string;
}

/** A caller with only a Lightning wallet buys a spend token, and spends it. */
describe.each([
  ['LND', 'lnd', startLndStandIn, (node: LightningStandIn) => ({ LND_REST_URL: node.url, LND_MACAROON_HEX: node.credential })],
  ['LNbits', 'lnbits', startLnbitsStandIn, (node: LightningStandIn) => ({ LNBITS_URL: node.url, LNBITS_API_KEY: node.credential })],
] as const)('Lightning top-ups through %s', (_name, backend, startNode, settings) => {
  let node: LightningStandIn;
  let gateway: TestGateway;

  beforeAll(async () => {
    node = await startNode();
    gateway = await startTestGateway({ LIGHTNING_BACKEND: backend, ...settings(node), BTC_USD_RATE: RATE, LIGHTNING_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await gateway.close();
    await node.close();
  });

  const post = (path: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const topup = async (amountSats: number, headers: Record<string, string> = {}) => {
    const response = await post('/v1/topup', { amount_sats: amountSats }, headers);
    expect(response.status).toBe(402);
    return (await response.json()) as InvoiceAnswer;
  };
  const hashOf = (paymentRequest: string) => decode(paymentRequest).tagsObject.payment_hash as string;

  it('sells a token for a paid invoice, worth exactly its sats at the rate, and bills a call against it', async () => {
    const invoice = await topup(2_100);
    expect(invoice).toMatchObject({ amount_sats: 2_100, amount_usd: '2.03700252', charge_id: expect.stringMatching(/^ch_/) });
    expect(decode(invoice.payment_request).satoshis).toBe(2_100);

    const unpaid = await post('/v1/tokens', { charge_id: invoice.charge_id });
    expect(unpaid.status).toBe(402);
    expect(await unpaid.json()).toEqual(invoice);

    node.settle(hashOf(invoice.payment_request));
    const minted = await post('/v1/tokens', { charge_id: invoice.charge_id });
    expect(minted.status).toBe(200);
    const token = (await minted.json()) as { spend_token: string; expires_at: string; balance_usd: string };
    expect(token).toMatchObject({ spend_token: expect.stringMatching(/^tgst_/), balance_usd: '2.03700252' });
    expect(new Date(token.expires_at).getTime()).toBeGreaterThan(Date.now() + 700 * 3_600_000);

    const chat = await post('/v1/messages', { model: 'tollgate/echo', max_tokens: 32, messages: [{ role: 'user', content: 'paid in sats' }] }, { 'X-Spend-Token': token.spend_token });
    expect(chat.status).toBe(200);
    const cost = ((await chat.json()) as { usage: { cost: { total: string } } }).usage.cost.total;
    // The balance the funds guard and /v1/balance see: the credit, less the call as soon as it is recorded.
    const event = await gateway.meteringEvent(chat.headers.get('x-tollgate-request-id') as string);
    expect(event.cost.total).toBe(cost);
    // No billing worker runs here: the call is queued, not yet in the ledger (the e2e test checks the balance after).
    const balance = (await (await fetch(`${gateway.url}/v1/balance`, { headers: { 'X-Spend-Token': token.spend_token } })).json()) as { balance_usd: string };
    expect(balance.balance_usd).toBe('2.03700252');
    expect((await reconcileDebts(gateway.db.prisma)).mismatches).toEqual([]);
  });

  it('never mints twice for one charge, even when asked concurrently', async () => {
    const invoice = await topup(1_000);
    node.settle(hashOf(invoice.payment_request));
    const answers = await Promise.all(Array.from({ length: 5 }, () => post('/v1/tokens', { charge_id: invoice.charge_id }).then((response) => response.json() as Promise<{ spend_token: string | null; status?: string }>)));
    expect(answers.filter((answer) => answer.spend_token).length).toBe(1);
    expect(answers.filter((answer) => answer.status === 'already_redeemed').length).toBe(4);
    const entries = await gateway.db.prisma.ledgerEntry.findMany({ where: { requestId: `topup_${hashOf(invoice.payment_request)}` } });
    expect(entries.map((entry) => entry.amount.toFixed())).toEqual(['-0.9700012']);
  });

  it('tops up the account of a presented spend token instead of minting one', async () => {
    const first = await topup(1_000);
    node.settle(hashOf(first.payment_request));
    const { spend_token: token } = (await (await post('/v1/tokens', { charge_id: first.charge_id })).json()) as { spend_token: string };
    const more = await topup(3_000, { 'X-Spend-Token': token });
    node.settle(hashOf(more.payment_request));
    const credited = (await (await post('/v1/tokens', { charge_id: more.charge_id }, { 'X-Spend-Token': token })).json()) as { status: string; spend_token: null; balance_usd: string };
    expect(credited).toEqual({ status: 'credited', spend_token: null, balance_usd: '3.8800048' });
    const balance = (await (await fetch(`${gateway.url}/v1/balance`, { headers: { 'X-Spend-Token': token } })).json()) as { balance_usd: string };
    expect(balance.balance_usd).toBe('3.8800048');
  });

  it('IDOR: a charge id credits only the account it was made for, and shows that balance only to its token', async () => {
    // Victim V holds a token; attacker A holds another. V's top-up charge id reaches A (A pays the invoice, say).
    const mint = async () => {
      const invoice = await topup(1_000);
      node.settle(hashOf(invoice.payment_request));
      return ((await (await post('/v1/tokens', { charge_id: invoice.charge_id })).json()) as { spend_token: string }).spend_token;
    };
    const [victim, attacker] = [await mint(), await mint()];
    const balanceOf = async (token: string) => ((await (await fetch(`${gateway.url}/v1/balance`, { headers: { 'X-Spend-Token': token } })).json()) as { balance_usd: string }).balance_usd;
    const [victimBefore, attackerBefore] = [await balanceOf(victim), await balanceOf(attacker)];

    const charge = await topup(2_000, { 'X-Spend-Token': victim });
    node.settle(hashOf(charge.payment_request));
    // A redeems it presenting A's own token, then with none, then again: V is credited once; nobody but V sees V's balance.
    const asAttacker = (await (await post('/v1/tokens', { charge_id: charge.charge_id }, { 'X-Spend-Token': attacker })).json()) as Record<string, unknown>;
    expect(asAttacker).toEqual({ status: 'credited', spend_token: null, balance_usd: null });
    for (const headers of [{}, { 'X-Spend-Token': attacker }, { authorization: `Bearer ${attacker}` }] as Array<Record<string, string>>) {
      expect(await (await post('/v1/tokens', { charge_id: charge.charge_id }, headers)).json()).toEqual({ status: 'already_redeemed', spend_token: null, balance_usd: null });
    }
    expect(await balanceOf(attacker)).toBe(attackerBefore);
    const victimAfter = await balanceOf(victim);
    expect(Number(victimAfter)).toBeGreaterThan(Number(victimBefore));
    // V, presenting its own token, sees its balance.
    expect(await (await post('/v1/tokens', { charge_id: charge.charge_id }, { 'X-Spend-Token': victim })).json()).toEqual({ status: 'already_redeemed', spend_token: null, balance_usd: victimAfter });
    // /v1/invoice (the same route as /v1/topup) with V's token in A's hands is V's own act; without it, a charge
    // names no account, and a forged token is refused rather than ignored.
    expect((await post('/v1/invoice', { amount_sats: 1_000 }, { 'X-Spend-Token': `${victim.slice(0, -2)}xx` })).status).toBe(401);
  });

  it('answers 410 for an expired invoice, 404 for an unknown charge, 400 for a bad amount, in the flat shape', async () => {
    const invoice = await topup(500);
    node.expire(hashOf(invoice.payment_request));
    const expired = await post('/v1/tokens', { charge_id: invoice.charge_id });
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ code: 'charge_expired', error: expect.stringContaining('POST /v1/topup') });
    expect((await post('/v1/tokens', { charge_id: 'ch_nothing' })).status).toBe(404);
    expect((await post('/v1/topup', { amount_sats: 1 })).status).toBe(400);
    expect((await post('/v1/topup', { amount_sats: 1.5 })).status).toBe(400);
    expect((await post('/v1/invoice', { amount_sats: 500 })).status).toBe(402); // LightningProx's other name
  });

  it('answers 503 while the Lightning node is unreachable, and credits nothing unpaid', async () => {
    const invoice = await topup(700);
    node.failNext(500);
    const down = await post('/v1/tokens', { charge_id: invoice.charge_id });
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'lightning_unavailable' });
    expect(await gateway.db.prisma.ledgerEntry.count({ where: { requestId: `topup_${hashOf(invoice.payment_request)}` } })).toBe(0);
  });
});

describe('Lightning top-ups valued at a rate from a price endpoint', () => {
  let node: LightningStandIn;
  let prices: Server;
  let gateway: TestGateway;
  beforeAll(async () => {
    node = await startLndStandIn();
    prices = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"bitcoin":{"usd":80000}}'));
    await new Promise<void>((resolve) => prices.listen(0, '127.0.0.1', resolve));
    const priceUrl = `http://127.0.0.1:${(prices.address() as AddressInfo).port}/simple/price`;
    gateway = await startTestGateway({ LIGHTNING_BACKEND: 'lnd', LND_REST_URL: node.url, LND_MACAROON_HEX: node.credential, BTC_USD_RATE_URL: priceUrl, BTC_USD_RATE_MAX_AGE_MS: '400' });
  });
  afterAll(async () => {
    await gateway.close();
    await node.close();
    if (prices.listening) await new Promise((resolve) => prices.close(resolve));
  });
  const topup = () => fetch(`${gateway.url}/v1/topup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount_sats: 1_000 }) });

  it('values invoices at the fetched rate, and refuses top-ups with a clear 503 once it is stale', async () => {
    const priced = await topup();
    expect(priced.status).toBe(402);
    expect(await priced.json()).toMatchObject({ amount_usd: '0.8' });
    prices.closeAllConnections();
    await new Promise((resolve) => prices.close(resolve));
    await new Promise((resolve) => setTimeout(resolve, 500)); // older than BTC_USD_RATE_MAX_AGE_MS, and no endpoint
    const stale = await topup();
    expect(stale.status).toBe(503);
    expect(await stale.json()).toEqual({ error: 'No current BTC/USD rate to value the invoice at; try again shortly.', code: 'rate_unavailable' });
  });
});

describe('GET /topup, the page a person buys a token on', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  it('serves a self-contained page that calls /v1/topup and /v1/tokens and draws the invoice as a QR code', async () => {
    const page = await fetch(`${gateway.url}/topup`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain("post('/v1/topup'");
    expect(html).toContain("post('/v1/tokens'");
    expect(html).not.toMatch(/(src|href)="https?:/); // no external assets

    const invoice = 'lnbcrt50u1p4s355npp5ahrzrfkdta8eh2f93nwmpaaajx7d9mhc0npsxqzrsdq6fys8gmmhw3ur';
    const qr = await fetch(`${gateway.url}/topup/qr.svg?payment_request=${invoice}`);
    expect(qr.status).toBe(200);
    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await qr.text()).toMatch(/^<svg /);
    expect((await fetch(`${gateway.url}/topup/qr.svg?payment_request=${encodeURIComponent('<script>')}`)).status).toBe(400);
  });
});

describe('Lightning top-ups when not configured', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  it('answers 503 naming the reason', async () => {
    const response = await fetch(`${gateway.url}/v1/topup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amount_sats: 1_000 }) });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'Lightning top-ups are not enabled on this gateway.', code: 'lightning_not_configured' });
  });
});
