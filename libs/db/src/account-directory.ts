import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor';
import { normalizeDecimal } from './numeric-text';
import { Prisma, type PrismaClient } from './prisma-client';

/** An account as operators see it: money as decimal strings, available funds = credit limit − debt. */
export interface AccountView {
  id: string;
  name: string;
  creditLimit: string;
  debt: string;
  available: string;
  status: 'active' | 'suspended';
  /** Per-minute limits of the account; null = the configured default, 0 = unlimited. */
  rpm: number | null;
  tpm: number | null;
  createdAt: string;
  /** Start of the newest recorded request of any of its keys. */
  lastUsedAt: string | null;
}

/** Which accounts a listing shows. */
export interface AccountFilter {
  /** Case-insensitive part of the name. */
  name?: string;
  status?: 'active' | 'suspended';
}

interface AccountRow {
  id: string;
  name: string;
  credit_limit: string;
  debt: string;
  available: string;
  suspended: boolean;
  rpm_limit: number | null;
  tpm_limit: number | null;
  created_at: Date;
  last_used_at: Date | null;
}

const SELECT_ACCOUNT = Prisma.sql`
  SELECT a.id::text AS id, a.name, a.credit_limit::text AS credit_limit, a.debt::text AS debt,
         (a.credit_limit - a.debt)::text AS available, a.suspended_at IS NOT NULL AS suspended, a.rpm_limit, a.tpm_limit,
         a.created_at, (SELECT max(k.last_used_at) FROM api_keys k WHERE k.account_id = a.id) AS last_used_at
  FROM accounts a`;

function toView(row: AccountRow): AccountView {
  return {
    id: row.id,
    name: row.name,
    creditLimit: normalizeDecimal(row.credit_limit),
    debt: normalizeDecimal(row.debt),
    available: normalizeDecimal(row.available),
    status: row.suspended ? 'suspended' : 'active',
    rpm: row.rpm_limit,
    tpm: row.tpm_limit,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

/** Thrown for a cursor that no listing gave out. */
export class InvalidCursorError extends Error {}

/**
 * Accounts, oldest first, a page at a time. The order (creation time, then id) only grows with new accounts, so
 * paging through while accounts are created neither repeats nor skips one: new ones appear on later pages.
 */
export async function listAccounts(
  prisma: PrismaClient,
  options: AccountFilter & { limit: number; cursor?: string },
): Promise<{ accounts: AccountView[]; nextCursor: string | null }> {
  const conditions: Prisma.Sql[] = [];
  if (options.cursor) {
    const after = decodeKeysetCursor(options.cursor);
    if (!after) throw new InvalidCursorError('invalid cursor');
    conditions.push(Prisma.sql`(a.created_at, a.id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  if (options.name) conditions.push(Prisma.sql`a.name ILIKE ${`%${options.name.replace(/[\\%_]/g, (character) => `\\${character}`)}%`}`);
  if (options.status) conditions.push(options.status === 'suspended' ? Prisma.sql`a.suspended_at IS NOT NULL` : Prisma.sql`a.suspended_at IS NULL`);
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  const rows = await prisma.$queryRaw<AccountRow[]>`${SELECT_ACCOUNT} ${where} ORDER BY a.created_at, a.id LIMIT ${options.limit + 1}`;
  const accounts = rows.slice(0, options.limit).map(toView);
  const last = accounts.at(-1);
  return { accounts, nextCursor: rows.length > options.limit && last ? encodeKeysetCursor(last) : null };
}

/** One account as operators see it; null when there is no such account. */
export async function getAccountView(prisma: PrismaClient, accountId: string): Promise<AccountView | null> {
  const rows = await prisma.$queryRaw<AccountRow[]>`${SELECT_ACCOUNT} WHERE a.id = ${accountId}::uuid`;
  return rows[0] ? toView(rows[0]) : null;
}
