import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations } from '../apply-migrations';
import { ensureDatabase, quoteIdentifier } from '../ensure-database';
import { createPrismaClient, type PrismaClient } from '../prisma-client';

/** The database tests run in (a schema each); override with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/tollgate_test';

export interface TestDatabase {
  databaseUrl: string;
  schema: string;
  prisma: PrismaClient;
  /** Drops the schema and disconnects. */
  drop(): Promise<void>;
}

/** A fresh, migrated Postgres schema of its own for one test file: real Postgres, nothing shared. */
export async function createTestDatabase(): Promise<TestDatabase> {
  await ensureDatabase(TEST_DATABASE_URL);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await applyMigrations(TEST_DATABASE_URL, { schema });
  const prisma = createPrismaClient({ databaseUrl: TEST_DATABASE_URL, schema, maxConnections: 5 });
  return {
    databaseUrl: TEST_DATABASE_URL,
    schema,
    prisma,
    async drop() {
      await prisma.$disconnect();
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
