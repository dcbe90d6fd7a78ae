import OpenAI from 'openai';
import { sumDecimals } from '@tollgate/billing';
import { startStack, type Stack } from './support/stack';

/** Nothing is lost when the billing worker dies: events wait in Redis and are recorded once it is back. */
describe('billing worker killed and restarted', () => {
  let stack: Stack;
  let client: OpenAI;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack();
    const created = JSON.parse((await stack.cli(['accounts', 'create', '--name', 'restart', '--json'])).stdout) as { account: { id: string }; apiKey: string };
    accountId = created.account.id;
    client = new OpenAI({ apiKey: created.apiKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('records every request made while the worker was down, exactly once', async () => {
    await stack.worker.kill(); // SIGKILL: no graceful shutdown
    const costs: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const completion = await client.chat.completions.create({ model: 'tollgate/echo', messages: [{ role: 'user', content: `request number ${index}` }] });
      costs.push((completion.usage as unknown as { cost: { total: string } }).cost.total);
    }
    expect(await stack.db.prisma.usageRecord.count()).toBe(0);
    stack.restartWorker();
    await stack.waitForUsageRows(10);
    const usage = JSON.parse((await stack.cli(['usage', '--account', accountId, '--json'])).stdout) as { debt: string; requests: number };
    expect(usage).toMatchObject({ requests: 10, debt: sumDecimals(costs) });
    expect((await stack.cli(['reconcile'])).code).toBe(0);
  });
});
