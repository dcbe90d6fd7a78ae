import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createServer } from './create-server';
import { createGatewayClient } from './gateway-client';
import { BROKE_TOKEN, FUNDED_TOKEN, INSUFFICIENT_FUNDS_MESSAGE, startFakeGateway, type FakeGateway } from './testing/fake-gateway';

/** An SDK `Client` connected in process to a server over the given gateway. */
async function connect(gatewayUrl: string, defaultSpendToken?: string): Promise<Client> {
  const server = createServer({ gateway: createGatewayClient({ baseUrl: gatewayUrl }), defaultSpendToken });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'create-server-test', version: '1.0.0' });
  await client.connect(clientTransport);
  return client;
}

async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return { ...result, text };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tollgate MCP server (in process, SDK Client over InMemoryTransport)', () => {
  let gateway: FakeGateway;
  let client: Client;

  beforeAll(async () => {
    gateway = await startFakeGateway();
    client = await connect(gateway.url);
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });
  beforeEach(() => gateway.requests.splice(0));

  it("lists the seed's tools with the seed's inputs", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['chat', 'check_payment', 'generate_invoice', 'get_balance', 'list_models']);
    expect(Object.keys(tools.find((tool) => tool.name === 'generate_invoice')?.inputSchema.properties ?? {})).toEqual(['amount_sats', 'duration_hours']);
    expect(Object.keys(tools.find((tool) => tool.name === 'check_payment')?.inputSchema.properties ?? {})).toEqual(['charge_id']);
    const chat = tools.find((tool) => tool.name === 'chat');
    expect(Object.keys(chat?.inputSchema.properties ?? {})).toEqual(['model', 'message', 'spend_token', 'max_tokens']);
    expect(chat?.inputSchema.required).toEqual(['model', 'message', 'spend_token']);
    expect(chat?.inputSchema.properties).toMatchObject({
      model: { type: 'string', description: expect.stringContaining('Model ID') },
      message: { type: 'string', description: 'The user message to send' },
      spend_token: { type: 'string', description: expect.stringContaining('spend token') },
      max_tokens: { type: 'integer', default: 1024, description: 'Maximum tokens in response (default: 1024)' },
    });
    expect(chat?.description).toContain('Send a message to an AI model');
    const balance = tools.find((tool) => tool.name === 'get_balance');
    expect(Object.keys(balance?.inputSchema.properties ?? {})).toEqual(['spend_token']);
    expect(balance?.inputSchema.required).toEqual(['spend_token']);
    const listModels = tools.find((tool) => tool.name === 'list_models');
    expect(listModels?.inputSchema.required ?? []).toEqual([]);
  });

  it('chat sends the message with X-Spend-Token and answers with the text and the "— N in / N out" line', async () => {
    const result = await callTool(client, 'chat', { model: 'tollgate/echo', message: 'Hello, gateway', spend_token: FUNDED_TOKEN });
    expect(result.isError).toBeFalsy();
    expect(result.text).toBe('echo: Hello, gateway\n\n— 12 in / 7 out');
    expect(result.structuredContent).toEqual({
      text: 'echo: Hello, gateway',
      model: 'tollgate/echo',
      stop_reason: 'end_turn',
      usage: { input_tokens: 12, output_tokens: 7, cost: { base: '0.000004', commission: '0.0000004', total: '0.0000044' } },
    });
    expect(gateway.requests).toHaveLength(1);
    const [request] = gateway.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/messages', headers: { 'x-spend-token': FUNDED_TOKEN, 'content-type': 'application/json' } });
    expect(request?.body).toEqual({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'Hello, gateway' }], max_tokens: 1024 });
  });

  it('chat passes max_tokens through unchanged', async () => {
    await callTool(client, 'chat', { model: 'tollgate/echo', message: 'short', spend_token: FUNDED_TOKEN, max_tokens: 50 });
    expect(gateway.requests[0]?.body).toMatchObject({ max_tokens: 50 });
  });

  it("insufficient funds comes back as a tool error with the gateway's message", async () => {
    const result = await callTool(client, 'chat', { model: 'tollgate/echo', message: 'Hello', spend_token: BROKE_TOKEN });
    expect(result.isError).toBe(true);
    expect(result.text).toContain(INSUFFICIENT_FUNDS_MESSAGE);
    expect(result.text).toContain('402');
  });

  it('an unknown model comes back as a tool error naming the model', async () => {
    const result = await callTool(client, 'chat', { model: 'nope/unknown-model', message: 'Hello', spend_token: FUNDED_TOKEN });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("model 'nope/unknown-model' is not in the catalog");
  });

  it('a bad spend token comes back as a tool error', async () => {
    const result = await callTool(client, 'chat', { model: 'tollgate/echo', message: 'Hello', spend_token: 'tg_wrong' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('invalid API key or spend token');
    expect(result.text).toContain('401');
  });

  it('a non-JSON error page and a malformed answer are tool errors naming what went wrong', async () => {
    const html = await callTool(client, 'chat', { model: 'broken/html', message: 'Hello', spend_token: FUNDED_TOKEN });
    expect(html).toMatchObject({ isError: true });
    expect(html.text).toContain('HTTP 502');
    const malformed = await callTool(client, 'chat', { model: 'broken/shape', message: 'Hello', spend_token: FUNDED_TOKEN });
    expect(malformed).toMatchObject({ isError: true });
    expect(malformed.text).toContain('unexpected answer from the tollgate gateway to POST /v1/messages');
  });

  it('a missing required input is refused as a tool error, without calling the gateway', async () => {
    const result = await callTool(client, 'chat', { model: 'tollgate/echo', message: 'Hello' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('spend_token');
    expect(gateway.requests).toHaveLength(0);
  });

  it('list_models groups the catalog by provider with prices per million tokens', async () => {
    const result = await callTool(client, 'list_models');
    expect(result.isError).toBeFalsy();
    expect(result.text).toBe(
      [
        '4 models from 3 providers (USD per million tokens, in / out):',
        '',
        'tollgate',
        '- tollgate/echo (Echo (built in)): $0.10 in / $0.40 out',
        '',
        'anthropic',
        '- anthropic/claude-opus-4.5 (Claude Opus 4.5): $5.00 in / $25.00 out — unavailable (provider not configured)',
        '- anthropic/claude-haiku-4.5 (Claude Haiku 4.5): $1.00 in / $5.00 out',
        '',
        'openai',
        '- openai/gpt-4o-mini (GPT-4o mini): $0.15 in / $0.60 out',
      ].join('\n'),
    );
    expect(result.structuredContent).toMatchObject({
      providers: [
        { provider: 'tollgate', models: [{ id: 'tollgate/echo', name: 'Echo (built in)', input_per_million_usd: '0.10', output_per_million_usd: '0.40', available: true }] },
        { provider: 'anthropic', models: [{ id: 'anthropic/claude-opus-4.5', available: false }, { id: 'anthropic/claude-haiku-4.5', available: true }] },
        { provider: 'openai', models: [{ id: 'openai/gpt-4o-mini' }] },
      ],
    });
    expect(gateway.requests[0]).toMatchObject({ method: 'GET', path: '/api/capabilities' });
  });

  it("get_balance reads /v1/balance for the token", async () => {
    const result = await callTool(client, 'get_balance', { spend_token: FUNDED_TOKEN });
    expect(result.isError).toBeFalsy();
    expect(result.text).toBe('Balance: $9.998 USD (credit limit $10, debt $0.002)\nUsed: 3 requests, 1234 tokens\nExpires: never');
    expect(result.structuredContent).toEqual({ balance_usd: '9.998', credit_limit_usd: '10', debt_usd: '0.002', requests: 3, tokens: 1234, expires_at: null });
    expect(gateway.requests[0]).toMatchObject({ method: 'GET', path: '/v1/balance', headers: { 'x-spend-token': FUNDED_TOKEN } });
    const bad = await callTool(client, 'get_balance', { spend_token: 'tg_wrong' });
    expect(bad).toMatchObject({ isError: true });
    expect(bad.text).toContain('invalid API key or spend token');
  });

  it('a gateway that cannot be reached is a tool error, and the server keeps serving', async () => {
    const offline = await connect(`http://127.0.0.1:${await closedPort()}`);
    const result = await callTool(offline, 'chat', { model: 'tollgate/echo', message: 'Hello', spend_token: FUNDED_TOKEN });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/cannot reach the tollgate gateway at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect((await callTool(offline, 'list_models')).isError).toBe(true);
    expect((await offline.listTools()).tools).toHaveLength(5);
    await offline.close();
  });
});

describe('tollgate MCP server started with TOLLGATE_SPEND_TOKEN', () => {
  let gateway: FakeGateway;
  let client: Client;

  beforeAll(async () => {
    gateway = await startFakeGateway();
    client = await connect(gateway.url, FUNDED_TOKEN);
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.close();
  });

  it('makes spend_token optional and pays with the default token', async () => {
    const { tools } = await client.listTools();
    expect(tools.find((tool) => tool.name === 'chat')?.inputSchema.required).toEqual(['model', 'message']);
    expect(tools.find((tool) => tool.name === 'get_balance')?.inputSchema.required ?? []).toEqual([]);
    const result = await callTool(client, 'chat', { model: 'tollgate/echo', message: 'Hi' });
    expect(result.text).toBe('echo: Hi\n\n— 12 in / 7 out');
    expect(gateway.requests.at(-1)?.headers['x-spend-token']).toBe(FUNDED_TOKEN);
    expect((await callTool(client, 'get_balance')).structuredContent).toMatchObject({ balance_usd: '9.998' });
  });

  it("a token given in the call wins over the server's default", async () => {
    const result = await callTool(client, 'chat', { model: 'tollgate/echo', message: 'Hi', spend_token: BROKE_TOKEN });
    expect(result.isError).toBe(true);
    expect(gateway.requests.at(-1)?.headers['x-spend-token']).toBe(BROKE_TOKEN);
  });
});
