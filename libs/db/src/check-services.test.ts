import { checkServices } from './check-services';

describe('checkServices', () => {
  it('passes when Postgres and Redis answer', async () => {
    await expect(checkServices({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', redisUrl: 'redis://127.0.0.1:6379' })).resolves.toBeUndefined();
  });

  it('names the unreachable service and how to start it', async () => {
    await expect(checkServices({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/postgres', redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(
      /^Redis is unreachable at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\)\. Start it with `docker compose up -d postgres redis`/,
    );
    await expect(checkServices({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/postgres', redisUrl: 'redis://127.0.0.1:6379' })).rejects.toThrow(/^Postgres is unreachable at 127\.0\.0\.1:1 /);
  });
});
