import { createTestDatabase, type TestDatabase } from './testing';
import { findOrCreateWalletAccount, normalizeWalletAddress } from './wallet-accounts';

describe('wallet accounts', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('binds one account to a wallet, whatever the letter case, even when first used concurrently', async () => {
    const address = '0xAbCdEf0123456789aBCDef0123456789ABcDeF01';
    const results = await Promise.all(Array.from({ length: 8 }, (_, index) => findOrCreateWalletAccount(db.prisma, index % 2 ? address : address.toLowerCase())));
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(results[0]).toMatchObject({ walletAddress: address.toLowerCase(), creditLimit: '0' });
    expect(await db.prisma.account.count({ where: { walletAddress: address.toLowerCase() } })).toBe(1);
  });

  it('refuses what is not an address', () => {
    expect(() => normalizeWalletAddress('0x123')).toThrow('not a wallet address');
    expect(() => normalizeWalletAddress(`0x${'g'.repeat(40)}`)).toThrow();
  });
});
