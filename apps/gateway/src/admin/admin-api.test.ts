import OpenAI from 'openai';
import { parse } from 'csv-parse/sync';
import { NO_KEY } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

/** A parsed JSON answer, read loosely: each test states the shape it expects with toMatchObject/toEqual. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

describe('admin API', () => {
  let gateway: TestGateway;
  const call = async (method: string, path: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? ADMIN_TOKEN}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${gateway.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text && response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Loose) : undefined };
  };
  const completion = (apiKey: string) =>
    new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    gateway = await startTestGateway({ ADMIN_TOKEN, KEY_CACHE_TTL_MS: '60000' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  describe('refusals, in the OpenAI error shape', () => {
    it('no token → 401, a wrong token → 401, an API key → 403', async () => {
      const missing = await call('GET', '/admin/accounts', { token: null });
      expect(missing.status).toBe(401);
      expect(missing.body.error).toMatchObject({ type: 'authentication_error', code: 'missing_admin_token' });
      const wrong = await call('GET', '/admin/accounts', { token: `${ADMIN_TOKEN}x` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('invalid_admin_token');
      const apiKey = await call('GET', '/admin/accounts', { token: gateway.apiKey });
      expect(apiKey.status).toBe(403);
      expect(apiKey.body.error).toMatchObject({ type: 'permission_error', code: 'admin_required' });
      // A write with a wrong token changes nothing and leaves no audit row.
      expect((await call('POST', `/admin/accounts/${gateway.accountId}/suspend`, { token: gateway.apiKey })).status).toBe(403);
      expect((await call('GET', `/admin/accounts/${gateway.accountId}`)).body.status).toBe('active');
    });

    it('a bad amount, an unknown account, a bad id, an unknown field → 400/404 naming the problem', async () => {
      for (const amount of ['0', '-1', '1e3', 'abc', '0.0000000000000000001', '123456789012345678901']) {
        const response = await call('POST', `/admin/accounts/${gateway.accountId}/topups`, { body: { amount } });
        expect({ amount, status: response.status, param: response.body.error.param }).toEqual({ amount, status: 400, param: 'amount' });
      }
      const unknown = await call('POST', '/admin/accounts/00000000-0000-4000-8000-000000000000/topups', { body: { amount: '1' } });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');
      expect((await call('GET', '/admin/accounts/not-a-uuid')).status).toBe(400);
      const extra = await call('PATCH', `/admin/accounts/${gateway.accountId}`, { body: { creditLimit: '5', debt: '0' } });
      expect(extra.status).toBe(400);
      expect(extra.body.error).toMatchObject({ code: 'unknown_parameter', param: 'debt' });
      const settlement = await call('POST', `/admin/accounts/${gateway.accountId}/settlements`, { body: { amount: '1' } });
      expect(settlement.status).toBe(400);
      expect(settlement.body.error.param).toBe('reference');
    });
  });

  it('creates, lists (stable pages under inserts), changes, suspends and resumes accounts, each change audited', async () => {
    const created = await call('POST', '/admin/accounts', { body: { name: 'Acme Research', creditLimit: '20', rpm: 100 }, headers: { 'x-tollgate-actor': 'alice' } });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^tg_/);
    expect(created.body.account).toMatchObject({ name: 'Acme Research', creditLimit: '20', debt: '0', available: '20', status: 'active', rpm: 100, tpm: null });
    const id = created.body.account.id as string;
    await expect(completion(created.body.apiKey)).resolves.toMatchObject({ object: 'chat.completion' });

    // Pages of 1, while more accounts are created: every account once, in creation order.
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const page: Loose = await call('GET', `/admin/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((account: { id: string }) => account.id));
      cursor = page.body.nextCursor;
      if (inserted < 2) {
        await call('POST', '/admin/accounts', { body: { name: `later ${inserted}`, creditLimit: '1' } });
        inserted += 1;
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([gateway.accountId, id]));
    expect(seen.length).toBe((await gateway.db.prisma.account.count()));

    const byName = await call('GET', '/admin/accounts?name=acme%20RES');
    expect(byName.body.data.map((account: { id: string }) => account.id)).toEqual([id]);
    expect((await call('GET', '/admin/accounts?status=bogus')).status).toBe(400);

    const changed = await call('PATCH', `/admin/accounts/${id}`, { body: { creditLimit: '35.5', tpm: 0 } });
    expect(changed.body).toMatchObject({ creditLimit: '35.5', available: '35.5', tpm: 0, rpm: 100 });

    expect((await call('POST', `/admin/accounts/${id}/suspend`)).body.status).toBe('suspended');
    expect((await call('GET', '/admin/accounts?status=suspended')).body.data.map((account: { id: string }) => account.id)).toEqual([id]);
    await expect(completion(created.body.apiKey)).rejects.toMatchObject({ status: 403 });
    expect((await call('POST', `/admin/accounts/${id}/resume`)).body.status).toBe('active');
    await expect(completion(created.body.apiKey)).resolves.toMatchObject({ object: 'chat.completion' });

    const audit = await call('GET', `/admin/audit?targetType=account&targetId=${id}`);
    expect(audit.body.data.map((entry: { action: string }) => entry.action)).toEqual(['account.resume', 'account.suspend', 'account.update', 'account.create']);
    expect(audit.body.data[2]).toMatchObject({ actor: 'admin-token', before: { creditLimit: '20', tpm: null }, after: { creditLimit: '35.5', tpm: 0 } });
    expect(audit.body.data[3]).toMatchObject({ actor: 'admin-token (alice)', before: null, after: { name: 'Acme Research' } });
  });

  it('issues keys (shown once), lists them without the secret, revokes one on the spot', async () => {
    const issued = await call('POST', `/admin/accounts/${gateway.accountId}/keys`, { body: { name: 'ci', expiresInDays: 30 } });
    expect(issued.status).toBe(201);
    await expect(completion(issued.body.apiKey)).resolves.toMatchObject({ object: 'chat.completion' });
    const listed = await call('GET', `/admin/accounts/${gateway.accountId}/keys`);
    expect(listed.text).not.toContain(issued.body.apiKey);
    expect(listed.body.data.find((key: { id: string }) => key.id === issued.body.key.id)).toMatchObject({ name: 'ci', prefix: issued.body.apiKey.slice(0, 9), revokedAt: null });
    const revoked = await call('POST', `/admin/keys/${issued.body.key.id}/revoke`);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    await expect(completion(issued.body.apiKey)).rejects.toMatchObject({ status: 401 });
    expect((await call('POST', '/admin/keys/00000000-0000-4000-8000-000000000000/revoke')).status).toBe(404);
    // A bodyless POST is fine; a body must be JSON.
    expect((await call('POST', `/admin/accounts/${gateway.accountId}/keys`)).status).toBe(201);
  });

  it('top-ups and settlements lower the debt exactly, are idempotent by Idempotency-Key, and raise the funds at once', async () => {
    const account = await call('POST', '/admin/accounts', { body: { name: 'prepaid', creditLimit: '0' } });
    const id = account.body.account.id as string;
    await expect(completion(account.body.apiKey)).rejects.toMatchObject({ status: 402 });

    const first = await call('POST', `/admin/accounts/${id}/topups`, { body: { amount: '10.000000000000000001', reference: 'po-1' }, headers: { 'idempotency-key': 'topup-1' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ replayed: false, payment: { kind: 'topup', amount: '10.000000000000000001' }, account: { debt: '-10.000000000000000001', available: '10.000000000000000001' } });
    await expect(completion(account.body.apiKey)).resolves.toMatchObject({ object: 'chat.completion' });

    const again = await call('POST', `/admin/accounts/${id}/topups`, { body: { amount: '10.000000000000000001', reference: 'po-1' }, headers: { 'idempotency-key': 'topup-1' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, payment: { id: first.body.payment.id } });
    const conflict = await call('POST', `/admin/accounts/${id}/topups`, { body: { amount: '11', reference: 'po-1' }, headers: { 'idempotency-key': 'topup-1' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('idempotency_key_reused');

    const settled = await call('POST', `/admin/accounts/${id}/settlements`, { body: { amount: '2.5', reference: 'inv-2026-11' } });
    expect(settled.status).toBe(201);
    // A settlement pays debt off: it lowers the debt like a top-up (here below zero: credit).
    expect(settled.body.account.debt).toBe('-12.500000000000000001');

    // Concurrent top-ups to one account all land.
    const parallel = await Promise.all(Array.from({ length: 10 }, (_, index) => call('POST', `/admin/accounts/${id}/topups`, { body: { amount: '0.1' }, headers: { 'idempotency-key': `p-${index}` } })));
    expect(parallel.map((response) => response.status)).toEqual(Array(10).fill(201));
    const after = await call('GET', `/admin/accounts/${id}`);
    expect(after.body.debt).toBe('-13.500000000000000001');
    const ledger = await gateway.db.prisma.ledgerEntry.aggregate({ where: { accountId: id }, _sum: { amount: true } });
    expect(ledger._sum.amount?.toFixed()).toBe('-13.500000000000000001');
    const payments = await call('GET', `/admin/accounts/${id}/payments?limit=100`);
    expect(payments.body.data).toHaveLength(12);
    const audit = await call('GET', `/admin/audit?targetType=account&targetId=${id}&limit=500`);
    expect(audit.body.data.filter((entry: { action: string }) => entry.action.startsWith('payment.'))).toHaveLength(12);
    expect(audit.body.data.find((entry: { action: string }) => entry.action === 'payment.settlement')).toMatchObject({ actor: 'admin-token', before: { debt: '-10.000000000000000001' } });
  });

  it('reports usage from the rollups per group, as JSON and as CSV, with totals and debtors', async () => {
    const other = (await call('POST', '/admin/accounts', { body: { name: 'debtor', creditLimit: '100' } })).body.account.id as string;
    const keyId = (await gateway.db.prisma.apiKey.findFirstOrThrow({ where: { accountId: gateway.accountId } })).id;
    const row = (accountId: string, apiKeyId: string, day: string, model: string, requests: number, total: string) => ({
      day: new Date(`${day}T00:00:00Z`),
      accountId,
      apiKeyId,
      provider: model.split('/')[0],
      model,
      requests: BigInt(requests),
      inputTokens: BigInt(requests * 10),
      outputTokens: BigInt(requests * 5),
      reasoningTokens: 0n,
      cacheReadTokens: 0n,
      cacheWriteTokens: 0n,
      baseCost: total,
      commission: '0',
      totalCost: total,
    });
    await gateway.db.prisma.usageDaily.createMany({
      data: [
        row(gateway.accountId, keyId, '2026-11-01', 'openai/gpt-4o-mini', 3, '0.000003'),
        row(gateway.accountId, keyId, '2026-11-02', 'openai/gpt-4o-mini', 1, '0.1'),
        row(gateway.accountId, NO_KEY, '2026-11-02', 'anthropic/claude-haiku-4-5', 2, '0.2'),
        row(other, NO_KEY, '2026-11-03', 'anthropic/claude-haiku-4-5', 4, '1.23'),
      ],
    });
    await gateway.db.prisma.account.update({ where: { id: other }, data: { debt: '1.23' } });

    const byDay = await call('GET', '/admin/usage?groupBy=day&from=2026-11-02&to=2026-11-03');
    expect(byDay.status).toBe(200);
    expect(byDay.body).toMatchObject({ timeZone: 'UTC', from: '2026-11-02', to: '2026-11-03', groupBy: ['day'] });
    expect(byDay.body.data.map((entry: Loose) => [entry.group.day, entry.requests, entry.cost.total])).toEqual([
      ['2026-11-02', 3, '0.3'],
      ['2026-11-03', 4, '1.23'],
    ]);
    expect(byDay.body.totals).toMatchObject({ requests: 7, tokens: { input: 70, output: 35, total: 105 }, cost: { total: '1.53' } });

    const mine = await call('GET', `/admin/usage?account=${gateway.accountId}&groupBy=model`);
    expect(mine.body.data.map((entry: Loose) => [entry.group.model, entry.requests, entry.cost.total])).toEqual([
      ['anthropic/claude-haiku-4-5', 2, '0.2'],
      ['openai/gpt-4o-mini', 4, '0.100003'],
    ]);

    const csv = await fetch(`${gateway.url}/admin/usage?groupBy=account,day`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const records = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(3); // the test account's two rows of 2026-11-02 are one group
    expect(records.reduce((sum, record) => sum + Number(record.requests), 0)).toBe(10);
    expect(records.find((record) => record.account === other)).toMatchObject({ day: '2026-11-03', requests: '4' });

    expect((await call('GET', '/admin/usage?from=2026-11-05&to=2026-11-01')).status).toBe(400);
    expect((await call('GET', '/admin/usage?groupBy=week')).status).toBe(400);
    const debtors = await call('GET', '/admin/debtors?limit=1');
    expect(debtors.body.data).toEqual([expect.objectContaining({ accountId: other, debt: '1.23' })]);
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const document = await call('GET', '/openapi.json', { token: null });
    expect(document.status).toBe(200);
    expect(document.body.openapi).toBe('3.1.0');
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/messages', '/admin/accounts', '/admin/accounts/{id}/topups', '/admin/usage']));
    expect(document.body.components.schemas.TopupRequest.properties.amount.pattern).toBeDefined();
    expect(document.body.paths['/admin/usage'].get.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['account', 'key', 'model', 'provider', 'from', 'to', 'groupBy']),
    );
  });
});
