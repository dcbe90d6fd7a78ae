import Anthropic from '@anthropic-ai/sdk';
import { createAccountWithKey } from '@tollgate/db';
import { fixtureChunks, fixtureJson, startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

type UsageWithCost = Anthropic.Usage & { cost: { base: string; commission: string; total: string } };

describe('POST /v1/messages through the official @anthropic-ai/sdk', () => {
  let anthropicUpstream: ReplayServer;
  let openaiUpstream: ReplayServer;
  let gateway: TestGateway;
  let client: Anthropic;

  beforeAll(async () => {
    anthropicUpstream = await startReplayServer();
    openaiUpstream = await startReplayServer();
    gateway = await startTestGateway({
      ANTHROPIC_BASE_URL: anthropicUpstream.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      OPENAI_BASE_URL: `${openaiUpstream.url}/v1`,
      OPENAI_API_KEY: 'sk-test',
    });
    client = new Anthropic({ apiKey: gateway.apiKey, baseURL: gateway.url, maxRetries: 0 });
  });
  beforeEach(() => {
    anthropicUpstream.requests.length = 0;
    openaiUpstream.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await anthropicUpstream.close();
    await openaiUpstream.close();
  });

  it('says that cache_control is not forwarded (a warning header, or a 400 in strict mode), never silently', async () => {
    const body = {
      model: 'tollgate/echo',
      max_tokens: 16,
      system: [{ type: 'text', text: 'A long shared preamble.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'hi' }],
    };
    const post = (headers: Record<string, string> = {}) =>
      fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': gateway.apiKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
        body: JSON.stringify(body),
      });
    const lenient = await post();
    expect(lenient.status).toBe(200);
    expect(lenient.headers.get('x-tollgate-warnings')).toMatch(/cache_control is not forwarded.*system\[0\]\.cache_control/);
    const strict = await post({ 'x-tollgate-strict': 'true' });
    expect(strict.status).toBe(400);
    expect(await strict.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('cache_control') } });
  });

  it('serves a Claude model natively: Anthropic message shape, usage and cost, metered', async () => {
    anthropicUpstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
    const { data: message, response } = await client.messages
      .create({ model: 'claude-opus-4-5-20251101', max_tokens: 256, system: 'Be friendly.', messages: [{ role: 'user', content: 'Hello, how are you?' }] })
      .withResponse();
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'anthropic/claude-opus-4.5', stop_reason: 'end_turn' });
    expect(message.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Hello! I'm doing well/) });
    // 12 × $5/M + 29 × $25/M = 0.00006 + 0.000725 = 0.000785; +10%
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 29, cost: { base: '0.000785', commission: '0.0000785', total: '0.0008635' } });
    expect(anthropicUpstream.requests[0]).toMatchObject({ url: '/v1/messages', headers: { 'x-api-key': 'sk-ant-test' } });
    expect(anthropicUpstream.requests[0].body).toMatchObject({ model: 'claude-opus-4-5-20251101', max_tokens: 256, system: [{ type: 'text', text: 'Be friendly.' }] });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ provider: 'anthropic', status: 'ok', cost: { total: '0.0008635' } });
  });

  it('streams a Claude model in Anthropic events; the SDK assembles the final message with usage', async () => {
    anthropicUpstream.enqueue({ sse: fixtureChunks('anthropic', 'anthropic-text'), eventNames: true });
    const stream = client.messages.stream({ model: 'anthropic/claude-sonnet-4.5', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] });
    const eventTypes: string[] = [];
    stream.on('streamEvent', (event) => eventTypes.push(event.type));
    const message = await stream.finalMessage();
    expect(eventTypes[0]).toBe('message_start');
    expect(eventTypes).toContain('content_block_delta');
    expect(eventTypes.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(message.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Hello!/) });
    expect(message.stop_reason).toBe('end_turn');
    expect((message.usage as UsageWithCost).output_tokens).toBeGreaterThan(0);
    expect(message.usage.input_tokens).toBe(12);
  });

  it('translates a non-Anthropic model (echo, OpenAI) to and from Anthropic shapes, JSON and streaming', async () => {
    const echo = await client.messages.create({ model: 'tollgate/echo', max_tokens: 64, messages: [{ role: 'user', content: 'echo me please' }] });
    expect(echo.content).toEqual([{ type: 'text', text: 'echo me please' }]);
    expect(echo.usage.output_tokens).toBeGreaterThan(0);

    openaiUpstream.enqueue({ json: fixtureJson('openai', 'openai-text') });
    const openai = await client.messages.create({ model: 'gpt-4o-mini', max_tokens: 500, system: 'sys', messages: [{ role: 'user', content: 'Invent a holiday' }] });
    expect(openai).toMatchObject({ model: 'openai/gpt-4o-mini', stop_reason: 'end_turn', usage: { input_tokens: 16, output_tokens: 363 } });
    expect(openaiUpstream.requests[0].body).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 500, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'Invent a holiday' }] });

    const streamed = await client.messages.stream({ model: 'tollgate/echo', max_tokens: 64, messages: [{ role: 'user', content: 'one two three' }] }).finalMessage();
    expect(streamed.content).toEqual([{ type: 'text', text: 'one two three', citations: null }].map(({ type, text }) => expect.objectContaining({ type, text })));
    expect(streamed.usage.output_tokens).toBe(3);
  });

  it('round-trips a tool call: tool_use out, tool_result back in the provider format', async () => {
    anthropicUpstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-json-tool.1') });
    const tools: Anthropic.Tool[] = [{ name: 'json', description: 'Respond with JSON', input_schema: { type: 'object', properties: { elements: { type: 'array' } } } }];
    const first = await client.messages.create({
      model: 'anthropic/claude-sonnet-4.5',
      max_tokens: 1024,
      tools,
      tool_choice: { type: 'tool', name: 'json' },
      messages: [{ role: 'user', content: 'Weather in 4 cities?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use') as Anthropic.ToolUseBlock;
    expect(toolUse).toMatchObject({ name: 'json', input: { elements: expect.any(Array) } });
    expect(anthropicUpstream.requests[0].body).toMatchObject({ tool_choice: { type: 'tool', name: 'json' }, tools: [{ name: 'json', input_schema: tools[0].input_schema }] });

    anthropicUpstream.enqueue({ json: fixtureJson('anthropic', 'anthropic-text') });
    const second = await client.messages.create({
      model: 'anthropic/claude-sonnet-4.5',
      max_tokens: 1024,
      tools,
      messages: [
        { role: 'user', content: 'Weather in 4 cities?' },
        { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'ok, rendered' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    const sent = anthropicUpstream.requests[1].body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> };
    expect(sent.messages[1]).toMatchObject({ role: 'assistant', content: [{ type: 'tool_use', id: toolUse.id, name: 'json', input: toolUse.input }] });
    expect(sent.messages[2]).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id }] });
  });

  it('accepts X-Spend-Token, x-api-key and Bearer; errors come in Anthropic shape', async () => {
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'spender', creditLimit: '1', spendToken: true });
    const body = JSON.stringify({ model: 'tollgate/echo', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    for (const header of ['x-spend-token', 'x-api-key', 'authorization']) {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', [header]: header === 'authorization' ? `Bearer ${apiKey}` : apiKey },
        body,
      });
      expect(response.status).toBe(200);
      const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
      expect(event.authMethod).toBe('spend-token');
    }

    const unauthenticated = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-spend-token': 'tgst_forged' }, body });
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Invalid API key.' } });

    const error = await client.messages.create({ model: 'nope-1', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('nope-1') } });

    const missingMaxTokens = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': gateway.apiKey }, body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'x' }] }) });
    expect(missingMaxTokens.status).toBe(400);
    expect(await missingMaxTokens.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });

    const { apiKey: poor } = await createAccountWithKey(gateway.db.prisma, { name: 'poor', creditLimit: '0.000001', spendToken: true });
    const broke = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-spend-token': poor }, body });
    expect(broke.status).toBe(402);
    expect(await broke.json()).toMatchObject({ type: 'error', error: { type: 'billing_error', message: expect.stringContaining('Insufficient funds') } });
  });

  it('GET /v1/balance and GET /api/capabilities', async () => {
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'balance', creditLimit: '5', spendToken: true, expiresAt: new Date('2030-01-01T00:00:00Z') });
    const balance = await (await fetch(`${gateway.url}/v1/balance`, { headers: { 'x-spend-token': apiKey } })).json();
    expect(balance).toMatchObject({ balance_usd: '5', credit_limit_usd: '5', debt_usd: '0', requests: 0, expires_at: '2030-01-01T00:00:00.000Z', auth_method: 'spend-token' });
    expect(balance).not.toHaveProperty('balance_sats');
    expect((await fetch(`${gateway.url}/v1/balance`)).status).toBe(401);

    const capabilities = (await (await fetch(`${gateway.url}/api/capabilities`)).json()) as { models: Array<{ id: string; provider: string; price_per_1k_tokens: string }> };
    expect(capabilities.models.length).toBeGreaterThanOrEqual(20);
    expect(capabilities.models.find((model) => model.id === 'openai/gpt-4o-mini')).toMatchObject({
      provider: 'openai',
      price_per_1k_tokens: '0.00015 in / $0.0006 out',
      price_per_1k_tokens_usd: { input: '0.00015', output: '0.0006' },
    });
  });
});

describe('GET /v1/balance with BTC_USD_RATE', () => {
  it('also answers in satoshis, rounded down', async () => {
    const gateway = await startTestGateway({ BTC_USD_RATE: '100000' });
    try {
      const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'sats', creditLimit: '2.5', spendToken: true });
      const balance = await (await fetch(`${gateway.url}/v1/balance`, { headers: { 'x-spend-token': apiKey } })).json();
      expect(balance).toMatchObject({ balance_usd: '2.5', balance_sats: '2500', btc_usd_rate: '100000' });
    } finally {
      await gateway.close();
    }
  });
});
