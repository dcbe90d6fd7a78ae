import { NO_KEY, type Prisma, type PrismaClient } from '@tollgate/db';
import type { MeteringEvent } from '@tollgate/schemas';

/** A capped key's committed spend after a batch (at its account's version), with the batch's request ids of the key. */
export interface CommittedKeySpend {
  apiKeyId: string;
  /** USD, a decimal string: Σ of the key's daily rollups. */
  spend: string;
  requestIds: string[];
}

/** An account's debt as committed by a batch, with the request ids of the batch that belong to it. */
export interface CommittedDebt {
  accountId: string;
  debt: string;
  version: bigint;
  requestIds: string[];
  /** The spend of the account's keys in the batch that have a spending cap (only those: the others need none). */
  keySpends: CommittedKeySpend[];
}

/** What a batch committed: the request ids newly recorded, and the debt of every account it touched. */
export interface BatchResult {
  recorded: Set<string>;
  committed: CommittedDebt[];
}

/**
 * Records priced requests, each exactly once, in ONE transaction of two statements. The events go to Postgres once,
 * as one JSON array: each is kept whole in its row's `event` and its columns are read from it there, so nothing is
 * sent twice and no ORM builds or compiles anything per row.
 * 1. The batch's accounts are locked in id order (so concurrent batches of several workers cannot deadlock; NO KEY
 *    UPDATE, the lock an UPDATE of non-key columns takes, so the foreign-key checks of other batches' inserts, which
 *    take KEY SHARE, do not conflict with it).
 * 2. One statement inserts the usage rows (unique request id: a repeat, in the batch or from an earlier one, inserts
 *    nothing — nor does one whose raw row retention already deleted: its ledger entry stays), a ledger entry for each
 *    row actually inserted, adds those rows to the daily rollups (`usage_daily`: account × key × provider × model ×
 *    UTC day of the request's start), and raises each account's debt by the sum of its inserted totals and its
 *    version by one. A rollup row belongs to one account, whose lock the batch holds: concurrent workers cannot
 *    deadlock on rollups either.
 * 3. The committed spend of each key of the batch that has a spending cap: Σ of its rollups, read under the same
 *    account locks, so it is the spend as of the account's new version (every batch adding to a key's rollups takes
 *    its account's lock first).
 * Returns the request ids newly recorded and, for every account of the batch (repeats included: their costs are
 * committed too), its debt and version as of this commit, with its capped keys' spend — for the gateway's view of
 * funds. The worker never prices anything: the events carry their cost.
 */
export async function recordUsageBatch(prisma: PrismaClient, events: readonly MeteringEvent[]): Promise<BatchResult> {
  const unique = [...new Map(events.map((event) => [event.requestId, event])).values()];
  const accountIds = [...new Set(unique.map((event) => event.accountId))].sort();
  const keyIds = [...new Set(unique.flatMap((event) => (event.apiKeyId ? [event.apiKeyId] : [])))];
  const [, rows, keySpendRows] = await prisma.$transaction([
    prisma.$queryRaw`SELECT id FROM accounts WHERE id = ANY(${accountIds}::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
    prisma.$queryRaw<Array<{ request_id: string | null; account_id: string | null; debt: Prisma.Decimal | null; debt_version: bigint | null }>>`
      WITH input AS (
        SELECT e->>'requestId' AS request_id, (e->>'accountId')::uuid AS account_id, (e->>'apiKeyId')::uuid AS api_key_id,
          e->>'authMethod' AS auth_method, e->>'model' AS model, e->>'provider' AS provider, e->>'status' AS status,
          (e->>'streamed')::boolean AS streamed, (e->'usage'->>'inputTokens')::int AS input_tokens,
          (e->'usage'->>'outputTokens')::int AS output_tokens, (e->'usage'->>'reasoningTokens')::int AS reasoning_tokens,
          (e->'usage'->>'cacheReadTokens')::int AS cache_read_tokens, (e->'usage'->>'cacheWriteTokens')::int AS cache_write_tokens,
          e->'usage'->>'source' AS usage_source, (e->'cost'->>'base')::numeric AS base_cost,
          (e->'cost'->>'commission')::numeric AS commission, (e->'cost'->>'total')::numeric AS total_cost,
          (e->'timings'->>'startedAt')::timestamptz AS started_at, (e->'timings'->>'durationMs')::int AS duration_ms,
          coalesce((e->>'exceededReservation')::boolean, false) AS exceeded_reservation, e->>'walletAddress' AS wallet_address, e AS event
        FROM jsonb_array_elements(${JSON.stringify(unique)}::jsonb) AS e
      ),
      inserted AS (
        INSERT INTO usage_records (request_id, account_id, api_key_id, auth_method, model, provider, status, streamed,
          input_tokens, output_tokens, reasoning_tokens, cache_read_tokens, cache_write_tokens, usage_source, base_cost,
          commission, total_cost, started_at, duration_ms, exceeded_reservation, wallet_address, event)
        SELECT * FROM input
        WHERE NOT EXISTS (SELECT 1 FROM ledger_entries AS l WHERE l.request_id = input.request_id)
        ON CONFLICT (request_id) DO NOTHING
        RETURNING request_id, account_id, api_key_id, provider, model, status, started_at, input_tokens, output_tokens,
          reasoning_tokens, cache_read_tokens, cache_write_tokens, base_cost, commission, total_cost
      ),
      rolled_up AS (
        INSERT INTO usage_daily AS d (day, account_id, api_key_id, provider, model, requests, input_tokens, output_tokens,
          reasoning_tokens, cache_read_tokens, cache_write_tokens, base_cost, commission, total_cost)
        SELECT (started_at AT TIME ZONE 'UTC')::date, account_id, coalesce(api_key_id, ${NO_KEY}::uuid), provider, model, count(*),
          sum(input_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
          sum(base_cost), sum(commission), sum(total_cost)
        FROM inserted GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (account_id, day, api_key_id, provider, model) DO UPDATE SET
          requests = d.requests + excluded.requests, input_tokens = d.input_tokens + excluded.input_tokens,
          output_tokens = d.output_tokens + excluded.output_tokens, reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
          cache_read_tokens = d.cache_read_tokens + excluded.cache_read_tokens,
          cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens, base_cost = d.base_cost + excluded.base_cost,
          commission = d.commission + excluded.commission, total_cost = d.total_cost + excluded.total_cost
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
    prisma.$queryRaw<Array<{ api_key_id: string; account_id: string; spend: Prisma.Decimal }>>`
      SELECT k.id::text AS api_key_id, k.account_id::text AS account_id, coalesce(sum(d.total_cost), 0) AS spend
      FROM api_keys AS k LEFT JOIN usage_daily AS d ON d.account_id = k.account_id AND d.api_key_id = k.id
      WHERE k.id = ANY(${keyIds}::uuid[]) AND k.spend_cap IS NOT NULL
      GROUP BY k.id, k.account_id`,
  ]);
  const requestIdsOf = new Map<string, string[]>();
  for (const event of unique) {
    const ids = requestIdsOf.get(event.accountId);
    if (ids) ids.push(event.requestId);
    else requestIdsOf.set(event.accountId, [event.requestId]);
  }
  const keySpendsOf = new Map<string, CommittedKeySpend[]>();
  for (const row of keySpendRows) {
    const requestIds = unique.filter((event) => event.apiKeyId === row.api_key_id).map((event) => event.requestId);
    const spend = { apiKeyId: row.api_key_id, spend: row.spend.toFixed(), requestIds };
    keySpendsOf.set(row.account_id, [...(keySpendsOf.get(row.account_id) ?? []), spend]);
  }
  const recorded = new Set<string>();
  const committed: CommittedDebt[] = [];
  for (const row of rows) {
    if (row.request_id !== null) recorded.add(row.request_id);
    // An account's debt as updated — or, for an account with repeats only (a redelivered job), as read under the lock.
    else if (row.account_id !== null && row.debt !== null && row.debt_version !== null) {
      committed.push({
        accountId: row.account_id,
        debt: row.debt.toFixed(),
        version: BigInt(row.debt_version),
        requestIds: requestIdsOf.get(row.account_id) ?? [],
        keySpends: keySpendsOf.get(row.account_id) ?? [],
      });
    }
  }
  return { recorded, committed };
}

/** Records one priced request exactly once; false when it was already recorded. */
export async function recordUsage(prisma: PrismaClient, event: MeteringEvent): Promise<boolean> {
  return (await recordUsageBatch(prisma, [event])).recorded.has(event.requestId);
}

