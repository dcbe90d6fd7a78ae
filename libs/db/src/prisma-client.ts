import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export { Prisma, PrismaClient } from './generated/prisma/client';

/** Default for how long opening (or waiting for) a pooled connection may take before the query fails. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** How to reach one database and schema, and how long to wait for it. */
export interface PrismaClientOptions {
  databaseUrl: string;
  schema?: string;
  maxConnections?: number;
  /** Opening a connection, or waiting for a free one in the pool (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * One query, measured by the client (a server that stopped answering) and enforced by Postgres as
   * `statement_timeout`. Unset: no limit (operator tools such as `tollgate reconcile` may run long queries).
   */
  queryTimeoutMs?: number;
}

/**
 * A Prisma client over node-postgres for one database and schema. Connecting is always bounded, and queries are
 * when `queryTimeoutMs` is given: without these limits a database that accepts connections and never answers (a
 * black-holed host) holds each query, and the request behind it, for minutes.
 */
export function createPrismaClient(options: PrismaClientOptions): PrismaClient {
  const schema = options.schema ?? 'public';
  const queryTimeoutMs = options.queryTimeoutMs;
  const adapter = new PrismaPg(
    {
      connectionString: options.databaseUrl,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // The client-side limit catches a server that stopped answering; the server-side one stops the work there too.
      ...(queryTimeoutMs === undefined ? {} : { query_timeout: queryTimeoutMs, statement_timeout: queryTimeoutMs }),
      // search_path too, so that raw SQL ($queryRaw) sees the same schema as generated queries.
      options: `-c search_path=${schema}`,
    },
    { schema },
  );
  return new PrismaClient({ adapter });
}
