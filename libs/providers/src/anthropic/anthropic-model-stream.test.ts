import type { ChatCompletionRequest } from '@tollgate/schemas';
import { fixtureChunks, startReplayServer, type ReplayServer } from '@tollgate/testing';
import type { StreamPart } from '../chat-model';
import { createUpstreamAgent, DEFAULT_TIMEOUTS } from '../http/upstream-http';
import { ProviderError } from '../provider-error';
import { AnthropicModel } from './anthropic-model';

const usage = (counts: { input: number; output: number; cacheRead?: number; cacheWrite?: number }) => ({
  inputTokens: counts.input,
  outputTokens: counts.output,
  reasoningTokens: 0,
  cacheReadTokens: counts.cacheRead ?? 0,
  cacheWriteTokens: counts.cacheWrite ?? 0,
  source: 'reported',
});

const textOf = (parts: StreamPart[], type: 'text-delta' | 'reasoning-delta') =>
  parts.flatMap((part) => (part.type === type ? [part.text] : [])).join('');

/** Tool calls assembled from their deltas, by index. */
function toolCallsOf(parts: StreamPart[]) {
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const part of parts) {
    if (part.type !== 'tool-call-delta') continue;
    const call = (calls[part.index] ??= { arguments: '' });
    if (part.id) call.id = part.id;
    if (part.name) call.name = part.name;
    call.arguments += part.argumentsDelta;
  }
  return calls;
}

/** A recorded event line, re-serialised with changes (for cases no recording covers). */
const event = (payload: Record<string, unknown>) => JSON.stringify(payload);

describe('AnthropicModel streaming (Anthropic recordings)', () => {
  let upstream: ReplayServer;
  let model: AnthropicModel;
  const agent = createUpstreamAgent(DEFAULT_TIMEOUTS);
  const request: ChatCompletionRequest = {
    model: 'anthropic/claude-sonnet-4.5',
    messages: [{ role: 'user', content: 'Hello, how are you?' }],
    max_tokens: 512,
  };
  const options = () => ({ signal: new AbortController().signal, requestId: 'req-test-0002', maxOutputTokens: 512 });

  async function collect(call: ChatCompletionRequest = request): Promise<StreamPart[]> {
    const parts: StreamPart[] = [];
    for await (const part of model.stream(call, options())) parts.push(part);
    return parts;
  }

  function replay(sse: string[], dropAfter?: number) {
    upstream.enqueue({ sse, eventNames: true, dropAfter });
  }

  beforeEach(async () => {
    upstream = await startReplayServer();
    model = new AnthropicModel('claude-sonnet-4-5-20250929', {
      provider: 'anthropic',
      baseUrl: upstream.url,
      apiKey: 'sk-ant-test',
      agent,
    });
  });
  afterEach(() => upstream.close());
  afterAll(() => agent.close());

  it('streams text and finishes with the usage of message_start and message_delta', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-text'));
    const parts = await collect();
    expect(parts[0]).toEqual({ type: 'stream-start', warnings: [], providerResponseId: 'msg_01QC4g3HwBThD4BaNtBckFDJ' });
    expect(parts.filter((part) => part.type === 'stream-start')).toHaveLength(1);
    expect(textOf(parts, 'text-delta')).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?");
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: usage({ input: 12, output: 30 }) });
    expect(upstream.requests[0]).toMatchObject({ url: '/v1/messages', headers: { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' } });
    expect(upstream.requests[0].body).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 512,
      messages: [{ role: 'user', content: 'Hello, how are you?' }],
      stream: true,
    });
  });

  it('streams a tool call: id and name first, then the argument text', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-json-tool.1'));
    const parts = await collect();
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    expect(deltas[0]).toEqual({ type: 'tool-call-delta', index: 0, id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', name: 'json', argumentsDelta: '' });
    expect(deltas.slice(1).every((part) => part.id === undefined && part.name === undefined)).toBe(true);
    const calls = toolCallsOf(parts);
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0].arguments)).toEqual({ elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'tool_calls', usage: usage({ input: 849, output: 47 }) });
  });

  it('numbers tool calls among tool calls (not content blocks) and gives a call without arguments {}', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-tool-no-args'));
    const parts = await collect();
    expect(textOf(parts, 'text-delta')).toBe("I'll update the issue list for you.");
    expect(parts.filter((part) => part.type === 'tool-call-delta').map((part) => part.index)).toEqual([0, 0]);
    expect(toolCallsOf(parts)).toEqual([{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', arguments: '{}' }]);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'tool_calls', usage: usage({ input: 565, output: 48 }) });
  });

  it('takes the input tokens of message_delta over those of message_start', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-message-delta-input-tokens'));
    const parts = await collect();
    expect(textOf(parts, 'text-delta')).toBe('pong');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: usage({ input: 61, output: 2 }) });
  });

  it('maps a streamed refusal to content_filter', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-refusal'));
    const parts = await collect();
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'finish']);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'content_filter', usage: usage({ input: 18, output: 5 }) });
  });

  it('ignores a repeated message_start: one stream-start, input counted once', async () => {
    replay(fixtureChunks('anthropic', 'duplicate-message-start'));
    const parts = await collect();
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'finish']);
    expect(parts[0]).toMatchObject({ providerResponseId: 'msg_dup' });
    expect(textOf(parts, 'text-delta')).toBe('Hello, World!');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: usage({ input: 17, output: 227 }) });
  });

  it('streams thinking as reasoning, ignores signatures, and counts cache reads and writes', async () => {
    replay([
      event({ type: 'message_start', message: { id: 'msg_think', usage: { input_tokens: 9, output_tokens: 1, cache_read_input_tokens: 4096, cache_creation_input_tokens: 1024 } } }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Greeting; ' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'answer briefly.' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'RXVnZW5l' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi!' } }),
      event({ type: 'content_block_stop', index: 1 }),
      event({ type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 64 } }),
      event({ type: 'message_stop' }),
    ]);
    const parts = await collect();
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'reasoning-delta', 'reasoning-delta', 'text-delta', 'finish']);
    expect(textOf(parts, 'reasoning-delta')).toBe('Greeting; answer briefly.');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'length', usage: usage({ input: 9, output: 64, cacheRead: 4096, cacheWrite: 1024 }) });
  });

  it('ends a stream cut mid-way with an error part carrying the usage seen so far', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-text'), 5);
    const parts = await collect();
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'text-delta', 'error']);
    const last = parts.at(-1);
    expect(last).toMatchObject({ type: 'error', usage: usage({ input: 12, output: 1 }) });
    expect(last?.type === 'error' && last.error).toBeInstanceOf(ProviderError);
    expect(last?.type === 'error' && last.error).toMatchObject({ reachedModel: true, isRetryable: false });
  });

  it('ends a stream that closes without message_stop with an error part', async () => {
    replay(fixtureChunks('anthropic', 'anthropic-text').slice(0, -1));
    const parts = await collect();
    expect(textOf(parts, 'text-delta')).toMatch(/^Hello! I'm doing well/);
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { message: 'anthropic stream ended before message_stop', statusCode: 502, reachedModel: true, isRetryable: false },
      usage: usage({ input: 12, output: 30 }),
    });
  });

  it('maps an error event after content to an error part with its status and type', async () => {
    const [start, blockStart, , hello] = fixtureChunks('anthropic', 'anthropic-text');
    replay([start, blockStart, hello, event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    const parts = await collect();
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'error']);
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { statusCode: 529, isRetryable: true, upstreamCode: 'overloaded_error', message: 'anthropic stream error: Overloaded' },
      usage: usage({ input: 12, output: 1 }),
    });
  });

  it('throws an error event that arrives before anything was streamed, so the gateway can still retry', async () => {
    replay([event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    await expect(collect()).rejects.toMatchObject({ statusCode: 529, isRetryable: true, upstreamCode: 'overloaded_error', reachedModel: false });
  });

  it('turns a malformed event into an error part', async () => {
    const [start] = fixtureChunks('anthropic', 'anthropic-text');
    replay([start, event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 42 } })]);
    const parts = await collect();
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'error']);
    expect(parts.at(-1)).toMatchObject({ error: { statusCode: 502, isRetryable: false, reachedModel: true }, usage: usage({ input: 12, output: 1 }) });
  });

  it('throws a 429 before the stream starts', async () => {
    upstream.enqueue({ status: 429, json: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }, headers: { 'retry-after': '3' } });
    await expect(collect()).rejects.toMatchObject({ statusCode: 429, isRetryable: true, retryAfterMs: 3000, upstreamCode: 'rate_limit_error' });
  });
});
