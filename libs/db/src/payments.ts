import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { recordAudit } from './audit';
import { checkPaymentFields, InvalidPaymentError, normalizePaymentAmount, paymentBodyHash, type PaymentKind } from './payment-body';
import type { Prisma, PrismaClient } from './prisma-client';

export { InvalidPaymentError, normalizePaymentAmount, paymentBodyHash, type PaymentKind } from './payment-body';

/** A payment to record: money in, lowering the account's debt. */
export interface PaymentInput {
  accountId: string;
  kind: PaymentKind;
  /** USD as a decimal string, > 0, at most 18 decimal places and 20 integer digits (checked again here). */
  amount: string;
  /** Required for a settlement: the invoice number or transaction hash it pays. */
  reference?: string;
  description?: string;
  /** The same key with the same body records once and returns the first payment; with another body it is refused. */
  idempotencyKey?: string;
  /** Who records it, for the audit log: `admin:<token name>`, `cli:<os user>`… */
  actor: string;
}

/** A payment as operators read it; money as decimal strings. */
export interface PaymentView {
  id: string;
  accountId: string;
  kind: PaymentKind;
  amount: string;
  reference: string | null;
  description: string | null;
  actor: string;
  /** ISO 8601. */
  createdAt: string;
}

/** An account's funds as of a payment. */
export interface AccountFunds {
  id: string;
  debt: string;
  /** The debt's version: what the gateway's Redis view of the debt must be published with (see publishCommittedDebt). */
  debtVersion: bigint;
  creditLimit: string;
  /** creditLimit − debt, exactly. */
  available: string;
}

/** What recordPayment did. */
export interface RecordedPayment {
  payment: PaymentView;
  /** The account right after this payment (for a replay: as it is now). */
  account: AccountFunds;
  /** True when the Idempotency-Key had already recorded this payment: nothing was written this time. */
  replayed: boolean;
}

/** The Idempotency-Key was used before, for another body (amount, kind, reference or description): 409. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
}

/**
 * The payment would take the account's debt (or the available funds) beyond what NUMERIC(38,18) holds: refused, 400,
 * with nothing written, rather than failing in Postgres as an internal error.
 */
export class PaymentOutOfRangeError extends Error {
  override readonly name = 'PaymentOutOfRangeError';
}

/** Postgres `numeric_value_out_of_range` (22003), as Prisma's driver adapter reports it. */
const isNumericOverflow = (error: unknown) =>
  typeof error === 'object' && error !== null && JSON.stringify((error as { meta?: unknown }).meta ?? null).includes('"originalCode":"22003"');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An interactive transaction waits for a pooled connection and then, holding it, for the account's row lock (a
 * worker batch may hold it): generous limits, since a payment is rare and refusing one over a busy moment helps no
 * one.
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 };

type Db = PrismaClient | Prisma.TransactionClient;
type PaymentRow = Awaited<ReturnType<PrismaClient['payment']['findUniqueOrThrow']>>;
type FundsRow = { id: string; debt: Prisma.Decimal; debt_version: bigint; credit_limit: Prisma.Decimal; available: Prisma.Decimal };

function paymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    accountId: row.accountId,
    kind: row.kind as PaymentKind,
    amount: row.amount.toFixed(),
    reference: row.reference,
    description: row.description,
    actor: row.actor,
    createdAt: row.createdAt.toISOString(),
  };
}

function fundsView(row: FundsRow): AccountFunds {
  return { id: row.id, debt: row.debt.toFixed(), debtVersion: BigInt(row.debt_version), creditLimit: row.credit_limit.toFixed(), available: row.available.toFixed() };
}

/** The account's funds, computed by Postgres in NUMERIC (credit limit − debt exactly); `lock` takes the worker's lock. */
async function readFunds(db: Db, accountId: string, lock: boolean): Promise<FundsRow | undefined> {
  const rows = lock
    ? await db.$queryRaw<FundsRow[]>`
        SELECT id::text AS id, debt, debt_version, credit_limit, credit_limit - debt AS available
        FROM accounts WHERE id = ${accountId}::uuid FOR NO KEY UPDATE`
    : await db.$queryRaw<FundsRow[]>`
        SELECT id::text AS id, debt, debt_version, credit_limit, credit_limit - debt AS available FROM accounts WHERE id = ${accountId}::uuid`;
  return rows[0];
}

/** The payment an Idempotency-Key recorded, if any: returned again when the body is the same, refused otherwise. */
async function replay(db: Db, accountId: string, idempotencyKey: string, bodyHash: string, funds: FundsRow): Promise<RecordedPayment | undefined> {
  const first = await db.payment.findUnique({ where: { accountId_idempotencyKey: { accountId, idempotencyKey } } });
  if (!first) return undefined;
  if (first.bodyHash !== bodyHash) {
    throw new IdempotencyConflictError(`Idempotency-Key ${JSON.stringify(idempotencyKey)} was already used for another payment (${first.id}) with a different body`);
  }
  return { payment: paymentView(first), account: fundsView(funds), replayed: true };
}

function ledgerDescription(kind: PaymentKind, reference: string | undefined, description: string | undefined): string {
  return `${kind === 'topup' ? 'Top-up' : 'Settlement'}${reference ? ` ${reference}` : ''}${description ? `: ${description}` : ''}`;
}

const isUniqueViolation = (error: unknown) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';

/**
 * Records a top-up or a settlement in one transaction: locks the account row (FOR NO KEY UPDATE, the lock the billing
 * worker takes, so the debt's changes serialize), inserts the payment, its ledger entry (the negative amount, linked
 * by `payment_id`), lowers the debt by the amount and raises its version, and writes the audit row
 * (`payment.topup` / `payment.settlement` on the account, its funds before and after) — so debt = Σ ledger holds at
 * every commit and no payment exists without its audit row.
 *
 * With an `idempotencyKey`, a key already used on the account returns its first payment (`replayed: true`, nothing
 * written) when the body (kind, amount, reference, description) is the same, and throws IdempotencyConflictError
 * when it is not. Concurrent calls with one new key serialize on the account lock, so the second sees the first's
 * payment; a writer that does not take the lock is caught by the unique index, and the payment is read again then.
 *
 * Returns null when there is no such account. Throws InvalidPaymentError for a bad amount (≤ 0, not a decimal
 * string, finer than 18 decimal places, wider than 20 integer digits), a settlement without a reference, or an
 * empty actor. The caller must publish `account` to the gateway's view of funds (publishCommittedDebt): until then
 * the gateway counts the higher, older debt.
 */
export async function recordPayment(prisma: PrismaClient, input: PaymentInput): Promise<RecordedPayment | null> {
  checkPaymentFields(input);
  const amount = normalizePaymentAmount(input.amount);
  if (!UUID.test(input.accountId)) return null;
  const { accountId, kind, reference, description, idempotencyKey, actor } = input;
  const bodyHash = paymentBodyHash({ kind, amount, reference, description });
  try {
    return await prisma.$transaction(async (tx) => {
      const before = await readFunds(tx, accountId, true);
      if (!before) return null;
      if (idempotencyKey !== undefined) {
        const first = await replay(tx, accountId, idempotencyKey, bodyHash, before);
        if (first) return first;
      }
      const payment = await tx.payment.create({
        data: { accountId, kind, amount, reference, description, idempotencyKey, bodyHash: idempotencyKey === undefined ? undefined : bodyHash, actor },
      });
      await tx.ledgerEntry.create({ data: { accountId, kind, amount: `-${amount}`, paymentId: payment.id, description: ledgerDescription(kind, reference, description) } });
      const [after] = await tx.$queryRaw<FundsRow[]>`
        UPDATE accounts SET debt = debt - ${amount}::numeric, debt_version = debt_version + 1 WHERE id = ${accountId}::uuid
        RETURNING id::text AS id, debt, debt_version, credit_limit, credit_limit - debt AS available`;
      const view = paymentView(payment);
      const account = fundsView(after);
      await recordAudit(tx, { actor, action: `payment.${kind}`, targetType: 'account', targetId: accountId, before: fundsView(before), after: { ...account, payment: view } });
      return { payment: view, account, replayed: false };
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    if (isNumericOverflow(error)) {
      throw new PaymentOutOfRangeError(`A ${kind} of ${amount} USD would take the account's funds beyond the largest amount recorded (20 digits before the point).`);
    }
    // Another writer inserted the same key between our look and our insert: its payment is the first one.
    if (idempotencyKey === undefined || !isUniqueViolation(error)) throw error;
    const funds = await readFunds(prisma, accountId, false);
    const first = funds && (await replay(prisma, accountId, idempotencyKey, bodyHash, funds));
    if (!first) throw error;
    return first;
  }
}

/** Most payments one page may hold. */
export const MAX_PAYMENTS_PAGE = 1000;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const after = decodeKeysetCursor(cursor);
  if (!after) throw new InvalidPaymentError(`cursor ${JSON.stringify(cursor)}: not a cursor this list returned`);
  return after;
}

/**
 * An account's payments, newest first, `limit` (default 50, at most 1000) per page; `cursor` is the previous page's
 * `nextCursor` — a keyset on (created_at, id), so pages neither repeat nor skip a row when new payments arrive.
 * An unknown account has no payments. Throws InvalidPaymentError for a bad limit or cursor.
 */
export async function listPayments(
  prisma: PrismaClient,
  accountId: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<{ payments: PaymentView[]; nextCursor: string | null }> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAYMENTS_PAGE) throw new InvalidPaymentError(`limit ${limit}: must be a whole number from 1 to ${MAX_PAYMENTS_PAGE}`);
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
  if (!UUID.test(accountId)) return { payments: [], nextCursor: null };
  const rows = await prisma.payment.findMany({
    where: {
      accountId,
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { payments: page.map(paymentView), nextCursor: rows.length > limit && last ? encodeKeysetCursor(last) : null };
}
