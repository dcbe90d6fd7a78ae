import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '@tollgate/config';
import { createAccountWithKey, createTestDatabase, findKeyOwner, type TestDatabase } from '@tollgate/db';
import { loadCatalog, PROVIDER_DEFINITIONS, ProviderRegistry } from '@tollgate/providers';
import { meteringEventSchema, type MeteringEvent } from '@tollgate/schemas';
import { uniqueName } from '@tollgate/testing';
import { createApp } from '../app';
import { KeyOwnerCache } from '../auth/key-owner-cache';
import { EventSpool } from '../metering/event-spool';
import { MeteringProducer } from '../metering/metering-producer';

/** A real gateway on a loopback port, over its own Postgres schema and its own BullMQ queue. */
export interface TestGateway {
  url: string;
  apiKey: string;
  accountId: string;
  db: TestDatabase;
  queue: Queue;
  queueName: string;
  spoolDir: string;
  /** The metering event queued for a gateway request id (waits up to 5 s for it). */
  meteringEvent(requestId: string): Promise<MeteringEvent>;
  close(): Promise<void>;
}

/** Starts a gateway with the given provider settings (e.g. OPENAI_BASE_URL of a replay server). */
export async function startTestGateway(settings: Record<string, string> = {}): Promise<TestGateway> {
  const config = loadConfig({ LOG_LEVEL: 'silent', UPSTREAM_MAX_ATTEMPTS: '3', BODY_LIMIT_BYTES: String(64 * 1024), ...settings });
  const db = await createTestDatabase();
  const queueName = uniqueName('metering');
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  const queue = new Queue(queueName, { connection: redis });
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'tollgate-spool-'));
  const logger = pino({ level: 'silent' });
  const producer = new MeteringProducer(queue, new EventSpool(spoolDir), logger);
  const registry = new ProviderRegistry(loadCatalog(config.CATALOG_PATH), PROVIDER_DEFINITIONS, config);
  const { account, apiKey } = await createAccountWithKey(db.prisma, { name: 'test', creditLimit: '100' });
  const app = createApp({
    registry,
    producer,
    commissionRate: config.COMMISSION_RATE,
    maxAttempts: config.UPSTREAM_MAX_ATTEMPTS,
    retryBaseDelayMs: 10,
    logger,
    keyCache: new KeyOwnerCache((keyHash) => findKeyOwner(db.prisma, keyHash), 50),
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    readiness: { redis: () => redis.ping(), postgres: () => db.prisma.$queryRaw`SELECT 1` },
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    accountId: account.id,
    db,
    queue,
    queueName,
    spoolDir,
    async meteringEvent(requestId) {
      for (let waited = 0; waited < 5_000; waited += 25) {
        const job = await Job.fromId(queue, requestId);
        if (job) return meteringEventSchema.parse(job.data);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no metering event for ${requestId}`);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await producer.close();
      await registry.close();
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
      rmSync(spoolDir, { recursive: true, force: true });
      await db.drop();
    },
  };
}
