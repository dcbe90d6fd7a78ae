import { randomBytes } from 'node:crypto';
import { type LightningStandIn, startLndStandIn } from '@tollgate/lightning/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** L402: pay per request with a Lightning invoice, no account or key. */
describe('L402 pay-per-request', () => {
  let node: LightningStandIn;
  let gateway: TestGateway;

  beforeAll(async () => {
    node = await startLndStandIn();
    gateway = await startTestGateway({
      LIGHTNING_BACKEND: 'lnd',
      LND_REST_URL: node.url,
      LND_MACAROON_HEX: node.credential,
      BTC_USD_RATE: '100000',
      L402_ENABLED: 'true',
      L402_ROOT_KEY: randomBytes(32).toString('hex'),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await node.close();
  });

  const chat = (headers: Record<string, string> = {}, maxTokens = 100) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: maxTokens, messages: [{ role: 'user', content: 'paid per request' }] }),
    });

  /** A 402 challenge, paid: the credential it buys. */
  async function payChallenge(maxTokens = 100): Promise<{ authorization: string; macaroon: string; preimage: string; paymentHash: string }> {
    const challenge = await chat({}, maxTokens);
    expect(challenge.status).toBe(402);
    const header = challenge.headers.get('www-authenticate') ?? '';
    const match = /^L402 macaroon="([^"]+)", invoice="([^"]+)"$/.exec(header);
    if (!match) throw new Error(`no L402 challenge: ${header}`);
    const invoice = [...node.invoices.values()].find((candidate) => candidate.paymentRequest === match[2]);
    if (!invoice) throw new Error('the invoice is not the node’s');
    node.settle(invoice.paymentHash);
    return { authorization: `L402 ${match[1]}:${invoice.preimage}`, macaroon: match[1], preimage: invoice.preimage, paymentHash: invoice.paymentHash };
  }

  it('answers a request without credentials with 402 and an invoice priced at its worst case', async () => {
    const response = await chat();
    expect(response.status).toBe(402);
    expect(await response.json()).toMatchObject({ error: { code: 'payment_required' } });
    expect(response.headers.get('www-authenticate')).toMatch(/^L402 macaroon="[A-Za-z0-9+/=]+", invoice="lnbcrt\d+n1/);
  });

  it('serves a request paid with `Authorization: L402 <macaroon>:<preimage>`, billed to the payment', async () => {
    const { authorization } = await payChallenge();
    const paid = await chat({ authorization });
    expect(paid.status).toBe(200);
    const event = await gateway.meteringEvent(paid.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ authMethod: 'l402', status: 'ok' });
  });

  it('cannot spend more than was paid: the same preimage again is refused once the credit is used', async () => {
    const { authorization } = await payChallenge(100);
    // The invoice covered one request of up to 100 tokens; a request that may cost more is refused.
    const tooBig = await chat({ authorization }, 4_000);
    expect(tooBig.status).toBe(402);
    expect(await tooBig.json()).toMatchObject({ error: { code: 'insufficient_funds' } });
  });

  it('refuses a wrong preimage and a tampered macaroon with 401', async () => {
    const { macaroon, preimage } = await payChallenge();
    const wrong = await chat({ authorization: `L402 ${macaroon}:${randomBytes(32).toString('hex')}` });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_l402', message: 'The L402 preimage does not match the invoice that was paid.' } });
    const bytes = Buffer.from(macaroon, 'base64');
    bytes[bytes.length - 1] ^= 0xff; // the signature
    const tampered = await chat({ authorization: `L402 ${bytes.toString('base64')}:${preimage}` });
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ error: { code: 'invalid_l402', message: 'The L402 macaroon does not verify.' } });
  });
});
