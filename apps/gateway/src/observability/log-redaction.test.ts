import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createLogger } from '@tollgate/config';
import { adminCreateAccount } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { type LoopbackFacilitator, startLoopbackFacilitator, v1PaymentHeader } from '@tollgate/testing/x402';

const PROVIDER_KEY = 'sk-proj-providerSecretDoNotLog0123456789';
const ADMIN_TOKEN = 'admin-token-secret-do-not-log-0123456789abcdef';
const JWT_SECRET = 'jwt-signing-secret-do-not-log-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-secret-do-not-log';
const FOREIGN_JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.forgedSignatureDoNotLog123';
const BAD_SPEND_TOKEN = 'tgst_notIssuedSecretDoNotLog0123456789';

/** An OpenAI-shaped upstream that fails every call (500): the gateway retries, logs each try and answers an error. */
async function failingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"upstream exploded","type":"server_error"}}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('log redaction: no secret a request carries or the gateway is configured with reaches the log', () => {
  let gateway: TestGateway;
  let upstream: Awaited<ReturnType<typeof failingUpstream>>;
  let facilitator: LoopbackFacilitator;
  const lines: string[] = [];
  const payTo = privateKeyToAccount(generatePrivateKey()).address;

  beforeAll(async () => {
    upstream = await failingUpstream();
    facilitator = await startLoopbackFacilitator();
    // Every level, so that debug lines are searched too.
    const logger = createLogger('gateway', 'trace', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    gateway = await startTestGateway(
      {
        OPENAI_API_KEY: PROVIDER_KEY,
        OPENAI_BASE_URL: upstream.url,
        ADMIN_TOKEN,
        JWT_SECRET,
        METRICS_TOKEN,
        X402_PAY_TO: payTo,
        X402_NETWORK: 'base-sepolia',
        X402_FACILITATOR_URL: facilitator.url,
      },
      { logger },
    );
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await facilitator.close();
  });

  const chat = (headers: Record<string, string>, model = 'tollgate/echo') =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hello' }] }),
    });

  it('sends an API key, a spend token, JWTs, x402 payments, a provider key and an admin token — logs hold none of them', async () => {
    const secrets: string[] = [PROVIDER_KEY, ADMIN_TOKEN, JWT_SECRET, METRICS_TOKEN, FOREIGN_JWT, BAD_SPEND_TOKEN, gateway.apiKey];

    // An API key: served, and a call whose provider fails (retried, logged at warn, answered 5xx logged at error).
    expect((await chat({ authorization: `Bearer ${gateway.apiKey}` })).status).toBe(200);
    const failed = await chat({ authorization: `Bearer ${gateway.apiKey}` }, 'openai/gpt-4o-mini');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect((await chat({ 'x-api-key': gateway.apiKey })).status).toBe(200);

    // A spend token (X-Spend-Token), and one that was never issued.
    const { apiKey: spendToken } = await adminCreateAccount(gateway.db.prisma, 'test', { name: 'prepaid', creditLimit: '1', spendToken: true });
    secrets.push(spendToken);
    expect((await chat({ 'x-spend-token': spendToken })).status).toBe(200);
    expect((await chat({ 'x-spend-token': BAD_SPEND_TOKEN })).status).toBe(401);

    // A JWT from the key exchange, used; a forged one, refused.
    const exchanged = await fetch(`${gateway.url}/v1/authorize`, { method: 'POST', headers: { authorization: `Bearer ${gateway.apiKey}` } });
    expect(exchanged.status).toBe(201);
    const { token } = (await exchanged.json()) as { token: string };
    secrets.push(token, (token.split('.')[2] as string));
    expect((await chat({ authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await chat({ authorization: `Bearer ${token.slice(0, -4)}AAAA` })).status).toBe(401);
    expect((await chat({ authorization: `Bearer ${FOREIGN_JWT}` })).status).toBe(401);

    // x402: a signed payment to the wrong recipient (refused), and a malformed PAYMENT-SIGNATURE.
    const payer = privateKeyToAccount(generatePrivateKey());
    const payment = await v1PaymentHeader(payer, { to: privateKeyToAccount(generatePrivateKey()).address, value: 1_000_000n });
    const paymentHeader = payment['X-PAYMENT'] as string;
    const signature = (JSON.parse(Buffer.from(paymentHeader, 'base64').toString('utf8')) as { payload: { signature: string } }).payload.signature;
    secrets.push(paymentHeader, signature);
    expect((await chat(payment)).status).toBe(402);
    const junkPayment = Buffer.from('{"x402Version":2,"payload":{"signature":"0xjunkSignatureDoNotLog"}}').toString('base64');
    secrets.push(junkPayment, '0xjunkSignatureDoNotLog');
    expect((await chat({ 'PAYMENT-SIGNATURE': junkPayment })).status).toBeGreaterThanOrEqual(400);

    // The admin token, right and wrong; /metrics with its token.
    expect((await fetch(`${gateway.url}/admin/accounts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${gateway.url}/admin/accounts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}x` } })).status).toBe(401);
    expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 100)); // the last access lines are written on close
    const output = lines.join("");
    // The log did record these requests, including failures at warn and error.
    expect(output).toContain('"msg":"request"');
    expect(lines.some((line) => line.includes('"level":40'))).toBe(true);
    expect(lines.some((line) => line.includes('"level":50'))).toBe(true);
    for (const secret of secrets) expect({ secret, found: output.includes(secret) }).toEqual({ secret, found: false });
    // Not even the key's secret part without its prefix.
    expect(output).not.toContain(gateway.apiKey.slice(gateway.apiKey.indexOf('_') + 1));
  });
});
