import { loadCatalog } from '../load-catalog';
import { catalogEntrySchema, DEFAULT_IMAGE_TOKENS, parseCatalog } from './model-catalog';
import { pricesFor } from './price-tiers';

const catalog = loadCatalog();
const entry = (id: string) => {
  const found = catalog.find(id);
  if (!found) throw new Error(`the bundled catalog has no ${id}`);
  return found;
};
const baseEntry = {
  id: 'google/test',
  provider: 'google',
  upstreamId: 'test',
  name: 'Test',
  prices: { input: '1.25', output: '10', cacheRead: '0.125' },
  contextWindow: 1_000_000,
  maxOutputTokens: 1000,
};

describe('pricesFor', () => {
  const pro = entry('google/gemini-2.5-pro');

  it('prices gemini-2.5-pro at its base rate up to 200,000 prompt tokens and its higher rate above', () => {
    expect(pricesFor(pro, 0)).toEqual({ input: '1.25', output: '10', cacheRead: '0.125' });
    expect(pricesFor(pro, 200_000)).toEqual({ input: '1.25', output: '10', cacheRead: '0.125' });
    expect(pricesFor(pro, 200_001)).toEqual({ input: '2.50', output: '15', cacheRead: '0.25' });
    expect(pricesFor(pro, 1_048_576)).toEqual({ input: '2.50', output: '15', cacheRead: '0.25' });
  });

  it("prices Router402's Gemini 3 previews as Google publishes them: Pro tiered above 200,000 prompt tokens, Flash flat", () => {
    const gemini3Pro = entry('google/gemini-3-pro-preview');
    expect(gemini3Pro).toMatchObject({ provider: 'google', upstreamId: 'gemini-3-pro-preview', contextWindow: 1_048_576, maxOutputTokens: 65_536 });
    expect(pricesFor(gemini3Pro, 200_000)).toEqual({ input: '2', output: '12', cacheRead: '0.20' });
    expect(pricesFor(gemini3Pro, 200_001)).toEqual({ input: '4', output: '18', cacheRead: '0.40' });
    const gemini3Flash = entry('google/gemini-3-flash-preview');
    expect(gemini3Flash).toMatchObject({ provider: 'google', upstreamId: 'gemini-3-flash-preview', contextWindow: 1_048_576, maxOutputTokens: 65_536 });
    expect(pricesFor(gemini3Flash, 1_000_000)).toEqual({ input: '0.50', output: '3', cacheRead: '0.05' });
  });

  it('picks the highest tier below the prompt, and the base prices without tiers', () => {
    const tiered = catalogEntrySchema.parse({
      ...baseEntry,
      priceTiers: [
        { aboveInputTokens: 100, prices: { input: '2', output: '20' } },
        { aboveInputTokens: 1000, prices: { input: '3', output: '30' } },
      ],
    });
    expect([50, 100, 101, 1000, 1001].map((tokens) => pricesFor(tiered, tokens).input)).toEqual(['1.25', '1.25', '2', '2', '3']);
    expect(pricesFor(entry('openai/gpt-4o'), 10_000_000)).toEqual(entry('openai/gpt-4o').prices);
  });
});

describe('catalog entry schema: tiers and image tokens', () => {
  it('refuses tiers out of order or repeated', () => {
    const tier = (aboveInputTokens: number) => ({ aboveInputTokens, prices: { input: '5', output: '50' } });
    expect(catalogEntrySchema.safeParse({ ...baseEntry, priceTiers: [tier(1000), tier(100)] }).success).toBe(false);
    expect(catalogEntrySchema.safeParse({ ...baseEntry, priceTiers: [tier(100), tier(100)] }).success).toBe(false);
    expect(catalogEntrySchema.safeParse({ ...baseEntry, priceTiers: [tier(100), tier(1000)] }).success).toBe(true);
  });

  it('refuses a tier cheaper than the one below it, in any class (with fallbacks), naming the class', () => {
    const cheaperOutput = { ...baseEntry, priceTiers: [{ aboveInputTokens: 10, prices: { input: '2', output: '9.99' } }] };
    expect(() => parseCatalog({ models: [cheaperOutput] }, 'test.json')).toThrow('catalog test.json: models.0.priceTiers.0.prices.output: a price tier may not be cheaper');
    // cacheRead falls back to input (2 > 0.125 base cacheRead is fine), but an explicit cheaper cacheRead is not.
    const cheaperCache = { ...baseEntry, priceTiers: [{ aboveInputTokens: 10, prices: { input: '2', output: '20', cacheRead: '0.1' } }] };
    expect(() => parseCatalog({ models: [cheaperCache] }, 'test.json')).toThrow('priceTiers.0.prices.cacheRead');
    const fallback = { ...baseEntry, priceTiers: [{ aboveInputTokens: 10, prices: { input: '2', output: '20' } }] };
    expect(catalogEntrySchema.safeParse(fallback).success).toBe(true);
  });

  it('defaults imageTokens to 1,600 and keeps the catalog values for OpenAI models', () => {
    expect(DEFAULT_IMAGE_TOKENS).toBe(1600);
    expect(catalogEntrySchema.parse(baseEntry).imageTokens).toBe(1600);
    expect(entry('anthropic/claude-sonnet-4.5').imageTokens).toBe(1600);
    expect(entry('google/gemini-2.5-pro').imageTokens).toBe(1600);
    expect(entry('openai/gpt-4o-mini').imageTokens).toBe(2833 + 5667 * 8);
    expect(entry('openai/gpt-4o').imageTokens).toBe(85 + 170 * 8);
    expect(entry('openai/gpt-4-turbo').imageTokens).toBe(85 + 170 * 8);
  });
});
