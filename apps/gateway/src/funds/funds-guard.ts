import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { fromNanoUsd, toNanoUsdCeil } from '@tollgate/billing';
import { GatewayError } from '../errors/gateway-error';

/**
 * Reserve: seeds the account's debt when absent (ARGV[3] = '' asks the caller to seed it), then admits the amount
 * only if debt + outstanding reservations + amount stays within the credit limit. One atomic step for all replicas.
 * Returns {status, debt, reserved}: status 1 admitted, 0 refused, -1 debt unknown (seed and call again).
 */
const RESERVE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'debt') == 0 then
  if ARGV[3] == '' then return {-1, '0', '0'} end
  redis.call('HSET', KEYS[1], 'debt', ARGV[3])
end
local debt = redis.call('HGET', KEYS[1], 'debt')
local reserved = redis.call('HGET', KEYS[1], 'reserved') or '0'
redis.call('EXPIRE', KEYS[1], ARGV[4])
if tonumber(debt) + tonumber(reserved) + tonumber(ARGV[2]) > tonumber(ARGV[1]) then return {0, debt, reserved} end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2])
return {1, debt, reserved}
`;

/** Settle: drops the reservation and adds the actual cost to the running debt, atomically. */
const SETTLE_SCRIPT = `
redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(ARGV[1]))
if redis.call('HEXISTS', KEYS[1], 'debt') == 1 then redis.call('HINCRBY', KEYS[1], 'debt', ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Credit: lowers the running debt by a top-up, if the account's debt is cached (else it is seeded from Postgres). */
const CREDIT_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'debt') == 1 then redis.call('HINCRBY', KEYS[1], 'debt', -tonumber(ARGV[1])) end
return 1
`;

/** A hold on an account's funds for one request; settle it with the actual cost (or release it) exactly once. */
export interface Reservation {
  /** The worst-case cost the hold was sized from (USD): what the provider may bill without exceeding it. */
  readonly worstCaseUsd: string;
  settle(actualUsd: string): Promise<void>;
  release(): Promise<void>;
}

/**
 * Stops callers whose funds have run out (402), across every gateway replica: before calling a provider the
 * worst-case cost is reserved in Redis (one Lua script), after the call the reservation is settled to the actual
 * cost. The running debt in Redis is seeded from Postgres (via `loadDebt`) when absent and expires after an idle
 * hour, after which it is seeded again. While Redis is unreachable requests are admitted (logged): metering still
 * records every cost, so a short Redis blip can at most let an account overrun its limit by that blip's requests.
 */
export class FundsGuard {
  constructor(
    private readonly redis: Redis,
    private readonly loadDebt: (accountId: string) => Promise<string>,
    private readonly logger: Logger,
    private readonly idleTtlSeconds = 3600,
  ) {}

  async reserve(input: { accountId: string; creditLimit: string; worstCaseUsd: string }): Promise<Reservation> {
    const key = `tollgate:funds:${input.accountId}`;
    const amount = toNanoUsdCeil(input.worstCaseUsd);
    const limit = toNanoUsdCeil(input.creditLimit);
    let result: [number, string, string];
    try {
      result = await this.run(key, limit, amount, '');
      if (result[0] === -1) result = await this.run(key, limit, amount, toNanoUsdCeil(await this.loadDebt(input.accountId)).toString());
    } catch (error) {
      this.logger.warn({ err: error, accountId: input.accountId }, 'funds guard unavailable: admitting without a reservation');
      return { worstCaseUsd: input.worstCaseUsd, settle: async () => undefined, release: async () => undefined };
    }
    if (result[0] === 0) {
      const remaining = limit - BigInt(result[1]) - BigInt(result[2]);
      throw new GatewayError({
        status: 402,
        type: 'insufficient_funds',
        code: 'insufficient_funds',
        message: `Insufficient funds: this request may cost up to $${input.worstCaseUsd} and $${fromNanoUsd(remaining > 0n ? remaining : 0n)} remains of the account's $${input.creditLimit} credit. Top up, or lower max_tokens.`,
      });
    }
    let done = false;
    const finish = async (actualNano: bigint) => {
      if (done) return;
      done = true;
      try {
        await this.redis.eval(SETTLE_SCRIPT, 1, key, amount.toString(), actualNano.toString(), this.idleTtlSeconds);
      } catch (error) {
        // The reservation expires with the key; the ledger (not Redis) is the record of what was spent.
        this.logger.warn({ err: error, accountId: input.accountId }, 'funds guard: could not settle a reservation');
      }
    };
    return { worstCaseUsd: input.worstCaseUsd, settle: (actualUsd) => finish(toNanoUsdCeil(actualUsd)), release: () => finish(0n) };
  }

  /**
   * Makes a top-up (already committed to the ledger) spendable at once on every replica. If Redis cannot be told, the
   * cached debt is dropped so that the next request seeds it from Postgres again; failing that, it lapses at its TTL.
   */
  async credit(accountId: string, amountUsd: string): Promise<void> {
    const key = `tollgate:funds:${accountId}`;
    try {
      // Rounded down: the credit shown to the guard is never more than the ledger's.
      const nano = toNanoUsdCeil(`-${amountUsd}`) * -1n;
      await this.redis.eval(CREDIT_SCRIPT, 1, key, nano.toString());
    } catch (error) {
      this.logger.warn({ err: error, accountId }, 'funds guard: could not apply a top-up; the cached debt is reseeded or lapses');
      await this.redis.hdel(key, 'debt').catch(() => undefined);
    }
  }

  private async run(key: string, limit: bigint, amount: bigint, seed: string): Promise<[number, string, string]> {
    const reply = (await this.redis.eval(RESERVE_SCRIPT, 1, key, limit.toString(), amount.toString(), seed, this.idleTtlSeconds)) as [number, string, string];
    return [Number(reply[0]), String(reply[1]), String(reply[2])];
  }
}
