import net from 'node:net';
import { findKeyOwner } from './accounts';
import { isDatabaseUnavailableError } from './database-errors';
import { createPrismaClient, type PrismaClient } from './prisma-client';
import { createTestDatabase, type TestDatabase } from './testing';

/** A TCP server that accepts connections and never answers: a black-holed database. */
async function blackHole(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/tollgate`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('isDatabaseUnavailableError and the pool timeouts', () => {
  let db: TestDatabase;
  const clients: PrismaClient[] = [];
  const client = (databaseUrl: string, timeouts: { connectTimeoutMs?: number; queryTimeoutMs?: number }) => {
    const prisma = createPrismaClient({ databaseUrl, schema: db.schema, maxConnections: 2, ...timeouts });
    clients.push(prisma);
    return prisma;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(clients.map((prisma) => prisma.$disconnect().catch(() => undefined)));
    await db.drop();
  });

  it('a refused connection is "unavailable"', async () => {
    const error = await findKeyOwner(client('postgresql://postgres@127.0.0.1:1/tollgate', {}), 'hash').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailableError(error)).toBe(true);
  });

  it('a black-holed database fails within the connect timeout, as "unavailable"', async () => {
    const hole = await blackHole();
    try {
      const startedAt = Date.now();
      const error = await findKeyOwner(client(hole.url, { connectTimeoutMs: 300 }), 'hash').catch((caught: unknown) => caught);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(isDatabaseUnavailableError(error)).toBe(true);
    } finally {
      hole.close();
    }
  });

  it('a query over the query timeout fails as "unavailable", and the pool still serves the next one', async () => {
    const prisma = client(db.databaseUrl, { queryTimeoutMs: 300 });
    const error = await prisma.$queryRaw`SELECT pg_sleep(5)`.catch((caught: unknown) => caught);
    expect(isDatabaseUnavailableError(error)).toBe(true);
    await expect(prisma.$queryRaw`SELECT 1 AS one`).resolves.toEqual([{ one: 1 }]);
  });

  it('a wrong query is not "unavailable" (it is a bug, answered 500)', async () => {
    const prisma = client(db.databaseUrl, {});
    for (const failing of [prisma.$queryRawUnsafe('SELEC 1'), prisma.$queryRawUnsafe('SELECT * FROM no_such_table'), prisma.$queryRawUnsafe('SELECT 1/0')]) {
      const error = await failing.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailableError(error)).toBe(false);
    }
    expect(isDatabaseUnavailableError(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isDatabaseUnavailableError('Query read timeout')).toBe(false);
  });
});
