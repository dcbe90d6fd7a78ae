import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { deadLetterQueueName, hashApiKey, NO_KEY, recordPayment } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { meteringEventFixture, uniqueName } from '@tollgate/testing';
import { createAccountCommand, reconcileCommand, usageCommand, type MeteringLocations } from './commands';

/** A daily rollup row the way the billing worker writes one: usage of `total` USD today, without a key. */
function usageDailyRow(accountId: string, total: string) {
  const day = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  return { day, accountId, apiKeyId: NO_KEY, provider: 'tollgate', model: 'tollgate/echo', requests: 1n, inputTokens: 1n, outputTokens: 1n, reasoningTokens: 0n, cacheReadTokens: 0n, cacheWriteTokens: 0n, baseCost: total, commission: '0', totalCost: total };
}

describe('tollgate commands', () => {
  let db: TestDatabase;
  let connection: Redis;
  let metering: MeteringLocations;
  beforeAll(async () => {
    db = await createTestDatabase();
    connection = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    metering = { connection, queueName: uniqueName('cli-metering'), spoolDir: mkdtempSync(path.join(tmpdir(), 'cli-spool-')) };
  });
  afterAll(async () => {
    for (const name of [metering.queueName, deadLetterQueueName(metering.queueName)]) {
      const queue = new Queue(name, { connection });
      await queue.obliterate({ force: true });
      await queue.close();
    }
    connection.disconnect();
    rmSync(metering.spoolDir, { recursive: true, force: true });
    await db.drop();
  });

  it('creates an account and prints its id and key as JSON', async () => {
    const result = await createAccountCommand(db.prisma, { name: 'cli', creditLimit: '12.5', json: true });
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.output) as { account: { id: string }; apiKey: string };
    expect(printed.apiKey).toMatch(/^tg_/);
    expect(await db.prisma.apiKey.count({ where: { accountId: printed.account.id, keyHash: hashApiKey(printed.apiKey) } })).toBe(1);
    const usage = await usageCommand(db.prisma, { account: printed.account.id, json: true });
    expect(JSON.parse(usage.output)).toMatchObject({ debt: '0', creditLimit: '12.5', requests: 0, tokens: { total: 0 }, cost: { total: '0' } });
  });

  it('refuses a bad credit limit or account id with a usage error', async () => {
    expect((await createAccountCommand(db.prisma, { name: 'x', creditLimit: '-1', json: false })).exitCode).toBe(2);
    expect((await createAccountCommand(db.prisma, { name: 'x', creditLimit: '1e3', json: false })).exitCode).toBe(2);
    expect((await usageCommand(db.prisma, { account: 'nope', json: false })).exitCode).toBe(2);
    expect((await usageCommand(db.prisma, { account: '00000000-0000-4000-8000-000000000000', json: false })).exitCode).toBe(1);
  });

  it('reconcile exits 0 when the books balance and 1 naming the accounts that do not', async () => {
    expect(await reconcileCommand(db.prisma, { json: false, metering })).toMatchObject({ exitCode: 0 });
    const created = JSON.parse((await createAccountCommand(db.prisma, { name: 'off', creditLimit: '1', json: true })).output) as { account: { id: string } };
    await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '0.5' } });
    try {
      const result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain(`${created.account.id} (off): debt 0.5 ≠ ledger 0`);
      expect(result.output).not.toMatch(/^ok/);
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean; mismatches: unknown[] };
      expect(json).toMatchObject({ ok: false, mismatches: [{ accountId: created.account.id }] });
    } finally {
      await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '0' } });
    }
  });

  it('reconcile lists accounts whose debt exceeds their credit limit, by how much, and exits 1', async () => {
    const created = JSON.parse((await createAccountCommand(db.prisma, { name: 'overspent', creditLimit: '0.10', json: true })).output) as { account: { id: string } };
    // A balanced ledger (usage entry, its daily rollup and debt agree) that is 133× over its limit: served more than it was allowed.
    await db.prisma.ledgerEntry.create({ data: { accountId: created.account.id, kind: 'usage', amount: '13.36', requestId: 'req_overspent_0001' } });
    await db.prisma.usageDaily.create({ data: usageDailyRow(created.account.id, '13.36') });
    await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '13.36' } });
    try {
      const result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain('every debt equals its ledger');
      expect(result.output).not.toContain('ROLLUP MISMATCH');
      expect(result.output).toContain(`OVER LIMIT: 1 account(s)`);
      expect(result.output).toContain(`${created.account.id} (overspent): debt 13.36 > credit limit 0.1, over by 13.26`);
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean; overLimit: unknown[] };
      expect(json).toMatchObject({ ok: false, overLimit: [{ accountId: created.account.id, over: '13.26' }] });
    } finally {
      await db.prisma.ledgerEntry.deleteMany({ where: { accountId: created.account.id } });
      await db.prisma.usageDaily.deleteMany({ where: { accountId: created.account.id } });
      await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '0' } });
    }
  });

  it('reconcile reports an account whose usage ledger entries differ from its daily rollups, with both figures, and exits 1', async () => {
    const created = JSON.parse((await createAccountCommand(db.prisma, { name: 'rolled', creditLimit: '10', json: true })).output) as { account: { id: string } };
    const accountId = created.account.id;
    await db.prisma.ledgerEntry.create({ data: { accountId, kind: 'usage', amount: '2.5', requestId: 'req_rolled_0001' } });
    await db.prisma.account.update({ where: { id: accountId }, data: { debt: '2.5' } });
    await db.prisma.usageDaily.create({ data: usageDailyRow(accountId, '2.4') });
    try {
      const result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain('every debt equals its ledger');
      expect(result.output).toContain('ROLLUP MISMATCH: 1 account(s)');
      expect(result.output).toContain(`${accountId} (rolled): usage ledger 2.5 ≠ daily rollups 2.4`);
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean };
      expect(json).toMatchObject({ ok: false, mismatches: [], rollupMismatches: [{ accountId, name: 'rolled', usageLedger: '2.5', rollupTotal: '2.4' }], paymentMismatches: [] });
      // A rollup with no usage entry at all is reported too.
      await db.prisma.ledgerEntry.deleteMany({ where: { accountId } });
      await db.prisma.account.update({ where: { id: accountId }, data: { debt: '0' } });
      expect((await reconcileCommand(db.prisma, { json: false, metering })).output).toContain(`${accountId} (rolled): usage ledger 0 ≠ daily rollups 2.4`);
    } finally {
      await db.prisma.ledgerEntry.deleteMany({ where: { accountId } });
      await db.prisma.usageDaily.deleteMany({ where: { accountId } });
      await db.prisma.account.update({ where: { id: accountId }, data: { debt: '0' } });
    }
    expect((await reconcileCommand(db.prisma, { json: false, metering })).exitCode).toBe(0);
  });

  it('reconcile reports payments that differ from their ledger entries, per account and kind, and exits 1', async () => {
    const create = async (name: string) => (JSON.parse((await createAccountCommand(db.prisma, { name, creditLimit: '10', json: true })).output) as { account: { id: string } }).account.id;
    const [altered, unpaid, unbooked] = [await create('altered'), await create('unpaid'), await create('unbooked')];
    const recorded = await recordPayment(db.prisma, { accountId: altered, kind: 'topup', amount: '5', actor: 'test' });
    expect((await reconcileCommand(db.prisma, { json: false, metering })).exitCode).toBe(0);
    // 1. A payment's amount changed after its ledger entry was written.
    await db.prisma.payment.update({ where: { id: recorded?.payment.id }, data: { amount: '6' } });
    // 2. A settlement entry in the ledger (debt lowered to match) with no payment.
    await db.prisma.ledgerEntry.create({ data: { accountId: unpaid, kind: 'settlement', amount: '-2', description: 'hand-made' } });
    await db.prisma.account.update({ where: { id: unpaid }, data: { debt: '-2' } });
    // 3. A payment with no ledger entry (and the debt never lowered).
    const orphan = await db.prisma.payment.create({ data: { accountId: unbooked, kind: 'settlement', amount: '1.25', reference: 'INV-9', actor: 'test' } });
    try {
      const result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain('every debt equals its ledger');
      expect(result.output).toContain('PAYMENT MISMATCH: 3 account/kind(s)');
      expect(result.output).toContain(
        `${altered} (altered): topup payments 6 ≠ ledger 5 (−Σ topup entries); 1 topup ledger entry without a matching payment; 1 payment(s) without a matching ledger entry`,
      );
      expect(result.output).toContain(`${unpaid} (unpaid): settlement payments 0 ≠ ledger 2 (−Σ settlement entries); 1 settlement ledger entry without a matching payment`);
      expect(result.output).toContain(`${unbooked} (unbooked): settlement payments 1.25 ≠ ledger 0 (−Σ settlement entries); 1 payment(s) without a matching ledger entry`);
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean };
      expect(json).toMatchObject({
        ok: false,
        mismatches: [],
        rollupMismatches: [],
        paymentMismatches: [
          { accountId: altered, name: 'altered', kind: 'topup', payments: '6', ledger: '5', entriesWithoutPayment: 1, paymentsWithoutEntry: 1 },
          { accountId: unpaid, name: 'unpaid', kind: 'settlement', payments: '0', ledger: '2', entriesWithoutPayment: 1, paymentsWithoutEntry: 0 },
          { accountId: unbooked, name: 'unbooked', kind: 'settlement', payments: '1.25', ledger: '0', entriesWithoutPayment: 0, paymentsWithoutEntry: 1 },
        ],
      });
    } finally {
      await db.prisma.payment.update({ where: { id: recorded?.payment.id }, data: { amount: '5' } });
      await db.prisma.ledgerEntry.deleteMany({ where: { accountId: unpaid } });
      await db.prisma.account.update({ where: { id: unpaid }, data: { debt: '0' } });
      await db.prisma.payment.delete({ where: { id: orphan.id } });
    }
    expect((await reconcileCommand(db.prisma, { json: false, metering })).exitCode).toBe(0);
  });

  it('reconcile reports a ledger entry whose payment is of another kind, though every sum of the other kind agrees', async () => {
    const created = JSON.parse((await createAccountCommand(db.prisma, { name: 'crossed', creditLimit: '10', json: true })).output) as { account: { id: string } };
    const accountId = created.account.id;
    const topup = await recordPayment(db.prisma, { accountId, kind: 'topup', amount: '3', actor: 'test' });
    await db.prisma.ledgerEntry.update({ where: { paymentId: topup?.payment.id }, data: { kind: 'settlement' } });
    try {
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean };
      expect(json).toMatchObject({
        ok: false,
        paymentMismatches: [
          { accountId, kind: 'settlement', payments: '0', ledger: '3', entriesWithoutPayment: 1, paymentsWithoutEntry: 0 },
          { accountId, kind: 'topup', payments: '3', ledger: '0', entriesWithoutPayment: 0, paymentsWithoutEntry: 1 },
        ],
      });
    } finally {
      await db.prisma.ledgerEntry.update({ where: { paymentId: topup?.payment.id }, data: { kind: 'topup' } });
    }
    expect((await reconcileCommand(db.prisma, { json: false, metering })).exitCode).toBe(0);
  });

  it('reconcile reports spooled events, in the spool file and in a *.replaying file, and exits 1 while any exist', async () => {
    const spooled = ['req_spooled_cli_0001', 'req_spooled_cli_0002'];
    const current = path.join(metering.spoolDir, 'metering-events.jsonl');
    const orphan = path.join(metering.spoolDir, 'metering-events.jsonl.4242.1764190000000.replaying');
    writeFileSync(current, `${JSON.stringify(meteringEventFixture('00000000-0000-4000-8000-000000000001', { requestId: spooled[0] }))}\n`);
    writeFileSync(orphan, `${JSON.stringify(meteringEventFixture('00000000-0000-4000-8000-000000000001', { requestId: spooled[1] }))}\n`);
    try {
      const result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain('UNRECORDED: 2 metering event(s)');
      expect(result.output).toContain(`spooled in ${metering.spoolDir} [metering-events.jsonl, metering-events.jsonl.4242.1764190000000.replaying]: 2 (${spooled.join(', ')})`);
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean; unrecorded: { spooled: unknown } };
      expect(json.ok).toBe(false);
      expect(json.unrecorded.spooled).toMatchObject({ count: 2, requestIds: spooled });
    } finally {
      unlinkSync(current);
      unlinkSync(orphan);
    }
    expect((await reconcileCommand(db.prisma, { json: false, metering })).exitCode).toBe(0);
  });

  it('reconcile reports jobs in the failed set and entries in the dead-letter queue, and exits 1 while any exist', async () => {
    const queue = new Queue(metering.queueName, { connection });
    const deadLetters = new Queue(deadLetterQueueName(metering.queueName), { connection });
    try {
      // A job a worker gave up on (as BullMQ's defaults did after one stall too many).
      const failing = new Worker(metering.queueName, () => Promise.reject(new Error('job stalled more than allowable limit')), { connection });
      await queue.add('usage', meteringEventFixture('00000000-0000-4000-8000-000000000001', { requestId: 'req_failed_cli_0001' }), { jobId: 'req_failed_cli_0001' });
      while ((await queue.getFailedCount()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await failing.close();
      let result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain(`failed jobs in queue ${metering.queueName}: 1 (req_failed_cli_0001)`);
      await queue.clean(0, 0, 'failed');

      await deadLetters.add('dead-letter', { reason: 'invalid metering event', jobId: 'req_dead_cli_0001', data: {} }, { jobId: 'req_dead_cli_0001' });
      result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain(`dead-letter queue ${metering.queueName}-dead-letter: 1 (req_dead_cli_0001)`);
      expect(JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output)).toMatchObject({
        ok: false,
        unrecorded: { failed: { count: 0 }, deadLetters: { count: 1, requestIds: ['req_dead_cli_0001'] }, spooled: { count: 0 } },
      });
      await deadLetters.obliterate({ force: true });
      expect((await reconcileCommand(db.prisma, { json: false, metering })).exitCode).toBe(0);
    } finally {
      await queue.close();
      await deadLetters.close();
    }
  });
});
