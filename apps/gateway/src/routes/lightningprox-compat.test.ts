import { createAccountWithKey } from '@tollgate/db';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/** The model names LightningProx's README lists: each must answer under that name. */
const LIGHTNINGPROX_MODELS = [
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-haiku-4-5',
  'gpt-4o',
  'gpt-4-turbo',
  'gpt-4o-mini',
  'llama-4-maverick',
  'llama-3.3-70b',
  'deepseek-v3',
  'mixtral-8x7b',
  'mistral-large-latest',
  'mistral-medium',
  'mistral-small',
  'codestral',
  'devstral',
  'magistral',
  'gemini-2.5-flash',
  'gemini-2.5-pro',
];

/**
 * LightningProx's clients (its MCP server) call /v1/messages and /v1/balance with `Content-Type` and `X-Spend-Token`
 * only — no `anthropic-version` — and read an error as `new Error(body.error)`: the message must be a string there.
 */
describe('LightningProx clients', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.close());

  const lightningProx = (path: string, spendToken: string, body?: object) =>
    fetch(`${gateway.url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'Content-Type': 'application/json', 'X-Spend-Token': spendToken },
      body: body ? JSON.stringify(body) : undefined,
    });
  const chat = (spendToken: string, model = 'tollgate/echo', maxTokens = 64) =>
    lightningProx('/v1/messages', spendToken, { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: maxTokens });

  it('gets errors as {"error":"<message>","code"} without anthropic-version, Anthropic’s shape with it', async () => {
    const flat = await chat('tgst_not_a_real_token');
    expect(flat.status).toBe(401);
    const body = (await flat.json()) as { error: unknown; code: unknown };
    expect(typeof body.error).toBe('string');
    expect(body).toMatchObject({ error: 'Invalid API key.', code: 'invalid_api_key' });

    const anthropic = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'tgst_not_a_real_token', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'tollgate/echo', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Invalid API key.' } });

    const balance = await lightningProx('/v1/balance', 'tgst_not_a_real_token');
    expect(await balance.json()).toEqual({ error: 'Invalid API key.', code: 'invalid_api_key' });
  });

  it('reads an insufficient-funds refusal as its message, not "[object Object]"', async () => {
    const { apiKey } = await createAccountWithKey(gateway.db.prisma, { name: 'broke', creditLimit: '0.000001' });
    const response = await chat(apiKey, 'tollgate/echo', 4_000);
    expect(response.status).toBe(402);
    const body = (await response.json()) as { error: string; code: string };
    expect(body.code).toBe('insufficient_funds');
    const thrown = new Error(body.error);
    expect(thrown.message).toMatch(/^Insufficient funds: this request may cost up to \$/);
  });

  it('answers `X-Spend-Token: undefined` (no token given) with a 401 that says where a token comes from', async () => {
    const response = await chat('undefined');
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: string; code: string };
    expect(body.code).toBe('missing_api_key');
    expect(body.error).toMatch(/spend token/i);
  });

  it('lists prices per 1k tokens as one printable value, the structured prices beside it', async () => {
    const { models } = (await (await fetch(`${gateway.url}/api/capabilities`)).json()) as {
      models: Array<{ id: string; price_per_1k_tokens: unknown; price_per_1k_tokens_usd: { input: string; output: string } }>;
    };
    const echo = models.find((model) => model.id === 'tollgate/echo');
    expect(`$${String(echo?.price_per_1k_tokens)}/1k tokens`).toBe('$0.0001 in / $0.0004 out/1k tokens');
    expect(echo?.price_per_1k_tokens_usd).toEqual({ input: '0.0001', output: '0.0004' });
    for (const model of models) expect(`$${String(model.price_per_1k_tokens)}/1k tokens`).not.toContain('[object Object]');
  });

  it.each(LIGHTNINGPROX_MODELS)('knows %s by LightningProx’s name', async (model) => {
    const response = await chat(gateway.apiKey, model, 16);
    // Without provider keys here the model is known but unconfigured (503), never unknown (400 model_not_found).
    const body = (await response.json()) as { code?: string };
    expect(body.code).not.toBe('model_not_found');
    expect([200, 503]).toContain(response.status);
  });

  it('serves POST /v1/chat in the OpenAI chat-completions format', async () => {
    const response = await fetch(`${gateway.url}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tollgate/echo', messages: [{ role: 'user', content: 'one two' }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'one two' } }] });
  });

  it('takes images as image_url parts on /v1/messages, as LightningProx documents', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const response = await lightningProx('/v1/messages', gateway.apiKey, {
      model: 'tollgate/echo',
      max_tokens: 32,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }, { type: 'text', text: 'what is this' }] }],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: '[image] what is this' }] });
  });
});
