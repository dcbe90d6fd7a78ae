import OpenAI from 'openai';
import { loadCatalog } from '@tollgate/providers';
import type { MeteringEvent } from '@tollgate/schemas';
import { PROVIDER_REPLAYS, ssePayloads, startProviderReplays, type ProviderReplay } from '@tollgate/providers/testing';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

/**
 * The provider contract, run against every adapter through `POST /v1/chat/completions`: each provider's base URL
 * points at a loopback server replaying that provider's recorded wire format, and the caller sees the same behaviour
 * whichever provider answers.
 */
describe('provider contract: one behaviour whichever provider answers', () => {
  const catalog = loadCatalog();
  const question = 'What is the weather in San Francisco?';
  const messages = [{ role: 'user' as const, content: question }];
  // A 1×1 PNG.
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  let replays: Awaited<ReturnType<typeof startProviderReplays>>;
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    replays = await startProviderReplays();
    gateway = await startTestGateway({ ...replays.settings, UPSTREAM_MAX_ATTEMPTS: '2' });
    client = new OpenAI({ apiKey: gateway.apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await replays.close();
  });

  const upstreamIdOf = (model: string): string => {
    const entry = catalog.find(model);
    if (!entry) throw new Error(`${model} is not in the catalog`);
    return entry.upstreamId;
  };
  const post = (body: object, signal?: AbortSignal, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
  const requestIdOf = (response: Response) => response.headers.get('x-tollgate-request-id') as string;
  /** Waits for the request's metering event and checks that it is the only one the request produced. */
  const onlyEvent = async (requestId: string, eventsBefore: number): Promise<MeteringEvent> => {
    const event = await gateway.meteringEvent(requestId);
    expect(await gateway.queue.count()).toBe(eventsBefore + 1);
    return event;
  };
  const startsWith = (text: string | null | undefined, start: string) => expect((text ?? '').slice(0, start.length)).toBe(start);

  describe.each(PROVIDER_REPLAYS)('$provider', (replay: ProviderReplay) => {
    const upstream = () => replays.servers[replay.provider];
    beforeEach(() => {
      upstream().requests.length = 0;
    });

    it('answers text, with its usage and cost, metered once', async () => {
      upstream().enqueue(replay.textJson);
      const before = await gateway.queue.count();
      const { data, response } = await client.chat.completions.create({ model: replay.model, messages }).withResponse();
      expect(data).toMatchObject({ object: 'chat.completion', model: replay.model });
      startsWith(data.choices[0].message.content, replay.textJsonStart);
      expect(data.choices[0].finish_reason).toBe('stop');
      expect(data.usage).toMatchObject({ prompt_tokens: replay.textJsonTokens.prompt, completion_tokens: replay.textJsonTokens.completion });
      expect(upstream().requests).toHaveLength(1);
      expect(replay.upstreamModel(upstream().requests[0])).toBe(upstreamIdOf(replay.model));
      const event = await onlyEvent(requestIdOf(response), before);
      const cost = (data.usage as unknown as { cost: MeteringEvent['cost'] }).cost;
      expect(event).toMatchObject({ provider: replay.provider, model: replay.model, status: 'ok', streamed: false, usage: { source: 'reported' }, cost });
    });

    it('streams text in OpenAI chunks, with the usage chunk when asked', async () => {
      upstream().enqueue(replay.textStream);
      const before = await gateway.queue.count();
      const { data: stream, response } = await client.chat.completions
        .create({ model: replay.model, messages, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      let text = '';
      let finishReason: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        expect(chunk.model).toBe(replay.model);
        text += chunk.choices[0]?.delta.content ?? '';
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
        usage = chunk.usage ?? usage;
      }
      startsWith(text, replay.textStreamStart);
      expect(finishReason).toBe('stop');
      expect(usage).toMatchObject({ prompt_tokens: replay.textStreamTokens.prompt, completion_tokens: replay.textStreamTokens.completion });
      const event = await onlyEvent(requestIdOf(response), before);
      expect(event).toMatchObject({ provider: replay.provider, status: 'ok', streamed: true, usage: { source: 'reported' } });
      expect(upstream().requests[0].aborted).toBe(false);
    });

    it('round-trips a tool call: the assistant call and the tool result reach the upstream in its own format', async () => {
      const tools = [
        {
          type: 'function' as const,
          function: { name: replay.toolName, description: 'Answers with data', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
        },
      ];
      upstream().enqueue(replay.toolCallJson);
      const first = await client.chat.completions.create({ model: replay.model, messages, tools });
      expect(first.choices[0].finish_reason).toBe('tool_calls');
      const call = first.choices[0].message.tool_calls?.[0];
      if (call?.type !== 'function') throw new Error(`expected a function call, got ${JSON.stringify(first.choices[0].message)}`);
      expect(call).toMatchObject({ id: expect.any(String), function: { name: replay.toolName } });
      expect(typeof JSON.parse(call.function.arguments)).toBe('object');

      const result = '{"temperature":18,"condition":"foggy"}';
      upstream().enqueue(replay.textJson);
      const second = await client.chat.completions.create({
        model: replay.model,
        messages: [...messages, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: result }],
        tools,
      });
      startsWith(second.choices[0].message.content, replay.textJsonStart);
      expect(second.choices[0].finish_reason).toBe('stop');
      expect(upstream().requests).toHaveLength(2);
      expect(upstream().requests[1].body).toMatchObject(
        replay.toolRoundTripBody(question, { id: call.id, name: call.function.name, arguments: call.function.arguments }, result),
      );
    });

    it('streams a tool call: id and name first, then arguments that join into a JSON object', async () => {
      upstream().enqueue(replay.toolCallStream);
      const before = await gateway.queue.count();
      const { data: stream, response } = await client.chat.completions
        .create({ model: replay.model, messages, tools: [{ type: 'function', function: { name: replay.toolName, parameters: { type: 'object' } } }], stream: true })
        .withResponse();
      const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
      let finishReason: string | null = null;
      for await (const chunk of stream) {
        for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
          const call = (calls[delta.index] ??= { arguments: '' });
          if (delta.id) {
            expect(call.id).toBeUndefined(); // the id comes once, with the name
            call.id = delta.id;
            call.name = delta.function?.name;
          }
          call.arguments += delta.function?.arguments ?? '';
        }
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      }
      expect(finishReason).toBe('tool_calls');
      expect(calls).toEqual([{ id: expect.any(String), name: replay.toolName, arguments: expect.any(String) }]);
      expect(typeof JSON.parse(calls[0].arguments)).toBe('object');
      expect(await onlyEvent(requestIdOf(response), before)).toMatchObject({ status: 'ok', streamed: true, usage: { source: 'reported' } });
    });

    it('sends image input to the upstream in its own format', async () => {
      upstream().enqueue(replay.textJson);
      const text = 'What is in these images?';
      const httpsUrl = 'https://example.com/images/cat.png';
      const completion = await client.chat.completions.create({
        model: replay.model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
              { type: 'image_url', image_url: { url: httpsUrl } },
            ],
          },
        ],
      });
      startsWith(completion.choices[0].message.content, replay.textJsonStart);
      expect(upstream().requests[0].body).toMatchObject(replay.imageBody(text, { mediaType: 'image/png', data: png }, httpsUrl));
    });

    it('retries a 429 and succeeds, with one metering event', async () => {
      upstream().enqueue(replay.rateLimited, replay.textJson);
      const before = await gateway.queue.count();
      const { data, response } = await client.chat.completions.create({ model: replay.model, messages }).withResponse();
      startsWith(data.choices[0].message.content, replay.textJsonStart);
      expect(upstream().requests).toHaveLength(2);
      expect(await onlyEvent(requestIdOf(response), before)).toMatchObject({ model: replay.model, status: 'ok' });
    });

    it('falls back to the next model of `models` after repeated 500s, with one metering event', async () => {
      upstream().enqueue(replay.serverError, replay.serverError, replay.textJson);
      const before = await gateway.queue.count();
      const response = await post({ model: replay.model, models: [replay.fallbackModel], messages });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
      expect(body.model).toBe(replay.fallbackModel);
      startsWith(body.choices[0].message.content, replay.textJsonStart);
      expect(upstream().requests.map((request) => replay.upstreamModel(request))).toEqual([
        upstreamIdOf(replay.model),
        upstreamIdOf(replay.model),
        upstreamIdOf(replay.fallbackModel),
      ]);
      expect(await onlyEvent(requestIdOf(response), before)).toMatchObject({ model: replay.fallbackModel, provider: replay.provider, status: 'ok' });
    });

    it('ends a stream that fails mid-way with one SSE error event then [DONE], metered partial', async () => {
      upstream().enqueue({ ...replay.textStream, dropAfter: replay.dropAfter });
      const before = await gateway.queue.count();
      const response = await post({ model: replay.model, messages, stream: true });
      expect(response.status).toBe(200);
      const payloads = ssePayloads(await response.text());
      expect(payloads.at(-1)).toBe('[DONE]');
      const errors = payloads.filter((payload) => payload.startsWith('{"error"'));
      expect(errors).toEqual([payloads.at(-2)]);
      // The upstream connection dropped: the same error, in OpenAI's shape, whichever provider it was.
      expect(JSON.parse(errors[0])).toEqual({ error: { message: expect.stringContaining(replay.provider), type: 'api_error', code: expect.stringMatching(/^upstream_/) } });
      expect(payloads.slice(0, -2).some((payload) => /"content":"[^"]/.test(payload))).toBe(true);
      const event = await onlyEvent(requestIdOf(response), before);
      expect(event).toMatchObject({ provider: replay.provider, status: 'partial', streamed: true });
      expect(event.usage.outputTokens + event.usage.reasoningTokens).toBeGreaterThan(0);
      expect(Number(event.cost.total)).toBeGreaterThan(0);
    });

    it('aborts the upstream call when the caller disconnects mid-stream, and bills what was generated', async () => {
      upstream().enqueue({ ...replay.textStream, delayMs: 40 });
      const before = await gateway.queue.count();
      const controller = new AbortController();
      const response = await post({ model: replay.model, messages, stream: true }, controller.signal);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let received = '';
      while (!/"content":"[^"]/.test(received)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before any text: ${received}`);
        received += decoder.decode(value, { stream: true });
      }
      controller.abort();
      const event = await onlyEvent(requestIdOf(response), before);
      expect(event).toMatchObject({ provider: replay.provider, status: 'partial', errorCode: 'client_disconnected', streamed: true });
      expect(event.usage.outputTokens + event.usage.reasoningTokens).toBeGreaterThan(0);
      for (let waited = 0; !upstream().requests[0].aborted && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(upstream().requests[0].aborted).toBe(true);
    });

    /** The metering event of a request the caller left (no answer, so no request id: found by its x-request-id). */
    const leftEvent = async (traceId: string): Promise<MeteringEvent | undefined> => {
      for (let waited = 0; waited < 3_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const jobs = await gateway.queue.getJobs(['waiting', 'prioritized']);
        const event = jobs.map((job) => job.data as MeteringEvent).find((candidate) => candidate.clientRequestId === traceId);
        if (event) return event;
      }
      return undefined;
    };

    it('bills the prompt (estimated) when the caller leaves a stream before it starts, and stops the upstream', async () => {
      upstream().enqueue({ hang: true });
      const before = await gateway.queue.count();
      const controller = new AbortController();
      const traceId = `left-early-${replay.provider}-stream`;
      const pending = post({ model: replay.model, messages, stream: true }, controller.signal, { 'x-request-id': traceId }).catch((error: unknown) => error);
      for (let waited = 0; upstream().requests.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      expect(await pending).toMatchObject({ name: 'AbortError' });
      const event = await leftEvent(traceId);
      expect(event).toMatchObject({ provider: replay.provider, model: replay.model, status: 'partial', errorCode: 'client_disconnected', streamed: true });
      expect(event?.usage).toMatchObject({ source: 'estimated', outputTokens: 0 });
      expect(event?.usage.inputTokens).toBeGreaterThan(0);
      expect(await gateway.queue.count()).toBe(before + 1);
      expect(upstream().requests).toHaveLength(1);
      expect(upstream().requests[0].aborted).toBe(true);
    });

    it('reads a non-streaming answer to its end when the caller leaves, and bills the usage the provider reports', async () => {
      // The provider finishes (and bills) a non-streaming generation whether or not anyone waits for it.
      upstream().enqueue({ ...replay.textJson, delayMs: 300 });
      const before = await gateway.queue.count();
      const controller = new AbortController();
      const traceId = `left-early-${replay.provider}-json`;
      const pending = post({ model: replay.model, messages }, controller.signal, { 'x-request-id': traceId }).catch((error: unknown) => error);
      for (let waited = 0; upstream().requests.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      expect(await pending).toMatchObject({ name: 'AbortError' });
      const event = await leftEvent(traceId);
      expect(event).toMatchObject({ provider: replay.provider, model: replay.model, status: 'partial', errorCode: 'client_disconnected', streamed: false });
      expect(event?.usage.source).toBe('reported');
      expect(event?.usage.outputTokens).toBeGreaterThan(0);
      expect(await gateway.queue.count()).toBe(before + 1);
      expect(upstream().requests).toHaveLength(1);
      expect(upstream().requests[0].aborted).toBe(false);
    });
  });
});
