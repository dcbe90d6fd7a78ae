import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { createAccountWithKey, findOrCreateWalletAccount, NO_KEY } from '@tollgate/db';
import { createTestDatabase, type TestDatabase } from '@tollgate/db/testing';
import { usageCommand } from './commands';
import { debtorsCommand, isUsageReport, resolveWallet, usageCsvCommand, usageReportCommand, type UsageOptions } from './usage-commands';

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const report = (options: Partial<UsageOptions>): UsageOptions => ({ json: false, csv: false, ...options });

describe('tollgate usage (reports) and tollgate debtors', () => {
  let db: TestDatabase;
  let alpha: { id: string; keyId: string };
  let beta: { id: string; keyId: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    const first = await createAccountWithKey(db.prisma, { name: 'alpha', creditLimit: '10' });
    const second = await createAccountWithKey(db.prisma, { name: 'beta', creditLimit: '5' });
    alpha = { id: first.account.id, keyId: first.apiKeyId };
    beta = { id: second.account.id, keyId: second.apiKeyId };
    // Rollup rows as the billing worker keeps them; the figures below are summed by hand from these.
    const row = (accountId: string, apiKeyId: string, day: string, provider: string, model: string, requests: number, tokens: number[], cost: [string, string, string]) => ({
      day: new Date(`${day}T00:00:00Z`),
      accountId,
      apiKeyId,
      provider,
      model,
      requests,
      inputTokens: tokens[0] ?? 0,
      outputTokens: tokens[1] ?? 0,
      reasoningTokens: tokens[2] ?? 0,
      cacheReadTokens: tokens[3] ?? 0,
      cacheWriteTokens: tokens[4] ?? 0,
      baseCost: cost[0],
      commission: cost[1],
      totalCost: cost[2],
    });
    await db.prisma.usageDaily.createMany({
      data: [
        row(alpha.id, alpha.keyId, '2026-11-01', 'openai', 'gpt-4o', 3, [100, 50, 0, 10, 0], ['0.000123', '0.0000123', '0.0001353']),
        row(alpha.id, alpha.keyId, '2026-11-30', 'openai', 'gpt-4o', 1, [200, 20, 5, 0, 0], ['0.5', '0.05', '0.55']),
        row(alpha.id, NO_KEY, '2026-11-30', 'anthropic', 'claude-sonnet-4', 2, [10, 10, 10, 10, 10], ['1', '0.1', '1.1']),
        row(beta.id, beta.keyId, '2026-12-01', 'openai', 'gpt-4o', 5, [1000, 1000, 0, 0, 0], ['2.000000000000000001', '0.2', '2.200000000000000001']),
      ],
    });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('--account alone keeps its first meaning (the account standing); anything more asks for a report', () => {
    expect(isUsageReport(report({ account: 'x' }))).toBe(false);
    expect(isUsageReport(report({ account: 'x', json: true }))).toBe(false);
    expect(isUsageReport(report({}))).toBe(true);
    expect(isUsageReport(report({ account: 'x', from: '2026-11-01' }))).toBe(true);
    expect(isUsageReport(report({ account: 'x', groupBy: 'day' }))).toBe(true);
    expect(isUsageReport(report({ account: 'x', csv: true }))).toBe(true);
  });

  it.each<[string, Partial<UsageOptions>, string]>([
    ['a day that is not YYYY-MM-DD', { from: '1/11/2026' }, '--from 1/11/2026: not a day'],
    ['a day that does not exist', { to: '2026-02-30' }, '--to 2026-02-30: not a day'],
    ['from after to', { from: '2026-12-01', to: '2026-11-30' }, '--from 2026-12-01 is after --to 2026-11-30'],
    ['an unknown group', { groupBy: 'day,week' }, "'week' is not one of day, model, provider, key, account"],
    ['a group given twice', { groupBy: 'day,model,day' }, "'day' is given twice"],
    ['an empty grouping', { groupBy: '' }, "'' is not one of"],
    ['an account id that is not a UUID', { account: '42' }, '--account 42: not an account id'],
    ['a key id that is not a UUID', { key: 'tg_secret' }, '--key tg_secret: not a key id'],
    ['--json with --csv', { json: true, csv: true }, 'at most one of --json and --csv'],
  ])('refuses %s with a usage error (exit 2), and writes no CSV', async (_name, options, message) => {
    expect(await usageReportCommand(db.prisma, report(options))).toEqual({ output: expect.stringContaining(message), exitCode: 2 });
    if (options.json) return;
    const out = sink();
    expect(await usageCsvCommand(db.prisma, report({ ...options, csv: true }), out.stream)).toEqual({ output: expect.stringContaining(message), exitCode: 2 });
    expect(out.text()).toBe('');
  });

  it('--group-by day,model --json: a row per group (UTC days, both ends included) and the totals, as the admin API shapes them', async () => {
    const result = await usageReportCommand(db.prisma, report({ account: alpha.id, from: '2026-11-01', to: '2026-11-30', groupBy: 'day,model', json: true }));
    expect(result.exitCode).toBe(0);
    const figures = (requests: number, [input, output, reasoning, cacheRead, cacheWrite, total]: number[], [base, commission, totalCost]: string[]) => ({
      requests,
      tokens: { input, output, reasoning, cacheRead, cacheWrite, total },
      cost: { base, commission, total: totalCost },
    });
    expect(JSON.parse(result.output)).toEqual({
      timeZone: 'UTC',
      from: '2026-11-01',
      to: '2026-11-30',
      groupBy: ['day', 'model'],
      data: [
        { group: { day: '2026-11-01', model: 'gpt-4o' }, ...figures(3, [100, 50, 0, 10, 0, 160], ['0.000123', '0.0000123', '0.0001353']) },
        { group: { day: '2026-11-30', model: 'claude-sonnet-4' }, ...figures(2, [10, 10, 10, 10, 10, 50], ['1', '0.1', '1.1']) },
        { group: { day: '2026-11-30', model: 'gpt-4o' }, ...figures(1, [200, 20, 5, 0, 0, 225], ['0.5', '0.05', '0.55']) },
      ],
      totals: figures(6, [310, 80, 15, 20, 10, 435], ['1.500123', '0.1500123', '1.6501353']),
    });
  });

  it('prints a table with one line per group and a totals line', async () => {
    const result = await usageReportCommand(db.prisma, report({ groupBy: 'account,key' }));
    expect(result.exitCode).toBe(0);
    const lines = result.output.split('\n');
    expect(lines[0]).toBe('Usage, all days (UTC days, both included); 3 group(s) by account, key');
    expect(lines[1]).toMatch(/^account +key +requests +input +output +reasoning +cache read +cache write +tokens +base \$ +commission \$ +total \$$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${alpha.id}  none +2 +10 +10 +10 +10 +10 +50 +1 +0\\.1 +1\\.1$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${beta.id}  ${beta.keyId} +5 +1000 +1000 +0 +0 +0 +2000 +2\\.000000000000000001 +0\\.2 +2\\.200000000000000001$`)));
    expect(lines.at(-1)).toMatch(/^TOTAL +11 +1310 +1080 +15 +20 +10 +2435 +3\.500123000000000001 +0\.3500123 +3\.850135300000000001$/);
    expect(lines).toHaveLength(6);
  });

  it('without --group-by prints the totals of what the filters select; --key none is usage without a key', async () => {
    const noKey = await usageReportCommand(db.prisma, report({ key: 'none' }));
    expect(noKey.output).toBe(
      [
        'Usage, all days (UTC days, both included); no key',
        '  requests:     2',
        '  tokens:       50 (input 10, output 10, reasoning 10, cache read 10, cache write 10)',
        '  cost:         $1.1 (base $1 + commission $0.1)',
      ].join('\n'),
    );
    const december = JSON.parse((await usageReportCommand(db.prisma, report({ from: '2026-12-01', provider: 'openai', json: true }))).output) as { totals: { requests: number; cost: { total: string } } };
    expect(december.totals).toMatchObject({ requests: 5, cost: { total: '2.200000000000000001' } });
    const none = JSON.parse((await usageReportCommand(db.prisma, report({ account: beta.id, model: 'gpt-4o', to: '2026-11-30', json: true }))).output) as { totals: unknown };
    expect(none.totals).toMatchObject({ requests: 0, cost: { base: '0', commission: '0', total: '0' } });
  });

  it('--csv streams the groups under a header and parses back to the same figures', async () => {
    const out = sink();
    expect(await usageCsvCommand(db.prisma, report({ groupBy: 'account,key', csv: true }), out.stream)).toEqual({ output: '', exitCode: 0 });
    const records = parse(out.text(), { columns: true }) as Array<Record<string, string>>;
    const alphaFirst = alpha.id < beta.id;
    const expected = [
      { account: alpha.id, key: 'none', requests: '2', input_tokens: '10', output_tokens: '10', reasoning_tokens: '10', cache_read_tokens: '10', cache_write_tokens: '10', total_tokens: '50', base_cost: '1', commission: '0.1', total_cost: '1.1' },
      { account: alpha.id, key: alpha.keyId, requests: '4', input_tokens: '300', output_tokens: '70', reasoning_tokens: '5', cache_read_tokens: '10', cache_write_tokens: '0', total_tokens: '385', base_cost: '0.500123', commission: '0.0500123', total_cost: '0.5501353' },
    ];
    const betaRecord = { account: beta.id, key: beta.keyId, requests: '5', input_tokens: '1000', output_tokens: '1000', reasoning_tokens: '0', cache_read_tokens: '0', cache_write_tokens: '0', total_tokens: '2000', base_cost: '2.000000000000000001', commission: '0.2', total_cost: '2.200000000000000001' };
    expect(records).toEqual(alphaFirst ? [...expected, betaRecord] : [betaRecord, ...expected]);
  });

  it('--csv without --group-by writes one record: the totals', async () => {
    const out = sink();
    await usageCsvCommand(db.prisma, report({ account: alpha.id, csv: true }), out.stream);
    expect(out.text()).toBe(
      'requests,input_tokens,output_tokens,reasoning_tokens,cache_read_tokens,cache_write_tokens,total_tokens,base_cost,commission,total_cost\n' +
        '6,310,80,15,20,10,435,1.500123,0.1500123,1.6501353\n',
    );
  });

  it('debtors: highest debt first, up to --limit, as text or JSON; a bad --limit is a usage error', async () => {
    expect(await debtorsCommand(db.prisma, { json: false })).toEqual({ output: 'no account owes anything', exitCode: 0 });
    await db.prisma.account.update({ where: { id: alpha.id }, data: { debt: '3.5' } });
    await db.prisma.account.update({ where: { id: beta.id }, data: { debt: '10.000000000000000001', suspendedAt: new Date() } });
    const json = JSON.parse((await debtorsCommand(db.prisma, { json: true })).output) as { data: Array<Record<string, unknown>> };
    expect(json.data).toEqual([
      { accountId: beta.id, name: 'beta', debt: '10.000000000000000001', creditLimit: '5', available: '-5.000000000000000001', suspended: true, lastUsedAt: null },
      { accountId: alpha.id, name: 'alpha', debt: '3.5', creditLimit: '10', available: '6.5', suspended: false, lastUsedAt: null },
    ]);
    expect((await debtorsCommand(db.prisma, { limit: '1', json: false })).output).toBe(
      `1 account(s) owing most, highest debt first:\n  ${beta.id} (beta): debt $10.000000000000000001 of $5 credit, available $-5.000000000000000001, SUSPENDED, last used never`,
    );
    for (const limit of ['0', '1.5', 'ten', '1001']) expect(await debtorsCommand(db.prisma, { limit, json: false })).toMatchObject({ exitCode: 2, output: expect.stringContaining(`--limit ${limit}`) });
  });
  it('--wallet stands for the account bound to that wallet; a bad, unknown or doubled selector is refused', async () => {
    const address = '0x00000000000000000000000000000000000000Ab';
    const wallet = await findOrCreateWalletAccount(db.prisma, address);
    const resolved = await resolveWallet(db.prisma, report({ wallet: address }));
    expect(resolved).toMatchObject({ account: wallet.id, wallet: undefined });
    const standing = await usageCommand(db.prisma, { account: wallet.id, json: false });
    expect(standing.output).toContain(`wallet ${address.toLowerCase()}`);
    expect(await resolveWallet(db.prisma, report({ wallet: '0x1234' }))).toMatchObject({ exitCode: 2 });
    expect(await resolveWallet(db.prisma, report({ wallet: address, account: alpha.id }))).toMatchObject({ exitCode: 2 });
    expect(await resolveWallet(db.prisma, report({ wallet: `0x${'1'.repeat(40)}` }))).toMatchObject({ exitCode: 1 });
  });
});
