import type { Logger } from 'pino';
import { fromNanoUsd, toNanoUsdCeil } from '@tollgate/billing';
import type { CommittedKeySpend } from '@tollgate/db';
import type { KeyCap, StateCommands } from '@tollgate/redis-state';
import type { MeteringEvent } from '@tollgate/schemas';
import type { Caller } from '../auth/caller';
import { GatewayError, serviceUnavailable } from '../errors/gateway-error';
import { limitScopes, type DefaultLimits } from './limit-scopes';
import { rateLimited, rateLimitHeaders, type LimitState } from './rate-limit-headers';

/** A hold on an account's funds for one request; settle it with the actual cost (or release it) exactly once. */
export interface Reservation {
  /** The worst-case cost the hold was sized from (USD): what the provider may bill without exceeding it. */
  readonly worstCaseUsd: string;
  /** Ends the hold: the cost stays counted as pending until the worker commits it; `tokens` corrects the TPM count. */
  settle(actualUsd: string, tokens: number): Promise<void>;
  /** Ends the hold without a cost (nothing was generated). */
  release(): Promise<void>;
}

export interface AdmissionSettings {
  defaults: DefaultLimits;
  /** How long a hold lives without its request settling it (a gateway that died); live requests renew theirs. */
  holdTtlMs: number;
  /** Admit without limits or funds checks while Redis is unavailable (FUNDS_FAIL_OPEN): availability over money. */
  failOpen: boolean;
}

const FUNDS_UNAVAILABLE = "tollgate cannot check this account's funds and rate limits right now; try again shortly";

const fundsUnavailable = (cause?: unknown) => serviceUnavailable('funds_unavailable', FUNDS_UNAVAILABLE, cause);

/**
 * Admission for every replica at once: the caller's rate limits (RPM/TPM, per key and per account) and its funds,
 * checked and taken in one Lua script (see libs/redis-state). The view of funds is the ledger's committed debt (as
 * the billing worker last published it, or seeded from Postgres), plus costs settled but not yet committed, plus
 * live holds. It fails closed: when Redis does not answer in time, or this replica still holds spooled metering
 * events it has not handed back (money the view does not count yet), requests get 503 `funds_unavailable`.
 */
export class AdmissionGuard {
  constructor(
    private readonly commands: StateCommands,
    private readonly loadCommitted: (accountId: string) => Promise<{ debt: string; version: bigint }>,
    private readonly logger: Logger,
    private readonly settings: AdmissionSettings,
    /** True while this replica has spooled metering events not yet handed back to the queue. */
    private readonly recovering: () => boolean = () => false,
    /** A capped key's committed spend from Postgres (to seed the view); without it a capped key is refused (503). */
    private readonly loadKeySpend?: (apiKeyId: string) => Promise<CommittedKeySpend | null>,
  ) {}

  /**
   * Takes the request's place in its rate-limit windows and holds its worst-case cost, or refuses: 429 over a limit,
   * 402 when the funds do not cover the worst case, 503 when the state cannot be read. `onLimits` receives the limit
   * state for the response headers, whatever the outcome. `estimateTokens` is called only when a TPM limit applies.
   * A key with a spending cap of its own has the same worst case held against its cap in the same step (402
   * `spend_cap_reached` when it does not fit).
   */
  async admit(input: { caller: Caller; requestId: string; worstCaseUsd: string; estimateTokens: () => number; onLimits: (state: LimitState) => void }): Promise<Reservation> {
    const { caller, requestId } = input;
    const scopes = limitScopes(caller, this.settings.defaults);
    const tokenScopes = scopes.filter((scope) => scope.tpm > 0).map((scope) => scope.scope);
    // The token estimate reads the prompt (a capped tokenizer pass): only when a token limit needs it.
    const tokens = tokenScopes.length > 0 ? input.estimateTokens() : 0;
    const keyCap = capOf(caller);
    const admission = {
      accountId: caller.accountId,
      requestId,
      creditLimitNano: toNanoUsdCeil(caller.creditLimit),
      amountNano: toNanoUsdCeil(input.worstCaseUsd),
      holdTtlMs: this.settings.holdTtlMs,
      tokens,
      scopes,
      keyCap,
    };
    let reply;
    try {
      if (this.recovering()) throw new Error('metering events spooled while Redis was unavailable are not replayed yet');
      reply = await this.commands.admit(admission);
      // Seed what the view lacks (the account's debt, then a capped key's spend) and ask again, at most once each.
      for (let seeds = 0; seeds < 2 && (reply.status === -1 || reply.status === -2); seeds += 1) {
        if (reply.status === -1) await this.seed(caller.accountId);
        else await this.seedKey(caller.accountId, (keyCap as KeyCap).apiKeyId);
        reply = await this.commands.admit(admission);
      }
      if (reply.status === -1) throw new Error("the account's committed debt could not be seeded");
      if (reply.status === -2) throw new Error("the key's committed spend could not be seeded");
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (!this.settings.failOpen) throw fundsUnavailable(error);
      this.logger.warn({ err: error, accountId: caller.accountId, requestId }, 'admission state unavailable: admitted without limits or funds check (FUNDS_FAIL_OPEN)');
      return { worstCaseUsd: input.worstCaseUsd, settle: async () => undefined, release: async () => undefined };
    }
    input.onLimits(reply);
    if (reply.status === 0 || reply.status === 3) throw rateLimited(reply, tokens);
    if (reply.status === 2) {
      const remaining = reply.availableNano > 0n ? reply.availableNano : 0n;
      throw new GatewayError({
        status: 402,
        type: 'insufficient_funds',
        code: 'insufficient_funds',
        message: `Insufficient funds: this request may cost up to $${input.worstCaseUsd} and $${fromNanoUsd(remaining)} remains of the account's $${caller.creditLimit} credit. Top up, or lower max_tokens.`,
        headers: rateLimitHeaders(reply),
      });
    }
    if (reply.status === 4) {
      const remaining = reply.keyAvailableNano > 0n ? reply.keyAvailableNano : 0n;
      throw new GatewayError({
        status: 402,
        type: 'insufficient_funds',
        code: 'spend_cap_reached',
        message: `This API key's spending cap is reached: this request may cost up to $${input.worstCaseUsd} and $${fromNanoUsd(remaining)} remains of the key's $${caller.spendCap} cap. Lower max_tokens, or use a key with a higher cap.`,
        headers: rateLimitHeaders(reply),
      });
    }
    return this.hold(caller.accountId, requestId, input.worstCaseUsd, tokenScopes, keyCap?.apiKeyId);
  }

  /** The caller's limit state without taking anything (for responses refused before admission); null if unknown. */
  async peek(caller: Caller): Promise<LimitState | null> {
    const scopes = limitScopes(caller, this.settings.defaults);
    if (scopes.length === 0) return null;
    try {
      return await this.commands.admit({ accountId: caller.accountId, requestId: '', creditLimitNano: 0n, amountNano: 0n, holdTtlMs: 0, tokens: 0, scopes });
    } catch {
      return null;
    }
  }

  /**
   * Publishes an account's committed debt from Postgres after a change outside the billing worker (a top-up). If
   * Redis cannot be told, the view keeps the older version (it never undercounts: a top-up only lowers debt).
   */
  async refresh(accountId: string): Promise<void> {
    try {
      await this.seed(accountId);
    } catch (error) {
      this.logger.warn({ err: error, accountId }, 'could not publish a top-up to the funds view: it shows at the next commit');
    }
  }

  /**
   * Counts a metering event handed back from the spool as pending (and ends its hold, if still there) — for its key
   * too, when the key's spend is tracked (capped).
   */
  async recordPending(event: MeteringEvent): Promise<void> {
    await this.commands.settle({ accountId: event.accountId, requestId: event.requestId, costNano: toNanoUsdCeil(event.cost.total), scopes: [], apiKeyId: event.apiKeyId ?? undefined });
  }

  private async seed(accountId: string): Promise<void> {
    const { debt, version } = await this.loadCommitted(accountId);
    await this.commands.commit({ accountId, debtNano: toNanoUsdCeil(debt), version, requestIds: [] });
  }

  /** Publishes a capped key's committed spend from Postgres (if newer than the view's), rounded up like debts. */
  private async seedKey(accountId: string, apiKeyId: string): Promise<void> {
    if (!this.loadKeySpend) throw new Error('no loader for committed key spend: capped keys cannot be admitted');
    const committed = await this.loadKeySpend(apiKeyId);
    if (!committed) throw new Error(`no key ${apiKeyId}`);
    await this.commands.commitKeySpend({ accountId, apiKeyId, spendNano: toNanoUsdCeil(committed.spend), version: committed.version, requestIds: [] });
  }

  private hold(accountId: string, requestId: string, worstCaseUsd: string, tokenScopes: string[], cappedKeyId?: string): Reservation {
    // A request that outlives its hold's TTL (a long stream) renews it (its capped key's too); a gateway that dies
    // stops renewing.
    const renew = setInterval(() => {
      this.commands.extendHold(accountId, requestId, this.settings.holdTtlMs, cappedKeyId).catch((error: unknown) => this.logger.warn({ err: error, requestId }, 'could not renew a hold'));
    }, Math.max(1_000, Math.floor(this.settings.holdTtlMs / 3)));
    renew.unref();
    let done = false;
    const finish = async (costNano: bigint | undefined, tokens: number | undefined) => {
      if (done) return;
      done = true;
      clearInterval(renew);
      try {
        await this.commands.settle({ accountId, requestId, costNano, tokens, scopes: tokens === undefined ? [] : tokenScopes, apiKeyId: cappedKeyId });
      } catch (error) {
        // The hold lapses at its deadline; the worker's commit brings the cost into the view.
        this.logger.warn({ err: error, accountId, requestId }, 'could not settle a hold: it lapses at its deadline');
      }
    };
    return {
      worstCaseUsd,
      settle: (actualUsd, tokens) => finish(toNanoUsdCeil(actualUsd), tokens),
      release: () => finish(undefined, 0),
    };
  }
}

/**
 * The caller's key's own spending cap, in nano-USD rounded down (never a fraction more than the cap); none for a
 * caller without a key or a key without a cap — admission then does no work for it.
 */
function capOf(caller: Caller): KeyCap | undefined {
  if (!caller.apiKeyId || !caller.spendCap) return undefined;
  return { apiKeyId: caller.apiKeyId, capNano: -toNanoUsdCeil(`-${caller.spendCap}`) };
}
