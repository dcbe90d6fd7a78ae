import OpenAI from 'openai';
import { sumDecimals } from '@tollgate/billing';
import { startStack, type Stack } from './support/stack';

/** Requests made in all, some before, during and after the worker's SIGTERM. */
const REQUESTS = 80;

/** The billing worker stops cleanly mid-traffic: its batch in progress commits, and nothing is recorded twice. */
describe('billing worker SIGTERM mid-traffic', () => {
  let stack: Stack;
  let client: OpenAI;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack();
    const created = JSON.parse((await stack.cli(['accounts', 'create', '--name', 'worker-shutdown', '--credit-limit', '50', '--json'])).stdout) as {
      account: { id: string };
      apiKey: string;
    };
    accountId = created.account.id;
    client = new OpenAI({ apiKey: created.apiKey, baseURL: `${stack.url}/v1`, maxRetries: 0 });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('exits 0 while events arrive, and once restarted records every request exactly once', async () => {
    const costs: string[] = [];
    let sent = 0;
    /** Four callers in parallel until REQUESTS were made. */
    const caller = async () => {
      while (sent < REQUESTS) {
        sent += 1;
        const completion = await client.chat.completions.create({ model: 'tollgate/echo', messages: [{ role: 'user', content: `request ${sent}` }] });
        costs.push((completion.usage as unknown as { cost: { total: string } }).cost.total);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const traffic = Promise.all(Array.from({ length: 4 }, caller));

    await stack.waitForUsageRows(10); // the worker is busy recording
    const exitCode = await stack.worker.stop(30_000);
    expect(exitCode).toBe(0);
    const recordedAtExit = await stack.db.prisma.usageRecord.count();
    await traffic;
    expect(costs).toHaveLength(REQUESTS);
    // Stopped means stopped: what arrived after the exit waits in the queue.
    expect(await stack.db.prisma.usageRecord.count()).toBe(recordedAtExit);
    expect(recordedAtExit).toBeLessThan(REQUESTS);

    stack.restartWorker();
    await stack.waitForUsageRows(REQUESTS);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a repeat, if any, would land now
    const usage = JSON.parse((await stack.cli(['usage', '--account', accountId, '--json'])).stdout) as { debt: string; requests: number };
    expect(usage).toMatchObject({ requests: REQUESTS, debt: sumDecimals(costs) });
    const reconcile = await stack.cli(['reconcile']);
    expect(reconcile.stderr + reconcile.stdout).not.toContain('MISMATCH');
    expect(reconcile.code).toBe(0);
  }, 60_000);
});
