import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createTestDatabase, deadLetterQueueName, hashApiKey, type TestDatabase } from '@tollgate/db';
import { meteringEventFixture, uniqueName } from '@tollgate/testing';
import { createAccountCommand, reconcileCommand, usageCommand, type MeteringLocations } from './commands';

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
    // A balanced ledger (usage entry and debt agree) that is 133× over its limit: served more than it was allowed.
    await db.prisma.ledgerEntry.create({ data: { accountId: created.account.id, kind: 'usage', amount: '13.36', requestId: 'req_overspent_0001' } });
    await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '13.36' } });
    try {
      const result = await reconcileCommand(db.prisma, { json: false, metering });
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain('every debt equals its ledger');
      expect(result.output).toContain(`OVER LIMIT: 1 account(s)`);
      expect(result.output).toContain(`${created.account.id} (overspent): debt 13.36 > credit limit 0.1, over by 13.26`);
      const json = JSON.parse((await reconcileCommand(db.prisma, { json: true, metering })).output) as { ok: boolean; overLimit: unknown[] };
      expect(json).toMatchObject({ ok: false, overLimit: [{ accountId: created.account.id, over: '13.26' }] });
    } finally {
      await db.prisma.ledgerEntry.deleteMany({ where: { accountId: created.account.id } });
      await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '0' } });
    }
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
