import { normalizeDecimal } from './numeric-text';
import { Prisma, type PrismaClient } from './prisma-client';
import { NO_KEY } from './usage-daily';

/** What a usage report can be grouped by, in any combination (each at most once). */
export const USAGE_GROUPS = ['day', 'model', 'provider', 'key', 'account'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

/**
 * How the `key` group (and a CSV record) names usage that had no API key (JWT, x402, L402 requests): the rollup
 * stores it under the nil UUID `NO_KEY`, which would read like a real key id. A filter's `apiKeyId` accepts it too.
 */
export const NO_KEY_LABEL = 'none';

/**
 * Which usage a report covers; every field given narrows it (AND). Days are UTC calendar days, both ends inclusive:
 * `from: '2026-11-01'` starts at 2026-11-01T00:00:00Z and `to: '2026-11-30'` ends before 2026-12-01T00:00:00Z. A
 * request belongs to the UTC day it started on, even when it finished on the next. Ids must be UUIDs (`apiKeyId` may
 * also be `NO_KEY_LABEL` or `NO_KEY`: usage without a key) and days `YYYY-MM-DD`, with `from` ≤ `to`: the caller
 * validates them (a malformed one is a database error here).
 */
export interface UsageFilter {
  accountId?: string;
  apiKeyId?: string;
  model?: string;
  provider?: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  from?: string;
  /** YYYY-MM-DD, UTC, inclusive. */
  to?: string;
}

/**
 * Requests, tokens per class and cost of some usage. Counts are numbers (summed as BIGINT in Postgres; exact while
 * below 2^53, and an error rather than a rounded figure beyond). Money is an exact decimal string without trailing
 * zeros ('0.000123', '0'), summed in NUMERIC.
 */
export interface UsageFigures {
  requests: number;
  tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number; total: number };
  cost: { base: string; commission: string; total: string };
}

/**
 * One group of a report: the value of each grouped column — `day` as YYYY-MM-DD (UTC), `model` and `provider` as
 * recorded, `key` the API key id or `NO_KEY_LABEL` ('none') for usage without a key, `account` the account id.
 */
export interface UsageGroupRow extends UsageFigures {
  group: Partial<Record<UsageGroup, string>>;
}

/**
 * The grouped columns of `usage_daily`, the only SQL a group name ever becomes (names never reach SQL from input).
 * Text columns sort by byte (COLLATE "C"), so a report's order does not depend on the database's locale; the
 * keyset compares with the same collation as the ORDER BY, or pages would skip or repeat groups.
 */
const GROUP_COLUMNS: Record<UsageGroup, { column: Prisma.Sql; output: Prisma.Sql; order: Prisma.Sql; cursor: (value: string) => Prisma.Sql }> = {
  day: { column: Prisma.sql`day`, output: Prisma.sql`to_char(day, 'YYYY-MM-DD')`, order: Prisma.sql`day`, cursor: (value) => Prisma.sql`${value}::date` },
  model: { column: Prisma.sql`model`, output: Prisma.sql`model`, order: Prisma.sql`model COLLATE "C"`, cursor: (value) => Prisma.sql`${value}` },
  provider: { column: Prisma.sql`provider`, output: Prisma.sql`provider`, order: Prisma.sql`provider COLLATE "C"`, cursor: (value) => Prisma.sql`${value}` },
  key: { column: Prisma.sql`api_key_id`, output: Prisma.sql`api_key_id::text`, order: Prisma.sql`api_key_id`, cursor: (value) => Prisma.sql`${value}::uuid` },
  account: { column: Prisma.sql`account_id`, output: Prisma.sql`account_id::text`, order: Prisma.sql`account_id`, cursor: (value) => Prisma.sql`${value}::uuid` },
};

/** The sums of a report, as text: BIGINT and NUMERIC sums would lose digits as JS numbers. */
const FIGURES = Prisma.sql`
  coalesce(sum(requests), 0)::text AS requests, coalesce(sum(input_tokens), 0)::text AS input_tokens,
  coalesce(sum(output_tokens), 0)::text AS output_tokens, coalesce(sum(reasoning_tokens), 0)::text AS reasoning_tokens,
  coalesce(sum(cache_read_tokens), 0)::text AS cache_read_tokens, coalesce(sum(cache_write_tokens), 0)::text AS cache_write_tokens,
  coalesce(sum(input_tokens::numeric + output_tokens + reasoning_tokens + cache_read_tokens + cache_write_tokens), 0)::text AS total_tokens,
  coalesce(sum(base_cost), 0)::text AS base_cost, coalesce(sum(commission), 0)::text AS commission,
  coalesce(sum(total_cost), 0)::text AS total_cost`;

interface FiguresRow {
  requests: string;
  input_tokens: string;
  output_tokens: string;
  reasoning_tokens: string;
  cache_read_tokens: string;
  cache_write_tokens: string;
  total_tokens: string;
  base_cost: string;
  commission: string;
  total_cost: string;
}

/** A BIGINT sum as a number; beyond 2^53 a number would silently round, so that is an error instead. */
function toCount(value: string): number {
  const count = Number(value);
  if (!Number.isSafeInteger(count)) throw new RangeError(`usage count ${value} is beyond what a JS number holds exactly (2^53)`);
  return count;
}

function toFigures(row: FiguresRow): UsageFigures {
  return {
    requests: toCount(row.requests),
    tokens: {
      input: toCount(row.input_tokens),
      output: toCount(row.output_tokens),
      reasoning: toCount(row.reasoning_tokens),
      cacheRead: toCount(row.cache_read_tokens),
      cacheWrite: toCount(row.cache_write_tokens),
      total: toCount(row.total_tokens),
    },
    cost: { base: normalizeDecimal(row.base_cost), commission: normalizeDecimal(row.commission), total: normalizeDecimal(row.total_cost) },
  };
}

/** The filter as SQL conditions on `usage_daily`, all bound as parameters. */
function filterConditions(filter: UsageFilter): Prisma.Sql[] {
  const conditions: Prisma.Sql[] = [];
  if (filter.accountId !== undefined) conditions.push(Prisma.sql`account_id = ${filter.accountId}::uuid`);
  if (filter.apiKeyId !== undefined) conditions.push(Prisma.sql`api_key_id = ${filter.apiKeyId === NO_KEY_LABEL ? NO_KEY : filter.apiKeyId}::uuid`);
  if (filter.model !== undefined) conditions.push(Prisma.sql`model = ${filter.model}`);
  if (filter.provider !== undefined) conditions.push(Prisma.sql`provider = ${filter.provider}`);
  if (filter.from !== undefined) conditions.push(Prisma.sql`day >= ${filter.from}::date`);
  if (filter.to !== undefined) conditions.push(Prisma.sql`day <= ${filter.to}::date`);
  return conditions;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

/**
 * Totals of the usage a filter selects (see `UsageFilter` for the UTC day boundaries), read from the daily rollups
 * only: raw usage rows may have been deleted by retention, the rollups are kept forever. All zero when none matches.
 */
export async function usageTotals(prisma: PrismaClient, filter: UsageFilter): Promise<UsageFigures> {
  const rows = await prisma.$queryRaw<FiguresRow[]>`SELECT ${FIGURES} FROM usage_daily ${whereClause(filterConditions(filter))}`;
  const row = rows[0];
  if (!row) throw new Error('an aggregate without GROUP BY returned no row');
  return toFigures(row);
}

/**
 * The usage a filter selects, one row per combination of the `groupBy` columns that has usage, ordered by those
 * columns in the order given (uuids and days ascending, model and provider names by byte). Read from the daily
 * rollups only, a page of `pageSize` groups (default 1,000) per query: each page resumes after the last group of the
 * previous one (a keyset on the grouped columns), so a report of any size is never held whole, and usage recorded
 * while it is read never makes a group repeat — a new group after the cursor still appears, one before it does not.
 * Each page is its own statement: figures are not one snapshot when usage is recorded meanwhile.
 * Throws a RangeError at once (not at the first page) for an empty or repeating `groupBy`, an unknown group or a
 * page size that is not a whole number > 0.
 */
export function usageGroups(
  prisma: PrismaClient,
  filter: UsageFilter,
  groupBy: readonly UsageGroup[],
  options: { pageSize?: number } = {},
): AsyncGenerator<UsageGroupRow> {
  if (groupBy.length === 0) throw new RangeError('groupBy names no group');
  if (new Set(groupBy).size !== groupBy.length) throw new RangeError(`groupBy repeats a group: ${groupBy.join(',')}`);
  const unknown = groupBy.find((group) => !(USAGE_GROUPS as readonly string[]).includes(group));
  if (unknown !== undefined) throw new RangeError(`unknown usage group ${String(unknown)} (one of ${USAGE_GROUPS.join(', ')})`);
  const pageSize = options.pageSize ?? 1_000;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize ${pageSize}: must be a whole number > 0`);
  return readGroups(prisma, filter, groupBy, pageSize);
}

async function* readGroups(prisma: PrismaClient, filter: UsageFilter, groupBy: readonly UsageGroup[], pageSize: number): AsyncGenerator<UsageGroupRow> {
  const columns = groupBy.map((group) => GROUP_COLUMNS[group]);
  const outputs = Prisma.join(columns.map((column, index) => Prisma.sql`${column.output} AS ${Prisma.raw(`g${index}`)}`));
  const grouped = Prisma.join(columns.map((column) => column.column));
  const order = Prisma.join(columns.map((column) => column.order));
  // The group values as they were read: the cursor needs the stored key id (NO_KEY), not its label.
  let last: string[] | null = null;
  for (;;) {
    const conditions = filterConditions(filter);
    const after = last;
    if (after) conditions.push(Prisma.sql`(${order}) > (${Prisma.join(columns.map((column, index) => column.cursor(after[index] ?? '')))})`);
    const rows = await prisma.$queryRaw<Array<FiguresRow & Record<string, string>>>`
      SELECT ${outputs}, ${FIGURES} FROM usage_daily ${whereClause(conditions)}
      GROUP BY ${grouped} ORDER BY ${order} LIMIT ${pageSize}`;
    for (const row of rows) {
      const values = groupBy.map((_group, index) => row[`g${index}`] ?? '');
      const group: Partial<Record<UsageGroup, string>> = {};
      groupBy.forEach((name, index) => {
        const value = values[index] ?? '';
        group[name] = name === 'key' && value === NO_KEY ? NO_KEY_LABEL : value;
      });
      last = values;
      yield { group, ...toFigures(row) };
    }
    if (rows.length < pageSize) return;
  }
}

/** An account that owes money, as `GET /admin/debtors` and `tollgate debtors` show it. */
export interface Debtor {
  accountId: string;
  name: string;
  /** What it owes, USD (> 0). */
  debt: string;
  creditLimit: string;
  /** credit limit − debt: negative when it owes more than its limit allows. */
  available: string;
  suspended: boolean;
  /** Start of the newest recorded request of any of its keys (as the account listing shows it); null when none. */
  lastUsedAt: string | null;
}

/** The accounts with debt > 0, highest debt first (equal debts by account id), at most `limit` (a whole number > 0). */
export async function listDebtors(prisma: PrismaClient, options: { limit: number }): Promise<Debtor[]> {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1) throw new RangeError(`limit ${options.limit}: must be a whole number > 0`);
  const rows = await prisma.$queryRaw<
    Array<{ id: string; name: string; debt: string; credit_limit: string; available: string; suspended: boolean; last_used_at: Date | null }>
  >`
    SELECT a.id::text AS id, a.name, a.debt::text AS debt, a.credit_limit::text AS credit_limit,
           (a.credit_limit - a.debt)::text AS available, a.suspended_at IS NOT NULL AS suspended,
           (SELECT max(k.last_used_at) FROM api_keys k WHERE k.account_id = a.id) AS last_used_at
    FROM accounts a WHERE a.debt > 0 ORDER BY a.debt DESC, a.id LIMIT ${options.limit}`;
  return rows.map((row) => ({
    accountId: row.id,
    name: row.name,
    debt: normalizeDecimal(row.debt),
    creditLimit: normalizeDecimal(row.credit_limit),
    available: normalizeDecimal(row.available),
    suspended: row.suspended,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  }));
}

/** The figure columns of a CSV report, after the group columns. */
const FIGURE_COLUMNS = [
  'requests',
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'total_tokens',
  'base_cost',
  'commission',
  'total_cost',
] as const;

/** The header of a CSV report: the groups in the order given (named as in `groupBy`), then the figures. */
export function usageCsvColumns(groupBy: readonly UsageGroup[]): string[] {
  return [...groupBy, ...FIGURE_COLUMNS];
}

/**
 * One CSV record of a report, in `usageCsvColumns` order: group values as in `UsageGroupRow.group`, counts as
 * integers and money as exact decimal strings (never a float's rendering). Quoting is the CSV writer's job.
 */
export function usageCsvRecord(row: UsageGroupRow, groupBy: readonly UsageGroup[]): string[] {
  return [
    ...groupBy.map((group) => row.group[group] ?? ''),
    String(row.requests),
    String(row.tokens.input),
    String(row.tokens.output),
    String(row.tokens.reasoning),
    String(row.tokens.cacheRead),
    String(row.tokens.cacheWrite),
    String(row.tokens.total),
    row.cost.base,
    row.cost.commission,
    row.cost.total,
  ];
}
