import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Property-based tests over the admin API's bodies and query strings, against a real gateway: whatever an operator's
 * script sends (wrong types, huge numbers, unicode edge cases, deep nesting, truncated JSON, unknown parameters), the
 * answer is never a 5xx, comes within a few seconds, and every error is `{error:{message,type,param,code}}`.
 */

const ADMIN_TOKEN = 'admin-token-for-property-tests-0123456789';
const NUM_RUNS = 80;
const REQUEST_TIMEOUT_MS = 5_000;

interface Answer {
  status: number;
  text: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why an answer breaks the admin API's contract, or null. */
function problemOf(answer: Answer): string | null {
  if (answer.status >= 500) return `a ${answer.status}`;
  if (answer.status < 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'an error body that is not JSON';
  }
  if (!isRecord(body) || Object.keys(body).join() !== 'error' || !isRecord(body['error'])) return 'not {"error":{…}}';
  const error = body['error'];
  if (Object.keys(error).sort().join() !== 'code,message,param,type') return `error keys ${Object.keys(error).join()}`;
  const stringOrNull = (value: unknown) => value === null || typeof value === 'string';
  if (typeof error['message'] !== 'string' || typeof error['type'] !== 'string' || !stringOrNull(error['param']) || !stringOrNull(error['code'])) return 'error fields of the wrong type';
  return null;
}

/** Values a careless script puts anywhere. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, '', ' ', [], {}, [null], true, false, 0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 5e-324),
  fc.constantFrom('99999999999999999999', '99999999999999999999.999999999999999999', '0.000000000000000001', '0', '1e3', '-5', 'NaN', 'Infinity', '25.00', ' 25', '٣'),
  fc.constantFrom('\ud800', '\udfff', 'a\ud83d', '\u0000', '\u202e', '\ufeff', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'e\u0301'.repeat(50), 'x'.repeat(201), 'x'.repeat(10_000)),
  fc.integer(),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const fieldName = fc.oneof(fc.constantFrom('name', 'creditLimit', 'rpm', 'tpm', 'keyName', 'amount', 'reference', 'description', 'models', 'expiresInDays', 'spendCap', '__proto__', 'constructor'), fc.string({ maxLength: 10 }));

/** Valid bodies of each admin write. */
const validCreate = fc.record(
  { name: fc.string({ minLength: 1, maxLength: 20 }), creditLimit: fc.constantFrom('0', '10', '25.50'), rpm: fc.nat(1000), tpm: fc.constant(null), keyName: fc.constant('k') },
  { requiredKeys: ['name', 'creditLimit'] },
);
const validPatch = fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), creditLimit: fc.constantFrom('5', '100.1'), rpm: fc.nat(1000), tpm: fc.nat(1000) }, { requiredKeys: ['name'] });
const validPayment = fc.record({ amount: fc.constantFrom('0.01', '1', '12.5', '99999999999999999999.999999999999999999'), reference: fc.string({ minLength: 1, maxLength: 20 }), description: fc.string({ maxLength: 20 }) }, { requiredKeys: ['amount', 'reference'] });

const validKey = fc.record(
  { name: fc.string({ minLength: 1, maxLength: 20 }), expiresInDays: fc.integer({ min: 1, max: 3650 }), models: fc.constant(['tollgate/echo']), spendCap: fc.constantFrom('1', '0.5') },
  { requiredKeys: [] },
);

/** A body with up to three fields replaced, removed or added. */
const mutated = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(valid, fc.array(fc.tuple(fc.constantFrom('replace', 'delete', 'add'), fieldName, oddValue), { maxLength: 3 })).map(([body, changes]) => {
    const copy: Record<string, unknown> = { ...body };
    for (const [kind, name, value] of changes) {
      const keys = Object.keys(copy);
      const key = kind === 'add' || keys.length === 0 ? name : keys[name.length % keys.length];
      if (kind === 'delete') delete copy[key];
      else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });

/** JSON text, sometimes truncated or wrapped deep, as a raw string. */
const bodyText = (valid: fc.Arbitrary<Record<string, unknown>>) =>
  fc.oneof(
    { arbitrary: mutated(valid).map((body) => JSON.stringify(body)), weight: 6 },
    fc.tuple(mutated(valid), fc.nat()).map(([body, cut]) => {
      const text = JSON.stringify(body);
      return text.slice(0, cut % Math.max(1, text.length));
    }),
    fc.integer({ min: 1_000, max: 20_000 }).map((levels) => `${'['.repeat(levels)}${']'.repeat(levels)}`),
    fc.integer({ min: 1_000, max: 20_000 }).map((levels) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`),
    fc.json({ maxDepth: 3 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );

const queryValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '1', '50', '201', '1e400', '1.5', 'NaN', '%', '%ZZ', '%00', '%ED%A0%80', '%F0%9F', 'active', 'suspended', 'day,model', 'day,,model', '2026-02-30', '9999-12-31', '0000-01-01', '2026-01-01'),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'eyJpZCI6IngifQ', 'eyJjcmVhdGVkQXQiOiJ4IiwiaWQiOiJ5In0', 'eyJ0IjoiOTk5OTk5OTk5OTk5OTk5OTk5In0', 'x'.repeat(300), '9999999999999999999', '9223372036854775808', '9223372036854775807'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  fc.string({ maxLength: 40 }).map((text) => Buffer.from(text).toString('base64url')),
);
const queryKey = fc.oneof(
  fc.constantFrom('limit', 'cursor', 'name', 'status', 'account', 'key', 'model', 'provider', 'from', 'to', 'groupBy', 'limit[]', 'limit[a]', '__proto__', 'constructor', ''),
  fc.string({ maxLength: 8 }).map(encodeURIComponent),
);
const queryString = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }).map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'));

describe('admin API, property-based: never a 5xx, never a hang, always the OpenAI error shape', () => {
  let gateway: TestGateway;
  let accountId: string;

  beforeAll(async () => {
    gateway = await startTestGateway({ ADMIN_TOKEN });
    accountId = gateway.accountId;
  });
  afterAll(() => gateway.close());

  async function send(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : new TextEncoder().encode(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, text: await response.text() };
  }
  function check(what: string, answer: Answer): void {
    const problem = problemOf(answer);
    if (problem) throw new Error(`${what} → ${answer.status}, ${problem}: ${answer.text.slice(0, 500)}`);
  }

  it('answers any mutation of the write bodies', async () => {
    const write = fc.oneof(
      bodyText(validCreate).map((text) => ['POST', '/admin/accounts', text] as const),
      bodyText(validPatch).map((text) => ['PATCH', `/admin/accounts/${accountId}`, text] as const),
      bodyText(validPayment).map((text) => ['POST', `/admin/accounts/${accountId}/topups`, text] as const),
      bodyText(validPayment).map((text) => ['POST', `/admin/accounts/${accountId}/settlements`, text] as const),
      bodyText(validKey).map((text) => ['POST', `/admin/accounts/${accountId}/keys`, text] as const),
    );
    await fc.assert(
      fc.asyncProperty(write, async ([method, path, text]) => check(`${method} ${path} ${text.slice(0, 200)}`, await send(method, path, text))),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  it('answers any query string of the listings', async () => {
    const read = fc.tuple(fc.constantFrom('/admin/usage', '/admin/accounts', '/admin/debtors', '/admin/audit', '/admin/accounts/00000000-0000-0000-0000-000000000000/payments'), queryString, fc.constantFrom('application/json', 'text/csv', '*/*'));
    await fc.assert(
      fc.asyncProperty(read, async ([path, query, accept]) => check(`GET ${path}?${query} (${accept})`, await send('GET', `${path}?${query}`, undefined, { accept }))),
      { numRuns: NUM_RUNS * 2 },
    );
  }, 120_000);

  it('answers any path id and any content type', async () => {
    const pathId = fc.oneof(fc.uuid(), fc.constantFrom('..', '%2e%2e', '%00', 'x'.repeat(2_000), '%ED%A0%80', '1e400'), fc.string({ maxLength: 20 }).map(encodeURIComponent));
    const type = fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', '');
    await fc.assert(
      fc.asyncProperty(pathId, type, validPayment, async (id, contentType, body) => {
        check(`GET /admin/accounts/${id}`, await send('GET', `/admin/accounts/${id}`));
        check(`POST topups of ${id} as ${contentType}`, await send('POST', `/admin/accounts/${id}/topups`, JSON.stringify(body), { 'content-type': contentType }));
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);
});

describe('admin API, counterexamples the properties found', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ADMIN_TOKEN });
  });
  afterAll(() => gateway.close());

  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error: { param: string | null; code: string | null } } };
  };

  it('refuses a NUL character in a stored text (Postgres cannot hold it) with a 400 naming the field, not a 500', async () => {
    const topup = await send('POST', `/admin/accounts/${gateway.accountId}/topups`, { amount: '0.01', reference: '\u0000' });
    expect(topup.status).toBe(400);
    expect(topup.body.error.param).toBe('reference');
    expect((await send('POST', '/admin/accounts', { name: 'a\u0000b', creditLimit: '1' })).status).toBe(400);
    expect((await send('PATCH', `/admin/accounts/${gateway.accountId}`, { name: '\u0000' })).status).toBe(400);
    expect((await send('GET', '/admin/accounts?name=%00')).status).toBe(400);
  });

  it('refuses a payment that would take the debt beyond NUMERIC(38,18) with a 400, not a 500, and records nothing', async () => {
    const huge = '99999999999999999999.999999999999999999';
    const created = await fetch(`${gateway.url}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'big', creditLimit: '0' }),
    });
    const { account } = (await created.json()) as { account: { id: string } };
    expect((await send('POST', `/admin/accounts/${account.id}/topups`, { amount: huge })).status).toBe(201);
    const second = await send('POST', `/admin/accounts/${account.id}/topups`, { amount: huge });
    expect(second.status).toBe(400);
    expect(second.body.error).toMatchObject({ param: 'amount', code: 'amount_out_of_range' });
    expect((await send('POST', `/admin/accounts/${account.id}/settlements`, { amount: huge, reference: 'r' })).status).toBe(400);
    expect(await gateway.db.prisma.payment.count({ where: { accountId: account.id } })).toBe(1);
    expect(await gateway.db.prisma.ledgerEntry.count({ where: { accountId: account.id } })).toBe(1);
  });

  it('refuses the day 0000-01-01 (no date in Postgres) in a usage query with a 400, not a 500', async () => {
    const answer = await send('GET', '/admin/usage?from=0000-01-01');
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toBe('from');
    expect((await send('GET', '/admin/usage?from=0001-01-01&to=9999-12-31&groupBy=day')).status).toBe(200);
  });

  it('refuses an audit cursor beyond a Postgres bigint with a 400, not a 500', async () => {
    for (const cursor of ['9223372036854775808', '9999999999999999999']) expect((await send('GET', `/admin/audit?cursor=${cursor}`)).status).toBe(400);
    expect((await send('GET', '/admin/audit?cursor=9223372036854775807')).status).toBe(200);
  });

  it('refuses a payments cursor it never gave out with a 400, not a 500', async () => {
    const answer = await send('GET', `/admin/accounts/${gateway.accountId}/payments?cursor=00000000-0000-0000-0000-000000000000`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toBe('cursor');
  });

  it('refuses a settlement whose reference is blank with a 400 naming it, not a 500', async () => {
    const answer = await send('POST', `/admin/accounts/${gateway.accountId}/settlements`, { amount: '0.01', reference: ' ' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toBe('reference');
  });

  it('answers a path id that is not percent-encoded UTF-8 with a 400, not a 500', async () => {
    const answer = await send('GET', '/admin/accounts/%ED%A0%80');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_path');
  });
});
