import type { ChatCompletionRequest } from '@tollgate/schemas';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import type { StreamPart } from '../chat-model';
import { testCallOptions } from '../testing/stream-test-support';
import { EchoModel } from './echo-model';

const model = new EchoModel();
const says = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'tollgate/echo',
  messages: [{ role: 'user', content }],
  ...extra,
});

async function streamed(request: ChatCompletionRequest, maxOutputTokens: number): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of model.stream(request, testCallOptions({ maxOutputTokens }))) parts.push(part);
  return parts;
}

describe('EchoModel', () => {
  it('echoes the last message with its usage, stopping normally within the budget', async () => {
    const result = await model.generate(says('Hello there, gateway!'), testCallOptions({ maxOutputTokens: 100 }));
    expect(result).toMatchObject({ text: 'Hello there, gateway!', finishReason: 'stop' });
    expect(result.usage).toMatchObject({ outputTokens: countO200k('Hello there, gateway!'), inputTokens: countO200k('Hello there, gateway!') + 6 });
  });

  it("honours the output budget, not the request's max_tokens / max_completion_tokens (finish reason length)", async () => {
    const request = says('one two three four five six', { max_completion_tokens: 1, max_tokens: 40000 });
    const result = await model.generate(request, testCallOptions({ maxOutputTokens: 3 }));
    expect(result).toMatchObject({ text: 'one two three', finishReason: 'length', usage: { outputTokens: 3 } });
    const parts = await streamed(request, 3);
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => (part.type === 'text-delta' ? part.text : ''))).toEqual(['one', ' two', ' three']);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length', usage: { outputTokens: 3 } });
  });

  it('answers 4 MiB prompts of one character, of whitespace and of short words without raw BPE over them', async () => {
    const fourMiB = 4 * 1024 * 1024;
    const run = await model.generate(says('q'.repeat(fourMiB)), testCallOptions({ maxOutputTokens: 4096 }));
    expect(run).toMatchObject({ text: '', finishReason: 'length' });
    expect(run.usage?.inputTokens).toBeGreaterThan(fourMiB / 16);
    const blank = await model.generate(says(' '.repeat(fourMiB)), testCallOptions({ maxOutputTokens: 4096 }));
    expect(blank).toMatchObject({ text: '', finishReason: 'length' });
    const words = await model.generate(says('ab '.repeat(fourMiB / 3)), testCallOptions({ maxOutputTokens: 4096 }));
    expect(words.finishReason).toBe('length');
    expect(words.usage?.outputTokens).toBeLessThanOrEqual(4096);
  });

  it('answers an empty conversation or empty content with nothing rather than failing', async () => {
    const empty = await model.generate({ model: 'tollgate/echo', messages: [] }, testCallOptions());
    expect(empty).toMatchObject({ text: '', finishReason: 'stop' });
  });
});
