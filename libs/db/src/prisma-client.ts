import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export { Prisma, PrismaClient } from './generated/prisma/client';

/** A Prisma client over node-postgres for one database and schema. */
export function createPrismaClient(options: { databaseUrl: string; schema?: string; maxConnections?: number }): PrismaClient {
  const schema = options.schema ?? 'public';
  const adapter = new PrismaPg(
    // search_path too, so that raw SQL ($queryRaw) sees the same schema as generated queries.
    { connectionString: options.databaseUrl, max: options.maxConnections ?? 10, options: `-c search_path=${schema}` },
    { schema },
  );
  return new PrismaClient({ adapter });
}
