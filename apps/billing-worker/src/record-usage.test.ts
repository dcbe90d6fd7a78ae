import { PrismaPg } from '@prisma/adapter-pg';
import { createAccountWithKey, databaseRejection, NO_KEY, PrismaClient, reconcileDebts } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { priceUsage, sumDecimals } from '@tollgate/billing';
import type { MeteringEvent } from '@tollgate/schemas';
import { recordUsage, recordUsageBatch } from './record-usage';
import { meteringEventFixture as testEvent, seededRandom } from '@tollgate/testing';

describe('recordUsage', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('inserts the usage row and its ledger entry and raises the debt by the total, once', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'once', creditLimit: '5' });
    const event = testEvent(account.id);
    expect(await recordUsage(db.prisma, event)).toBe(true);
    expect(await recordUsage(db.prisma, event)).toBe(false);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe('0.00013376');
    expect(await db.prisma.usageRecord.count({ where: { accountId: account.id } })).toBe(1);
    const ledger = await db.prisma.ledgerEntry.findMany({ where: { accountId: account.id } });
    expect(ledger.map((entry) => [entry.kind, entry.amount.toFixed(), entry.requestId])).toEqual([['usage', '0.00013376', event.requestId]]);
  });

  it('stays exact under concurrent deliveries, duplicates included', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'busy', creditLimit: '5' });
    const events = Array.from({ length: 40 }, (_, index) =>
      testEvent(account.id, { cost: { base: '0.000000000000000001', commission: '0', total: `0.00000000000000000${(index % 9) + 1}` } }),
    );
    const deliveries = [...events, ...events.slice(0, 20)]; // half delivered twice
    const results = await Promise.all(deliveries.map((event) => recordUsage(db.prisma, event)));
    expect(results.filter(Boolean)).toHaveLength(40);
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(sumDecimals(events.map((event) => event.cost.total)));
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
  });

  it('records whether the provider reported more usage than the reservation covered', async () => {
    const { account } = await createAccountWithKey(db.prisma, { name: 'overspent', creditLimit: '5' });
    const exceeded = testEvent(account.id, { exceededReservation: true });
    const within = testEvent(account.id);
    await recordUsageBatch(db.prisma, [exceeded, within]);
    const rows = await db.prisma.usageRecord.findMany({ where: { accountId: account.id }, select: { requestId: true, exceededReservation: true } });
    expect(new Map(rows.map((row) => [row.requestId, row.exceededReservation]))).toEqual(
      new Map([
        [exceeded.requestId, true],
        [within.requestId, false],
      ]),
    );
    // The actual usage is billed all the same.
    const after = await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } });
    expect(after.debt.toFixed()).toBe(sumDecimals([exceeded.cost.total, within.cost.total]));
  });

  it('rolls everything back when the account does not exist', async () => {
    const event = testEvent('00000000-0000-4000-8000-000000000000');
    const error = await recordUsage(db.prisma, event).catch((caught: unknown) => caught);
    // The worker dead-letters it rather than retrying for ever.
    expect(databaseRejection(error)).toMatch(/^23503: insert or update on table "usage_records" violates foreign key constraint/);
    expect(await db.prisma.usageRecord.count({ where: { requestId: event.requestId } })).toBe(0);
  });
});

/** One rollup as compared: every figure a string, so counts, token sums and money compare exactly. */
interface RollupFigures {
  key: string;
  requests: string;
  tokens: string[];
  base: string;
  commission: string;
  total: string;
}

/** The rollups the worker should keep for these (unique) events, summed here in exact decimals and BigInts. */
function expectedRollups(events: readonly MeteringEvent[]): RollupFigures[] {
  const groups = new Map<string, MeteringEvent[]>();
  for (const event of events) {
    // The UTC day of the request's start: an ISO timestamp in Z begins with it.
    const key = [event.accountId, event.timings.startedAt.slice(0, 10), event.apiKeyId ?? NO_KEY, event.provider, event.model].join('|');
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  return [...groups].map(([key, members]) => {
    const tokenSum = (pick: (event: MeteringEvent) => number) => members.reduce((sum, event) => sum + BigInt(pick(event)), 0n).toString();
    return {
      key,
      requests: String(members.length),
      tokens: [
        tokenSum((event) => event.usage.inputTokens),
        tokenSum((event) => event.usage.outputTokens),
        tokenSum((event) => event.usage.reasoningTokens),
        tokenSum((event) => event.usage.cacheReadTokens),
        tokenSum((event) => event.usage.cacheWriteTokens),
      ],
      base: sumDecimals(members.map((event) => event.cost.base)),
      commission: sumDecimals(members.map((event) => event.cost.commission)),
      total: sumDecimals(members.map((event) => event.cost.total)),
    };
  });
}

type FiguresRow = { day: string; account_id: string; api_key_id: string; provider: string; model: string; requests: string; input_tokens: string; output_tokens: string; reasoning_tokens: string; cache_read_tokens: string; cache_write_tokens: string; base_cost: string; commission: string; total_cost: string };

/** Rows read as text by Postgres (day as YYYY-MM-DD, NUMERIC normalised to drop trailing zeros), sorted by key. */
function toFigures(rows: readonly FiguresRow[]): RollupFigures[] {
  return rows
    .map((row) => ({
      key: [row.account_id, row.day, row.api_key_id, row.provider, row.model].join('|'),
      requests: row.requests,
      tokens: [row.input_tokens, row.output_tokens, row.reasoning_tokens, row.cache_read_tokens, row.cache_write_tokens],
      base: row.base_cost,
      commission: row.commission,
      total: row.total_cost,
    }))
    .sort((left, right) => left.key.localeCompare(right.key));
}

const sortFigures = (figures: RollupFigures[]) => [...figures].sort((left, right) => left.key.localeCompare(right.key));

/** The `usage_daily` rows of these accounts, every figure as text. */
async function readRollups(prisma: PrismaClient, accountIds: readonly string[]): Promise<RollupFigures[]> {
  return toFigures(
    await prisma.$queryRaw<FiguresRow[]>`
      SELECT day::text, account_id::text, api_key_id::text, provider, model, requests::text, input_tokens::text,
        output_tokens::text, reasoning_tokens::text, cache_read_tokens::text, cache_write_tokens::text,
        trim_scale(base_cost)::text AS base_cost, trim_scale(commission)::text AS commission, trim_scale(total_cost)::text AS total_cost
      FROM usage_daily WHERE account_id = ANY(${accountIds}::uuid[])`,
  );
}

/** The same figures summed by Postgres straight from the raw rows (`usage_records`), independently of the worker's upserts. */
async function sumRawRows(prisma: PrismaClient, accountIds: readonly string[]): Promise<RollupFigures[]> {
  return toFigures(
    await prisma.$queryRaw<FiguresRow[]>`
      SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, account_id::text,
        coalesce(api_key_id::text, ${NO_KEY}) AS api_key_id, provider, model, count(*)::text AS requests,
        sum(input_tokens)::text AS input_tokens, sum(output_tokens)::text AS output_tokens,
        sum(reasoning_tokens)::text AS reasoning_tokens, sum(cache_read_tokens)::text AS cache_read_tokens,
        sum(cache_write_tokens)::text AS cache_write_tokens, trim_scale(sum(base_cost))::text AS base_cost,
        trim_scale(sum(commission))::text AS commission, trim_scale(sum(total_cost))::text AS total_cost
      FROM usage_records WHERE account_id = ANY(${accountIds}::uuid[]) GROUP BY 1, 2, 3, 4, 5`,
  );
}

describe('recordUsageBatch daily rollups (usage_daily)', () => {
  let db: TestDatabase;
  /** The same schema over sessions 14 hours ahead of UTC: a rollup's day must not follow the session's time zone. */
  let aheadOfUtc: PrismaClient;
  beforeAll(async () => {
    db = await createTestDatabase();
    aheadOfUtc = new PrismaClient({
      adapter: new PrismaPg({ connectionString: db.databaseUrl, max: 3, options: `-c search_path=${db.schema} -c TimeZone=Pacific/Kiritimati` }, { schema: db.schema }),
    });
  });
  afterAll(async () => {
    await aheadOfUtc.$disconnect();
    await db.drop();
  });

  /** Instants chosen around UTC midnights: the last millisecond of a day and the first of the next. */
  const STARTS = [
    '2026-11-23T23:59:59.999Z',
    '2026-11-24T00:00:00.000Z',
    '2026-11-24T11:30:00.000Z',
    '2026-11-24T23:59:59.999Z',
    '2026-11-25T00:00:00.000Z',
    '2026-11-26T06:00:00.123Z',
  ];
  const MODELS = [
    { model: 'tollgate/echo', provider: 'tollgate', prices: { input: '0.10', output: '0.40' } },
    { model: 'openai/gpt-4o-mini', provider: 'openai', prices: { input: '0.15', output: '0.60', cacheRead: '0.075' } },
    { model: 'anthropic/claude-sonnet-4', provider: 'anthropic', prices: { input: '3', output: '15', cacheRead: '0.3', cacheWrite: '3.75' } },
  ];

  it('keeps every rollup equal to the sums of its raw rows, repeats in and across batches included', async () => {
    const random = seededRandom(20261127);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
    const owners = await Promise.all(['rollup-a', 'rollup-b', 'rollup-c'].map((name) => createAccountWithKey(db.prisma, { name, creditLimit: '1000' })));
    const accountIds = owners.map((owner) => owner.account.id);
    const events = Array.from({ length: 240 }, () => {
      const owner = pick(owners);
      const served = pick(MODELS);
      const usage = {
        inputTokens: Math.floor(random() * 5_000),
        outputTokens: Math.floor(random() * 2_000),
        reasoningTokens: random() < 0.3 ? Math.floor(random() * 800) : 0,
        cacheReadTokens: random() < 0.3 ? Math.floor(random() * 10_000) : 0,
        cacheWriteTokens: random() < 0.2 ? Math.floor(random() * 3_000) : 0,
        source: 'reported' as const,
      };
      return testEvent(owner.account.id, {
        apiKeyId: random() < 0.5 ? owner.apiKeyId : null,
        model: served.model,
        provider: served.provider,
        usage,
        prices: served.prices,
        cost: priceUsage(usage, served.prices, '0.10'),
        timings: { startedAt: pick(STARTS), durationMs: 5 },
      });
    });
    // Six batches of 40; each batch repeats a quarter of itself and carries 10 events of the batch before it.
    const batches = Array.from({ length: 6 }, (_, index) => {
      const own = events.slice(index * 40, index * 40 + 40);
      const earlier = index === 0 ? [] : events.slice(index * 40 - 10, index * 40);
      return [...own, ...own.slice(0, 10), ...earlier];
    });
    for (const batch of batches.slice(0, 3)) await recordUsageBatch(db.prisma, batch);
    // The rest concurrently, as several worker processes would commit them (some over sessions in another time zone),
    // plus a redelivery of the first batch.
    const results = await Promise.all(
      [...batches.slice(3), batches[0] as MeteringEvent[]].map((batch, index) => recordUsageBatch(index % 2 === 0 ? aheadOfUtc : db.prisma, batch)),
    );
    expect(results.at(-1)?.recorded.size).toBe(0);

    const expected = sortFigures(expectedRollups(events));
    expect(expected.length).toBeGreaterThan(60); // the mix really spreads over accounts, days, keys and models
    expect(await readRollups(db.prisma, accountIds)).toEqual(expected);
    expect(await sumRawRows(db.prisma, accountIds)).toEqual(expected);

    // The boundaries land on their own UTC day: 23:59:59.999 on the day before, 00:00:00.000 on the day after.
    const requestsOn = async (day: string) =>
      (await db.prisma.usageDaily.aggregate({ where: { accountId: { in: accountIds }, day: new Date(`${day}T00:00:00Z`) }, _sum: { requests: true } }))._sum.requests ?? 0n;
    const startingWith = (prefix: string) => BigInt(events.filter((event) => event.timings.startedAt.startsWith(prefix)).length);
    expect(await requestsOn('2026-11-23')).toBe(startingWith('2026-11-23'));
    expect(await requestsOn('2026-11-24')).toBe(startingWith('2026-11-24'));
    expect(await requestsOn('2026-11-25')).toBe(startingWith('2026-11-25'));
    expect(startingWith('2026-11-23')).toBeGreaterThan(0n);

    // Each account's debt is the sum of its rollups' totals, which is the sum of its unique events' totals.
    for (const accountId of accountIds) {
      const account = await db.prisma.account.findUniqueOrThrow({ where: { id: accountId } });
      expect(account.debt.toFixed()).toBe(sumDecimals(events.filter((event) => event.accountId === accountId).map((event) => event.cost.total)));
    }
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
  });

  it('bills nothing again for a redelivered event whose raw row retention deleted', async () => {
    const { account, apiKeyId } = await createAccountWithKey(db.prisma, { name: 'retained', creditLimit: '5' });
    const old = testEvent(account.id, { apiKeyId, timings: { startedAt: '2026-01-02T03:04:05.678Z', durationMs: 9 } });
    const kept = testEvent(account.id, { apiKeyId, timings: { startedAt: '2026-01-02T08:00:00.000Z', durationMs: 9 } });
    await recordUsageBatch(db.prisma, [old, kept]);
    await db.prisma.usageRecord.deleteMany({ where: { requestId: old.requestId } }); // what retention does
    const snapshot = async () => ({
      debt: (await db.prisma.account.findUniqueOrThrow({ where: { id: account.id } })).debt.toFixed(),
      ledger: (await db.prisma.ledgerEntry.findMany({ where: { accountId: account.id }, orderBy: { requestId: 'asc' } })).map((entry) => [entry.requestId, entry.amount.toFixed()]),
      rollups: await readRollups(db.prisma, [account.id]),
    });
    const before = await snapshot();
    expect(before.debt).toBe(sumDecimals([old.cost.total, kept.cost.total]));

    // Redelivered alone, then alongside a new event of the same day and key.
    expect((await recordUsageBatch(db.prisma, [old])).recorded.size).toBe(0);
    expect(await snapshot()).toEqual(before);
    const fresh = testEvent(account.id, { apiKeyId, timings: { startedAt: '2026-01-02T09:00:00.000Z', durationMs: 9 } });
    const result = await recordUsageBatch(db.prisma, [old, fresh, old]);
    expect([...result.recorded]).toEqual([fresh.requestId]);

    const after = await snapshot();
    expect(after.debt).toBe(sumDecimals([before.debt, fresh.cost.total]));
    expect(after.ledger).toEqual([...before.ledger, [fresh.requestId, fresh.cost.total]].sort((left, right) => String(left[0]).localeCompare(String(right[0]))));
    expect(after.rollups).toEqual(sortFigures(expectedRollups([old, kept, fresh])));
    expect(await db.prisma.usageRecord.count({ where: { requestId: old.requestId } })).toBe(0);
    expect((await reconcileDebts(db.prisma)).mismatches).toEqual([]);
  });
});
