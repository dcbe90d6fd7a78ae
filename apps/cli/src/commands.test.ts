import { createTestDatabase, hashApiKey, type TestDatabase } from '@tollgate/db';
import { createAccountCommand, reconcileCommand, usageCommand } from './commands';

describe('tollgate commands', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

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
    expect(await reconcileCommand(db.prisma, { json: false })).toMatchObject({ exitCode: 0 });
    const created = JSON.parse((await createAccountCommand(db.prisma, { name: 'off', creditLimit: '1', json: true })).output) as { account: { id: string } };
    await db.prisma.account.update({ where: { id: created.account.id }, data: { debt: '0.5' } });
    const result = await reconcileCommand(db.prisma, { json: false });
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain(`${created.account.id} (off): debt 0.5 ≠ ledger 0`);
  });
});
