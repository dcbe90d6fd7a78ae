import type { Prisma, PrismaClient } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';

/** An account's debt as committed by a batch, with the request ids of the batch that belong to it. */
export interface CommittedDebt {
  accountId: string;
  debt: string;
  version: bigint;
  requestIds: string[];
}

/** What a batch committed: the request ids newly recorded, and the debt of every account it touched. */
export interface BatchResult {
  recorded: Set<string>;
  committed: CommittedDebt[];
}

/**
 * The batch's events as one array per column (what `unnest` turns back into rows): a statement's parameters stay
 * the same few whatever the batch's size, and no ORM builds or compiles anything per row.
 */
function columns(events: readonly MeteringEvent[]) {
  return {
    requestIds: events.map((event) => event.requestId),
    accountIds: events.map((event) => event.accountId),
    apiKeyIds: events.map((event) => event.apiKeyId ?? null),
    authMethods: events.map((event) => event.authMethod),
    models: events.map((event) => event.model),
    providers: events.map((event) => event.provider),
    statuses: events.map((event) => event.status),
    streamed: events.map((event) => event.streamed),
    inputTokens: events.map((event) => event.usage.inputTokens),
    outputTokens: events.map((event) => event.usage.outputTokens),
    reasoningTokens: events.map((event) => event.usage.reasoningTokens),
    cacheReadTokens: events.map((event) => event.usage.cacheReadTokens),
    cacheWriteTokens: events.map((event) => event.usage.cacheWriteTokens),
    usageSources: events.map((event) => event.usage.source),
    baseCosts: events.map((event) => event.cost.base),
    commissions: events.map((event) => event.cost.commission),
    totalCosts: events.map((event) => event.cost.total),
    startedAts: events.map((event) => event.timings.startedAt),
    durationsMs: events.map((event) => event.timings.durationMs),
    exceeded: events.map((event) => event.exceededReservation ?? false),
    documents: events.map((event) => JSON.stringify(event)),
  };
}

/**
 * Records priced requests, each exactly once, in ONE transaction of two statements. First the batch's accounts are
 * locked in id order (so concurrent batches of several workers cannot deadlock; NO KEY UPDATE, the lock an UPDATE of
 * non-key columns takes, so the foreign-key checks of other batches' inserts, which take KEY SHARE, do not conflict
 * with it). Then one statement inserts the usage rows (unique request id: a repeat, in the batch or from an earlier
 * one, inserts nothing), a ledger entry for each row actually inserted, and raises each account's debt by the sum of
 * its inserted totals and its version by one. Returns the request ids newly recorded and, for every account of the
 * batch (repeats included: their costs are committed too), its debt and version as of this commit — for the
 * gateway's view of funds. The worker never prices anything: the events carry their cost.
 */
export async function recordUsageBatch(prisma: PrismaClient, events: readonly MeteringEvent[]): Promise<BatchResult> {
  const unique = [...new Map(events.map((event) => [event.requestId, event])).values()];
  const c = columns(unique);
  const accountIds = [...new Set(c.accountIds)].sort();
  const [, rows] = await prisma.$transaction([
    prisma.$queryRaw`SELECT id FROM accounts WHERE id = ANY(${accountIds}::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
    prisma.$queryRaw<Array<{ request_id: string | null; account_id: string | null; debt: Prisma.Decimal | null; debt_version: bigint | null }>>`
      WITH input AS (
        SELECT * FROM unnest(
          ${c.requestIds}::text[], ${c.accountIds}::uuid[], ${c.apiKeyIds}::uuid[], ${c.authMethods}::text[], ${c.models}::text[],
          ${c.providers}::text[], ${c.statuses}::text[], ${c.streamed}::boolean[], ${c.inputTokens}::int[], ${c.outputTokens}::int[],
          ${c.reasoningTokens}::int[], ${c.cacheReadTokens}::int[], ${c.cacheWriteTokens}::int[], ${c.usageSources}::text[],
          ${c.baseCosts}::numeric[], ${c.commissions}::numeric[], ${c.totalCosts}::numeric[], ${c.startedAts}::timestamptz[],
          ${c.durationsMs}::int[], ${c.exceeded}::boolean[], ${c.documents}::jsonb[]
        ) AS t(request_id, account_id, api_key_id, auth_method, model, provider, status, streamed, input_tokens, output_tokens,
               reasoning_tokens, cache_read_tokens, cache_write_tokens, usage_source, base_cost, commission, total_cost,
               started_at, duration_ms, exceeded_reservation, event)
      ),
      inserted AS (
        INSERT INTO usage_records (request_id, account_id, api_key_id, auth_method, model, provider, status, streamed,
          input_tokens, output_tokens, reasoning_tokens, cache_read_tokens, cache_write_tokens, usage_source, base_cost,
          commission, total_cost, started_at, duration_ms, exceeded_reservation, event)
        SELECT * FROM input
        ON CONFLICT (request_id) DO NOTHING
        RETURNING request_id, account_id, total_cost, model, status
      ),
      ledger AS (
        INSERT INTO ledger_entries (account_id, kind, amount, request_id, description)
        SELECT account_id, 'usage', total_cost, request_id, model || ' (' || status || ')' FROM inserted
      ),
      totals AS (SELECT account_id, sum(total_cost) AS amount FROM inserted GROUP BY account_id),
      updated AS (
        UPDATE accounts AS a SET debt = a.debt + totals.amount, debt_version = a.debt_version + 1
        FROM totals WHERE a.id = totals.account_id
        RETURNING a.id, a.debt, a.debt_version
      )
      SELECT request_id, NULL::text AS account_id, NULL::numeric AS debt, NULL::bigint AS debt_version FROM inserted
      UNION ALL SELECT NULL, id::text, debt, debt_version FROM updated
      UNION ALL SELECT NULL, id::text, debt, debt_version FROM accounts
        WHERE id = ANY(${accountIds}::uuid[]) AND id NOT IN (SELECT account_id FROM totals)`,
  ]);
  const recorded = new Set<string>();
  const committed: CommittedDebt[] = [];
  for (const row of rows) {
    if (row.request_id !== null) recorded.add(row.request_id);
    else if (row.account_id !== null && row.debt !== null && row.debt_version !== null) {
      const accountId = row.account_id;
      // Accounts of repeats only were not updated: their debt as read, under the same lock (rare: a redelivered job).
      committed.push({ accountId, debt: row.debt.toFixed(), version: BigInt(row.debt_version), requestIds: unique.filter((event) => event.accountId === accountId).map((event) => event.requestId) });
    }
  }
  return { recorded, committed };
}

/** Records one priced request exactly once; false when it was already recorded. */
export async function recordUsage(prisma: PrismaClient, event: MeteringEvent): Promise<boolean> {
  return (await recordUsageBatch(prisma, [event])).recorded.has(event.requestId);
}

