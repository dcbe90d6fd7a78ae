import { z } from 'zod';
import type { ConnectionOptions } from 'bullmq';
import {
  adminCreateAccount,
  findAccountsOverLimit,
  findUnrecordedEvents,
  getAccountUsage,
  reconcileDebts,
  reconcilePayments,
  reconcileUsageRollups,
  type PaymentMismatch,
  type PrismaClient,
  type UnrecordedGroup,
} from '@tollgate/db';
import { decimalString } from '@tollgate/schemas';
import { cliActor } from './cli-actor';

/** What a command prints and the exit code it ends with. */
export interface CommandResult {
  output: string;
  exitCode: number;
}

/** A USD amount for a credit limit or a prepaid value: a decimal string, not negative. */
export const creditLimitSchema = decimalString.refine((value) => !value.startsWith('-'), 'must not be negative');

/** `tollgate accounts create`: a new account and its first API key (shown once). */
export async function createAccountCommand(
  prisma: PrismaClient,
  options: { name: string; creditLimit: string; json: boolean },
): Promise<CommandResult> {
  const creditLimit = creditLimitSchema.safeParse(options.creditLimit);
  if (!creditLimit.success) return { output: `--credit-limit ${options.creditLimit}: must be a decimal amount in USD, e.g. 25.00`, exitCode: 2 };
  const created = await adminCreateAccount(prisma, cliActor(), { name: options.name, creditLimit: creditLimit.data });
  if (options.json) {
    return { output: JSON.stringify({ account: created.account, apiKeyId: created.key.id, apiKey: created.apiKey }), exitCode: 0 };
  }
  return {
    output: [
      `Account ${created.account.id} (${created.account.name}), credit limit $${created.account.creditLimit}`,
      `API key (shown once, store it now): ${created.apiKey}`,
    ].join('\n'),
    exitCode: 0,
  };
}

/** `tollgate spend-tokens create`: a prepaid spend token worth `amount` USD, optionally expiring. */
export async function createSpendTokenCommand(
  prisma: PrismaClient,
  options: { amount: string; expiresInDays?: string; name: string; json: boolean },
): Promise<CommandResult> {
  const amount = creditLimitSchema.safeParse(options.amount);
  if (!amount.success) return { output: `--amount ${options.amount}: must be a decimal amount in USD, e.g. 5.00`, exitCode: 2 };
  const days = options.expiresInDays === undefined ? undefined : Number(options.expiresInDays);
  if (days !== undefined && !(Number.isInteger(days) && days > 0)) return { output: `--expires-in-days ${options.expiresInDays}: must be a whole number of days`, exitCode: 2 };
  const expiresAt = days === undefined ? undefined : new Date(Date.now() + days * 24 * 3600 * 1000);
  const created = await adminCreateAccount(prisma, cliActor(), { name: options.name, creditLimit: amount.data, spendToken: true, expiresAt });
  const summary = { account: created.account, spendToken: created.apiKey, expiresAt: expiresAt?.toISOString() ?? null };
  if (options.json) return { output: JSON.stringify(summary), exitCode: 0 };
  return {
    output: `Spend token worth $${amount.data}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''} (shown once): ${created.apiKey}`,
    exitCode: 0,
  };
}

/** `tollgate usage --account ID`: debt and usage totals. */
export async function usageCommand(prisma: PrismaClient, options: { account: string; json: boolean }): Promise<CommandResult> {
  if (!z.uuid().safeParse(options.account).success) return { output: `--account ${options.account}: not an account id (a UUID)`, exitCode: 2 };
  const usage = await getAccountUsage(prisma, options.account);
  if (!usage) return { output: `no account ${options.account}`, exitCode: 1 };
  if (options.json) return { output: JSON.stringify(usage), exitCode: 0 };
  return {
    output: [
      `Account ${usage.accountId} (${usage.name})${usage.walletAddress ? `, wallet ${usage.walletAddress}` : ''}`,
      `  debt:         $${usage.debt} of $${usage.creditLimit} credit`,
      `  requests:     ${usage.requests}`,
      `  tokens:       ${usage.tokens.total} (input ${usage.tokens.input}, output ${usage.tokens.output}, reasoning ${usage.tokens.reasoning}, cache read ${usage.tokens.cacheRead}, cache write ${usage.tokens.cacheWrite})`,
      `  cost:         $${usage.cost.total} (base $${usage.cost.base} + commission $${usage.cost.commission})`,
    ].join('\n'),
    exitCode: 0,
  };
}

/** Where `tollgate reconcile` looks for metering events answered but not recorded. */
export interface MeteringLocations {
  connection: ConnectionOptions;
  queueName: string;
  spoolDir: string;
}

/**
 * `tollgate reconcile`: every account's debt must equal the sum of its ledger entries, its usage entries the sum of
 * its daily rollups, and its payments of each kind the (negated) sum of their ledger entries, one entry per payment;
 * no account may owe more than its credit limit (it was served more than it was allowed), and no metering event may
 * wait outside the normal flow — in the metering queue's failed set, the dead-letter queue or the local spool. Exit 1
 * while any is not so, listing each difference with both figures.
 */
export async function reconcileCommand(prisma: PrismaClient, options: { json: boolean; metering: MeteringLocations }): Promise<CommandResult> {
  const [debts, rollupMismatches, paymentMismatches, overLimit, unrecorded] = await Promise.all([
    reconcileDebts(prisma),
    reconcileUsageRollups(prisma),
    reconcilePayments(prisma),
    findAccountsOverLimit(prisma),
    findUnrecordedEvents(options.metering),
  ]);
  const waiting = unrecorded.failed.count + unrecorded.deadLetters.count + unrecorded.spooled.count;
  const ok = debts.mismatches.length === 0 && rollupMismatches.length === 0 && paymentMismatches.length === 0 && overLimit.length === 0 && waiting === 0;
  if (options.json) return { output: JSON.stringify({ ok, ...debts, rollupMismatches, paymentMismatches, overLimit, unrecorded }), exitCode: ok ? 0 : 1 };
  if (ok) {
    return {
      output:
        `ok: ${debts.checked} account(s), every debt equals its ledger and is within its credit limit, usage equals the daily rollups ` +
        'and every payment its ledger entry; no metering event waits unrecorded',
      exitCode: 0,
    };
  }
  const lines: string[] = [];
  if (debts.mismatches.length > 0) {
    lines.push(`MISMATCH: ${debts.mismatches.length} of ${debts.checked} account(s) differ from their ledger:`);
    lines.push(...debts.mismatches.map((row) => `  ${row.accountId} (${row.name}): debt ${row.debt} ≠ ledger ${row.ledgerSum}`));
  } else {
    lines.push(`${debts.checked} account(s), every debt equals its ledger`);
  }
  if (rollupMismatches.length > 0) {
    lines.push(`ROLLUP MISMATCH: ${rollupMismatches.length} account(s) whose usage ledger entries differ from their daily rollups:`);
    lines.push(...rollupMismatches.map((row) => `  ${row.accountId} (${row.name}): usage ledger ${row.usageLedger} ≠ daily rollups ${row.rollupTotal}`));
  }
  if (paymentMismatches.length > 0) {
    lines.push(`PAYMENT MISMATCH: ${paymentMismatches.length} account/kind(s) whose payments differ from their ledger entries:`);
    lines.push(...paymentMismatches.map(describePaymentMismatch));
  }
  if (overLimit.length > 0) {
    lines.push(`OVER LIMIT: ${overLimit.length} account(s) owe more than their credit limit:`);
    lines.push(...overLimit.map((row) => `  ${row.accountId} (${row.name}): debt ${row.debt} > credit limit ${row.creditLimit}, over by ${row.over}`));
  }
  if (waiting > 0) {
    lines.push(`UNRECORDED: ${waiting} metering event(s) answered but not in the ledger:`);
    const group = (label: string, found: UnrecordedGroup) => {
      if (found.count > 0) lines.push(`  ${label}: ${found.count} (${found.requestIds.join(', ')}${found.count > found.requestIds.length ? ', …' : ''})`);
    };
    group(`failed jobs in queue ${unrecorded.failed.queue}`, unrecorded.failed);
    group(`dead-letter queue ${unrecorded.deadLetters.queue}`, unrecorded.deadLetters);
    group(`spooled in ${unrecorded.spooled.directory} [${unrecorded.spooled.files.join(', ')}]`, unrecorded.spooled);
  }
  return { output: lines.join('\n'), exitCode: 1 };
}

function describePaymentMismatch(row: PaymentMismatch): string {
  const parts = [`${row.kind} payments ${row.payments} ${row.payments === row.ledger ? '=' : '≠'} ledger ${row.ledger} (−Σ ${row.kind} entries)`];
  if (row.entriesWithoutPayment > 0) parts.push(`${row.entriesWithoutPayment} ${row.kind} ledger entr${row.entriesWithoutPayment === 1 ? 'y' : 'ies'} without a matching payment`);
  if (row.paymentsWithoutEntry > 0) parts.push(`${row.paymentsWithoutEntry} payment(s) without a matching ledger entry`);
  return `  ${row.accountId} (${row.name}): ${parts.join('; ')}`;
}
