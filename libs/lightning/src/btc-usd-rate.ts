import { request } from 'undici';
import { z } from 'zod';

/** USD per bitcoin as an exact decimal string, and when it was learned. */
export interface BtcUsdRate {
  usdPerBtc: string;
  fetchedAt: Date;
}

/** No rate fresh enough to sell credit at: top-ups are refused until one is. */
export class StaleRateError extends Error {
  override readonly name = 'StaleRateError';
}

/** Where the BTC/USD rate comes from. */
export interface BtcUsdRateSource {
  current(): Promise<BtcUsdRate>;
}

const decimal = z.union([z.number().positive().max(1e15), z.string().regex(/^\d{1,15}(\.\d{1,18})?$/)]).transform((value) => (typeof value === 'number' ? String(value) : value));
// The shapes price endpoints commonly answer with: {"USD":…}, CoinGecko's {"bitcoin":{"usd":…}}, Coinbase's
// {"data":{"amount":"…"}}, and a bare {"price":…} or {"rate":…}.
const rateAnswer = z.union([
  z.looseObject({ USD: decimal }).transform((body) => body.USD),
  z.looseObject({ usd: decimal }).transform((body) => body.usd),
  z.looseObject({ bitcoin: z.looseObject({ usd: decimal }) }).transform((body) => body.bitcoin.usd),
  z.looseObject({ data: z.looseObject({ amount: decimal }) }).transform((body) => body.data.amount),
  z.looseObject({ price: decimal }).transform((body) => body.price),
  z.looseObject({ rate: decimal }).transform((body) => body.rate),
]);

/** A rate fixed by configuration (BTC_USD_RATE): never stale. */
export function fixedBtcUsdRate(usdPerBtc: string): BtcUsdRateSource {
  const rate = { usdPerBtc, fetchedAt: new Date() };
  return { current: async () => rate };
}

/**
 * A rate read from a price endpoint (BTC_USD_RATE_URL), cached: fetched again once older than half of `maxAgeMs`;
 * when the endpoint fails, the cached rate serves until it is `maxAgeMs` old, after which StaleRateError says so.
 * JSON numbers are read as written (a rate has at most 15 significant digits, which a double keeps exactly).
 */
export function urlBtcUsdRate(input: { url: string; maxAgeMs: number; timeoutMs: number; now?: () => number }): BtcUsdRateSource {
  const now = input.now ?? Date.now;
  let cached: BtcUsdRate | undefined;
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    const response = await request(input.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(input.timeoutMs) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    const parsed = rateAnswer.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error('no BTC/USD rate in the answer');
    cached = { usdPerBtc: parsed.data, fetchedAt: new Date(now()) };
  };
  return {
    async current() {
      const age = cached ? now() - cached.fetchedAt.getTime() : Infinity;
      if (age > input.maxAgeMs / 2) {
        refreshing ??= refresh().finally(() => (refreshing = undefined));
        try {
          await refreshing;
        } catch (error) {
          if (!cached || now() - cached.fetchedAt.getTime() > input.maxAgeMs) {
            throw new StaleRateError(`No BTC/USD rate newer than ${Math.round(input.maxAgeMs / 1000)} s: the price endpoint failed (${error instanceof Error ? error.message : String(error)}).`);
          }
        }
      }
      return cached as BtcUsdRate;
    },
  };
}
