import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import {
  listDebtors,
  NO_KEY,
  NO_KEY_LABEL,
  USAGE_GROUPS,
  usageCsvColumns,
  usageCsvRecord,
  usageGroups,
  usageTotals,
  type PrismaClient,
  type UsageFigures,
  type UsageFilter,
  type UsageGroup,
  type UsageGroupRow,
} from '@tollgate/db';
import type { CommandResult } from './commands';

/** The options of `tollgate usage` as typed. */
export interface UsageOptions {
  account?: string;
  /** The account bound to this wallet (signed in with it, or paid over x402 from it). */
  wallet?: string;
  key?: string;
  model?: string;
  provider?: string;
  from?: string;
  to?: string;
  groupBy?: string;
  json: boolean;
  csv: boolean;
}

/**
 * `--wallet 0x…` stands for the account bound to that wallet (its usage rows carry the address too): the options with
 * `account` set to it, or the usage error / "no account" result to print instead.
 */
export async function resolveWallet(prisma: PrismaClient, options: UsageOptions): Promise<UsageOptions | CommandResult> {
  if (options.wallet === undefined) return options;
  if (options.account !== undefined) return usageError('give --account or --wallet, not both');
  if (!/^0x[0-9a-fA-F]{40}$/.test(options.wallet)) return usageError(`--wallet ${options.wallet.slice(0, 60)}: not a wallet address (0x and 40 hex digits)`);
  const account = await prisma.account.findUnique({ where: { walletAddress: options.wallet.toLowerCase() }, select: { id: true } });
  if (!account) return { output: `no account is bound to wallet ${options.wallet}`, exitCode: 1 };
  return { ...options, wallet: undefined, account: account.id };
}

/**
 * Whether `tollgate usage` asks for a report rather than one account's standing: `--account ID` alone (or with
 * `--json`) keeps its first meaning, debt and totals of that account; any other option makes it a report.
 */
export function isUsageReport(options: UsageOptions): boolean {
  const narrowing = [options.key, options.model, options.provider, options.from, options.to, options.groupBy];
  return options.account === undefined || options.csv || narrowing.some((value) => value !== undefined);
}

const uuid = z.uuid();
const usageError = (output: string): CommandResult => ({ output, exitCode: 2 });

/** A UTC day as typed: YYYY-MM-DD and a real date (no 2026-02-30). */
function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The report the options ask for, or the usage error that says what is wrong with them. */
export function parseUsageOptions(options: UsageOptions): { ok: true; filter: UsageFilter; groupBy: UsageGroup[] } | { ok: false; error: CommandResult } {
  const fail = (message: string) => ({ ok: false as const, error: usageError(message) });
  if (options.json && options.csv) return fail('give at most one of --json and --csv');
  if (options.account !== undefined && !uuid.safeParse(options.account).success) return fail(`--account ${options.account}: not an account id (a UUID)`);
  if (options.key !== undefined && options.key !== NO_KEY_LABEL && !uuid.safeParse(options.key).success)
    return fail(`--key ${options.key}: not a key id (a UUID), nor '${NO_KEY_LABEL}' for usage without a key`);
  for (const [name, value] of [['from', options.from], ['to', options.to]] as const)
    if (value !== undefined && !isDay(value)) return fail(`--${name} ${value}: not a day (YYYY-MM-DD, UTC)`);
  if (options.from !== undefined && options.to !== undefined && options.from > options.to) return fail(`--from ${options.from} is after --to ${options.to}`);
  const groupBy: UsageGroup[] = [];
  if (options.groupBy !== undefined) {
    for (const name of options.groupBy.split(',').map((part) => part.trim())) {
      if (!(USAGE_GROUPS as readonly string[]).includes(name)) return fail(`--group-by ${options.groupBy}: '${name}' is not one of ${USAGE_GROUPS.join(', ')}`);
      if (groupBy.includes(name as UsageGroup)) return fail(`--group-by ${options.groupBy}: '${name}' is given twice`);
      groupBy.push(name as UsageGroup);
    }
  }
  const filter: UsageFilter = { accountId: options.account, apiKeyId: options.key, model: options.model, provider: options.provider, from: options.from, to: options.to };
  return { ok: true, filter: Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)), groupBy };
}

/** What a report covers, in words: the period in UTC days and each filter given. */
function describeFilter(filter: UsageFilter): string {
  const period =
    filter.from && filter.to ? `${filter.from} to ${filter.to}` : filter.from ? `from ${filter.from}` : filter.to ? `up to ${filter.to}` : 'all days';
  const narrowed = [
    filter.accountId && `account ${filter.accountId}`,
    filter.apiKeyId && (filter.apiKeyId === NO_KEY_LABEL || filter.apiKeyId === NO_KEY ? 'no key' : `key ${filter.apiKeyId}`),
    filter.model && `model ${filter.model}`,
    filter.provider && `provider ${filter.provider}`,
  ].filter(Boolean);
  return `Usage, ${period} (UTC days, both included)${narrowed.length > 0 ? `; ${narrowed.join(', ')}` : ''}`;
}

const FIGURE_HEADERS = ['requests', 'input', 'output', 'reasoning', 'cache read', 'cache write', 'tokens', 'base $', 'commission $', 'total $'];

function figureCells(figures: UsageFigures): string[] {
  const { tokens, cost } = figures;
  return [figures.requests, tokens.input, tokens.output, tokens.reasoning, tokens.cacheRead, tokens.cacheWrite, tokens.total, cost.base, cost.commission, cost.total].map(String);
}

/** A table: group columns left-aligned, figures right-aligned, two spaces apart. */
function table(header: string[], body: string[][], groupColumns: number): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...body.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column < groupColumns ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/**
 * `tollgate usage [--account ID] [--key ID|none] [--model M] [--provider P] [--from DAY] [--to DAY] [--group-by
 * day,model,…] [--json]`: totals of the usage selected (daily rollups only, UTC days, both ends included) and, with
 * `--group-by`, one row per group then a totals line. JSON has the admin API's shape. The rows are held to print them
 * (a table needs its widths); `--csv` (usageCsvCommand) streams instead.
 */
export async function usageReportCommand(prisma: PrismaClient, options: UsageOptions): Promise<CommandResult> {
  const parsed = parseUsageOptions(options);
  if (!parsed.ok) return parsed.error;
  const { filter, groupBy } = parsed;
  const rows: UsageGroupRow[] = [];
  if (groupBy.length > 0) for await (const row of usageGroups(prisma, filter, groupBy)) rows.push(row);
  const totals = await usageTotals(prisma, filter);
  if (options.json) {
    return { output: JSON.stringify({ timeZone: 'UTC', from: filter.from ?? null, to: filter.to ?? null, groupBy, data: rows, totals }), exitCode: 0 };
  }
  const heading = describeFilter(filter);
  if (groupBy.length === 0) {
    return {
      output: [
        heading,
        `  requests:     ${totals.requests}`,
        `  tokens:       ${totals.tokens.total} (input ${totals.tokens.input}, output ${totals.tokens.output}, reasoning ${totals.tokens.reasoning}, cache read ${totals.tokens.cacheRead}, cache write ${totals.tokens.cacheWrite})`,
        `  cost:         $${totals.cost.total} (base $${totals.cost.base} + commission $${totals.cost.commission})`,
      ].join('\n'),
      exitCode: 0,
    };
  }
  const groupCells = (row: UsageGroupRow) => groupBy.map((group) => row.group[group] ?? '');
  const totalCells = groupBy.map((_group, index) => (index === 0 ? 'TOTAL' : ''));
  const body = [...rows.map((row) => [...groupCells(row), ...figureCells(row)]), [...totalCells, ...figureCells(totals)]];
  return {
    output: `${heading}; ${rows.length} group(s) by ${groupBy.join(', ')}\n${table([...groupBy, ...FIGURE_HEADERS], body, groupBy.length)}`,
    exitCode: 0,
  };
}

/**
 * `tollgate usage … --csv`: the report as CSV on `out`, written a page of groups at a time as it is read (never held
 * whole), under a header row; without `--group-by`, one record of the totals. No totals record after the groups: a
 * spreadsheet summing the column would count everything twice. A reader that goes away (`| head`) ends it quietly.
 * The returned output is empty when the CSV was written; a usage error is returned before anything is.
 */
export async function usageCsvCommand(prisma: PrismaClient, options: UsageOptions, out: Writable): Promise<CommandResult> {
  const parsed = parseUsageOptions({ ...options, csv: true });
  if (!parsed.ok) return parsed.error;
  const { filter, groupBy } = parsed;
  const records = async function* (): AsyncGenerator<string[]> {
    if (groupBy.length === 0) {
      yield usageCsvRecord({ group: {}, ...(await usageTotals(prisma, filter)) }, groupBy);
      return;
    }
    for await (const row of usageGroups(prisma, filter, groupBy)) yield usageCsvRecord(row, groupBy);
  };
  try {
    // end: false — `out` is usually stdout, which is not this command's to close.
    await pipeline(Readable.from(records()), stringify({ header: true, columns: usageCsvColumns(groupBy) }), out, { end: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  }
  return { output: '', exitCode: 0 };
}

/** `tollgate debtors [--limit N] [--json]`: the accounts that owe most, highest debt first (default 20, at most 1,000). */
export async function debtorsCommand(prisma: PrismaClient, options: { limit?: string; json: boolean }): Promise<CommandResult> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return usageError(`--limit ${options.limit}: must be a whole number from 1 to 1000`);
  const debtors = await listDebtors(prisma, { limit });
  if (options.json) return { output: JSON.stringify({ data: debtors }), exitCode: 0 };
  if (debtors.length === 0) return { output: 'no account owes anything', exitCode: 0 };
  return {
    output: [
      `${debtors.length} account(s) owing most, highest debt first:`,
      ...debtors.map(
        (debtor) =>
          `  ${debtor.accountId} (${debtor.name}): debt $${debtor.debt} of $${debtor.creditLimit} credit, available $${debtor.available}` +
          `${debtor.suspended ? ', SUSPENDED' : ''}, last used ${debtor.lastUsedAt ?? 'never'}`,
      ),
    ].join('\n'),
    exitCode: 0,
  };
}
