import { chatCompletionRequestSchema } from './chat-completion-request';
import { meteringEventSchema } from './metering-event';

describe('chatCompletionRequestSchema', () => {
  it('accepts every field of the public contract', () => {
    const request = {
      model: 'anthropic/claude-sonnet-4.5',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"answer":42}' },
      ],
      stream: true,
      temperature: 2,
      max_tokens: 100,
      top_p: 0,
      top_k: 40,
      frequency_penalty: -2,
      presence_penalty: 2,
      stop: ['\n\n', 'END'],
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'lookup', description: 'find', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
    };
    expect(chatCompletionRequestSchema.parse(request)).toEqual(request);
  });

  it('refuses what the contract excludes', () => {
    const base = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect(chatCompletionRequestSchema.safeParse({ ...base, messages: [] }).success).toBe(false);
    expect(chatCompletionRequestSchema.safeParse({ ...base, temperature: 2.01 }).success).toBe(false);
    expect(chatCompletionRequestSchema.safeParse({ ...base, n: 2 }).success).toBe(false);
    expect(chatCompletionRequestSchema.safeParse({ ...base, messages: [{ role: 'assistant' }] }).success).toBe(false);
    expect(chatCompletionRequestSchema.safeParse({ ...base, surprise: true }).success).toBe(false);
  });
});

describe('meteringEventSchema', () => {
  it('refuses request ids BullMQ cannot use as job ids', () => {
    const ids = ['12345678', 'req:with:colons', 'short'];
    for (const requestId of ids) {
      const parsed = meteringEventSchema.safeParse({ version: 1, requestId });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.some((issue) => issue.path[0] === 'requestId')).toBe(true);
    }
  });
});
