import type { ProviderError } from '../provider-error';
import type { ProviderKey } from './provider-key';

/** Failures in a row (auth refusals or 429s) after which a key is benched. */
export const KEY_FAILURES_BEFORE_BENCH = 3;

/** The default time a benched key sits out: PROVIDER_KEY_BENCH_MS's default. */
export const DEFAULT_KEY_BENCH_MS = 60_000;

/** A key was benched: what the gateway logs (once per benching) and counts. Never carries the key itself. */
export interface KeyBenching {
  provider: string;
  /** The key's stable name (see ProviderKey.name). */
  key: string;
  /** The upstream status of the failure that benched it (401, 403 or 429). */
  status: number;
  /** How long it sits out, in milliseconds. */
  benchedForMs: number;
}

export interface KeyPoolOptions {
  /** How long a key that keeps failing sits out, unless a 429 said how long (retry-after). */
  benchMs?: number;
  onBenched?: (benching: KeyBenching) => void;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}

/**
 * True for an upstream answer that blames the key rather than the request or the provider: 401 and 403 (the key is
 * wrong, revoked or lacks access) and 429 (this key's rate limit or quota). Another key of the same provider may
 * serve the same request at once.
 */
export function isKeyFault(error: ProviderError): boolean {
  return error.statusCode === 401 || error.statusCode === 403 || error.statusCode === 429;
}

/**
 * A provider's keys and which of them may be used now. Requests are spread by smooth weighted round-robin (nginx's):
 * deterministic, and over any run of picks each key's share follows its weight to within one pick. A key that fails
 * KEY_FAILURES_BEFORE_BENCH times in a row with a key fault is benched — left out of `pick` — for `benchMs` (or the
 * 429's retry-after), and `onBenched` hears of it once; one success puts its count back to zero. Picking allocates
 * nothing: a few array reads and writes per request.
 */
export class KeyPool {
  private readonly current: number[];
  private readonly failures: number[];
  private readonly benchedUntil: number[];
  private readonly benchMs: number;
  private readonly now: () => number;

  constructor(
    readonly provider: string,
    readonly keys: readonly ProviderKey[],
    private readonly options: KeyPoolOptions = {},
  ) {
    this.current = keys.map(() => 0);
    this.failures = keys.map(() => 0);
    this.benchedUntil = keys.map(() => 0);
    this.benchMs = options.benchMs ?? DEFAULT_KEY_BENCH_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The next key in the rotation, leaving out the keys in `skip` (those this request already tried) and benched
   * keys unless `includeBenched`; undefined when none is left.
   */
  pick(skip?: ReadonlySet<ProviderKey>, includeBenched = false): ProviderKey | undefined {
    const now = includeBenched ? Number.POSITIVE_INFINITY : this.now();
    let best = -1;
    let total = 0;
    for (let index = 0; index < this.keys.length; index += 1) {
      const key = this.keys[index];
      if (skip?.has(key) || this.benchedUntil[index] > now) continue;
      this.current[index] += key.weight;
      total += key.weight;
      if (best < 0 || this.current[index] > this.current[best]) best = index;
    }
    if (best < 0) return undefined;
    this.current[best] -= total;
    return this.keys[best];
  }

  /** Whether `pick(skip, includeBenched)` would find a key, without moving the rotation. */
  hasKeyLeft(skip?: ReadonlySet<ProviderKey>, includeBenched = false): boolean {
    const now = this.now();
    return this.keys.some((key, index) => !skip?.has(key) && (includeBenched || this.benchedUntil[index] <= now));
  }

  /** True when every key is benched right now (a pool without keys is not). */
  allBenched(): boolean {
    const now = this.now();
    for (const until of this.benchedUntil) if (until <= now) return false;
    return this.keys.length > 0;
  }

  /** Whether the key is benched right now. */
  isBenched(key: ProviderKey): boolean {
    return this.benchedUntil[this.keys.indexOf(key)] > this.now();
  }

  /** The key served a request: its run of failures ends, and a benched key that was tried anyway is back. */
  succeeded(key: ProviderKey): void {
    const index = this.keys.indexOf(key);
    if (index < 0) return;
    this.failures[index] = 0;
    this.benchedUntil[index] = 0;
  }

  /**
   * The key failed with `error`. A key fault (see isKeyFault) adds to its run of failures and benches it at
   * KEY_FAILURES_BEFORE_BENCH (true is returned then); any other failure says nothing about the key. A benched key
   * tried anyway that fails again stays benched, from now, without a second report.
   */
  failed(key: ProviderKey, error: ProviderError): boolean {
    const index = this.keys.indexOf(key);
    if (index < 0 || !isKeyFault(error)) return false;
    const now = this.now();
    const benchedForMs = error.statusCode === 429 && error.retryAfterMs !== undefined ? Math.max(error.retryAfterMs, 1) : this.benchMs;
    if (this.benchedUntil[index] > now) {
      this.benchedUntil[index] = now + benchedForMs;
      return false;
    }
    this.failures[index] += 1;
    if (this.failures[index] < KEY_FAILURES_BEFORE_BENCH) return false;
    this.failures[index] = 0;
    this.benchedUntil[index] = now + benchedForMs;
    this.options.onBenched?.({ provider: this.provider, key: key.name, status: error.statusCode, benchedForMs });
    return true;
  }
}
