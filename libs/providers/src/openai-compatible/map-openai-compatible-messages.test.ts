import type { ChatMessage } from '@tollgate/schemas';
import { OPENAI_QUIRKS } from '../openai/openai-api';
import { alphanumericToolCallId, mapOpenAiCompatibleMessages } from './map-openai-compatible-messages';
import { splitOpenAiCompatibleContent } from './map-openai-compatible-content';

describe('alphanumericToolCallId', () => {
  it('keeps an id that already has the shape', () => {
    expect(alphanumericToolCallId('gSIMJiOkT', 9)).toBe('gSIMJiOkT');
  });

  it('derives a stable id of the shape from any other id', () => {
    for (const id of ['call_46427107', 'chatcmpl-tool-9f149c74c42f265b', 'toolu_01A09q90qw90lq917835lq9', 'abc', 'gSIMJiOk_']) {
      const derived = alphanumericToolCallId(id, 9);
      expect(derived).toMatch(/^[A-Za-z0-9]{9}$/);
      expect(alphanumericToolCallId(id, 9)).toBe(derived);
    }
    expect(alphanumericToolCallId('call_1', 9)).not.toBe(alphanumericToolCallId('call_2', 9));
  });
});

describe('mapOpenAiCompatibleMessages', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Weather?', name: 'alice' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
  ];

  it('passes the conversation through unchanged for a provider without message quirks', () => {
    const report = jest.fn();
    expect(mapOpenAiCompatibleMessages(messages, OPENAI_QUIRKS, report)).toEqual(messages);
    expect(report).not.toHaveBeenCalled();
  });

  it('drops rejected fields (reported once each) and gives a call and its answer the same reshaped id, without touching the input', () => {
    const report = jest.fn();
    const copy = structuredClone(messages);
    const mapped = mapOpenAiCompatibleMessages(
      [...messages, { role: 'system', content: 'Be brief.', name: 'ops' }],
      { ...OPENAI_QUIRKS, unsupportedMessageFields: ['name'], alphanumericToolCallIds: { length: 9 } },
      report,
    );
    expect(report.mock.calls).toEqual([['messages[].name']]);
    expect(mapped[0]).toEqual({ role: 'user', content: 'Weather?' });
    const callId = (mapped[1]['tool_calls'] as Array<{ id: string }>)[0].id;
    expect(callId).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(mapped[2]).toEqual({ role: 'tool', tool_call_id: callId, content: 'sunny' });
    expect(messages).toEqual(copy);
  });
});

describe('splitOpenAiCompatibleContent', () => {
  it('reads strings, text parts, thinking parts, and skips other parts', () => {
    expect(splitOpenAiCompatibleContent(null)).toEqual({ text: null, reasoning: '' });
    expect(splitOpenAiCompatibleContent('Hi')).toEqual({ text: 'Hi', reasoning: '' });
    expect(
      splitOpenAiCompatibleContent([
        { type: 'thinking', thinking: [{ type: 'text', text: 'Hmm, ' }, { type: 'text', text: 'four.' }] },
        { type: 'reference', reference_ids: [1] },
        { type: 'text', text: '4' },
      ]),
    ).toEqual({ text: '4', reasoning: 'Hmm, four.' });
  });
});
