import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { PROVIDER_DEFINITIONS, type ProviderDefinition } from '@tollgate/providers';
import { ACME_RECORDINGS, acmeProvider } from '@tollgate/providers/testing';
import { startReplayServer, type ReplayServer } from '@tollgate/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * A native provider added as one folder plus one registry line is served end to end: Acme (a made-up provider with
 * a wire format of its own, in libs/providers/src/testing/fixture-providers/acme/) is listed with its prices and
 * answers both APIs through the official SDKs, priced exactly from its folder's models.json.
 */
describe('a provider folder plus one registry line, through the gateway', () => {
  const providers: readonly ProviderDefinition[] = [...PROVIDER_DEFINITIONS, acmeProvider];
  // 12 input tokens at 0.5 and 30 output tokens at 1.5 USD per million: 0.000006 + 0.000045; commission 10%.
  const cost = { base: '0.000051', commission: '0.0000051', total: '0.0000561' };
  let upstream: ReplayServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startReplayServer();
    gateway = await startTestGateway({ ACME_BASE_URL: `${upstream.url}/v2`, ACME_API_KEY: 'acme-test-key-1' }, { providers });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('lists its models in /v1/models and /api/capabilities with their prices, available', async () => {
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data.find((model) => model.id === 'acme/fast')).toMatchObject({
      owned_by: 'acme',
      upstream_id: 'acme-fast-1',
      aliases: ['acme-fast'],
      pricing: { currency: 'USD', unit: 'per_million_tokens', input: '0.5', output: '1.5' },
      available: true,
    });
    expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['acme/deep', 'openai/gpt-4o', 'tollgate/echo']));
    const capabilities = (await (await fetch(`${gateway.url}/api/capabilities`)).json()) as { models: Array<Record<string, unknown>> };
    expect(capabilities.models.find((model) => model.id === 'acme/deep')).toMatchObject({ provider: 'acme', price_per_million_tokens: { input: '3.25', output: '12.75' }, available: true });
  });

  it('answers chat completions, JSON and streamed, each metered with its exact cost', async () => {
    const client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    upstream.enqueue(ACME_RECORDINGS.textJson, ACME_RECORDINGS.textStream);
    const { data, response } = await client.chat.completions.create({ model: 'acme-fast', messages: [{ role: 'user', content: 'Say hello.' }] }).withResponse();
    expect(data).toMatchObject({ model: 'acme/fast', choices: [{ message: { content: ACME_RECORDINGS.text }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 30, cost } });
    const event = await gateway.meteringEvent(response.headers.get('x-tollgate-request-id') as string);
    expect(event).toMatchObject({ provider: 'acme', model: 'acme/fast', status: 'ok', streamed: false, usage: { inputTokens: 12, outputTokens: 30, source: 'reported' }, cost });

    const { data: stream, response: streamed } = await client.chat.completions
      .create({ model: 'acme/fast', messages: [{ role: 'user', content: 'Say hello.' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(ACME_RECORDINGS.text);
    expect(await gateway.meteringEvent(streamed.headers.get('x-tollgate-request-id') as string)).toMatchObject({ provider: 'acme', status: 'ok', streamed: true, cost });
    // The output budget the gateway reserved is what went upstream, in Acme's own spelling.
    expect(upstream.requests[0]).toMatchObject({ url: '/v2/complete', headers: { 'x-acme-key': 'acme-test-key-1' }, body: { engine: 'acme-fast-1', turns: [{ speaker: 'user', text: 'Say hello.' }], stream: false } });
    expect((upstream.requests[0].body as { max_new_tokens: number }).max_new_tokens).toBe(4096);
  });

  it('answers the Anthropic Messages API too, and retries its 429', async () => {
    const client = new Anthropic({ apiKey: gateway.apiKey, baseURL: gateway.url, maxRetries: 0 });
    upstream.enqueue(ACME_RECORDINGS.rateLimited, ACME_RECORDINGS.textJson);
    const message = await client.messages.create({ model: 'acme/fast', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello.' }] });
    expect(message).toMatchObject({ content: [{ type: 'text', text: ACME_RECORDINGS.text }], stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 30 } });
  });
});
