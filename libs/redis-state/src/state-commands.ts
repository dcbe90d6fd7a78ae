import type { Redis } from 'ioredis';
import { ADMIT_LUA } from './admission-script';
import { COMMIT_LUA, EXTEND_HOLD_LUA, SETTLE_LUA } from './settle-script';
import { accountStateKeys } from './state-keys';

/** One scope's limits for admission (0 = no such limit); scopes without any limit are left out. */
export interface ScopeLimits {
  scope: string;
  rpm: number;
  tpm: number;
}

/** What the admission script answered (see ADMIT_LUA). */
export interface AdmitReply {
  status: -1 | 0 | 1 | 2 | 3;
  retryAfterMs: number;
  requests: { limit: number; remaining: number; resetMs: number } | null;
  tokens: { limit: number; remaining: number; resetMs: number } | null;
  /** Funds left under the credit limit (nano-USD), after this request's hold when admitted. */
  availableNano: bigint;
}

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

const COMMANDS = { tollgateAdmit: ADMIT_LUA, tollgateSettle: SETTLE_LUA, tollgateExtendHold: EXTEND_HOLD_LUA, tollgateCommit: COMMIT_LUA };

/**
 * The Lua scripts on one connection, called by SHA: ioredis `defineCommand` sends the script text once per socket
 * (EVAL), then EVALSHA, and the text again only when Redis answers NOSCRIPT (e.g. after a restart).
 */
export class StateCommands {
  private readonly calls: Record<keyof typeof COMMANDS, ScriptCall>;

  constructor(redis: Redis) {
    for (const [name, lua] of Object.entries(COMMANDS)) if (!(name in redis)) redis.defineCommand(name, { lua });
    const bound = redis as unknown as Record<keyof typeof COMMANDS, ScriptCall>;
    this.calls = {
      tollgateAdmit: bound.tollgateAdmit.bind(redis),
      tollgateSettle: bound.tollgateSettle.bind(redis),
      tollgateExtendHold: bound.tollgateExtendHold.bind(redis),
      tollgateCommit: bound.tollgateCommit.bind(redis),
    };
  }

  async admit(input: {
    accountId: string;
    requestId: string;
    creditLimitNano: bigint;
    amountNano: bigint;
    holdTtlMs: number;
    tokens: number;
    scopes: ScopeLimits[];
  }): Promise<AdmitReply> {
    const keys = accountStateKeys(input.accountId);
    const scopeKeys = input.scopes.flatMap(({ scope }) => [keys.log(scope), keys.tokens(scope)]);
    const reply = (await this.calls.tollgateAdmit(
      4 + scopeKeys.length,
      keys.funds,
      keys.pending,
      keys.holds,
      keys.held,
      ...scopeKeys,
      input.requestId,
      input.creditLimitNano.toString(),
      input.amountNano.toString(),
      input.holdTtlMs,
      input.tokens,
      input.scopes.length,
      ...input.scopes.flatMap(({ rpm, tpm }) => [rpm, tpm]),
    )) as [number, number, number, number, number, number, number, number, string];
    const [status, retryAfterMs, requestLimit, requestRemaining, requestReset, tokenLimit, tokenRemaining, tokenReset, available] = reply;
    return {
      status: Number(status) as AdmitReply['status'],
      retryAfterMs: Number(retryAfterMs),
      requests: Number(requestLimit) >= 0 ? { limit: Number(requestLimit), remaining: Number(requestRemaining), resetMs: Number(requestReset) } : null,
      tokens: Number(tokenLimit) >= 0 ? { limit: Number(tokenLimit), remaining: Number(tokenRemaining), resetMs: Number(tokenReset) } : null,
      availableNano: BigInt(available),
    };
  }

  /** Ends a hold; `costNano` records a pending cost (omit to release), `tokens` corrects the TPM windows. */
  async settle(input: { accountId: string; requestId: string; costNano?: bigint; tokens?: number; scopes: string[] }): Promise<void> {
    const keys = accountStateKeys(input.accountId);
    const scopeKeys = input.scopes.flatMap((scope) => [keys.log(scope), keys.tokens(scope)]);
    await this.calls.tollgateSettle(
      3 + scopeKeys.length,
      keys.pending,
      keys.holds,
      keys.held,
      ...scopeKeys,
      input.requestId,
      input.costNano === undefined ? '' : input.costNano.toString(),
      input.tokens === undefined ? '' : input.tokens,
      input.scopes.length,
    );
  }

  /** Moves a live hold's deadline to `ttlMs` from now. */
  async extendHold(accountId: string, requestId: string, ttlMs: number): Promise<void> {
    await this.calls.tollgateExtendHold(1, accountStateKeys(accountId).holds, requestId, ttlMs);
  }

  /** Publishes the ledger's committed debt (if newer) and clears the pending costs of the committed request ids. */
  async commit(input: { accountId: string; debtNano: bigint; version: bigint; requestIds: readonly string[] }): Promise<void> {
    const keys = accountStateKeys(input.accountId);
    await this.calls.tollgateCommit(2, keys.funds, keys.pending, input.debtNano.toString(), input.version.toString(), ...input.requestIds);
  }
}
