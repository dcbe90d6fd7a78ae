import OpenAI from 'openai';
import { fromNanoUsd, toNanoUsdCeil } from '@tollgate/billing';
import { adminIssueKey } from '@tollgate/db';
import { fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** A key's spending cap (issue 12): held in the same atomic admission as the account's funds. */
describe("a key's spending cap", () => {
  let upstream: ReplayServer;
  let gateway: TestGateway;
  const request = { model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Invent a new holiday.' }] };
  const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const issue = async (spendCap: string) => {
    const issued = await adminIssueKey(gateway.db.prisma, 'test', gateway.accountId, { spendCap });
    if (!issued) throw new Error('no account');
    return issued;
  };
  /** The worst case the gateway holds for `request`, as its refusal names it. */
  let worstCaseNano: bigint;

  beforeAll(async () => {
    upstream = await startReplayServer();
    gateway = await startTestGateway({ OPENAI_BASE_URL: `${upstream.url}/v1`, OPENAI_API_KEY: 'sk-test' });
    const probe = await issue('0.000000001');
    const refused = client(probe.apiKey).chat.completions.create(request);
    await expect(refused).rejects.toMatchObject({ status: 402, code: 'spend_cap_reached', type: 'insufficient_funds' });
    const message = await refused.then(() => '', (error: Error) => error.message);
    worstCaseNano = toNanoUsdCeil(/may cost up to \$([\d.]+)/.exec(message)?.[1] ?? 'x');
    expect(message).toContain("$0.000000001 remains of the key's $0.000000001 cap");
    expect(upstream.requests).toHaveLength(0);
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('20 concurrent requests against a cap that fits 5 worst cases: 5 admitted, 15 refused with 402 before any provider call', async () => {
    const capped = await issue(fromNanoUsd(worstCaseNano * 5n + worstCaseNano / 2n));
    upstream.requests.length = 0;
    for (let index = 0; index < 20; index += 1) upstream.enqueue({ json: fixtureJson('openai', 'openai-text'), delayMs: 300 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => client(capped.apiKey).chat.completions.create(request)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(5);
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as { status: number; code: string }] : []));
    expect(refusals.map((error) => [error.status, error.code])).toEqual(Array.from({ length: 15 }, () => [402, 'spend_cap_reached']));
    expect(upstream.requests).toHaveLength(5);
    // The account's other keys are bound by the account's funds only.
    upstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
    await expect(client(gateway.apiKey).chat.completions.create(request)).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it("seeds the key's committed spend from Postgres: a key whose rollups already reach its cap is refused at once", async () => {
    const spent = await issue('1');
    await gateway.db.prisma.usageDaily.create({
      data: { day: new Date('2026-11-01'), accountId: gateway.accountId, apiKeyId: spent.key.id, provider: 'openai', model: 'openai/gpt-4o-mini', requests: 1n, inputTokens: 1n, outputTokens: 1n, reasoningTokens: 0n, cacheReadTokens: 0n, cacheWriteTokens: 0n, baseCost: '0.99999', commission: '0', totalCost: '0.99999' },
    });
    // $0.00001 left of the cap: less than the request's worst case
    const refused = client(spent.apiKey).chat.completions.create(request);
    await expect(refused).rejects.toMatchObject({ status: 402, code: 'spend_cap_reached' });
    await expect(refused).rejects.toThrow("$0.00001 remains of the key's $1 cap");
  });
});
