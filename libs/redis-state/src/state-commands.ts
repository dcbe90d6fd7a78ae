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
/** A key's own spending cap, for admission. */
export interface KeyCap {
  apiKeyId: string;
  capNano: bigint;
}

export interface AdmitReply {
  status: -2 | -1 | 0 | 1 | 2 | 3 | 4;
  retryAfterMs: number;
  requests: { limit: number; remaining: number; resetMs: number } | null;
  tokens: { limit: number; remaining: number; resetMs: number } | null;
  /** Funds left under the credit limit (nano-USD), after this request's hold when admitted. */
  availableNano: bigint;
  /** What the key may still spend under its cap (nano-USD), after this request's hold; 0 without a cap. */
  keyAvailableNano: bigint;
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
    /** The key's own cap, when it has one: checked and held in the same step as the account's funds. */
    keyCap?: KeyCap;
  }): Promise<AdmitReply> {
    const keys = accountStateKeys(input.accountId);
    const scopeKeys = input.scopes.flatMap(({ scope }) => [keys.log(scope), keys.tokens(scope)]);
    const keyKeys = input.keyCap ? keyStateKeys(input.accountId, input.keyCap.apiKeyId) : [];
    const reply = (await this.calls.tollgateAdmit(
      4 + scopeKeys.length + keyKeys.length,
      keys.funds,
      keys.pending,
      keys.holds,
      keys.held,
      ...scopeKeys,
      ...keyKeys,
      input.requestId,
      input.creditLimitNano.toString(),
      input.amountNano.toString(),
      input.holdTtlMs,
      input.tokens,
      input.scopes.length,
      ...input.scopes.flatMap(({ rpm, tpm }) => [rpm, tpm]),
      ...(input.keyCap ? [input.keyCap.capNano.toString()] : []),
    )) as [number, number, number, number, number, number, number, number, string, string];
    const [status, retryAfterMs, requestLimit, requestRemaining, requestReset, tokenLimit, tokenRemaining, tokenReset, available, keyAvailable] = reply;
    return {
      status: Number(status) as AdmitReply['status'],
      retryAfterMs: Number(retryAfterMs),
      requests: Number(requestLimit) >= 0 ? { limit: Number(requestLimit), remaining: Number(requestRemaining), resetMs: Number(requestReset) } : null,
      tokens: Number(tokenLimit) >= 0 ? { limit: Number(tokenLimit), remaining: Number(tokenRemaining), resetMs: Number(tokenReset) } : null,
      availableNano: BigInt(available),
      keyAvailableNano: BigInt(keyAvailable),
    };
  }

  /**
   * Ends a hold; `costNano` records a pending cost (omit to release), `tokens` corrects the TPM windows. With
   * `apiKeyId`, the key's hold ends too and its cost is pending for the key, when the key's spend is tracked (capped).
   */
  async settle(input: { accountId: string; requestId: string; costNano?: bigint; tokens?: number; scopes: string[]; apiKeyId?: string }): Promise<void> {
    const keys = accountStateKeys(input.accountId);
    const scopeKeys = input.scopes.flatMap((scope) => [keys.log(scope), keys.tokens(scope)]);
    const keyKeys = input.apiKeyId ? keyStateKeys(input.accountId, input.apiKeyId) : [];
    await this.calls.tollgateSettle(
      3 + scopeKeys.length + keyKeys.length,
      keys.pending,
      keys.holds,
      keys.held,
      ...scopeKeys,
      ...keyKeys,
      input.requestId,
      input.costNano === undefined ? '' : input.costNano.toString(),
      input.tokens === undefined ? '' : input.tokens,
      input.scopes.length,
      keyKeys.length > 0 ? '1' : '',
    );
  }

  /** Moves a live hold's deadline to `ttlMs` from now (and its capped key's hold with it, given `apiKeyId`). */
  async extendHold(accountId: string, requestId: string, ttlMs: number, apiKeyId?: string): Promise<void> {
    const keys = accountStateKeys(accountId);
    const holds = apiKeyId ? [keys.holds, keys.held, keys.key(apiKeyId).holds, keys.key(apiKeyId).held] : [keys.holds, keys.held];
    await this.calls.tollgateExtendHold(holds.length, ...holds, requestId, ttlMs);
  }

  /** Publishes the ledger's committed debt (if newer) and clears the pending costs of the committed request ids. */
  async commit(input: { accountId: string; debtNano: bigint; version: bigint; requestIds: readonly string[] }): Promise<void> {
    const keys = accountStateKeys(input.accountId);
    await this.calls.tollgateCommit(2, keys.funds, keys.pending, input.debtNano.toString(), input.version.toString(), ...input.requestIds);
  }

  /**
   * Publishes a capped key's committed spend (Σ of its usage rollups) at the account's debt version it was read at
   * (if newer than the one held), and clears the key's pending costs of the committed request ids — the same step as
   * `commit`, on the key's state.
   */
  async commitKeySpend(input: { accountId: string; apiKeyId: string; spendNano: bigint; version: bigint; requestIds: readonly string[] }): Promise<void> {
    const keys = accountStateKeys(input.accountId).key(input.apiKeyId);
    await this.calls.tollgateCommit(2, keys.funds, keys.pending, input.spendNano.toString(), input.version.toString(), ...input.requestIds);
  }
}

/** A capped key's four keys, in the order the scripts take them: funds, pending, holds, held. */
function keyStateKeys(accountId: string, apiKeyId: string): string[] {
  const keys = accountStateKeys(accountId).key(apiKeyId);
  return [keys.funds, keys.pending, keys.holds, keys.held];
}
