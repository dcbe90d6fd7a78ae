import { Redis } from 'ioredis';
import { createAccountWithKey, findKeyOwner, hashApiKey } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { INVALIDATION_CHANNEL, parseInvalidation, publishInvalidation, type Invalidation } from '@tollgate/redis-state';
import { createKeyCommand } from './account-commands';
import { limitsSetCommand, limitsShowCommand, listKeysCommand, revokeKeyCommand, suspendCommand, type Notify } from './admission-commands';

describe('tollgate limits, keys and suspension', () => {
  let db: TestDatabase;
  let publisher: Redis;
  let subscriber: Redis;
  const heard: Invalidation[] = [];
  let notify: Notify;

  beforeAll(async () => {
    db = await createTestDatabase();
    publisher = new Redis('redis://127.0.0.1:6379');
    subscriber = new Redis('redis://127.0.0.1:6379');
    subscriber.on('message', (_channel: string, message: string) => {
      const invalidation = parseInvalidation(message);
      if (invalidation) heard.push(invalidation);
    });
    await subscriber.subscribe(INVALIDATION_CHANNEL);
    notify = (invalidation) => publishInvalidation(publisher, invalidation);
  });
  afterAll(async () => {
    subscriber.disconnect();
    publisher.disconnect();
    await db.drop();
  });

  /** Waits until the subscriber has heard `invalidation` (pub/sub is asynchronous). */
  async function expectHeard(invalidation: Invalidation) {
    for (let waited = 0; waited < 2_000 && !heard.some((one) => JSON.stringify(one) === JSON.stringify(invalidation)); waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(heard).toContainEqual(invalidation);
  }

  it('sets and shows account and key limits, telling the gateways', async () => {
    const { account, apiKeyId } = await createAccountWithKey(db.prisma, { name: 'limited', creditLimit: '5' });
    const set = await limitsSetCommand(db.prisma, notify, { account: account.id, rpm: '100', tpm: 'unlimited', creditLimit: '7.5', json: true });
    expect(set.exitCode).toBe(0);
    expect(JSON.parse(set.output)).toEqual({ accountId: account.id, rpm: 100, tpm: 0, creditLimit: '7.5' });
    await expectHeard({ accountId: account.id });
    expect((await limitsSetCommand(db.prisma, notify, { key: apiKeyId, rpm: '10', json: false })).exitCode).toBe(0);
    await expectHeard({ apiKeyId });
    const shown = await limitsShowCommand(db.prisma, { key: apiKeyId, json: true });
    expect(JSON.parse(shown.output)).toMatchObject({ accountId: account.id, creditLimit: '7.5', rpm: 100, tpm: 0, keys: [{ apiKeyId, rpm: 10, tpm: null }] });
    const owner = await findKeyOwner(db.prisma, (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKeyId } })).keyHash);
    expect(owner?.limits).toEqual({ keyRpm: 10, keyTpm: null, accountRpm: 100, accountTpm: 0 });
    expect((await limitsSetCommand(db.prisma, notify, { key: apiKeyId, rpm: 'default', json: true })).output).toContain('"rpm":null');
  });

  it('refuses bad input with a usage error, and an unknown id with exit 1', async () => {
    const { account, apiKeyId } = await createAccountWithKey(db.prisma, { name: 'bad-input', creditLimit: '5' });
    expect((await limitsSetCommand(db.prisma, notify, { rpm: '5', json: false })).exitCode).toBe(2);
    expect((await limitsSetCommand(db.prisma, notify, { account: account.id, key: apiKeyId, rpm: '5', json: false })).exitCode).toBe(2);
    expect((await limitsSetCommand(db.prisma, notify, { account: account.id, rpm: '-1', json: false })).output).toContain('whole number > 0');
    expect((await limitsSetCommand(db.prisma, notify, { account: account.id, rpm: '1.5', json: false })).exitCode).toBe(2);
    expect((await limitsSetCommand(db.prisma, notify, { key: apiKeyId, creditLimit: '5', json: false })).exitCode).toBe(2);
    expect((await limitsSetCommand(db.prisma, notify, { account: account.id, json: false })).output).toContain('nothing to set');
    expect((await limitsSetCommand(db.prisma, notify, { account: '00000000-0000-4000-8000-000000000000', rpm: '5', json: false })).exitCode).toBe(1);
    expect((await suspendCommand(db.prisma, notify, { account: 'nope', suspended: true })).exitCode).toBe(2);
  });

  it('suspends and resumes an account, and revokes and lists keys, telling the gateways', async () => {
    const { account, apiKeyId, apiKey } = await createAccountWithKey(db.prisma, { name: 'ops', creditLimit: '5' });
    expect((await suspendCommand(db.prisma, notify, { account: account.id, suspended: true })).output).toContain('suspended');
    await expectHeard({ accountId: account.id });
    expect((await findKeyOwner(db.prisma, hashApiKey(apiKey)))?.suspended).toBe(true);
    await suspendCommand(db.prisma, notify, { account: account.id, suspended: false });
    expect((await findKeyOwner(db.prisma, hashApiKey(apiKey)))?.suspended).toBe(false);

    expect((await revokeKeyCommand(db.prisma, notify, { key: apiKeyId })).output).toContain('revoked');
    await expectHeard({ apiKeyId });
    expect((await revokeKeyCommand(db.prisma, notify, { key: apiKeyId })).output).toContain('already revoked');
    const listed = JSON.parse((await listKeysCommand(db.prisma, { account: account.id, json: true })).output) as Array<Record<string, unknown>>;
    expect(listed).toEqual([
      { id: apiKeyId, accountId: account.id, prefix: apiKey.slice(0, 9), name: null, createdAt: expect.any(String), lastUsedAt: null, revokedAt: expect.any(String), expiresAt: null, rpm: null, tpm: null, models: [], spendCap: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(apiKey);
    await createKeyCommand(db.prisma, { account: account.id, models: 'tollgate/echo', cap: '2.5', json: true });
    expect((await listKeysCommand(db.prisma, { account: account.id, json: false })).output).toMatch(/models tollgate\/echo {2}cap \$2\.5$/);
  });

  it('still changes the database when Redis cannot be told, and says when gateways will see it', async () => {
    const { apiKeyId } = await createAccountWithKey(db.prisma, { name: 'no-redis', creditLimit: '5' });
    const result = await revokeKeyCommand(db.prisma, () => Promise.reject(new Error('Connection is closed.')), { key: apiKeyId });
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('within KEY_CACHE_TTL_MS');
  });
});
