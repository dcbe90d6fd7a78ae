import { applyMigrations, ensureDatabase, pendingMigrations, redactUrl } from '@tollgate/db';
import type { CommandResult } from './commands';

/** Where `tollgate migrate` migrates: the database and the schema inside it (DATABASE_URL, DATABASE_SCHEMA). */
export interface MigrateOptions {
  databaseUrl: string;
  schema: string;
  /** Only report the migrations not applied yet (exit 1 if any); change nothing. */
  check?: boolean;
  migrationsDir?: string;
}

/**
 * `tollgate migrate`: creates the database if needed and applies the SQL migrations of prisma/migrations not applied
 * yet, under Prisma's advisory lock — the one-shot step of a rollout (Kubernetes Job, compose `migrate` service) that
 * replicas started with MIGRATE_ON_START=false wait for. Safe to run again: applied migrations are skipped.
 */
export async function migrateCommand(options: MigrateOptions): Promise<CommandResult> {
  const where = `${redactUrl(options.databaseUrl)}, schema ${options.schema}`;
  if (options.check) {
    const pending = await pendingMigrations(options.databaseUrl, { schema: options.schema, migrationsDir: options.migrationsDir });
    if (pending.length === 0) return { exitCode: 0, output: `migrations: up to date (${where})` };
    return { exitCode: 1, output: `migrations: ${pending.length} not applied: ${pending.map((migration) => `${migration.name} (${migration.reason})`).join(', ')} (${where})` };
  }
  await ensureDatabase(options.databaseUrl);
  const applied = await applyMigrations(options.databaseUrl, { schema: options.schema, migrationsDir: options.migrationsDir });
  return { exitCode: 0, output: `migrations: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`} (${where})` };
}
