import { Client } from 'pg';
import { Redis } from 'ioredis';

const HOW_TO_START = 'Start it with `docker compose up -d postgres redis` (or your local service).';

/**
 * Connects once to Postgres and Redis and throws an Error that says which one is unreachable and how to start it.
 * Services call this at start so that a missing dependency is one clear line, not a stack trace. It is the first
 * of the start-up steps every process runs (then `ensureDatabase`, then applying or checking migrations), kept here
 * beside them.
 */
export async function checkServices(input: { databaseUrl: string; redisUrl: string; maintenanceDatabase?: boolean }): Promise<void> {
  const problems: string[] = [];
  const postgresUrl = new URL(input.databaseUrl);
  if (input.maintenanceDatabase) postgresUrl.pathname = '/postgres';
  const postgres = new Client({ connectionString: postgresUrl.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await postgres.connect();
    await postgres.query('SELECT 1');
  } catch (error) {
    problems.push(`Postgres is unreachable at ${postgresUrl.host} (${(error as Error).message || String(error)}).`);
  } finally {
    await postgres.end().catch(() => undefined);
  }
  const redis = new Redis(input.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null });
  let lastRedisError: Error | undefined;
  redis.on('error', (error: Error) => (lastRedisError = error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const cause = lastRedisError ?? (error as Error);
    problems.push(`Redis is unreachable at ${new URL(input.redisUrl).host} (${cause.message || String(cause)}).`);
  } finally {
    redis.disconnect();
  }
  if (problems.length > 0) throw new Error(`${problems.join(' ')} ${HOW_TO_START}`);
}
