import { hashApiKey } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { auditCommand, createKeyCommand, listAccountsCommand, parseModelList, showAccountCommand } from './account-commands';
import { limitsSetCommand, revokeKeyCommand, suspendCommand } from './admission-commands';
import { cliActor } from './cli-actor';
import { createAccountCommand } from './commands';

describe('tollgate accounts list|show, keys create, audit', () => {
  let db: TestDatabase;
  const notify = async () => 1;
  const ids: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    for (const name of ['alpha', 'Beta', 'gamma']) {
      const created = await createAccountCommand(db.prisma, { name, creditLimit: '10', json: true });
      ids.push((JSON.parse(created.output) as { account: { id: string } }).account.id);
    }
  });
  afterAll(async () => {
    await db.drop();
  });

  it('lists accounts a page at a time, oldest first, filtered by name and status', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = JSON.parse((await listAccountsCommand(db.prisma, { limit: '2', cursor, json: true })).output) as { data: Array<{ id: string }>; nextCursor: string | null };
      seen.push(...page.data.map((account) => account.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids);
    const beta = JSON.parse((await listAccountsCommand(db.prisma, { name: 'BET', json: true })).output) as { data: Array<{ name: string; available: string; status: string }> };
    expect(beta.data).toEqual([expect.objectContaining({ name: 'Beta', available: '10', status: 'active' })]);
    expect((await listAccountsCommand(db.prisma, { limit: '1', json: false })).output).toMatch(/more: --cursor \S+$/);
    expect((await listAccountsCommand(db.prisma, { status: 'gone', json: false })).exitCode).toBe(2);
    expect((await listAccountsCommand(db.prisma, { limit: '0', json: false })).exitCode).toBe(2);
    expect((await listAccountsCommand(db.prisma, { cursor: 'bogus', json: false })).exitCode).toBe(2);
  });

  it('shows one account; a bad or unknown id is a usage error or exit 1', async () => {
    expect(JSON.parse((await showAccountCommand(db.prisma, { account: ids[0], json: true })).output)).toMatchObject({ id: ids[0], name: 'alpha', debt: '0', creditLimit: '10' });
    expect((await showAccountCommand(db.prisma, { account: 'x', json: false })).exitCode).toBe(2);
    expect((await showAccountCommand(db.prisma, { account: '00000000-0000-4000-8000-000000000000', json: false })).exitCode).toBe(1);
  });

  it('issues a key shown once and stored hashed; every operator write is in the audit log as the OS user', async () => {
    const issued = JSON.parse((await createKeyCommand(db.prisma, { account: ids[1], name: 'deploy', expiresInDays: '7', json: true })).output) as { key: { id: string; expiresAt: string }; apiKey: string };
    expect(await db.prisma.apiKey.count({ where: { id: issued.key.id, keyHash: hashApiKey(issued.apiKey) } })).toBe(1);
    expect(Date.parse(issued.key.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect((await createKeyCommand(db.prisma, { account: ids[1], expiresInDays: '0', json: false })).exitCode).toBe(2);

    // --models and --cap: catalog ids (their shape; the catalog file when CATALOG_PATH names one) and a USD amount
    const limited = await createKeyCommand(db.prisma, { account: ids[1], models: 'tollgate/echo, anthropic/claude-sonnet-4.5', cap: '12.50', json: true });
    const limitedKey = (JSON.parse(limited.output) as { key: { id: string; models: string[]; spendCap: string } }).key;
    expect(limitedKey).toMatchObject({ models: ['tollgate/echo', 'anthropic/claude-sonnet-4.5'], spendCap: '12.5' });
    expect(await db.prisma.apiKey.findUniqueOrThrow({ where: { id: limitedKey.id }, select: { allowedModels: true } })).toEqual({ allowedModels: ['tollgate/echo', 'anthropic/claude-sonnet-4.5'] });
    expect((await createKeyCommand(db.prisma, { account: ids[1], models: 'echo', json: false })).output).toMatch(/echo is not a catalog model id/);
    expect((await createKeyCommand(db.prisma, { account: ids[1], models: ' , ', json: false })).exitCode).toBe(2);
    expect((await createKeyCommand(db.prisma, { account: ids[1], cap: '-1', json: false })).exitCode).toBe(2);
    expect((await createKeyCommand(db.prisma, { account: ids[1], cap: '0', json: false })).exitCode).toBe(2);
    const catalogPath = path.join(mkdtempSync(path.join(tmpdir(), 'tollgate-catalog-')), 'models.json');
    writeFileSync(catalogPath, JSON.stringify({ models: [{ id: 'tollgate/echo' }] }));
    expect(parseModelList('tollgate/echo', catalogPath)).toEqual(['tollgate/echo']);
    expect(parseModelList('tollgate/echo,openai/gpt-9', catalogPath)).toBe(`--models: openai/gpt-9 is not in the catalog ${catalogPath}`);
    expect(parseModelList('tollgate/echo', `${catalogPath}.missing`)).toMatch(/^CATALOG_PATH .*ENOENT/);
    const described = await createKeyCommand(db.prisma, { account: ids[1], models: 'tollgate/echo', cap: '3', json: false });
    expect(described.output).toMatch(/\(models tollgate\/echo; cap \$3\)/);

    await suspendCommand(db.prisma, notify, { account: ids[1], suspended: true });
    await limitsSetCommand(db.prisma, notify, { account: ids[1], rpm: '60', creditLimit: '12', json: false });
    await revokeKeyCommand(db.prisma, notify, { key: issued.key.id });
    const accountAudit = JSON.parse((await auditCommand(db.prisma, { targetType: 'account', targetId: ids[1], json: true })).output) as { data: Array<{ action: string; actor: string; before: unknown; after: unknown }> };
    expect(accountAudit.data.map((entry) => entry.action)).toEqual(['account.update', 'account.suspend', 'account.create']);
    expect(accountAudit.data[0]).toMatchObject({ actor: cliActor(), before: { creditLimit: '10', rpm: null }, after: { creditLimit: '12', rpm: 60 } });
    const keyAudit = JSON.parse((await auditCommand(db.prisma, { targetType: 'key', targetId: issued.key.id, json: true })).output) as { data: Array<{ action: string }> };
    expect(keyAudit.data.map((entry) => entry.action)).toEqual(['key.revoke', 'key.create']);
    const text = await auditCommand(db.prisma, { limit: '2', json: false });
    expect(text.output.split('\n')).toHaveLength(3);
    expect(text.output).toMatch(/more: --cursor \d+$/);
    expect((await auditCommand(db.prisma, { cursor: 'x', json: false })).exitCode).toBe(2);
  });
});
