import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { quoteIdentifier } from './ensure-database';

/**
 * The migrations folder (prisma/migrations, Prisma's own format): MIGRATIONS_DIR, or the nearest `prisma/migrations`
 * above this file — true both for the sources and for an app bundle in `apps/<app>/dist`.
 */
export const MIGRATIONS_DIR = process.env['MIGRATIONS_DIR'] ?? findUp(path.join('prisma', 'migrations'), __dirname);

function findUp(relative: string, from: string): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    const candidate = path.join(directory, relative);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(directory) === directory) throw new Error(`cannot find ${relative} above ${from}; set MIGRATIONS_DIR`);
  }
}

/** The advisory lock key `prisma migrate` itself takes, so this runner and Prisma's never overlap. */
const PRISMA_ADVISORY_LOCK = 72707369;

/**
 * Applies the SQL migrations of `prisma/migrations` that are not applied yet, recording each in Prisma's
 * `_prisma_migrations` table with the checksum Prisma computes (sha256 of migration.sql), so that
 * `prisma migrate deploy` accepts the same database where its schema engine is available. Each migration runs in
 * its own transaction under Prisma's advisory lock. Returns the names of the migrations it applied.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: { schema?: string; migrationsDir?: string } = {},
): Promise<string[]> {
  const schema = options.schema ?? 'public';
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`SET search_path TO ${quoteIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const applied = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const appliedChecksums = new Map(applied.rows.map((row) => [row.migration_name, row.checksum]));
    const newlyApplied: string[] = [];
    for (const name of listMigrations(migrationsDir)) {
      const sql = readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const known = appliedChecksums.get(name);
      if (known !== undefined) {
        if (known !== checksum) {
          throw new Error(`migration ${name} was edited after it was applied (checksum differs); add a new migration instead`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        const id = randomUUID();
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
          [id, checksum, name],
        );
        await client.query(sql);
        await client.query(
          'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
          [id],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      newlyApplied.push(name);
    }
    return newlyApplied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** Migration folder names in the order Prisma applies them (lexical, i.e. by timestamp prefix). */
export function listMigrations(migrationsDir: string = MIGRATIONS_DIR): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
