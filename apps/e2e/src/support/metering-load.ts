import { priceUsage, sumDecimals } from '@tollgate/billing';
import { NO_KEY } from '@tollgate/db';
import type { MeteringEvent, ModelPrices } from '@tollgate/schemas';
import { meteringEventFixture, seededRandom } from '@tollgate/testing';

/** Models the load is spread over, with catalog-like prices (USD per million tokens). */
const MODELS: ReadonlyArray<{ model: string; provider: string; prices: ModelPrices }> = [
  { model: 'tollgate/echo', provider: 'tollgate', prices: { input: '0.10', output: '0.40' } },
  { model: 'openai/gpt-4o-mini', provider: 'openai', prices: { input: '0.15', output: '0.60', cacheRead: '0.075' } },
  { model: 'anthropic/claude-sonnet-4', provider: 'anthropic', prices: { input: '3', output: '15', cacheRead: '0.3', cacheWrite: '3.75' } },
  { model: 'google/gemini-2.5-flash', provider: 'gemini', prices: { input: '0.30', output: '2.50', reasoning: '2.50' } },
];

/** Request starts around two UTC midnights, so a day's rollup must stop at the last millisecond of the day. */
const DAY_EDGES = ['2026-11-25T23:59:59.999Z', '2026-11-26T00:00:00.000Z', '2026-11-26T23:59:59.999Z', '2026-11-27T00:00:00.000Z'];

/**
 * `count` distinct priced metering events over the given accounts (each with one API key), from a seed: every token
 * class, four models, with and without a key, starts spread over three UTC days with some on the midnights.
 */
export function generateMeteringLoad(accounts: ReadonlyArray<{ id: string; apiKeyId: string }>, count: number, seed: number): MeteringEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const dayStart = Date.parse('2026-11-25T00:00:00.000Z');
  return Array.from({ length: count }, (_, index) => {
    const account = accounts[index % accounts.length] as { id: string; apiKeyId: string };
    const served = pick(MODELS);
    const usage = {
      inputTokens: Math.floor(random() * 8_000),
      outputTokens: Math.floor(random() * 2_000),
      reasoningTokens: random() < 0.25 ? Math.floor(random() * 4_000) : 0,
      cacheReadTokens: random() < 0.3 ? Math.floor(random() * 20_000) : 0,
      cacheWriteTokens: random() < 0.1 ? Math.floor(random() * 5_000) : 0,
      source: random() < 0.95 ? ('reported' as const) : ('estimated' as const),
    };
    const startedAt = random() < 0.05 ? pick(DAY_EDGES) : new Date(dayStart + Math.floor(random() * 3 * 86_400_000)).toISOString();
    return meteringEventFixture(account.id, {
      apiKeyId: random() < 0.7 ? account.apiKeyId : null,
      model: served.model,
      provider: served.provider,
      usage,
      prices: served.prices,
      cost: priceUsage(usage, served.prices, '0.10'),
      status: random() < 0.98 ? 'ok' : 'partial',
      streamed: random() < 0.5,
      timings: { startedAt, durationMs: Math.floor(random() * 5_000) },
    });
  });
}

/** Each account's debt after these (distinct) events: the exact sum of their totals, as a decimal string. */
export function expectedDebts(events: readonly MeteringEvent[]): Map<string, string> {
  const totals = new Map<string, string[]>();
  for (const event of events) {
    const list = totals.get(event.accountId);
    if (list) list.push(event.cost.total);
    else totals.set(event.accountId, [event.cost.total]);
  }
  return new Map([...totals].map(([accountId, amounts]) => [accountId, sumDecimals(amounts)]));
}

/**
 * The daily rollups these (distinct) events make, one line each —
 * `account|day|key|provider|model|requests|input|output|reasoning|cache read|cache write|base|commission|total` —
 * summed exactly (BigInt tokens, decimal money), sorted.
 */
export function expectedRollupLines(events: readonly MeteringEvent[]): string[] {
  const groups = new Map<string, MeteringEvent[]>();
  for (const event of events) {
    const key = [event.accountId, event.timings.startedAt.slice(0, 10), event.apiKeyId ?? NO_KEY, event.provider, event.model].join('|');
    const list = groups.get(key);
    if (list) list.push(event);
    else groups.set(key, [event]);
  }
  const tokens = (members: MeteringEvent[], pick: (event: MeteringEvent) => number) => members.reduce((sum, event) => sum + BigInt(pick(event)), 0n).toString();
  return [...groups]
    .map(([key, members]) =>
      [
        key,
        String(members.length),
        tokens(members, (event) => event.usage.inputTokens),
        tokens(members, (event) => event.usage.outputTokens),
        tokens(members, (event) => event.usage.reasoningTokens),
        tokens(members, (event) => event.usage.cacheReadTokens),
        tokens(members, (event) => event.usage.cacheWriteTokens),
        sumDecimals(members.map((event) => event.cost.base)),
        sumDecimals(members.map((event) => event.cost.commission)),
        sumDecimals(members.map((event) => event.cost.total)),
      ].join('|'),
    )
    .sort();
}

/** The SQL that renders `usage_daily` rows in the shape of expectedRollupLines (NUMERIC without trailing zeros); sort them in JS. */
export const ROLLUP_LINES_SQL = `
  SELECT concat_ws('|', account_id, day, api_key_id, provider, model, requests, input_tokens, output_tokens, reasoning_tokens,
    cache_read_tokens, cache_write_tokens, trim_scale(base_cost), trim_scale(commission), trim_scale(total_cost)) AS line
  FROM usage_daily`;
