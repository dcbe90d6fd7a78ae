import type { ChatCompletionRequest } from '@tollgate/schemas';
import { ProviderError, UnsupportedSettingError } from '../provider-error';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason';
import { mapImage } from './map-anthropic-messages';
import { mapAnthropicRequest, mapAnthropicToolChoice } from './map-anthropic-request';

const mapInput = { upstreamModelId: 'claude-haiku-4-5-20251001', stream: false, provider: 'anthropic', maxOutputTokens: 64000 };
const base: ChatCompletionRequest = { model: 'anthropic/claude-haiku-4.5', messages: [{ role: 'user', content: 'Hi' }] };
const weatherTool = { type: 'function' as const, function: { name: 'get_weather' } };

describe('mapAnthropicRequest', () => {
  it('always sends the output budget as max_tokens, whatever the request says, without a warning', () => {
    expect(mapAnthropicRequest(base, mapInput).body.max_tokens).toBe(64000);
    const budget = { ...mapInput, maxOutputTokens: 1 };
    expect(mapAnthropicRequest({ ...base, max_tokens: 300 }, budget).body.max_tokens).toBe(1);
    const conflicting = mapAnthropicRequest({ ...base, max_completion_tokens: 1, max_tokens: 40000 }, budget);
    expect(conflicting.body.max_tokens).toBe(1);
    expect(conflicting.body).not.toHaveProperty('max_completion_tokens');
    expect(conflicting.warnings).toEqual([]);
  });

  it('sends temperature up to 1 unchanged, and stop as stop_sequences', () => {
    const { body, warnings } = mapAnthropicRequest({ ...base, temperature: 1, stop: ['###', 'END'] }, mapInput);
    expect(body).toMatchObject({ temperature: 1, stop_sequences: ['###', 'END'] });
    expect(warnings).toEqual([]);
  });

  it('gives a tool without parameters an empty object schema and leaves tool_choice out when unset', () => {
    const { body } = mapAnthropicRequest({ ...base, tools: [weatherTool] }, mapInput);
    expect(body.tools).toEqual([{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }]);
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('sends no tool_choice when no tools are sent', () => {
    const { body } = mapAnthropicRequest({ ...base, tool_choice: 'auto', parallel_tool_calls: false }, mapInput);
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('merges consecutive messages of the same role so turns alternate', () => {
    const { body } = mapAnthropicRequest(
      {
        ...base,
        messages: [
          { role: 'user', content: 'First.' },
          { role: 'user', content: [{ type: 'text', text: 'Second.' }] },
          { role: 'assistant', content: 'One.' },
          { role: 'assistant', content: [{ type: 'text', text: 'Two.' }] },
        ],
      },
      mapInput,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'First.' }, { type: 'text', text: 'Second.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }] },
    ]);
  });

  it('lifts every system message, wherever it stands, and drops empty assistant text beside tool calls', () => {
    const { body } = mapAnthropicRequest(
      {
        ...base,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: '', tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
          { role: 'tool', tool_call_id: 't1', content: 'sunny' },
          { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
        ],
      },
      mapInput,
    );
    expect(body.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Answer in French.' },
    ]);
    expect(body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] });
    expect(body.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] });
  });

  it('refuses tool-call arguments that are not a JSON object rather than replacing them', () => {
    const call = (args: string): ChatCompletionRequest => ({
      ...base,
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: args } }] },
      ],
    });
    for (const args of ['{"city":', '[1]', '42']) {
      expect(() => mapAnthropicRequest(call(args), mapInput)).toThrow(ProviderError);
    }
    expect(() => mapAnthropicRequest(call('{"city":'), mapInput)).toThrow(expect.objectContaining({ statusCode: 400, isRetryable: false }));
  });

  it('reports message names, non-auto image detail and strict tools as unsupported', () => {
    const request: ChatCompletionRequest = {
      ...base,
      messages: [
        {
          role: 'user',
          name: 'alice',
          content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'high' } }],
        },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
    };
    expect(mapAnthropicRequest(request, mapInput).warnings.map((warning) => warning.setting)).toEqual([
      'messages.name',
      'image_url.detail',
      'tools.function.strict',
    ]);
    expect(() => mapAnthropicRequest(request, { ...mapInput, strict: true })).toThrow(UnsupportedSettingError);
  });

  it('treats response_format text and zero penalties as the defaults they are', () => {
    const { warnings } = mapAnthropicRequest({ ...base, response_format: { type: 'text' }, frequency_penalty: 0, presence_penalty: 0, n: 1 }, mapInput);
    expect(warnings).toEqual([]);
  });

  it('reports json_schema response formats', () => {
    const request: ChatCompletionRequest = { ...base, response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } } };
    expect(mapAnthropicRequest(request, mapInput).warnings).toEqual([
      { setting: 'response_format', message: 'response_format json_schema is not supported by anthropic and was not sent' },
    ]);
    expect(() => mapAnthropicRequest(request, { ...mapInput, strict: true })).toThrow(
      expect.objectContaining({ setting: 'response_format', message: 'response_format json_schema is not supported by anthropic' }),
    );
  });
});

describe('mapAnthropicToolChoice', () => {
  it.each([
    ['auto', undefined, { type: 'auto' }],
    ['required', undefined, { type: 'any' }],
    ['none', undefined, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    ['auto', false, { type: 'auto', disable_parallel_tool_use: true }],
    ['required', false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'function', function: { name: 'f' } }, false, { type: 'tool', name: 'f', disable_parallel_tool_use: true }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['none', false, { type: 'none' }],
    [undefined, true, undefined],
    [undefined, undefined, undefined],
  ] as const)('%j with parallel_tool_calls %s → %j', (choice, parallel, expected) => {
    expect(mapAnthropicToolChoice(choice, parallel)).toEqual(expected);
  });
});

describe('mapImage', () => {
  it('passes URLs and splits base64 data URLs', () => {
    expect(mapImage('http://example.com/x.gif')).toEqual({ type: 'image', source: { type: 'url', url: 'http://example.com/x.gif' } });
    expect(mapImage('data:image/JPEG;base64,/9j/4AAQ')).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } });
  });
});

describe('mapAnthropicFinishReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
    ['something_new', 'stop'],
  ] as const)('%s → %s', (reason, expected) => {
    expect(mapAnthropicFinishReason(reason)).toBe(expected);
  });
});
