import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations, listMigrations } from './apply-migrations';
import { assertMigrationsApplied, pendingMigrations } from './check-migrations';
import { ensureDatabase, quoteIdentifier } from './ensure-database';
import { TEST_DATABASE_URL } from './testing';

describe('assertMigrationsApplied (replicas started with MIGRATE_ON_START=false)', () => {
  const schema = `t_check_${process.pid}_${Date.now().toString(36)}`;
  const folders: string[] = [];

  /** A migrations folder with the given migrations (name → SQL). */
  function migrationsFolder(migrations: Record<string, string>): string {
    const folder = mkdtempSync(path.join(tmpdir(), 'tollgate-migrations-'));
    folders.push(folder);
    for (const [name, sql] of Object.entries(migrations)) {
      mkdirSync(path.join(folder, name));
      writeFileSync(path.join(folder, name, 'migration.sql'), sql);
    }
    return folder;
  }

  beforeAll(async () => {
    await ensureDatabase(TEST_DATABASE_URL);
  });
  afterAll(async () => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    const client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`).finally(() => client.end());
  });

  it('refuses a database that was never migrated, naming every migration, and creates nothing', async () => {
    const pending = await pendingMigrations(TEST_DATABASE_URL, { schema });
    expect(pending.map((migration) => migration.name)).toEqual(listMigrations());
    await expect(assertMigrationsApplied(TEST_DATABASE_URL, { schema })).rejects.toThrow(/older than this release: \d+ migration\(s\) not applied: .*tollgate migrate/);
    const client = new Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const found = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]).finally(() => client.end());
    expect(found.rowCount).toBe(0);
  });

  it('accepts the schema once the migrations ran, and one newer than the code (an older replica during a rollout)', async () => {
    const first = migrationsFolder({ '20260101000000_one': 'CREATE TABLE one (id int);' });
    const both = migrationsFolder({ '20260101000000_one': 'CREATE TABLE one (id int);', '20260102000000_two': 'CREATE TABLE two (id int);' });
    await applyMigrations(TEST_DATABASE_URL, { schema, migrationsDir: first });
    await expect(assertMigrationsApplied(TEST_DATABASE_URL, { schema, migrationsDir: first })).resolves.toBeUndefined();
    // The new release's replica starts before its migration ran: refused, naming the one it lacks.
    await expect(pendingMigrations(TEST_DATABASE_URL, { schema, migrationsDir: both })).resolves.toEqual([{ name: '20260102000000_two', reason: 'missing' }]);
    await expect(assertMigrationsApplied(TEST_DATABASE_URL, { schema, migrationsDir: both })).rejects.toThrow(/1 migration\(s\) not applied: 20260102000000_two\./);
    await applyMigrations(TEST_DATABASE_URL, { schema, migrationsDir: both });
    await expect(assertMigrationsApplied(TEST_DATABASE_URL, { schema, migrationsDir: both })).resolves.toBeUndefined();
    // The old release's replica still serves: the extra migration is not its concern.
    await expect(assertMigrationsApplied(TEST_DATABASE_URL, { schema, migrationsDir: first })).resolves.toBeUndefined();
  });

  it('refuses a migration edited after it was applied', async () => {
    const edited = migrationsFolder({ '20260101000000_one': 'CREATE TABLE one (id bigint);' });
    await expect(pendingMigrations(TEST_DATABASE_URL, { schema, migrationsDir: edited })).resolves.toEqual([{ name: '20260101000000_one', reason: 'edited' }]);
    await expect(assertMigrationsApplied(TEST_DATABASE_URL, { schema, migrationsDir: edited })).rejects.toThrow(/20260101000000_one \(applied with another checksum\)/);
  });
});
