import { createTestDatabase, type TestDatabase } from './testing';
import { getAccountUsage } from './account-usage';
import { createAccountWithKey, findKeyOwner } from './accounts';
import { adminRevokeKey } from './admin-operations';
import { hashApiKey } from './api-key-secret';
import { applyMigrations, listMigrations } from './apply-migrations';
import { reconcileDebts } from './reconcile';

describe('db', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('records migrations the way prisma migrate does and applies each once', async () => {
    const rows = await db.prisma.$queryRaw<Array<{ migration_name: string; checksum: string; finished_at: Date | null }>>`
      SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name`;
    expect(rows.map((row) => row.migration_name)).toEqual(listMigrations());
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.checksum) && row.finished_at)).toBe(true);
    await expect(applyMigrations(db.databaseUrl, { schema: db.schema })).resolves.toEqual([]);
  });

  it('creates an account with a key stored only as its hash', async () => {
    const created = await createAccountWithKey(db.prisma, { name: 'acme', creditLimit: '25.50' });
    expect(created.apiKey).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    const stored = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.apiKeyId } });
    expect(stored.keyHash).toBe(hashApiKey(created.apiKey));
    expect(JSON.stringify(stored)).not.toContain(created.apiKey);
    const owner = await findKeyOwner(db.prisma, hashApiKey(created.apiKey));
    expect(owner).toMatchObject({ accountId: created.account.id, revoked: false, creditLimit: '25.5' });
    expect(await adminRevokeKey(db.prisma, 'test', created.apiKeyId)).toMatchObject({ already: false });
    expect((await findKeyOwner(db.prisma, hashApiKey(created.apiKey)))?.revoked).toBe(true);
    expect(await findKeyOwner(db.prisma, hashApiKey('tg_unknown'))).toBeNull();
  });

  it('reports usage totals and finds debts that disagree with the ledger', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'books', creditLimit: '10' });
    await db.prisma.ledgerEntry.create({ data: { accountId: account.id, kind: 'usage', amount: '0.000000000000000001', requestId: 'req-reconcile-1' } });
    await db.prisma.account.update({ where: { id: account.id }, data: { debt: '0.000000000000000001' } });
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
    await db.prisma.account.update({ where: { id: account.id }, data: { debt: '0.000000000000000002' } });
    const result = await reconcileDebts(db.prisma);
    expect(result.mismatches).toEqual([
      { accountId: account.id, name: 'books', debt: '0.000000000000000002', ledgerSum: '0.000000000000000001' },
    ]);
    const usage = await getAccountUsage(db.prisma, account.id);
    expect(usage).toMatchObject({ debt: '0.000000000000000002', requests: 0, cost: { total: '0' } });
  });
});
