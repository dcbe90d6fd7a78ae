import type { Redis } from 'ioredis';
import { toNanoUsdCeil } from '@tollgate/billing';
import { StateCommands } from './state-commands';

/** An account's debt as Postgres committed it (e.g. a RecordedPayment's `account`). */
export interface CommittedAccountDebt {
  id: string;
  /** USD, a decimal string; negative when the account holds prepaid credit. */
  debt: string;
  /** The account row's debt version after the change. */
  debtVersion: bigint;
}

/**
 * Publishes a debt committed outside the billing worker (a top-up, a settlement) to the gateways' Redis view of
 * funds, so that the raised funds are usable at once: without it the view keeps the older, higher debt and refuses
 * requests the account can now pay for. The view takes it only if its version is newer than the one it holds (a
 * later worker commit is never overwritten); pending costs are left as they are. The debt is rounded up to whole
 * nano-USD, like every debt the view holds: never below what is owed.
 *
 * A Redis failure here loses no money: the stale view is the higher debt, which can only refuse more, never let an
 * account overspend. It only delays the raise until the next worker commit for the account, or a reseed from
 * Postgres (a lost or expired view), publishes a newer version.
 */
export async function publishCommittedDebt(redis: Redis, account: CommittedAccountDebt): Promise<void> {
  await new StateCommands(redis).commit({ accountId: account.id, debtNano: toNanoUsdCeil(account.debt), version: account.debtVersion, requestIds: [] });
}
