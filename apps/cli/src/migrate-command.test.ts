import { Client } from 'pg';
import { listMigrations, quoteIdentifier } from '@tollgate/db';
import { TEST_DATABASE_URL } from '@tollgate/db/testing';
import { migrateCommand } from './migrate-command';

describe('tollgate migrate', () => {
  const schema = `t_migrate_${process.pid}_${Date.now().toString(36)}`;
  afterAll(async () => {
    const client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`).finally(() => client.end());
  });

  it('--check reports the missing migrations (exit 1), migrate applies them once, then both say up to date', async () => {
    const before = await migrateCommand({ databaseUrl: TEST_DATABASE_URL, schema, check: true });
    expect(before.exitCode).toBe(1);
    expect(before.output).toContain(`${listMigrations().length} not applied`);
    const first = await migrateCommand({ databaseUrl: TEST_DATABASE_URL, schema });
    expect(first).toEqual({ exitCode: 0, output: expect.stringContaining(`applied ${listMigrations().join(', ')}`) });
    expect(first.output).toContain(`schema ${schema}`);
    const again = await migrateCommand({ databaseUrl: TEST_DATABASE_URL, schema });
    expect(again).toEqual({ exitCode: 0, output: expect.stringMatching(/^migrations: up to date/) });
    await expect(migrateCommand({ databaseUrl: TEST_DATABASE_URL, schema, check: true })).resolves.toEqual({ exitCode: 0, output: expect.stringMatching(/^migrations: up to date/) });
  });
});
