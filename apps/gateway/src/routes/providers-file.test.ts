import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { gatewayProviders } from '@tollgate/providers';
import { startReplayServer, type ReplayResponse, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * Endpoints declared only in a PROVIDERS_FILE, served like built-in providers: listed with their prices, answering
 * both APIs through the official SDKs against a loopback stand-in, priced exactly from the file.
 */
describe('providers from PROVIDERS_FILE, through the gateway', () => {
  // Prices per million tokens: input 0.25, output 2.5, reasoning 3, cache read 0.125. The stand-in reports 20 prompt
  // tokens (8 of them cached) and 30 completion tokens (10 of them reasoning):
  // 12 × 0.25 + 8 × 0.125 + 20 × 2.5 + 10 × 3 = 3 + 1 + 50 + 30 = 84 micro-dollars; commission 10%.
  const cost = { base: '0.000084', commission: '0.0000084', total: '0.0000924' };
  const usage = { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 10 } };
  const answer: ReplayResponse = {
    json: { id: 'chatcmpl-lab-1', object: 'chat.completion', created: 1764000000, model: 'lab-fast-1', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the lab.' }, finish_reason: 'stop' }], usage },
  };
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'chatcmpl-lab-2', object: 'chat.completion.chunk', created: 1764000000, model: 'lab-fast-1', choices: [{ index: 0, delta, finish_reason: null }], ...extra });
  // The quirk under test (streamUsageOption: false, like Mistral): usage comes in the last chunk without being asked.
  const streamed: ReplayResponse = {
    sse: [
      chunk({ role: 'assistant', content: 'Hello ' }),
      chunk({ content: 'from the lab.' }),
      JSON.stringify({ id: 'chatcmpl-lab-2', object: 'chat.completion.chunk', created: 1764000000, model: 'lab-fast-1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage }),
    ],
    done: true,
  };
  const prices = { input: '0.25', output: '2.5', reasoning: '3', cacheRead: '0.125' };
  const messages = [{ role: 'user' as const, content: 'Say hello.' }];
  let directory: string;
  let upstream: ReplayServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startReplayServer();
    directory = mkdtempSync(path.join(tmpdir(), 'providers-file-'));
    const file = path.join(directory, 'providers.json');
    writeFileSync(
      file,
      JSON.stringify({
        providers: [
          {
            id: 'lab',
            baseUrl: `${upstream.url}/v1`,
            apiKeyEnv: 'LAB_API_KEY',
            headers: { 'X-Lab-Tenant': 'tenant-secret-0042' },
            quirks: { streamUsageOption: false },
            models: [{ id: 'fast', upstreamId: 'lab-fast-1', aliases: ['lab-fast'], prices, contextWindow: 128000, maxOutputTokens: 4096 }],
          },
          {
            id: 'azure-lab',
            baseUrl: upstream.url,
            apiKeyEnv: 'AZURE_LAB_API_KEY',
            azure: { apiVersion: '2024-10-21' },
            models: [{ id: 'gpt-4o', azure: { deployment: 'gpt-4o-prod' }, prices, contextWindow: 128000, maxOutputTokens: 16384 }],
          },
          { id: 'keyless-lab', baseUrl: `${upstream.url}/v1`, keyless: true, models: [{ id: 'small', upstreamId: 'small-1', prices, contextWindow: 8192, maxOutputTokens: 1024 }] },
          { id: 'offline', baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'OFFLINE_API_KEY', models: [{ id: 'big', upstreamId: 'offline-big', prices, contextWindow: 8192, maxOutputTokens: 1024 }] },
        ],
      }),
    );
    // As main.ts does: the file is read before the configuration, which then validates the file's settings.
    const providers = gatewayProviders({ PROVIDERS_FILE: file });
    gateway = await startTestGateway({ LAB_API_KEY: 'lab-test-key-1', AZURE_LAB_API_KEY: 'azure-test-key-1' }, { providers });
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('lists the file’s models in /v1/models and /api/capabilities with their prices; one without its key set is unavailable', async () => {
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data.find((model) => model.id === 'lab/fast')).toMatchObject({
      owned_by: 'lab',
      upstream_id: 'lab-fast-1',
      aliases: ['lab-fast'],
      pricing: { currency: 'USD', unit: 'per_million_tokens', ...prices },
      available: true,
    });
    expect(models.data.find((model) => model.id === 'azure-lab/gpt-4o')).toMatchObject({ upstream_id: 'gpt-4o-prod', available: true });
    expect(models.data.find((model) => model.id === 'keyless-lab/small')).toMatchObject({ available: true });
    expect(models.data.find((model) => model.id === 'offline/big')).toMatchObject({ available: false });
    expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['openai/gpt-4o', 'tollgate/echo']));
    const capabilities = (await (await fetch(`${gateway.url}/api/capabilities`)).json()) as { models: Array<Record<string, unknown>> };
    expect(capabilities.models.find((model) => model.id === 'lab/fast')).toMatchObject({ provider: 'lab', price_per_million_tokens: { input: '0.25', output: '2.5' }, available: true });

    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions.create({ model: 'offline/big', messages }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503 });
    expect((error as Error).message).toContain('offline is not configured on this gateway');
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers chat completions, JSON and streamed, priced exactly, with the quirk and the extra header upstream', async () => {
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    upstream.enqueue(answer, streamed);
    const { data, response } = await client.chat.completions.create({ model: 'lab-fast', messages }).withResponse();
    expect(data).toMatchObject({ model: 'lab/fast', choices: [{ message: { content: 'Hello from the lab.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 30, cost } });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({
      provider: 'lab',
      model: 'lab/fast',
      status: 'ok',
      streamed: false,
      usage: { inputTokens: 12, cacheReadTokens: 8, outputTokens: 20, reasoningTokens: 10, source: 'reported' },
      prices,
      cost,
    });

    const { data: stream, response: streamResponse } = await client.chat.completions.create({ model: 'lab/fast', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
    let text = '';
    let reported: unknown;
    for await (const part of stream) {
      text += part.choices[0]?.delta.content ?? '';
      if (part.usage) reported = part.usage;
    }
    expect(text).toBe('Hello from the lab.');
    expect(reported).toMatchObject({ prompt_tokens: 20, completion_tokens: 30 });
    expect(await gateway.meteringEvent(streamResponse.headers.get('x-tollgate-request-id') as string)).toMatchObject({ provider: 'lab', status: 'ok', streamed: true, cost });

    const [json, sse] = upstream.requests;
    expect(json).toMatchObject({ url: '/v1/chat/completions', headers: { authorization: 'Bearer lab-test-key-1', 'x-lab-tenant': 'tenant-secret-0042' }, body: { model: 'lab-fast-1', messages, max_tokens: 4096 } });
    expect(sse.body).toMatchObject({ model: 'lab-fast-1', stream: true });
    expect(sse.body).not.toHaveProperty('stream_options'); // the quirk: this endpoint is not asked for usage
  });

  it('answers the Anthropic Messages API too, JSON and streamed, priced the same', async () => {
    const client = new Anthropic({ apiKey: gateway.apiKey, baseURL: gateway.url, maxRetries: 0 });
    upstream.enqueue(answer, streamed);
    const { data: message, response } = await client.messages.create({ model: 'lab/fast', max_tokens: 64, messages }).withResponse();
    expect(message).toMatchObject({ content: [{ type: 'text', text: 'Hello from the lab.' }], stop_reason: 'end_turn' });
    expect(await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string)).toMatchObject({ provider: 'lab', streamed: false, cost });

    const { data: events, response: streamResponse } = await client.messages.create({ model: 'lab/fast', max_tokens: 64, messages, stream: true }).withResponse();
    let text = '';
    for await (const event of events) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    expect(text).toBe('Hello from the lab.');
    expect(await gateway.meteringEvent(streamResponse.headers.get('x-tollgate-request-id') as string)).toMatchObject({ provider: 'lab', streamed: true, cost });
    expect(upstream.requests.map((request) => (request.body as { max_tokens: number }).max_tokens)).toEqual([64, 64]);
  });

  it('calls an Azure deployment at its path with the api-version query and the key in api-key', async () => {
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    upstream.enqueue(answer);
    const data = await client.chat.completions.create({ model: 'azure-lab/gpt-4o', messages });
    expect(data.usage).toMatchObject({ cost });
    const [request] = upstream.requests;
    expect(request.url).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(request.headers['api-key']).toBe('azure-test-key-1');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('sends no credential to a keyless endpoint', async () => {
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    upstream.enqueue(answer);
    await client.chat.completions.create({ model: 'keyless-lab/small', messages });
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/chat/completions', body: { model: 'small-1' } });
    expect(upstream.requests[0].headers.authorization).toBeUndefined();
    expect(upstream.requests[0].headers['api-key']).toBeUndefined();
  });
});
