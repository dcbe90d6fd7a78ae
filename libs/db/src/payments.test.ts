import { Client } from 'pg';
import { Money } from '@tollgate/billing';
import { listAudit } from './audit';
import { createAccountWithKey } from './accounts';
import { InvalidPaymentError, normalizePaymentAmount, paymentBodyHash } from './payment-body';
import { IdempotencyConflictError, listPayments, recordPayment, type PaymentInput } from './payments';
import { Prisma } from './prisma-client';
import { reconcileDebts } from './reconcile';
import { createTestDatabase, type TestDatabase } from './testing';

describe('payments', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const newAccount = async (creditLimit = '10') => (await createAccountWithKey(db.prisma, { name: 'payer', creditLimit })).account.id;
  const topup = (accountId: string, amount: string, extra: Partial<PaymentInput> = {}) => recordPayment(db.prisma, { accountId, kind: 'topup', amount, actor: 'test', ...extra });
  const ledgerOf = async (accountId: string) =>
    (await db.prisma.ledgerEntry.findMany({ where: { accountId }, orderBy: { createdAt: 'asc' } })).map((entry) => ({ kind: entry.kind, amount: entry.amount.toFixed(), paymentId: entry.paymentId }));
  const debtOf = async (accountId: string) => {
    const account = await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
    return { debt: account.debt.toFixed(), version: account.debtVersion };
  };

  it('records a top-up: the payment, its negative ledger entry, a lower debt with a new version, and an audit row', async () => {
    const accountId = await newAccount('10');
    const recorded = await topup(accountId, '25.50', { reference: 'wire-1', description: 'March prepayment', actor: 'cli:alice' });
    expect(recorded).toMatchObject({
      replayed: false,
      payment: { accountId, kind: 'topup', amount: '25.5', reference: 'wire-1', description: 'March prepayment', actor: 'cli:alice' },
      account: { id: accountId, debt: '-25.5', debtVersion: 1n, creditLimit: '10', available: '35.5' },
    });
    expect(new Date(recorded?.payment.createdAt ?? '').toISOString()).toBe(recorded?.payment.createdAt);
    expect(await ledgerOf(accountId)).toEqual([{ kind: 'topup', amount: '-25.5', paymentId: recorded?.payment.id }]);
    expect(await debtOf(accountId)).toEqual({ debt: '-25.5', version: 1n });
    const audit = await listAudit(db.prisma, { targetType: 'account', targetId: accountId });
    expect(audit.entries).toEqual([
      expect.objectContaining({
        actor: 'cli:alice',
        action: 'payment.topup',
        before: { id: accountId, debt: '0', debtVersion: '0', creditLimit: '10', available: '10' },
        after: { id: accountId, debt: '-25.5', debtVersion: '1', creditLimit: '10', available: '35.5', payment: JSON.parse(JSON.stringify(recorded?.payment)) },
      }),
    ]);
  });

  it('records a settlement, which needs a reference', async () => {
    const accountId = await newAccount('1');
    await db.prisma.ledgerEntry.create({ data: { accountId, kind: 'usage', amount: '0.75', requestId: `req_settle_${accountId}` } });
    await db.prisma.account.update({ where: { id: accountId }, data: { debt: '0.75', debtVersion: 1 } });
    await expect(recordPayment(db.prisma, { accountId, kind: 'settlement', amount: '0.75', actor: 'test' })).rejects.toThrow(InvalidPaymentError);
    await expect(recordPayment(db.prisma, { accountId, kind: 'settlement', amount: '0.75', reference: '  ', actor: 'test' })).rejects.toThrow(/needs a reference/);
    const settled = await recordPayment(db.prisma, { accountId, kind: 'settlement', amount: '0.75', reference: 'INV-2026-11', actor: 'test' });
    expect(settled?.account).toEqual({ id: accountId, debt: '0', debtVersion: 2n, creditLimit: '1', available: '1' });
    expect((await ledgerOf(accountId)).map((entry) => [entry.kind, entry.amount])).toEqual([
      ['usage', '0.75'],
      ['settlement', '-0.75'],
    ]);
    expect((await listAudit(db.prisma, { targetId: accountId })).entries[0]).toMatchObject({ action: 'payment.settlement' });
  });

  it('refuses bad amounts with a clear error, writing nothing', async () => {
    const accountId = await newAccount();
    for (const amount of ['0', '0.000', '-1', '1e3', 'abc', '', ' 1', '1.', '.5', '+1', '0x10', '0.0000000000000000001', '123456789012345678901']) {
      await expect(topup(accountId, amount)).rejects.toThrow(InvalidPaymentError);
    }
    await expect(topup(accountId, 1 as unknown as string)).rejects.toThrow(/written as a string/);
    await expect(topup(accountId, '1.0000000000000000001')).rejects.toThrow(/more than 18 decimal places/);
    await expect(topup(accountId, '100000000000000000000')).rejects.toThrow(/more than 20 integer digits/);
    await expect(topup(accountId, '0')).rejects.toThrow(/greater than 0/);
    await expect(recordPayment(db.prisma, { accountId, kind: 'refund' as 'topup', amount: '1', actor: 'test' })).rejects.toThrow(/'topup' or 'settlement'/);
    await expect(topup(accountId, '1', { actor: '' })).rejects.toThrow(/actor/);
    await expect(topup(accountId, '1', { idempotencyKey: '' })).rejects.toThrow(/idempotency key/);
    expect(await db.prisma.payment.count({ where: { accountId } })).toBe(0);
    expect(await debtOf(accountId)).toEqual({ debt: '0', version: 0n });
  });

  it('takes the smallest and the largest amounts NUMERIC(38,18) holds, exactly, and writes them like Prisma.Decimal', async () => {
    for (const amount of ['0.000000000000000001', '99999999999999999999.999999999999999999', '007.2500', '1.0000000000000000000']) {
      expect(normalizePaymentAmount(amount)).toBe(new Prisma.Decimal(amount).toFixed());
    }
    const small = await newAccount('0');
    expect((await topup(small, '0.000000000000000001'))?.account).toMatchObject({ debt: '-0.000000000000000001', available: '0.000000000000000001' });
    const large = await newAccount('0');
    expect((await topup(large, '99999999999999999999.999999999999999999'))?.payment.amount).toBe('99999999999999999999.999999999999999999');
    expect((await debtOf(large)).debt).toBe('-99999999999999999999.999999999999999999');
  });

  it('returns null for an unknown account, and for an id that is not a UUID', async () => {
    expect(await topup('00000000-0000-4000-8000-000000000000', '1')).toBeNull();
    expect(await topup('00000000-0000-4000-8000-000000000000', '1', { idempotencyKey: 'k' })).toBeNull();
    expect(await topup('not-an-account', '1')).toBeNull();
    expect(await db.prisma.payment.count({ where: { accountId: '00000000-0000-4000-8000-000000000000' } })).toBe(0);
  });

  it('records once per Idempotency-Key: the same body returns the first payment and the account as it is now; another body is a conflict', async () => {
    const accountId = await newAccount('5');
    const first = await topup(accountId, '5', { idempotencyKey: 'order-1', reference: 'r' });
    // Debt moves in between (usage): a replay shows the account now, with the first payment.
    await db.prisma.ledgerEntry.create({ data: { accountId, kind: 'usage', amount: '1', requestId: `req_idem_${accountId}` } });
    await db.prisma.account.update({ where: { id: accountId }, data: { debt: { increment: '1' }, debtVersion: { increment: 1 } } });
    const again = await topup(accountId, '5.00', { idempotencyKey: 'order-1', reference: 'r', actor: 'someone else' });
    expect(again).toEqual({ payment: first?.payment, account: { id: accountId, debt: '-4', debtVersion: 2n, creditLimit: '5', available: '9' }, replayed: true });
    for (const other of [{ amount: '6' }, { reference: 'other' }, { reference: undefined }, { description: 'x' }]) {
      await expect(topup(accountId, '5', { idempotencyKey: 'order-1', reference: 'r', ...other })).rejects.toThrow(IdempotencyConflictError);
    }
    await expect(recordPayment(db.prisma, { accountId, kind: 'settlement', amount: '5', reference: 'r', idempotencyKey: 'order-1', actor: 'test' })).rejects.toThrow(
      IdempotencyConflictError,
    );
    expect(await db.prisma.payment.count({ where: { accountId } })).toBe(1);
    expect(await db.prisma.auditEntry.count({ where: { targetId: accountId } })).toBe(1);
    // Keys are per account: the same key elsewhere is another payment.
    const elsewhere = await newAccount();
    expect((await topup(elsewhere, '5', { idempotencyKey: 'order-1', reference: 'r' }))?.replayed).toBe(false);
  });

  it('records one payment when calls with the same new key run at once', async () => {
    const accountId = await newAccount('0');
    const results = await Promise.all(Array.from({ length: 8 }, () => topup(accountId, '2.5', { idempotencyKey: 'same-time' })));
    expect(results.filter((result) => result?.replayed === false)).toHaveLength(1);
    expect(new Set(results.map((result) => result?.payment.id)).size).toBe(1);
    expect(await db.prisma.payment.count({ where: { accountId } })).toBe(1);
    expect(await debtOf(accountId)).toEqual({ debt: '-2.5', version: 1n });
  });

  it('reads the first payment again when the unique index, not the lock, stops a second insert of the key', async () => {
    const accountId = await newAccount('0');
    const raw = new Client({ connectionString: db.databaseUrl, options: `-c search_path=${db.schema}` });
    await raw.connect();
    try {
      // A writer that does not take the account lock inserts the key and has not committed yet.
      const hash = paymentBodyHash({ kind: 'topup', amount: '3' });
      await raw.query('BEGIN');
      const inserted = await raw.query<{ id: string }>(
        `INSERT INTO payments (account_id, kind, amount, idempotency_key, body_hash, actor) VALUES ($1, 'topup', 3, 'raced', $2, 'other') RETURNING id`,
        [accountId, hash],
      );
      await raw.query(`INSERT INTO ledger_entries (account_id, kind, amount, payment_id) VALUES ($1, 'topup', -3, $2)`, [accountId, inserted.rows[0].id]);
      const xid = (await raw.query<{ xid: string }>(`SELECT (pg_current_xact_id()::text::bigint % 4294967296)::text AS xid`)).rows[0].xid;
      const same = topup(accountId, '3.0', { idempotencyKey: 'raced' });
      const other = topup(accountId, '4', { idempotencyKey: 'raced' });
      const outcome = Promise.allSettled([same, other]);
      // One of them holds the account lock and waits on the uncommitted index entry (pg_stat_activity's query text
      // is not reliable for the driver's extended-protocol queries: the lock itself is watched).
      const waiting = `SELECT count(*)::int AS count FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = $1 AND NOT granted`;
      while ((await raw.query<{ count: number }>(waiting, [xid])).rows[0].count < 1) await new Promise((resolve) => setTimeout(resolve, 20));
      await raw.query('COMMIT');
      await raw.query(`UPDATE accounts SET debt = debt - 3, debt_version = debt_version + 1 WHERE id = $1`, [accountId]);
      const [sameResult, otherResult] = await outcome;
      expect(sameResult).toMatchObject({ status: 'fulfilled', value: { replayed: true, payment: { id: inserted.rows[0].id, amount: '3', actor: 'other' } } });
      expect(otherResult).toMatchObject({ status: 'rejected', reason: expect.any(IdempotencyConflictError) });
    } finally {
      await raw.end();
    }
    expect(await db.prisma.payment.count({ where: { accountId } })).toBe(1);
    expect(await debtOf(accountId)).toEqual({ debt: '-3', version: 1n });
  });

  it('lands every one of 20 concurrent payments to one account: debt, version and ledger exact', async () => {
    const accountId = await newAccount('1');
    const amounts = Array.from({ length: 20 }, (_, index) => `${index + 1}.${String(index + 1).padStart(18, '0')}`);
    const results = await Promise.all(
      amounts.map((amount, index) =>
        index % 2 === 0 ? topup(accountId, amount, { idempotencyKey: `k-${index}` }) : recordPayment(db.prisma, { accountId, kind: 'settlement', amount, reference: `inv-${index}`, actor: 'test' }),
      ),
    );
    expect(results.every((result) => result?.replayed === false)).toBe(true);
    // Each saw the debt its predecessor left: the versions are 1..20, each once.
    expect(results.map((result) => result?.account.debtVersion).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, index) => BigInt(index + 1)));
    // Prisma.Decimal rounds sums to 20 significant digits: the expected figures are summed as money is (Money).
    const total = amounts.reduce((sum, amount) => sum.plus(amount), new Money(0));
    expect(await debtOf(accountId)).toEqual({ debt: total.negated().toFixed(), version: 20n });
    const sums = await db.prisma.ledgerEntry.groupBy({ by: ['kind'], where: { accountId }, _sum: { amount: true }, _count: { _all: true } });
    const paid = await db.prisma.payment.aggregate({ where: { accountId }, _sum: { amount: true } });
    expect(paid._sum.amount?.toFixed()).toBe(total.toFixed());
    expect(sums.map((row) => row._count._all).reduce((a, b) => a + b)).toBe(20);
    expect(sums.reduce((sum, row) => sum.plus(row._sum.amount?.toFixed() ?? 0), new Money(0)).toFixed()).toBe(total.negated().toFixed());
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
  });

  it('lists an account’s payments newest first, in pages that neither repeat nor skip when payments arrive', async () => {
    const accountId = await newAccount();
    for (let index = 1; index <= 5; index += 1) await topup(accountId, String(index));
    const first = await listPayments(db.prisma, accountId, { limit: 2 });
    expect(first.payments.map((payment) => payment.amount)).toEqual(['5', '4']);
    await topup(accountId, '6'); // arrives while the operator pages
    const second = await listPayments(db.prisma, accountId, { limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await listPayments(db.prisma, accountId, { limit: 2, cursor: second.nextCursor ?? undefined });
    expect([...second.payments, ...third.payments].map((payment) => payment.amount)).toEqual(['3', '2', '1']);
    expect(third.nextCursor).toBeNull();
    expect((await listPayments(db.prisma, accountId)).payments.map((payment) => payment.amount)).toEqual(['6', '5', '4', '3', '2', '1']);
    expect(await listPayments(db.prisma, '00000000-0000-4000-8000-000000000000')).toEqual({ payments: [], nextCursor: null });
    await expect(listPayments(db.prisma, accountId, { cursor: 'garbage' })).rejects.toThrow(InvalidPaymentError);
    await expect(listPayments(db.prisma, accountId, { limit: 0 })).rejects.toThrow(InvalidPaymentError);
  });
});
