import { z } from 'zod';
import { IdempotencyConflictError, InvalidPaymentError, recordPayment, type PaymentKind, type PrismaClient, type RecordedPayment } from '@tollgate/db';
import type { CommittedAccountDebt } from '@tollgate/redis-state';
import { cliActor } from './cli-actor';
import type { CommandResult } from './commands';

/** Publishes an account's committed debt to the gateways' funds view (publishCommittedDebt over the CLI's Redis). */
export type PublishDebt = (account: CommittedAccountDebt) => Promise<void>;

/** The options of `tollgate topup` and `tollgate settle` as typed. */
export interface PaymentOptions {
  account: string;
  amount: string;
  reference?: string;
  description?: string;
  idempotencyKey?: string;
  json: boolean;
}

const uuid = z.uuid();
const usage = (output: string): CommandResult => ({ output, exitCode: 2 });

/**
 * Publishes the payment's new debt, so that the gateways admit against the raised funds at once. A Redis that cannot
 * be told loses nothing: the gateways keep the older, higher debt — they can only refuse more, never let an account
 * overspend — until the account's next usage commit by the billing worker, or a reseed of its view, publishes a newer
 * version. The payment stays recorded either way, so the command still succeeds.
 */
async function publish(publishDebt: PublishDebt, recorded: RecordedPayment): Promise<{ published: boolean; note: string }> {
  try {
    await publishDebt(recorded.account);
    return { published: true, note: 'gateways admit against the new funds now' };
  } catch (error) {
    return {
      published: false,
      note:
        `WARNING: the gateways could not be told (Redis: ${error instanceof Error ? error.message : String(error)}); until the account's next ` +
        'billed request is committed or its funds view is reseeded they count the older, higher debt (they refuse more, never overspend)',
    };
  }
}

async function paymentCommand(kind: PaymentKind, prisma: PrismaClient, publishDebt: PublishDebt, options: PaymentOptions, actor: string): Promise<CommandResult> {
  if (!uuid.safeParse(options.account).success) return usage(`--account ${options.account}: not an account id (a UUID)`);
  if (kind === 'settlement' && !options.reference?.trim()) return usage('--reference is required: what paid the debt (an invoice number, a transaction hash)');
  let recorded: RecordedPayment | null;
  try {
    recorded = await recordPayment(prisma, {
      accountId: options.account,
      kind,
      amount: options.amount,
      reference: options.reference,
      description: options.description,
      idempotencyKey: options.idempotencyKey,
      actor,
    });
  } catch (error) {
    if (error instanceof InvalidPaymentError) return usage(error.message);
    if (error instanceof IdempotencyConflictError) return { output: `${error.message}: nothing recorded`, exitCode: 1 };
    throw error;
  }
  if (!recorded) return { output: `no account ${options.account}`, exitCode: 1 };
  // A replay publishes too: the account as it is now, at its current version, is always safe to publish, and it
  // delivers the raise that a first attempt could not publish.
  const told = await publish(publishDebt, recorded);
  const { payment, account, replayed } = recorded;
  if (options.json) {
    return { output: JSON.stringify({ payment, account: { ...account, debtVersion: account.debtVersion.toString() }, replayed, fundsPublished: told.published }), exitCode: 0 };
  }
  const what = kind === 'topup' ? 'Top-up' : 'Settlement';
  const recordedLine = replayed
    ? `${what} ${payment.id} of $${payment.amount} was already recorded under idempotency key ${options.idempotencyKey} on ${payment.createdAt}: nothing recorded again`
    : `${what} ${payment.id} recorded: $${payment.amount} to account ${account.id}${payment.reference ? `, reference ${payment.reference}` : ''}`;
  return {
    output: [recordedLine, `  debt $${account.debt} of $${account.creditLimit} credit, available $${account.available}`, `  ${told.note}`].join('\n'),
    exitCode: 0,
  };
}

/**
 * `tollgate topup --account ID --amount USD [--reference R] [--description D] [--idempotency-key K] [--json]`:
 * prepaid credit — a payment and its ledger entry lower the account's debt, so its available funds (credit limit −
 * debt) grow, and the gateways are told. Exit 2 for a bad amount or id, 1 for an unknown account or a reused key.
 */
export function topupCommand(prisma: PrismaClient, publishDebt: PublishDebt, options: PaymentOptions, actor = cliActor()): Promise<CommandResult> {
  return paymentCommand('topup', prisma, publishDebt, options, actor);
}

/**
 * `tollgate settle --account ID --amount USD --reference R [--description D] [--idempotency-key K] [--json]`: a debt
 * paid (an invoice, a transfer), recorded like a top-up but with the reference it was paid under.
 */
export function settleCommand(prisma: PrismaClient, publishDebt: PublishDebt, options: PaymentOptions, actor = cliActor()): Promise<CommandResult> {
  return paymentCommand('settlement', prisma, publishDebt, options, actor);
}
