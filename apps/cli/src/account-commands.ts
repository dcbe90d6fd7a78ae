import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { adminIssueKey, getAccountView, InvalidCursorError, listAccounts, listAudit, type AccountView, type PrismaClient } from '@tollgate/db';
import { catalogModelId, positiveUsdAmount } from '@tollgate/schemas';
import { cliActor } from './cli-actor';
import type { CommandResult } from './commands';

const uuid = z.uuid();
const usage = (output: string): CommandResult => ({ output, exitCode: 2 });

/** A whole number in [min, max] as typed, or the default when not given; an error message otherwise. */
function wholeNumber(name: string, value: string | undefined, fallback: number, max: number): number | string {
  if (value === undefined) return fallback;
  const number = Number(value);
  return Number.isInteger(number) && number >= 1 && number <= max ? number : `--${name} ${value}: must be a whole number from 1 to ${max}`;
}

function accountLine(account: AccountView): string {
  return `${account.id}  ${account.name}  ${account.status}  debt $${account.debt} of $${account.creditLimit} (available $${account.available})  last used ${account.lastUsedAt ?? 'never'}`;
}

/** `tollgate accounts list [--name PART] [--status active|suspended] [--limit N] [--cursor C] [--json]`, oldest first. */
export async function listAccountsCommand(
  prisma: PrismaClient,
  options: { name?: string; status?: string; limit?: string; cursor?: string; json: boolean },
): Promise<CommandResult> {
  const limit = wholeNumber('limit', options.limit, 50, 200);
  if (typeof limit === 'string') return usage(limit);
  if (options.status !== undefined && options.status !== 'active' && options.status !== 'suspended') return usage(`--status ${options.status}: active or suspended`);
  try {
    const page = await listAccounts(prisma, { limit, cursor: options.cursor, name: options.name, status: options.status });
    if (options.json) return { output: JSON.stringify({ data: page.accounts, nextCursor: page.nextCursor }), exitCode: 0 };
    const lines = page.accounts.map(accountLine);
    if (lines.length === 0) lines.push('no accounts');
    if (page.nextCursor) lines.push(`more: --cursor ${page.nextCursor}`);
    return { output: lines.join('\n'), exitCode: 0 };
  } catch (error) {
    if (error instanceof InvalidCursorError) return usage(`--cursor ${options.cursor}: not a cursor a listing gave out`);
    throw error;
  }
}

/** `tollgate accounts show ID [--json]`: debt, credit limit, available funds, status, limits, last use. */
export async function showAccountCommand(prisma: PrismaClient, options: { account: string; json: boolean }): Promise<CommandResult> {
  if (!uuid.safeParse(options.account).success) return usage(`${options.account}: not an account id (a UUID)`);
  const account = await getAccountView(prisma, options.account);
  if (!account) return { output: `no account ${options.account}`, exitCode: 1 };
  return { output: options.json ? JSON.stringify(account) : accountLine(account), exitCode: 0 };
}

/**
 * `--models a,b` as catalog ids. The CLI stands apart from the provider adapters (module boundaries: it may not
 * import libs/providers), so it cannot read the bundled catalog: it checks each id's shape (`provider/model`) and,
 * when CATALOG_PATH names the operator's catalog file, that the id is in it. Aliases are not resolved here: give
 * the canonical ids `GET /v1/models` lists (the admin API resolves aliases).
 */
export function parseModelList(value: string, catalogPath?: string): string[] | string {
  const ids = [...new Set(value.split(',').map((id) => id.trim()).filter((id) => id.length > 0))];
  if (ids.length === 0) return `--models ${value}: give at least one model id (provider/model), comma-separated`;
  if (ids.length > 100) return `--models: at most 100 models`;
  const badShape = ids.find((id) => !catalogModelId.safeParse(id).success);
  if (badShape) return `--models: ${badShape} is not a catalog model id (provider/model, e.g. anthropic/claude-sonnet-4.5; GET /v1/models lists them)`;
  if (catalogPath) {
    const known = catalogIds(catalogPath);
    if (typeof known === 'string') return known;
    const unknown = ids.find((id) => !known.has(id));
    if (unknown) return `--models: ${unknown} is not in the catalog ${catalogPath}`;
  }
  return ids;
}

const catalogFileIds = z.object({ models: z.array(z.object({ id: z.string() })) });

/** The model ids of the operator's catalog file, or why it could not be read. */
function catalogIds(catalogPath: string): Set<string> | string {
  try {
    const parsed = catalogFileIds.safeParse(JSON.parse(readFileSync(catalogPath, 'utf8')));
    if (!parsed.success) return `CATALOG_PATH ${catalogPath}: not a model catalog (no models[].id)`;
    return new Set(parsed.data.models.map((model) => model.id));
  } catch (error) {
    return `CATALOG_PATH ${catalogPath}: ${(error as Error).message}`;
  }
}

/**
 * `tollgate keys create --account ID [--name N] [--models a,b] [--cap USD] [--expires-in-days D] [--json]`: another
 * key, shown once; `--models` limits it to those models, `--cap` to that much spend in all.
 */
export async function createKeyCommand(
  prisma: PrismaClient,
  options: { account: string; name?: string; models?: string; cap?: string; expiresInDays?: string; json: boolean },
  catalogPath?: string,
): Promise<CommandResult> {
  if (!uuid.safeParse(options.account).success) return usage(`--account ${options.account}: not an account id (a UUID)`);
  const days = options.expiresInDays === undefined ? undefined : wholeNumber('expires-in-days', options.expiresInDays, 0, 3650);
  if (typeof days === 'string') return usage(days);
  const models = options.models === undefined ? undefined : parseModelList(options.models, catalogPath);
  if (typeof models === 'string') return usage(models);
  if (options.cap !== undefined && !positiveUsdAmount.safeParse(options.cap).success) return usage(`--cap ${options.cap}: must be an amount in USD above 0, e.g. 25.00`);
  const expiresAt = days === undefined ? undefined : new Date(Date.now() + days * 86_400_000);
  const issued = await adminIssueKey(prisma, cliActor(), options.account, { name: options.name, expiresAt, models, spendCap: options.cap });
  if (!issued) return { output: `no account ${options.account}`, exitCode: 1 };
  if (options.json) return { output: JSON.stringify(issued), exitCode: 0 };
  const limits = [issued.key.models.length > 0 ? `models ${issued.key.models.join(', ')}` : '', issued.key.spendCap ? `cap $${issued.key.spendCap}` : ''].filter(Boolean);
  return { output: `Key ${issued.key.id} for account ${options.account}${limits.length > 0 ? ` (${limits.join('; ')})` : ''} (shown once, store it now): ${issued.apiKey}`, exitCode: 0 };
}

/** `tollgate audit [--target-type account|key] [--target-id ID] [--limit N] [--cursor C] [--json]`: newest first. */
export async function auditCommand(
  prisma: PrismaClient,
  options: { targetType?: string; targetId?: string; limit?: string; cursor?: string; json: boolean },
): Promise<CommandResult> {
  const limit = wholeNumber('limit', options.limit, 50, 500);
  if (typeof limit === 'string') return usage(limit);
  if (options.cursor !== undefined && !/^\d{1,19}$/.test(options.cursor)) return usage(`--cursor ${options.cursor}: not a cursor a listing gave out`);
  const page = await listAudit(prisma, { limit, cursor: options.cursor, targetType: options.targetType, targetId: options.targetId });
  if (options.json) return { output: JSON.stringify({ data: page.entries, nextCursor: page.nextCursor }), exitCode: 0 };
  const lines = page.entries.map((entry) => `${entry.createdAt}  ${entry.actor}  ${entry.action}  ${entry.targetType} ${entry.targetId}  ${JSON.stringify(entry.before)} → ${JSON.stringify(entry.after)}`);
  if (lines.length === 0) lines.push('no audit entries');
  if (page.nextCursor) lines.push(`more: --cursor ${page.nextCursor}`);
  return { output: lines.join('\n'), exitCode: 0 };
}
