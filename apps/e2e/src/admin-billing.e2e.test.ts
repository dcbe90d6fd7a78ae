import OpenAI from 'openai';
import { parse } from 'csv-parse/sync';
import { compareDecimals, sumDecimals } from '@tollgate/billing';
import { fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startStack, type Stack } from './support/stack';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef0123456789';

/** What the client was told of one call: who made it, for which model, and what it cost. */
interface Seen {
  account: string;
  key: string;
  model: string;
  requests: number;
  input: number;
  output: number;
  total: string;
}

/**
 * "Who owes what, for which models, per day", end to end as processes: accounts, keys and money made through the
 * admin API, calls through the official openai SDK, the billing worker recording them, and every admin figure
 * (API JSON, API CSV, the CLI's CSV) compared with sums the test makes itself from what each client was told.
 */
describe('admin billing: money in, usage out, books balanced', () => {
  let upstream: ReplayServer;
  let stack: Stack;
  const admin = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, never> };
  };

  beforeAll(async () => {
    upstream = await startReplayServer();
    stack = await startStack({ ADMIN_TOKEN, OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-replay' });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await upstream?.close();
  });

  it('top-up, usage and settlement agree with the ledger at each step, and every report matches the calls', async () => {
    // A prepaid account (credit limit 0) cannot call until it is topped up; a second key; a postpaid account.
    const prepaid = (await admin('POST', '/accounts', { name: 'prepaid', creditLimit: '0' })).body as unknown as { account: { id: string }; key: { id: string }; apiKey: string };
    const prepaidClient = new OpenAI({ apiKey: prepaid.apiKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
    await expect(prepaidClient.chat.completions.create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 402 });
    const topup = await admin('POST', `/accounts/${prepaid.account.id}/topups`, { amount: '1', reference: 'card-4242' }, { 'idempotency-key': 'first-topup' });
    expect(topup.status).toBe(201);
    expect((await admin('POST', `/accounts/${prepaid.account.id}/topups`, { amount: '1', reference: 'card-4242' }, { 'idempotency-key': 'first-topup' })).status).toBe(200);
    const second = (await admin('POST', `/accounts/${prepaid.account.id}/keys`, { name: 'second' })).body as unknown as { key: { id: string }; apiKey: string };
    const postpaid = (await admin('POST', '/accounts', { name: 'postpaid', creditLimit: '5' })).body as unknown as { account: { id: string }; key: { id: string }; apiKey: string };

    const seen: Seen[] = [];
    const callers = [
      { account: prepaid.account.id, key: prepaid.key.id, apiKey: prepaid.apiKey, calls: 3 },
      { account: prepaid.account.id, key: second.key.id, apiKey: second.apiKey, calls: 2 },
      { account: postpaid.account.id, key: postpaid.key.id, apiKey: postpaid.apiKey, calls: 2 },
    ];
    for (const caller of callers) {
      const client = new OpenAI({ apiKey: caller.apiKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
      for (let index = 0; index < caller.calls; index += 1) {
        const answer = await client.chat.completions.create({ model: 'tollgate/echo', messages: [{ role: 'user', content: `call ${index} of ${caller.key}: ${'word '.repeat(index * 7)}` }] });
        const usage = answer.usage as unknown as { prompt_tokens: number; completion_tokens: number; cost: { total: string } };
        seen.push({ account: caller.account, key: caller.key, model: 'tollgate/echo', requests: 1, input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.cost.total });
      }
      upstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
      const openai = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Invent a holiday.' }] });
      const usage = openai.usage as unknown as { prompt_tokens: number; completion_tokens: number; cost: { total: string } };
      seen.push({ account: caller.account, key: caller.key, model: 'openai/gpt-4o-mini', requests: 1, input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.cost.total });
    }
    await stack.waitForUsageRows(seen.length);

    // The test's own figures per account × key × model.
    const expected = new Map<string, { requests: number; input: number; output: number; totals: string[] }>();
    for (const call of seen) {
      const group = expected.get(`${call.account}|${call.key}|${call.model}`) ?? { requests: 0, input: 0, output: 0, totals: [] };
      group.requests += 1;
      group.input += call.input;
      group.output += call.output;
      group.totals.push(call.total);
      expected.set(`${call.account}|${call.key}|${call.model}`, group);
    }
    const check = (rows: Array<{ account: string; key: string; model: string; requests: number; input: number; output: number; total: string }>) => {
      expect(rows).toHaveLength(expected.size);
      for (const row of rows) {
        const want = expected.get(`${row.account}|${row.key}|${row.model}`);
        expect({ ...row, total: undefined }).toEqual({ ...row, total: undefined, requests: want?.requests, input: want?.input, output: want?.output });
        expect(compareDecimals(row.total, sumDecimals(want?.totals ?? []))).toBe(0);
      }
    };

    const report = (await admin('GET', '/usage?groupBy=account,key,model')).body as unknown as {
      data: Array<{ group: { account: string; key: string; model: string }; requests: number; tokens: { input: number; output: number }; cost: { total: string } }>;
      totals: { requests: number; cost: { total: string } };
    };
    check(report.data.map((row) => ({ ...row.group, requests: row.requests, input: row.tokens.input, output: row.tokens.output, total: row.cost.total })));
    expect(report.totals.requests).toBe(seen.length);
    expect(compareDecimals(report.totals.cost.total, sumDecimals(seen.map((call) => call.total)))).toBe(0);

    const csvResponse = await fetch(`${stack.url}/admin/usage?groupBy=account,key,model`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/csv' } });
    const fromCsv = (text: string) =>
      (parse(text, { columns: true }) as Array<Record<string, string>>).map((record) => ({
        account: record.account,
        key: record.key,
        model: record.model,
        requests: Number(record.requests),
        input: Number(record.input_tokens),
        output: Number(record.output_tokens),
        total: record.total_cost,
      }));
    check(fromCsv(await csvResponse.text()));
    const cliCsv = await stack.cli(['usage', '--group-by', 'account,key,model', '--csv']);
    expect(cliCsv.code).toBe(0);
    check(fromCsv(cliCsv.stdout));

    // Per model for one account, per day: the same sums.
    const today = new Date().toISOString().slice(0, 10);
    const byDay = (await admin('GET', `/usage?account=${postpaid.account.id}&groupBy=day`)).body as unknown as { data: Array<{ group: { day: string }; cost: { total: string } }> };
    expect(byDay.data.map((row) => row.group.day)).toEqual([today]);
    const postpaidCosts = seen.filter((call) => call.account === postpaid.account.id).map((call) => call.total);
    expect(compareDecimals(byDay.data[0].cost.total, sumDecimals(postpaidCosts))).toBe(0);

    // Balances: prepaid owes its usage minus the top-up; the postpaid debtor settles exactly what it owes.
    const prepaidCosts = seen.filter((call) => call.account === prepaid.account.id).map((call) => call.total);
    const prepaidView = (await admin('GET', `/accounts/${prepaid.account.id}`)).body as unknown as { debt: string; available: string };
    expect(compareDecimals(prepaidView.debt, sumDecimals([...prepaidCosts, '-1']))).toBe(0);
    expect(compareDecimals(prepaidView.available, sumDecimals(['1', ...prepaidCosts.map((cost) => `-${cost}`)]))).toBe(0);
    const debtors = (await admin('GET', '/debtors')).body as unknown as { data: Array<{ accountId: string; debt: string }> };
    expect(debtors.data.map((row) => row.accountId)).toEqual([postpaid.account.id]);
    const owed = debtors.data[0].debt;
    expect(compareDecimals(owed, sumDecimals(postpaidCosts))).toBe(0);
    const settled = await admin('POST', `/accounts/${postpaid.account.id}/settlements`, { amount: owed, reference: 'INV-0001' });
    expect(settled.status).toBe(201);
    expect((settled.body as unknown as { account: { debt: string } }).account.debt).toBe('0');
    expect(((await admin('GET', '/debtors')).body as unknown as { data: unknown[] }).data).toEqual([]);

    const reconcile = await stack.cli(['reconcile']);
    expect(reconcile.stderr + reconcile.stdout).not.toContain('MISMATCH');
    expect(reconcile.code).toBe(0);
  }, 60_000);
});
