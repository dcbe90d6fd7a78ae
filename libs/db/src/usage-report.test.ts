import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { createTestDatabase, type TestDatabase } from './testing';
import { NO_KEY } from './usage-daily';
import {
  listDebtors,
  NO_KEY_LABEL,
  USAGE_GROUPS,
  usageCsvColumns,
  usageCsvRecord,
  usageGroups,
  usageTotals,
  type UsageFigures,
  type UsageFilter,
  type UsageGroup,
  type UsageGroupRow,
} from './usage-report';

/** One rollup row as the test wrote it: money in atto-dollars (10^-18 USD), so the test sums exactly with BigInt. */
interface Rollup {
  day: string;
  accountId: string;
  apiKeyId: string;
  provider: string;
  model: string;
  requests: bigint;
  tokens: [bigint, bigint, bigint, bigint, bigint];
  base: bigint;
  commission: bigint;
  total: bigint;
}

/** Atto-dollars as the report prints money: a decimal string without trailing zeros. */
function usd(atto: bigint): string {
  const digits = atto.toString().padStart(19, '0');
  const fraction = digits.slice(-18).replace(/0+$/, '');
  const whole = BigInt(digits.slice(0, -18)).toString();
  return fraction ? `${whole}.${fraction}` : whole;
}

/** A seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACCOUNTS = ['10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000003'];
const KEYS: Record<string, string[]> = {
  [ACCOUNTS[0] as string]: ['a1000000-0000-4000-8000-000000000001', 'a2000000-0000-4000-8000-000000000002', NO_KEY],
  [ACCOUNTS[1] as string]: ['b1000000-0000-4000-8000-000000000001', NO_KEY],
  [ACCOUNTS[2] as string]: ['c1000000-0000-4000-8000-000000000001'],
};
// A fine-tuned model's name with a comma and a quote: the CSV must quote it and parse back the same.
const MODELS = [
  ['openai', 'gpt-4o'],
  ['openai', 'ft:gpt-4o-mini:acme,"v2"'],
  ['anthropic', 'claude-sonnet-4'],
  ['together', 'Llama-3.3-70B'],
] as const;
// Month boundaries around the filter's from/to, in UTC days.
const DAYS = ['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-30', '2026-12-01'];

function generateRollups(): Rollup[] {
  const next = random(11);
  const rows: Rollup[] = [];
  for (const accountId of ACCOUNTS)
    for (const apiKeyId of KEYS[accountId] ?? [])
      for (const [provider, model] of MODELS)
        for (const day of DAYS) {
          if (next() < 0.4) continue;
          const count = (limit: number) => BigInt(Math.floor(next() * limit));
          const base = count(1e15) * 1000n + count(1000);
          const commission = base / 10n + count(7);
          // Some token counts above 2^32: BIGINT sums, not int.
          rows.push({ day, accountId, apiKeyId, provider, model, requests: count(5000) + 1n, tokens: [count(5e9), count(1e6), count(1e5), count(1e6), count(1e4)], base, commission, total: base + commission });
        }
  return rows;
}

async function insertRollups(db: TestDatabase, rows: readonly Rollup[]): Promise<void> {
  await db.prisma.usageDaily.createMany({
    data: rows.map((row) => ({
      day: new Date(`${row.day}T00:00:00Z`),
      accountId: row.accountId,
      apiKeyId: row.apiKeyId,
      provider: row.provider,
      model: row.model,
      requests: row.requests,
      inputTokens: row.tokens[0],
      outputTokens: row.tokens[1],
      reasoningTokens: row.tokens[2],
      cacheReadTokens: row.tokens[3],
      cacheWriteTokens: row.tokens[4],
      baseCost: usd(row.base),
      commission: usd(row.commission),
      totalCost: usd(row.total),
    })),
  });
}

function matches(row: Rollup, filter: UsageFilter): boolean {
  const key = filter.apiKeyId === NO_KEY_LABEL ? NO_KEY : filter.apiKeyId;
  return (
    (filter.accountId === undefined || row.accountId === filter.accountId) &&
    (key === undefined || row.apiKeyId === key) &&
    (filter.model === undefined || row.model === filter.model) &&
    (filter.provider === undefined || row.provider === filter.provider) &&
    (filter.from === undefined || row.day >= filter.from) &&
    (filter.to === undefined || row.day <= filter.to)
  );
}

function figures(rows: readonly Rollup[]): UsageFigures {
  const sum = (pick: (row: Rollup) => bigint) => rows.reduce((total, row) => total + pick(row), 0n);
  const tokens = [0, 1, 2, 3, 4].map((index) => sum((row) => row.tokens[index] ?? 0n));
  const [input, output, reasoning, cacheRead, cacheWrite] = tokens.map(Number) as [number, number, number, number, number];
  return {
    requests: Number(sum((row) => row.requests)),
    tokens: { input, output, reasoning, cacheRead, cacheWrite, total: Number(tokens.reduce((total, value) => total + value, 0n)) },
    cost: { base: usd(sum((row) => row.base)), commission: usd(sum((row) => row.commission)), total: usd(sum((row) => row.total)) },
  };
}

const STORED: Record<UsageGroup, (row: Rollup) => string> = {
  day: (row) => row.day,
  model: (row) => row.model,
  provider: (row) => row.provider,
  key: (row) => row.apiKeyId,
  account: (row) => row.accountId,
};

/** The report the test expects: grouped in JS, ordered by the stored values (uuid, day and byte order alike). */
function expectedGroups(rows: readonly Rollup[], filter: UsageFilter, groupBy: readonly UsageGroup[]): UsageGroupRow[] {
  const groups = new Map<string, Rollup[]>();
  for (const row of rows.filter((candidate) => matches(candidate, filter))) {
    const id = JSON.stringify(groupBy.map((group) => STORED[group](row)));
    groups.set(id, [...(groups.get(id) ?? []), row]);
  }
  const compare = (a: string[], b: string[]) => {
    for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return (a[index] ?? '') < (b[index] ?? '') ? -1 : 1;
    return 0;
  };
  return [...groups.entries()]
    .map(([id, members]) => ({ values: JSON.parse(id) as string[], members }))
    .sort((a, b) => compare(a.values, b.values))
    .map(({ values, members }) => ({
      group: Object.fromEntries(groupBy.map((group, index) => [group, group === 'key' && values[index] === NO_KEY ? NO_KEY_LABEL : values[index]])),
      ...figures(members),
    }));
}

async function collect(generator: AsyncGenerator<UsageGroupRow>): Promise<UsageGroupRow[]> {
  const rows: UsageGroupRow[] = [];
  for await (const row of generator) rows.push(row);
  return rows;
}

describe('usage reports over the daily rollups', () => {
  let db: TestDatabase;
  const rows = generateRollups();
  const [first, second, third] = ACCOUNTS as [string, string, string];
  const filters: Array<[string, UsageFilter]> = [
    ['nothing', {}],
    ['an account', { accountId: second }],
    ['a key', { apiKeyId: KEYS[first]?.[1] }],
    ['no key, by label', { apiKeyId: NO_KEY_LABEL }],
    ['no key, by the nil uuid', { apiKeyId: NO_KEY }],
    ['a model', { model: 'ft:gpt-4o-mini:acme,"v2"' }],
    ['a provider', { provider: 'openai' }],
    ['from, inclusive', { from: '2026-11-02' }],
    ['to, inclusive', { to: '2026-11-01' }],
    ['one month, both ends inclusive', { from: '2026-11-01', to: '2026-11-30' }],
    ['one day', { from: '2026-11-30', to: '2026-11-30' }],
    ['everything at once', { accountId: first, apiKeyId: NO_KEY_LABEL, provider: 'openai', from: '2026-11-01', to: '2026-12-01' }],
    ['no such usage', { model: 'gpt-5', accountId: third }],
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    for (const [index, id] of ['00000000-0000-4000-8000-000000000000', ...ACCOUNTS, 'ffffffff-0000-4000-8000-000000000000'].entries())
      await db.prisma.account.create({ data: { id, name: `account ${index}`, creditLimit: '100' } });
    await insertRollups(db, rows);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('the generated rollups cover every account, key (and none), model and boundary day', () => {
    for (const group of USAGE_GROUPS) expect(new Set(rows.map(STORED[group])).size).toBeGreaterThan(1);
    expect(rows.some((row) => row.apiKeyId === NO_KEY)).toBe(true);
    expect(new Set(rows.map((row) => row.day))).toEqual(new Set(DAYS));
  });

  it.each(filters)('totals of %s equal the sum of the rows written', async (_name, filter) => {
    expect(await usageTotals(db.prisma, filter)).toEqual(figures(rows.filter((row) => matches(row, filter))));
  });

  it('totals of no usage are zero, money printed as 0', async () => {
    expect(await usageTotals(db.prisma, { model: 'none-such' })).toEqual({
      requests: 0,
      tokens: { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
      cost: { base: '0', commission: '0', total: '0' },
    });
  });

  const groupings: UsageGroup[][] = [
    ...USAGE_GROUPS.map((group) => [group]),
    ['day', 'model'],
    ['model', 'day'],
    ['account', 'key'],
    ['provider', 'model', 'day'],
    ['account', 'day', 'key', 'provider', 'model'],
    ['key', 'model', 'provider', 'account', 'day'],
  ];
  it.each(groupings.map((groupBy) => [groupBy.join('+'), groupBy] as const))('grouped by %s, every group equals its rows', async (_name, groupBy) => {
    const expected = expectedGroups(rows, {}, groupBy);
    expect(expected.length).toBeGreaterThan(1);
    expect(await collect(usageGroups(db.prisma, {}, groupBy))).toEqual(expected);
  });

  it.each(filters)('grouped by day+key+model and filtered by %s, every group equals its rows', async (_name, filter) => {
    const groupBy: UsageGroup[] = ['day', 'key', 'model'];
    expect(await collect(usageGroups(db.prisma, filter, groupBy))).toEqual(expectedGroups(rows, filter, groupBy));
  });

  it('prints days as YYYY-MM-DD and usage without a key as "none"', async () => {
    const report = await collect(usageGroups(db.prisma, { accountId: first }, ['key', 'day']));
    expect(report[0]?.group).toEqual({ key: NO_KEY_LABEL, day: expect.stringMatching(/^2026-1[012]-\d\d$/) });
    expect(report.every((row) => row.group.key !== NO_KEY)).toBe(true);
  });

  it.each([1, 2, 3, 7])('pages of %i give the same rows in the same order as one page', async (pageSize) => {
    for (const groupBy of [['account', 'key', 'day'], ['model', 'provider'], ['day']] as UsageGroup[][]) {
      const whole = await collect(usageGroups(db.prisma, {}, groupBy, { pageSize: 1000 }));
      expect(await collect(usageGroups(db.prisma, {}, groupBy, { pageSize }))).toEqual(whole);
    }
  });

  it('paging is stable under inserts: a new group after the cursor appears, one before it does not, none repeats', async () => {
    const groupBy: UsageGroup[] = ['account', 'day'];
    const before = expectedGroups(rows, {}, groupBy);
    const added = (accountId: string, day: string): Rollup => ({
      day, accountId, apiKeyId: NO_KEY, provider: 'openai', model: 'gpt-4o', requests: 1n, tokens: [10n, 20n, 0n, 0n, 0n], base: 3n, commission: 1n, total: 4n,
    });
    // The first and the last account in uuid order: one sorts before every group read so far, one after all.
    const early = added('00000000-0000-4000-8000-000000000000', '2026-11-15');
    const late = added('ffffffff-0000-4000-8000-000000000000', '2026-11-15');
    const seen: UsageGroupRow[] = [];
    try {
      for await (const row of usageGroups(db.prisma, {}, groupBy, { pageSize: 2 })) {
        seen.push(row);
        if (seen.length === 3) await insertRollups(db, [early, late]);
      }
      const ids = seen.map((row) => JSON.stringify(row.group));
      expect(new Set(ids).size).toBe(ids.length);
      expect(seen).toEqual([...before, { group: { account: late.accountId, day: late.day }, ...figures([late]) }]);
      // And a report started now sees both.
      expect(await collect(usageGroups(db.prisma, {}, groupBy, { pageSize: 2 }))).toEqual(expectedGroups([...rows, early, late], {}, groupBy));
    } finally {
      await db.prisma.usageDaily.deleteMany({ where: { accountId: { in: [early.accountId, late.accountId] } } });
    }
  });

  it('CSV records parse back to the same figures, under the header of usageCsvColumns', async () => {
    const groupBy: UsageGroup[] = ['day', 'key', 'model'];
    const report = await collect(usageGroups(db.prisma, { accountId: first }, groupBy, { pageSize: 5 }));
    const csv = stringify(report.map((row) => usageCsvRecord(row, groupBy)), { header: true, columns: usageCsvColumns(groupBy) });
    expect(csv.split('\n')[0]).toBe('day,key,model,requests,input_tokens,output_tokens,reasoning_tokens,cache_read_tokens,cache_write_tokens,total_tokens,base_cost,commission,total_cost');
    expect(csv).toContain('"ft:gpt-4o-mini:acme,""v2"""');
    const parsed = parse(csv, { columns: true }) as Array<Record<string, string>>;
    const expected = expectedGroups(rows, { accountId: first }, groupBy);
    expect(parsed.map((record) => ({
      group: { day: record['day'], key: record['key'], model: record['model'] },
      requests: Number(record['requests']),
      tokens: {
        input: Number(record['input_tokens']),
        output: Number(record['output_tokens']),
        reasoning: Number(record['reasoning_tokens']),
        cacheRead: Number(record['cache_read_tokens']),
        cacheWrite: Number(record['cache_write_tokens']),
        total: Number(record['total_tokens']),
      },
      cost: { base: record['base_cost'], commission: record['commission'], total: record['total_cost'] },
    }))).toEqual(expected);
  });

  it('refuses an empty, repeating or unknown grouping and a bad page size at once', () => {
    expect(() => usageGroups(db.prisma, {}, [])).toThrow(RangeError);
    expect(() => usageGroups(db.prisma, {}, ['day', 'model', 'day'])).toThrow(/repeats/);
    expect(() => usageGroups(db.prisma, {}, ['week' as UsageGroup])).toThrow(/unknown usage group week/);
    expect(() => usageGroups(db.prisma, {}, ['day'], { pageSize: 0 })).toThrow(/pageSize/);
  });
});

describe('debtors', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('lists accounts that owe, highest debt first, equal debts by id, up to the limit', async () => {
    const account = (id: string, name: string, debt: string, creditLimit = '10', suspended = false) =>
      db.prisma.account.create({ data: { id, name, debt, creditLimit, suspendedAt: suspended ? new Date() : null } });
    await account('40000000-0000-4000-8000-000000000004', 'tied second', '12.5');
    await account('20000000-0000-4000-8000-000000000002', 'tied first', '12.500000', '20', true);
    await account('30000000-0000-4000-8000-000000000003', 'least', '0.000000000000000001');
    await account('10000000-0000-4000-8000-000000000001', 'most', '1000.25', '1000');
    await account('50000000-0000-4000-8000-000000000005', 'square', '0');
    await account('60000000-0000-4000-8000-000000000006', 'prepaid', '-5');
    await db.prisma.apiKey.createMany({
      data: [
        { accountId: '10000000-0000-4000-8000-000000000001', keyHash: 'a'.repeat(64), displayPrefix: 'tg_aaaaaa', lastUsedAt: new Date('2026-11-27T10:00:00Z') },
        { accountId: '10000000-0000-4000-8000-000000000001', keyHash: 'b'.repeat(64), displayPrefix: 'tg_bbbbbb', lastUsedAt: new Date('2026-11-28T09:30:00Z') },
        { accountId: '10000000-0000-4000-8000-000000000001', keyHash: 'c'.repeat(64), displayPrefix: 'tg_cccccc' },
      ],
    });

    const debtors = await listDebtors(db.prisma, { limit: 10 });
    expect(debtors).toEqual([
      { accountId: '10000000-0000-4000-8000-000000000001', name: 'most', debt: '1000.25', creditLimit: '1000', available: '-0.25', suspended: false, lastUsedAt: '2026-11-28T09:30:00.000Z' },
      { accountId: '20000000-0000-4000-8000-000000000002', name: 'tied first', debt: '12.5', creditLimit: '20', available: '7.5', suspended: true, lastUsedAt: null },
      { accountId: '40000000-0000-4000-8000-000000000004', name: 'tied second', debt: '12.5', creditLimit: '10', available: '-2.5', suspended: false, lastUsedAt: null },
      { accountId: '30000000-0000-4000-8000-000000000003', name: 'least', debt: '0.000000000000000001', creditLimit: '10', available: '9.999999999999999999', suspended: false, lastUsedAt: null },
    ]);
    expect((await listDebtors(db.prisma, { limit: 2 })).map((debtor) => debtor.name)).toEqual(['most', 'tied first']);
    await expect(listDebtors(db.prisma, { limit: 0 })).rejects.toThrow(RangeError);
  });
});
