import pino from 'pino';
import { createAccountWithKey } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { KeyLastUse } from './key-last-use';

describe("keys' last use", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('records the newest request start per key, and never goes back in time', async () => {
    const { apiKeyId } = await createAccountWithKey(db.prisma, { name: 'used', creditLimit: '1' });
    const lastUse = new KeyLastUse(db.prisma, pino({ level: 'silent' }), 60_000);
    const lastUsedAt = async () => (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKeyId } })).lastUsedAt?.toISOString();
    lastUse.note(apiKeyId, '2026-11-27T10:00:00.000Z');
    lastUse.note(apiKeyId, '2026-11-27T10:05:00.000Z');
    lastUse.note(apiKeyId, '2026-11-27T10:01:00.000Z');
    lastUse.note(null, '2026-11-27T10:09:00.000Z'); // an L402 request has no key
    await lastUse.flush();
    expect(await lastUsedAt()).toBe('2026-11-27T10:05:00.000Z');
    lastUse.note(apiKeyId, '2026-11-27T09:00:00.000Z'); // a late, older event
    await lastUse.close();
    expect(await lastUsedAt()).toBe('2026-11-27T10:05:00.000Z');
  });
});
