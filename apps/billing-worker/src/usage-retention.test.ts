import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import {
  applyMigrations,
  createAccountWithKey,
  createPrismaClient,
  quoteIdentifier,
  reconcileDebts,
  type PrismaClient,
} from '@tollgate/db';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '@tollgate/db/testing';
import { meteringEventFixture as testEvent } from '@tollgate/testing';
import { recordUsageBatch } from './record-usage';
import { deleteExpiredUsageRecords, startUsageRetention } from './usage-retention';

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What retention must never change: an account's debt, its ledger and its rollups. */
async function books(prisma: PrismaClient, accountId: string) {
  return {
    debt: (await prisma.account.findUniqueOrThrow({ where: { id: accountId } })).debt.toFixed(),
    ledger: (await prisma.ledgerEntry.findMany({ where: { accountId }, orderBy: { requestId: 'asc' } })).map((entry) => [entry.requestId, entry.kind, entry.amount.toFixed()]),
    rollups: (await prisma.usageDaily.findMany({ where: { accountId }, orderBy: { day: 'asc' } })).map((row) => [row.day.toISOString(), row.requests, row.totalCost.toFixed()]),
  };
}

describe('usage retention (USAGE_RETENTION_DAYS)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** The retention's clock: 30 days before it is 2026-05-02T00:00:00.000Z. */
  const NOW = new Date('2026-06-01T00:00:00.000Z');

  it('deletes raw rows older than the retention in chunks, keeps the rest, and changes no debt, ledger entry or rollup', async () => {
    const { account, apiKeyId } = await createAccountWithKey(db.prisma, { name: 'retention', creditLimit: '5' });
    const at = (startedAt: string) => testEvent(account.id, { apiKeyId, timings: { startedAt, durationMs: 3 } });
    const expired = ['2026-03-01T12:00:00.000Z', '2026-04-30T08:00:00.000Z', '2026-05-01T23:59:59.999Z', '2026-05-01T23:59:59.999Z', '2026-04-01T00:00:00.000Z'].map(at);
    const kept = ['2026-05-02T00:00:00.000Z', '2026-05-20T10:00:00.000Z', '2026-05-31T23:59:59.999Z'].map(at);
    await recordUsageBatch(db.prisma, [...expired, ...kept]);
    const before = await books(db.prisma, account.id);

    const { logger, lines } = capturingLogger();
    const retention = startUsageRetention({ prisma: db.prisma, logger, retentionDays: 30, chunkSize: 2, now: () => NOW });
    expect(await retention.runNow()).toBe(0); // the pass at start took them all (chunks of 2: 2 + 2 + 1)
    await retention.stop();

    const left = await db.prisma.usageRecord.findMany({ where: { accountId: account.id }, select: { requestId: true } });
    expect(left.map((row) => row.requestId).sort()).toEqual(kept.map((event) => event.requestId).sort());
    expect(await books(db.prisma, account.id)).toEqual(before);
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'usage retention: raw usage rows deleted', deleted: 5 }));

    // A redelivery of an expired event after its raw row is gone bills nothing.
    expect((await recordUsageBatch(db.prisma, [expired[0] as (typeof expired)[number]])).recorded.size).toBe(0);
    expect(await books(db.prisma, account.id)).toEqual(before);
  });

  it('deletes nothing that is within the retention, whatever the chunk size', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'recent', creditLimit: '5' });
    await recordUsageBatch(db.prisma, [testEvent(account.id, { timings: { startedAt: '2026-05-15T00:00:00.000Z', durationMs: 1 } })]);
    expect(await deleteExpiredUsageRecords(db.prisma, { olderThan: new Date('2026-05-02T00:00:00.000Z'), chunkSize: 1 })).toBe(0);
    expect(await db.prisma.usageRecord.count({ where: { accountId: account.id } })).toBe(1);
  });

  it('logs a failed pass and succeeds at a later one, on its timer', async () => {
    // A schema not migrated yet: the first passes fail (no usage_records table), as with a database that is down.
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const prisma = createPrismaClient({ databaseUrl: TEST_DATABASE_URL, schema, maxConnections: 2 });
    const { logger, lines } = capturingLogger();
    const retention = startUsageRetention({ prisma, logger, retentionDays: 30, intervalMs: 50, now: () => NOW });
    try {
      await waitFor(async () => lines.some((line) => line.msg.startsWith('usage retention failed')));
      expect(lines.find((line) => line.msg.startsWith('usage retention failed'))).toMatchObject({ level: 50 });

      await applyMigrations(TEST_DATABASE_URL, { schema });
      const { account } = await createAccountWithKey(prisma, { name: 'late', creditLimit: '5' });
      await recordUsageBatch(prisma, [testEvent(account.id, { timings: { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1 } })]);
      await waitFor(async () => (await prisma.usageRecord.count()) === 0);
      expect(await prisma.ledgerEntry.count()).toBe(1);
      expect(await prisma.usageDaily.count()).toBe(1);
    } finally {
      await retention.stop();
      await prisma.$disconnect();
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await client.end();
    }
  });

  it('runs no pass once stopped', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'stopped', creditLimit: '5' });
    const { logger } = capturingLogger();
    const retention = startUsageRetention({ prisma: db.prisma, logger, retentionDays: 30, intervalMs: 20, now: () => NOW });
    await retention.stop();
    await recordUsageBatch(db.prisma, [testEvent(account.id, { timings: { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1 } })]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await retention.runNow()).toBe(0);
    expect(await db.prisma.usageRecord.count({ where: { accountId: account.id } })).toBe(1);
  });
});
