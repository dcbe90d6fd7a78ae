import { ProviderError } from '../provider-error';
import { isKeyFault, KEY_FAILURES_BEFORE_BENCH, KeyPool, type KeyBenching } from './key-pool';
import type { ProviderKey } from './provider-key';

const key = (name: string, weight = 1): ProviderKey => ({ name, secret: `secret-of-${name}`, weight });
const refusal = (statusCode: number, retryAfterMs?: number) => new ProviderError({ provider: 'openai', message: `status ${statusCode}`, statusCode, retryAfterMs });

function picks(pool: KeyPool, count: number, skip?: ReadonlySet<ProviderKey>): string[] {
  return Array.from({ length: count }, () => pool.pick(skip)?.name ?? '-');
}

describe('KeyPool', () => {
  it('takes equal keys in turn', () => {
    const pool = new KeyPool('openai', [key('a'), key('b'), key('c')]);
    expect(picks(pool, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('spreads picks by weight, evenly interleaved, exactly over each cycle', () => {
    const pool = new KeyPool('openai', [key('heavy', 3), key('light', 1)]);
    expect(picks(pool, 8)).toEqual(['heavy', 'heavy', 'light', 'heavy', 'heavy', 'heavy', 'light', 'heavy']);
    const counts = new Map<string, number>();
    for (const name of picks(new KeyPool('openai', [key('a', 5), key('b', 2), key('c', 0.5)]), 750)) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ a: 500, b: 200, c: 50 });
  });

  it('leaves out the keys a request already tried, and answers undefined when none is left', () => {
    const [a, b] = [key('a'), key('b')];
    const pool = new KeyPool('openai', [a, b]);
    expect(picks(pool, 3, new Set([a]))).toEqual(['b', 'b', 'b']);
    expect(pool.pick(new Set([a, b]))).toBeUndefined();
  });

  it('counts only key faults: 401, 403 and 429', () => {
    expect([400, 401, 403, 404, 408, 429, 500, 529].filter((status) => isKeyFault(refusal(status)))).toEqual([401, 403, 429]);
  });

  it(`benches a key after ${KEY_FAILURES_BEFORE_BENCH} key faults in a row, reports it once, and takes it back after the bench`, () => {
    let now = 1_000;
    const benchings: KeyBenching[] = [];
    const [a, b] = [key('a'), key('b')];
    const pool = new KeyPool('openai', [a, b], { benchMs: 60_000, now: () => now, onBenched: (benching) => benchings.push(benching) });
    expect(pool.failed(a, refusal(401))).toBe(false);
    expect(pool.failed(a, refusal(500))).toBe(false); // says nothing about the key
    expect(pool.failed(a, refusal(403))).toBe(false);
    expect(pool.failed(a, refusal(401))).toBe(true);
    expect(benchings).toEqual([{ provider: 'openai', key: 'a', status: 401, benchedForMs: 60_000 }]);
    expect(pool.isBenched(a)).toBe(true);
    expect(picks(pool, 4)).toEqual(['b', 'b', 'b', 'b']);
    expect(pool.allBenched()).toBe(false);
    now += 59_999;
    expect(pool.pick(new Set([b]))).toBeUndefined();
    expect(pool.pick(new Set([b]), true)).toBe(a); // a request may still try it anyway
    now += 1;
    expect(pool.isBenched(a)).toBe(false);
    expect(picks(pool, 2).sort()).toEqual(['a', 'b']);
    expect(benchings).toHaveLength(1);
  });

  it('resets the run on a success, so only failures in a row bench', () => {
    const benchings: KeyBenching[] = [];
    const a = key('a');
    const pool = new KeyPool('openai', [a], { onBenched: (benching) => benchings.push(benching) });
    for (let round = 0; round < 5; round += 1) {
      pool.failed(a, refusal(429));
      pool.failed(a, refusal(429));
      pool.succeeded(a);
    }
    expect(benchings).toEqual([]);
  });

  it("benches a key that keeps answering 429 for the 429's retry-after when it gives one", () => {
    let now = 0;
    const benchings: KeyBenching[] = [];
    const a = key('a');
    const pool = new KeyPool('openai', [a], { benchMs: 60_000, now: () => now, onBenched: (benching) => benchings.push(benching) });
    for (let failure = 0; failure < KEY_FAILURES_BEFORE_BENCH; failure += 1) pool.failed(a, refusal(429, 5_000));
    expect(benchings).toEqual([{ provider: 'openai', key: 'a', status: 429, benchedForMs: 5_000 }]);
    expect(pool.allBenched()).toBe(true);
    // Tried anyway and failed again: still benched, from now, not reported twice.
    now = 4_000;
    expect(pool.failed(a, refusal(429, 5_000))).toBe(false);
    now = 8_000;
    expect(pool.isBenched(a)).toBe(true);
    expect(benchings).toHaveLength(1);
    // Tried anyway and served: back in the rotation at once.
    pool.succeeded(a);
    expect(pool.allBenched()).toBe(false);
  });
});
