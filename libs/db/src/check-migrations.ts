import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { listMigrations, MIGRATIONS_DIR } from './apply-migrations';
import { quoteIdentifier } from './ensure-database';

/** A migration of `prisma/migrations` that the database has not applied as this code knows it. */
export interface PendingMigration {
  name: string;
  /** `missing`: not recorded as finished; `edited`: recorded with another checksum than its migration.sql today. */
  reason: 'missing' | 'edited';
}

/**
 * The migrations of `prisma/migrations` that the database lacks, read from Prisma's `_prisma_migrations` table without
 * changing anything (no lock, no DDL). Migrations the database has and this code does not know are fine: an older
 * replica keeps serving while a newer release's migration Job runs (migrations are written to stay compatible).
 */
export async function pendingMigrations(
  databaseUrl: string,
  options: { schema?: string; migrationsDir?: string } = {},
): Promise<PendingMigration[]> {
  const schema = options.schema ?? 'public';
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const table = `${quoteIdentifier(schema)}."_prisma_migrations"`;
    const exists = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [table]);
    const applied = new Map<string, string>();
    if (exists.rows[0]?.found) {
      const rows = await client.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM ${table} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      for (const row of rows.rows) applied.set(row.migration_name, row.checksum);
    }
    const pending: PendingMigration[] = [];
    for (const name of listMigrations(migrationsDir)) {
      const known = applied.get(name);
      if (known === undefined) {
        pending.push({ name, reason: 'missing' });
        continue;
      }
      const checksum = createHash('sha256').update(readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8')).digest('hex');
      if (known !== checksum) pending.push({ name, reason: 'edited' });
    }
    return pending;
  } finally {
    await client.end();
  }
}

/**
 * Refuses to go on (throws, naming what is missing) unless every migration of this release is applied: what a
 * replica started with MIGRATE_ON_START=false does instead of migrating, so that it never serves an older schema.
 */
export async function assertMigrationsApplied(
  databaseUrl: string,
  options: { schema?: string; migrationsDir?: string } = {},
): Promise<void> {
  const pending = await pendingMigrations(databaseUrl, options);
  if (pending.length === 0) return;
  const list = pending.map((migration) => (migration.reason === 'edited' ? `${migration.name} (applied with another checksum)` : migration.name)).join(', ');
  throw new Error(
    `the database schema "${options.schema ?? 'public'}" is older than this release: ${pending.length} migration(s) not applied: ${list}. ` +
      'Run the migration first (`tollgate migrate`, the tollgate-migrate Job or the compose migrate service), or set MIGRATE_ON_START=true.',
  );
}
