import { compareDecimals, sumDecimals } from '@tollgate/billing';
import { createAccountWithKey } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

describe('funds guard: stopped when funds run out', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  const call = (apiKey: string, body: object) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'spend a little' }], ...body }),
    });

  it('refuses with 402 a request whose worst case does not fit, naming what remains', async () => {
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'poor', creditLimit: '0.0001' });
    // No max_tokens: the whole 4096-token output budget at $0.40/M (+10%) does not fit in $0.0001.
    const response = await call(apiKey, {});
    expect(response.status).toBe(402);
    const body = (await response.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'insufficient_funds', code: 'insufficient_funds' });
    expect(body.error.message).toContain('$0.0001 remains');
    expect((await call(apiKey, { max_tokens: 10 })).status).toBe(200);
  });

  it('admits requests until the spent amount reaches the credit limit, never beyond it', async () => {
    const limit = '0.00002';
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'metered', creditLimit: limit });
    const costs: string[] = [];
    let refused = 0;
    for (let index = 0; index < 12; index += 1) {
      const response = await call(apiKey, { max_tokens: 3 });
      if (response.status === 402) {
        refused += 1;
        continue;
      }
      expect(response.status).toBe(200);
      costs.push(((await response.json()) as { usage: { cost: { total: string } } }).usage.cost.total);
    }
    expect(costs.length).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(compareDecimals(sumDecimals(costs), limit)).toBeLessThanOrEqual(0);
  });

  it('holds concurrent requests to the limit (the reservation is one atomic step)', async () => {
    const limit = '0.00002';
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'racing', creditLimit: limit });
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(apiKey, { max_tokens: 3 })));
    const admitted = responses.filter((response) => response.status === 200);
    expect(responses.filter((response) => response.status === 402).length).toBeGreaterThan(0);
    const costs = await Promise.all(admitted.map(async (response) => ((await response.json()) as { usage: { cost: { total: string } } }).usage.cost.total));
    expect(compareDecimals(sumDecimals(costs), limit)).toBeLessThanOrEqual(0);
  });
});
