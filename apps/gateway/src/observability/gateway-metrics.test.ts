import OpenAI from 'openai';
import { adminUpdateAccount, createAccountWithKey } from '@tollgate/db';
import { histogramCount, parsePrometheusText, sampleValue, type PrometheusFamily } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const METRICS_TOKEN = 'metrics-token-for-the-test';
const ROUTE = '/v1/chat/completions';
const ECHO = { model: 'tollgate/echo', provider: 'tollgate' };

describe('GET /metrics after a known set of calls through the official openai SDK', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ METRICS_TOKEN });
  });
  afterAll(() => gateway.close());

  const scrape = async (): Promise<Map<string, PrometheusFamily>> => {
    const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return parsePrometheusText(await response.text());
  };

  /** Scrapes until the completions route has counted `calls` (each is counted when its response closes). */
  const scrapeAfter = async (calls: number): Promise<Map<string, PrometheusFamily>> => {
    for (let waited = 0; ; waited += 20) {
      const families = await scrape();
      if (sampleValue(families, 'tollgate_requests_total', { route: ROUTE }) >= calls || waited > 2_000) return families;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('asks for METRICS_TOKEN when it is set', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts requests by route/model/provider/status, latencies, tokens, cost and refusals', async () => {
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    let outputTokens = 0;
    for (const content of ['one', 'one two', 'one two three']) {
      const answer = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content }] });
      outputTokens += answer.usage?.completion_tokens ?? 0;
    }
    for (const content of ['four five', 'six']) {
      const stream = await client.chat.completions.create({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) outputTokens += chunk.usage?.completion_tokens ?? 0;
    }
    // 402: the worst case does not fit the account's funds.
    const poor = await createAccountWithKey(gateway.db.prisma, { name: 'poor', creditLimit: '0.0001' });
    const poorClient = new OpenAI({ apiKey: poor.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(poorClient.chat.completions.create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.APIError);
    // 429: one request per minute, the second is refused (the first is a 200 more).
    const limited = await createAccountWithKey(gateway.db.prisma, { name: 'limited', creditLimit: '100' });
    await adminUpdateAccount(gateway.db.prisma, 'test', limited.account.id, { rpm: 1 });
    const limitedClient = new OpenAI({ apiKey: limited.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const first = await limitedClient.chat.completions.create({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'seven' }] });
    outputTokens += first.usage?.completion_tokens ?? 0;
    await expect(limitedClient.chat.completions.create({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'eight' }] })).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    // 401: an unknown key.
    const stranger = new OpenAI({ apiKey: 'tg_not-a-key', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(stranger.chat.completions.create({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const families = await scrapeAfter(9);
    expect(sampleValue(families, 'tollgate_requests_total', { route: ROUTE })).toBe(9);
    expect(sampleValue(families, 'tollgate_requests_total', { route: ROUTE, ...ECHO, status: '200' })).toBe(6);
    expect(sampleValue(families, 'tollgate_requests_total', { route: ROUTE, model: '', status: '402' })).toBe(1);
    expect(sampleValue(families, 'tollgate_requests_total', { route: ROUTE, model: '', status: '429' })).toBe(1);
    expect(sampleValue(families, 'tollgate_requests_total', { route: ROUTE, model: '', status: '401' })).toBe(1);
    expect(sampleValue(families, 'tollgate_admission_refusals_total', { code: 'insufficient_funds' })).toBe(1);
    expect(sampleValue(families, 'tollgate_admission_refusals_total', { code: 'rate_limit_exceeded' })).toBe(1);
    expect(families.get('tollgate_requests_total')?.type).toBe('counter');

    expect(families.get('tollgate_request_duration_seconds')?.type).toBe('histogram');
    expect(histogramCount(families, 'tollgate_request_duration_seconds', { route: ROUTE })).toBe(9);
    expect(histogramCount(families, 'tollgate_upstream_duration_seconds', ECHO)).toBe(6);
    expect(histogramCount(families, 'tollgate_time_to_first_token_seconds', { model: ECHO.model })).toBe(2);

    expect(sampleValue(families, 'tollgate_tokens_total', { model: ECHO.model, class: 'output' })).toBe(outputTokens);
    expect(sampleValue(families, 'tollgate_tokens_total', { model: ECHO.model, class: 'input' })).toBeGreaterThan(0);
    expect(sampleValue(families, 'tollgate_cost_usd_total', { model: ECHO.model })).toBeGreaterThan(0);
    expect(sampleValue(families, 'tollgate_upstream_retries_total')).toBe(0);
    expect(sampleValue(families, 'tollgate_upstream_fallbacks_total')).toBe(0);
    expect(sampleValue(families, 'tollgate_metering_enqueue_failures_total')).toBe(0);
    expect(sampleValue(families, 'tollgate_metering_spooled_events_total')).toBe(0);
    expect(families.has('tollgate_metering_spool_bytes') && families.has('tollgate_metering_spool_events')).toBe(true);
    expect(sampleValue(families, 'tollgate_metering_spool_bytes')).toBe(0);
    expect(sampleValue(families, 'tollgate_metering_spool_events')).toBe(0);
    // Node's process metrics come along.
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('never labels by account or request id', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(text).not.toContain(gateway.accountId);
    expect(text).not.toMatch(/req_[0-9a-f]{32}/);
  });
});
