import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixedBtcUsdRate, StaleRateError, urlBtcUsdRate } from './btc-usd-rate';

describe('BTC/USD rate', () => {
  let server: Server;
  let answer: { status: number; body: string };
  let url: string;
  beforeEach(async () => {
    answer = { status: 200, body: '{"USD": 97000.12}' };
    server = createServer((_request, response) => response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/price`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it('a fixed rate is what was configured, never stale', async () => {
    expect((await fixedBtcUsdRate('90000.5').current()).usdPerBtc).toBe('90000.5');
  });

  it.each([
    ['{"USD": 97000.12}', '97000.12'],
    ['{"bitcoin": {"usd": 97001}}', '97001'],
    ['{"data": {"base": "BTC", "currency": "USD", "amount": "97002.345"}}', '97002.345'],
    ['{"price": "97003.5"}', '97003.5'],
  ])('reads %s as %s, exactly', async (body, rate) => {
    answer.body = body;
    expect((await urlBtcUsdRate({ url, maxAgeMs: 60_000, timeoutMs: 1_000 }).current()).usdPerBtc).toBe(rate);
  });

  it('keeps serving the last rate while the endpoint fails, until it is too old: then StaleRateError', async () => {
    let clock = 1_000_000;
    const source = urlBtcUsdRate({ url, maxAgeMs: 60_000, timeoutMs: 1_000, now: () => clock });
    expect((await source.current()).usdPerBtc).toBe('97000.12');
    answer = { status: 500, body: '{}' };
    clock += 45_000; // past half the age: it tries again, fails, and the 45 s old rate still serves
    expect((await source.current()).usdPerBtc).toBe('97000.12');
    clock += 20_000; // 65 s old
    await expect(source.current()).rejects.toThrow(StaleRateError);
    answer = { status: 200, body: '{"USD": 98000}' };
    expect((await source.current()).usdPerBtc).toBe('98000');
  });

  it('never had a rate: StaleRateError', async () => {
    answer = { status: 200, body: '{"EUR": 1}' };
    await expect(urlBtcUsdRate({ url, maxAgeMs: 60_000, timeoutMs: 1_000 }).current()).rejects.toThrow(/no BTC\/USD rate in the answer/);
  });
});
