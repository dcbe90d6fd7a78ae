import { normalizeDecimal } from './numeric-text';
import type { PrismaClient } from './prisma-client';

/** A wallet address as tollgate stores and compares it: lower-case hex (EIP-55 checksums are for display). */
export function normalizeWalletAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not a wallet address: ${address.slice(0, 60)}`);
  return address.toLowerCase();
}

/**
 * The account bound to a wallet, created on first use (credit limit `creditLimit`, default 0: a wallet account
 * spends what it paid in). Two concurrent first uses create one account: the second insert finds the unique wallet
 * taken and reads the first one's.
 */
export async function findOrCreateWalletAccount(
  prisma: PrismaClient,
  address: string,
  options: { creditLimit?: string } = {},
): Promise<{ id: string; walletAddress: string; creditLimit: string; created: boolean }> {
  const walletAddress = normalizeWalletAddress(address);
  const rows = await prisma.$queryRaw<Array<{ id: string; credit_limit: string; inserted: boolean }>>`
    INSERT INTO accounts (name, credit_limit, wallet_address)
    VALUES (${`wallet ${walletAddress}`}, ${options.creditLimit ?? '0'}::numeric, ${walletAddress})
    ON CONFLICT (wallet_address) DO UPDATE SET wallet_address = excluded.wallet_address
    RETURNING id::text AS id, credit_limit::text AS credit_limit, (xmax = 0) AS inserted`;
  const row = rows[0];
  return { id: row.id, walletAddress, creditLimit: normalizeDecimal(row.credit_limit), created: row.inserted };
}
