// `npm run migrate`: creates the database if needed and applies prisma/migrations (see docs/migrations.md).
import { loadConfig } from '@tollgate/config';
import { applyMigrations, checkServices, ensureDatabase, redactUrl } from '@tollgate/db';

async function main(): Promise<void> {
  const config = loadConfig();
  await checkServices({ databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, maintenanceDatabase: true });
  await ensureDatabase(config.DATABASE_URL);
  const applied = await applyMigrations(config.DATABASE_URL, { schema: config.DATABASE_SCHEMA });
  console.log(`migrations: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`} (${redactUrl(config.DATABASE_URL)})`);
}

main().catch((error: unknown) => {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
